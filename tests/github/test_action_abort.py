"""Aborts through the Action: the ``allow-abort`` input is the operator's second key.

A spec with ``lifecycle.allowAbort: true`` whose started campaign must be replaced plans an
abort-then-create. ``fota apply`` runs aborts only with ``--allow-abort``, which the Action
passes only when its ``allow-abort`` input is true. Both ways, end to end: with the input off
the PR check fails and its comment says apply would refuse, and apply writes nothing; with it
on the comment says the abort will run, and apply runs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reconciler.sim.testing import RunningSim, running_sim
from tests.github.fake_github import FakeGitHub, running_github
from tests.github.scenario import (
    APPLY_MARKER,
    CLIENT_SECRET,
    MARKER,
    PASSWORD,
    TOKEN,
    campaigns,
    create_live,
    marked,
    pr_event,
    push_event,
    run,
    spec_text,
)

pytestmark = pytest.mark.slow

MERGE = "3" * 40
REPLACING = (
    spec_text(start="2026-03-13").replace("protocol: LWM2M", "protocol: OMA")
    + "lifecycle:\n  onImmutableChange: replace\n  allowAbort: true\n"
)


@pytest.fixture()
def sim() -> Iterator[RunningSim]:
    # Failure rate 1.0: every device of the started campaign has finished (failed), so the
    # replacement may take the same devices (deterministic eligibility).
    options: dict[str, Any] = {"client_secret": CLIENT_SECRET, "password": PASSWORD}
    with running_sim(failure_rate=1.0, **options) as running:
        create_live(running, spec_text())
        running.emulator.set_time(datetime(2026, 3, 12, 9, 0, tzinfo=UTC))  # it has started
        yield running


@pytest.fixture()
def github() -> Iterator[FakeGitHub]:
    with running_github(TOKEN) as fake:
        fake.pulls_by_commit[MERGE] = [
            {"number": 7, "merged_at": "2026-03-12T10:00:00Z", "merge_commit_sha": MERGE}
        ]
        yield fake


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "campaigns").mkdir(parents=True)
    (root / "campaigns" / "pilot.yaml").write_text(REPLACING, "utf-8")
    return root


def _plan(repo: Path, sim: RunningSim, github: FakeGitHub, allow: str) -> Any:
    return run(
        "plan",
        repo,
        sim,
        github,
        event=pr_event(7, "a" * 40),
        event_name="pull_request",
        sha="1" * 40,
        **{"allow-abort": allow},
    )


def _apply(repo: Path, sim: RunningSim, github: FakeGitHub, allow: str) -> Any:
    return run(
        "apply",
        repo,
        sim,
        github,
        event=push_event(MERGE),
        event_name="push",
        sha=MERGE,
        **{"allow-abort": allow},
    )


def test_without_allow_abort_the_pr_check_fails_and_apply_writes_nothing(
    sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    live_before = campaigns(sim)
    planned = _plan(repo, sim, github, "false")
    assert planned.failed and planned.step("plan").outcome == "failure"
    assert planned.step("comment").outcome == "success"
    assert planned.outputs["exitcode"] == "1" and planned.outputs["refused"] == "0"
    assert "allow-abort is false" in planned.log
    (comment,) = marked(github, 7, MARKER)
    assert "aborts 1 started campaign(s)" in comment["body"]
    assert "`allow-abort` is `false`, so the apply workflow would refuse" in comment["body"]
    assert "aborts need allow-abort: this check fails" in comment["body"]

    applied = _apply(repo, sim, github, "false")
    assert applied.failed and applied.outputs["exitcode"] == "1"
    assert applied.outputs["plan-sha256"] == planned.outputs["plan-sha256"]  # as reviewed
    assert campaigns(sim) == live_before  # not aborted, nothing created
    (report,) = marked(github, 7, APPLY_MARKER)
    assert "not applied: the plan aborts 1 started campaign(s)" in report["body"]


def test_with_allow_abort_the_comment_says_so_and_apply_aborts_then_creates(
    sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    (old,) = campaigns(sim)
    planned = _plan(repo, sim, github, "true")
    assert not planned.failed, planned.log
    assert planned.outputs["exitcode"] == "2" and planned.outputs["replace"] == "1"
    (comment,) = marked(github, 7, MARKER)
    assert "aborts 1 started campaign(s)" in comment["body"]
    assert "`allow-abort` is `true`, so the apply workflow will run the abort" in comment["body"]

    applied = _apply(repo, sim, github, "true")
    assert not applied.failed, applied.log
    assert applied.outputs["exitcode"] == "0"
    (new,) = campaigns(sim)
    assert new["id"] != old["id"] and new["campaignName"] == "gha pilot"
    assert "aborted" in applied.log
    (report,) = marked(github, 7, APPLY_MARKER)
    assert "✅ **applied**" in report["body"]


def test_allow_abort_must_be_true_or_false(sim: RunningSim, github: FakeGitHub, repo: Path) -> None:
    planned = _plan(repo, sim, github, "yes")
    assert planned.failed and "allow-abort 'yes' is not true or false" in planned.log
