"""What triggered the workflow, read from GITHUB_EVENT_PATH and the GITHUB_* variables.

Only the few facts the action decides on: which pull request (to comment on), whether it comes
from a fork (then the job has no secrets and planning degrades to validation), which commit was
pushed (to find the merged pull request on apply), and the commit before the change (the PR's
base, the push's ``before``) whose specs are the plan's baseline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import UserError


@dataclass(frozen=True)
class Event:
    name: str  # GITHUB_EVENT_NAME: pull_request, push, schedule, workflow_dispatch, ...
    repository: str  # owner/name
    sha: str  # GITHUB_SHA
    pr_number: int | None  # the pull request of a pull_request(_target) event
    head_sha: str | None  # the PR head commit (what the author pushed)
    from_fork: bool  # PR head lives in another repository: no secrets, read-only token
    base_sha: str | None = None  # pull_request.base.sha: the commit the PR is compared with
    before: str | None = None  # push: the branch tip before the push (None for a new branch)

    @property
    def is_pull_request(self) -> bool:
        return self.pr_number is not None


def read_event(environ: Mapping[str, str] | None = None) -> Event:
    """Read the event; a missing or unreadable event file is a clear error, not a traceback."""
    env = os.environ if environ is None else environ
    payload: dict[str, Any] = {}
    path = env.get("GITHUB_EVENT_PATH")
    if path:
        try:
            loaded = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UserError(
                f"{path}: cannot read the GitHub event ({exc.__class__.__name__}); "
                "run the action inside a GitHub Actions job"
            ) from None
        if isinstance(loaded, dict):
            payload = loaded
    return parse_event(env, payload)


def parse_event(env: Mapping[str, str], payload: Mapping[str, Any]) -> Event:
    """Pure part of :func:`read_event`, over the variables and the decoded payload."""
    repository = env.get("GITHUB_REPOSITORY") or _dig(payload, "repository", "full_name") or ""
    pull = payload.get("pull_request")
    pr_number: int | None = None
    head_sha: str | None = None
    from_fork = False
    if isinstance(pull, Mapping):
        number = pull.get("number", payload.get("number"))
        pr_number = int(number) if isinstance(number, (int, str)) and str(number) else None
        head_sha = _dig(pull, "head", "sha")
        head_repo = _dig(pull, "head", "repo", "full_name")
        base_repo = _dig(pull, "base", "repo", "full_name") or repository
        # A deleted fork has head.repo null: still a fork, still without secrets.
        from_fork = head_repo != base_repo
    base_sha = _dig(pull, "base", "sha") if isinstance(pull, Mapping) else None
    before = payload.get("before")
    if not isinstance(before, str) or not before.strip("0"):
        before = None  # absent, or all zeros: the push created the branch, nothing before it
    return Event(
        name=env.get("GITHUB_EVENT_NAME", ""),
        repository=repository,
        sha=env.get("GITHUB_SHA", "") or str(payload.get("after") or ""),
        pr_number=pr_number,
        head_sha=head_sha,
        from_fork=from_fork,
        base_sha=base_sha or None,
        before=before,
    )


def _dig(payload: Mapping[str, Any], *keys: str) -> str | None:
    node: Any = payload
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node if isinstance(node, str) else None
