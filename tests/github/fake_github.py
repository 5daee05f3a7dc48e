"""A fake GitHub REST API on loopback: the issue-comment and commit->pulls endpoints.

Threaded (the action's steps run in subprocesses that call it), records every request so tests
can assert on calls and on what was sent, and can inject faults (5xx, secondary rate limits)
once per matching request. Pagination follows GitHub: ``per_page`` + ``page`` and a ``Link``
header with absolute ``next`` URLs.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT = "github-actions[bot]"


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    method: str
    path_pattern: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = '{"message": "injected"}'
    after: bool = False  # process the request, then answer with the fault (ambiguous write)


class FakeGitHub:
    def __init__(self, token: str) -> None:
        self.token = token
        self.lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.comments: dict[int, dict[str, Any]] = {}  # id -> comment (with "issue")
        self.pulls_by_commit: dict[str, list[dict[str, Any]]] = {}
        self.faults: list[Fault] = []
        self.next_id = 1000
        self.default_per_page = 30
        self.url = ""

    # -- test helpers ---------------------------------------------------------------------
    def add_comment(self, repo: str, issue: int, body: str, login: str = "someone") -> int:
        with self.lock:
            return self._create(repo, issue, body, login)

    def issue_comments(self, repo: str, issue: int) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.comments.values() if c["issue"] == issue and c["repo"] == repo]

    def calls(self, method: str, pattern: str = "") -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    def _create(self, repo: str, issue: int, body: str, login: str) -> int:
        self.next_id += 1
        cid = self.next_id
        self.comments[cid] = {
            "id": cid,
            "repo": repo,
            "issue": issue,
            "body": body,
            "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
            "html_url": f"https://github.com/{repo}/pull/{issue}#issuecomment-{cid}",
        }
        return cid

    # -- request handling -----------------------------------------------------------------
    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: Any
    ) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw_path)
        path, query = parts.path, parts.query
        with self.lock:
            self.requests.append(Recorded(method, path, query, headers, body))
            fault = next(
                (f for f in self.faults if f.method == method and re.search(f.path_pattern, path)),
                None,
            )
            if fault is not None:
                self.faults.remove(fault)
                if not fault.after:
                    return fault.status, fault.headers, json.loads(fault.body)
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {}, {"message": "Bad credentials"}
        status, extra, payload = self._route(method, path, parse_qs(query), body)
        if fault is not None:  # after-fault: processed, but the client sees a failure
            return fault.status, fault.headers, json.loads(fault.body)
        return status, extra, payload

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, dict[str, str], Any]:
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments", path)
        if m and method == "GET":
            repo, issue = m.group(1), int(m.group(2))
            per_page = int(query.get("per_page", [str(self.default_per_page)])[0])
            page = int(query.get("page", ["1"])[0])
            with self.lock:
                items = sorted(
                    (
                        c
                        for c in self.comments.values()
                        if c["issue"] == issue and c["repo"] == repo
                    ),
                    key=lambda c: c["id"],
                )
            chunk = items[(page - 1) * per_page : page * per_page]
            headers = {}
            if page * per_page < len(items):
                nxt = f"{self.url}{path}?per_page={per_page}&page={page + 1}"
                headers["Link"] = f'<{nxt}>; rel="next", <{self.url}{path}?page=1>; rel="first"'
            return 200, headers, [_public(c) for c in chunk]
        if m and method == "POST":
            repo, issue = m.group(1), int(m.group(2))
            with self.lock:
                cid = self._create(repo, issue, body["body"], BOT)
                return 201, {}, _public(self.comments[cid])
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", path)
        if m and method == "PATCH":
            with self.lock:
                comment = self.comments.get(int(m.group(2)))
                if comment is None:
                    return 404, {}, {"message": "Not Found"}
                if comment["user"]["login"] != BOT:
                    return 403, {}, {"message": "Resource not accessible by integration"}
                comment["body"] = body["body"]
                return 200, {}, _public(comment)
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/commits/([0-9a-f]+)/pulls", path)
        if m and method == "GET":
            with self.lock:
                return 200, {}, list(self.pulls_by_commit.get(m.group(2), []))
        return 404, {}, {"message": "Not Found"}


def _public(comment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comment.items() if k not in ("repo", "issue")}


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload = fake.handle(self.command, self.path, headers, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def running_github(token: str) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-github", daemon=True
    )
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
