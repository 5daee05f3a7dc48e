"""Reading the triggering event: PR number, fork detection, pushed commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.errors import UserError
from reconciler.github.event import parse_event, read_event

ENV = {"GITHUB_REPOSITORY": "acme/fleet", "GITHUB_SHA": "m" * 40}


def _pr(head_repo: str | None) -> dict[str, object]:
    head = {"sha": "h" * 40, "repo": {"full_name": head_repo} if head_repo else None}
    return {
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": head,
            "base": {"repo": {"full_name": "acme/fleet"}},
        },
        "repository": {"full_name": "acme/fleet", "default_branch": "main"},
    }


def test_same_repository_pull_request() -> None:
    event = parse_event(ENV | {"GITHUB_EVENT_NAME": "pull_request"}, _pr("acme/fleet"))
    assert event.pr_number == 7 and not event.from_fork and event.head_sha == "h" * 40


def test_fork_and_deleted_fork_pull_requests_are_forks() -> None:
    assert parse_event(ENV, _pr("mallory/fleet")).from_fork
    assert parse_event(ENV, _pr(None)).from_fork


def test_push_to_the_default_branch() -> None:
    payload = {"ref": "refs/heads/main", "repository": {"default_branch": "main"}}
    event = parse_event(ENV | {"GITHUB_EVENT_NAME": "push"}, payload)
    assert not event.is_pull_request and event.sha == "m" * 40


def test_unreadable_event_file_is_a_user_error(tmp_path: Path) -> None:
    bad = tmp_path / "event.json"
    bad.write_text("{")
    with pytest.raises(UserError, match="cannot read the GitHub event"):
        read_event(ENV | {"GITHUB_EVENT_PATH": str(bad)})
    good = tmp_path / "ok.json"
    good.write_text(json.dumps(_pr("acme/fleet")))
    assert read_event(ENV | {"GITHUB_EVENT_PATH": str(good)}).pr_number == 7


def test_the_baseline_commit_of_each_event() -> None:
    from reconciler.github.baseline import baseline_ref

    pr = _pr("acme/fleet")
    pr["pull_request"]["base"]["sha"] = "b" * 40  # type: ignore[index]
    event = parse_event(ENV | {"GITHUB_EVENT_NAME": "pull_request"}, pr)
    assert event.base_sha == "b" * 40 and baseline_ref("plan", event) == "b" * 40
    assert baseline_ref("plan", event, "override") == "override"
    push = parse_event(ENV, {"ref": "refs/heads/main", "before": "a" * 40})
    assert baseline_ref("apply", push) == "a" * 40
    assert baseline_ref("drift", push) is None and baseline_ref("drift", push, "x") is None
    created = parse_event(ENV, {"ref": "refs/heads/main", "before": "0" * 40})
    assert created.before is None and baseline_ref("apply", created) is None
    assert baseline_ref("apply", parse_event(ENV, {})) is None  # workflow_dispatch


def test_a_baseline_that_git_would_read_as_an_option_is_refused() -> None:
    from reconciler.github.baseline import missing_baseline

    assert "is not a commit" in (missing_baseline("--output=/tmp/x") or "")
