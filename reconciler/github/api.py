"""A small GitHub REST client: the issue-comment and commit-to-PR calls the action needs.

Why not a GitHub SDK: four endpoints, and we need control over two things an SDK hides.
Retries: GET and PATCH are idempotent and retried on 5xx and rate limits; a POST that may have
reached GitHub is never blindly re-sent (that is how bots post duplicate comments) — the
upsert looks for its marker again first. Secrets: the token lives only in the request header;
it is never in a repr, an error message or a log line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from reconciler.errors import UserError
from reconciler.retry import RetryPolicy, parse_http_date, parse_retry_after

DEFAULT_API_URL = "https://api.github.com"


class GitHubError(UserError):
    """GitHub refused a call, or could not be reached after the retries."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _Ambiguous(Exception):
    """A non-idempotent request failed after it may have reached GitHub."""


GITHUB_RETRY = RetryPolicy(base=1.0, cap=60.0)
"""The shared policy (``reconciler.retry``) with GitHub's pace: its secondary rate limits ask
clients to back off for at least a second, doubling; a reset further away than the policy's
``max_retry_after`` fails the step with a clear message instead of holding the runner."""


@dataclass(frozen=True)
class UpsertResult:
    comment_id: int
    url: str
    created: bool


class GitHubAPI:
    """The calls the action makes, against ``api_url`` (GITHUB_API_URL on GitHub Enterprise)."""

    def __init__(
        self,
        token: str,
        *,
        api_url: str = DEFAULT_API_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not token:
            raise UserError(
                "no GitHub token: pass the action input `github-token` (default "
                "${{ github.token }}) and give the job `pull-requests: write`"
            )
        self._api_url = api_url.rstrip("/")
        self._origin = _origin(self._api_url)
        self._retry = retry or GITHUB_RETRY
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "fota-reconciler-action",
            },
        )

    def __repr__(self) -> str:
        return f"GitHubAPI(api_url={self._api_url!r}, token=***)"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GitHubAPI:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- endpoints -------------------------------------------------------------------------

    def iter_issue_comments(self, repo: str, number: int) -> Iterator[dict[str, Any]]:
        """Every comment of an issue or PR, following the Link header's ``next`` pages."""
        url: str | None = f"{self._api_url}/repos/{repo}/issues/{number}/comments?per_page=100"
        seen: set[str] = set()
        while url is not None:
            if url in seen:
                raise GitHubError(f"GitHub repeated the comment page {url}; giving up")
            seen.add(url)
            response = self._send("GET", url)
            items = response.json()
            if not isinstance(items, list):
                raise GitHubError(f"GitHub returned a non-list for GET {_path(url)}")
            yield from (item for item in items if isinstance(item, dict))
            url = self._next_link(response)

    def create_issue_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        url = f"{self._api_url}/repos/{repo}/issues/{number}/comments"
        return _object(self._send("POST", url, json={"body": body}, idempotent=False), url)

    def update_issue_comment(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        url = f"{self._api_url}/repos/{repo}/issues/comments/{comment_id}"
        return _object(self._send("PATCH", url, json={"body": body}), url)

    def pulls_for_commit(self, repo: str, sha: str) -> list[dict[str, Any]]:
        """Pull requests associated with a commit (how a merge commit finds its PR)."""
        url = f"{self._api_url}/repos/{repo}/commits/{sha}/pulls?per_page=100"
        items = self._send("GET", url).json()
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []

    # -- composite operations --------------------------------------------------------------

    def find_marked_comment(
        self, repo: str, number: int, marker: str, authors: frozenset[str] | None = None
    ) -> dict[str, Any] | None:
        """The comment whose first line is ``marker`` (quotes of it start with ``>``).

        ``authors`` restricts the search to comments written by those logins, so that anyone
        able to comment on a public PR cannot plant a marked comment the action would trust.
        """
        for item in self.iter_issue_comments(repo, number):
            body = item.get("body")
            if not isinstance(body, str) or body.split("\n", 1)[0].strip() != marker:
                continue
            user = item.get("user")
            login = user.get("login") if isinstance(user, dict) else None
            if authors is not None and login not in authors:
                continue
            return item
        return None

    def upsert_comment(
        self,
        repo: str,
        number: int,
        marker: str,
        body: str,
        authors: frozenset[str] | None = None,
    ) -> UpsertResult:
        """Update the marked comment in place, or create it: one comment per marker, ever."""
        if body.split("\n", 1)[0].strip() != marker:
            raise ValueError("the comment body must start with its marker line")
        for _ in range(3):
            existing = self.find_marked_comment(repo, number, marker, authors)
            if existing is not None:
                updated = self.update_issue_comment(repo, int(existing["id"]), body)
                return UpsertResult(int(existing["id"]), str(updated.get("html_url", "")), False)
            try:
                created = self.create_issue_comment(repo, number, body)
            except _Ambiguous:
                continue  # it may exist now: look again before any second POST
            return UpsertResult(int(created["id"]), str(created.get("html_url", "")), True)
        raise GitHubError(
            f"could not post the comment on {repo}#{number}: GitHub kept failing; re-run the job"
        )

    # -- transport -------------------------------------------------------------------------

    def _send(
        self, method: str, url: str, *, json: object = None, idempotent: bool = True
    ) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self._retry.max_attempts
            try:
                response = self._http.request(method, url, json=json)
            except httpx.TransportError as exc:
                if not idempotent and not isinstance(exc, httpx.ConnectError):
                    raise _Ambiguous() from None
                if last:
                    raise GitHubError(
                        f"cannot reach GitHub for {method} {_path(url)}: "
                        f"{exc.__class__.__name__}; check GITHUB_API_URL and re-run"
                    ) from None
                self._retry.sleep(self._retry.backoff(attempt))
                continue
            if response.status_code < 400:
                return response
            limited, wait = _rate_limited(response)
            if limited and not last:
                # Rate-limit refusals are not processed: safe to re-send even a POST.
                delay = self._retry.delay(attempt, wait)
                if delay is None:
                    raise GitHubError(
                        f"GitHub rate-limits {method} {_path(url)} for another {wait:.0f} s, "
                        "longer than the action waits; re-run the job later",
                        status=response.status_code,
                    )
                self._retry.sleep(delay)
                continue
            if response.status_code >= 500:
                if not idempotent:
                    raise _Ambiguous()
                delay = None if last else self._retry.delay(attempt, _retry_after(response))
                if delay is not None:
                    self._retry.sleep(delay)
                    continue
            raise _refused(method, url, response)

    def _next_link(self, response: httpx.Response) -> str | None:
        link = response.links.get("next")
        target = link.get("url") if link else None
        if not target:
            return None
        # Never send the token anywhere but the API we were given.
        if _origin(target) != self._origin:
            raise GitHubError(f"GitHub's next-page link points elsewhere ({_origin(target)})")
        return target


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path


def _object(response: httpx.Response, url: str) -> dict[str, Any]:
    data = response.json()
    if not isinstance(data, dict):
        raise GitHubError(f"GitHub returned a non-object for {_path(url)}")
    return data


def _retry_after(response: httpx.Response) -> float | None:
    return parse_retry_after(response.headers.get("retry-after"), _server_date(response))


def _server_date(response: httpx.Response) -> datetime | None:
    return parse_http_date(response.headers.get("date"))


def _rate_limited(response: httpx.Response) -> tuple[bool, float | None]:
    """Primary (403/429 with remaining 0) and secondary (403/429 + Retry-After) rate limits."""
    if response.status_code not in (403, 429):
        return False, None
    retry_after = _retry_after(response)
    if retry_after is not None:
        return True, retry_after
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset", "")
        now = _server_date(response)  # the reset is epoch seconds: measure on GitHub's clock
        if reset.isascii() and reset.isdigit() and now is not None:
            return True, max(0.0, float(reset) - now.timestamp())
        return True, None
    text = response.text.lower()
    if response.status_code == 429 or "secondary rate limit" in text:
        return True, None
    return False, None


def _refused(method: str, url: str, response: httpx.Response) -> GitHubError:
    detail = ""
    try:
        body = response.json()
        if isinstance(body, Mapping):
            detail = str(body.get("message", ""))
    except ValueError:
        detail = response.text[:200]
    hint = ""
    if response.status_code in (401, 403):
        hint = "; give the job `permissions: pull-requests: write` (fork PRs get a read-only token)"
    elif response.status_code == 404:
        hint = "; check the repository name and that the token can see it"
    return GitHubError(
        f"GitHub refused {method} {_path(url)}: {response.status_code} {detail}".rstrip() + hint,
        status=response.status_code,
    )
