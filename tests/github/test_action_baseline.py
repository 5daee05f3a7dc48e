"""The Action plans against a baseline: the specs as git had them before the change.

Pull request: the PR's base commit; apply on merge: the push's ``before``; drift: none. So a
PR that deletes a spec shows its campaign being cancelled, and merging it cancels it. The
workspace is a real git repository (the example workflows check out with ``fetch-depth: 0``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.sim.testing import RunningSim, running_sim
from tests.github.fake_github import FakeGitHub
from tests.github.scenario import (
    APPLY_MARKER,
    CLIENT_SECRET,
    MARKER,
    PASSWORD,
    campaigns,
    create_live,
    marked,
    pr_event,
    push_event,
    run,
    spec_text,
)

pytestmark = pytest.mark.slow

PILOT = spec_text()
OTHER = spec_text(name="gha other", devices=["354658090354017"])


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture()
def sim() -> Iterator[RunningSim]:
    options: dict[str, Any] = {"client_secret": CLIENT_SECRET, "password": PASSWORD}
    with running_sim(failure_rate=0.0, **options) as running:
        create_live(running, PILOT)  # both applied earlier, neither started (now 03-02)
        create_live(running, OTHER)
        yield running


@pytest.fixture()
def repo(tmp_path: Path) -> tuple[Path, str, str]:
    """(repository, base commit with both specs, head commit that deletes the other one)."""
    root = tmp_path / "repo"
    (root / "campaigns").mkdir(parents=True)
    (root / "campaigns" / "pilot.yaml").write_text(PILOT, "utf-8")
    (root / "campaigns" / "other.yaml").write_text(OTHER, "utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    base = git(root, "rev-parse", "HEAD")
    git(root, "rm", "-q", "campaigns/other.yaml")
    git(root, "commit", "-q", "-m", "retire the other campaign")
    return root, base, git(root, "rev-parse", "HEAD")


def pr_with_base(number: int, head: str, base: str) -> dict[str, Any]:
    event = pr_event(number, head)
    event["pull_request"]["base"]["sha"] = base
    return event


def test_a_deleted_spec_is_cancelled_in_the_pr_plan_and_on_merge(
    sim: RunningSim, github: FakeGitHub, repo: tuple[Path, str, str]
) -> None:
    root, base, head = repo
    planned = run(
        "plan",
        root,
        sim,
        github,
        event=pr_with_base(7, head, base),
        event_name="pull_request",
        sha=head,
    )
    assert not planned.failed, planned.log
    assert planned.outputs["cancel"] == "1" and planned.outputs["exitcode"] == "2"
    assert f"baseline `{base}`" in planned.summary
    (comment,) = marked(github, 7, MARKER)
    assert "gha other" in comment["body"] and "cancel" in comment["body"]
    assert {c["campaignName"] for c in campaigns(sim)} == {"gha pilot", "gha other"}

    github.pulls_by_commit[head] = [{"number": 7, "merged_at": "x", "merge_commit_sha": head}]
    event = push_event(head) | {"before": base}
    applied = run("apply", root, sim, github, event=event, event_name="push", sha=head)
    assert not applied.failed, applied.log
    assert applied.outputs["plan-sha256"] == planned.outputs["plan-sha256"]
    assert applied.outputs["cancel"] == "1"
    assert [c["campaignName"] for c in campaigns(sim)] == ["gha pilot"]
    (report,) = marked(github, 7, APPLY_MARKER)
    assert "✅ **applied**" in report["body"]


def test_drift_uses_no_baseline(
    sim: RunningSim, github: FakeGitHub, repo: tuple[Path, str, str]
) -> None:
    """Without a baseline a live campaign with no spec is not git's business: drift does not
    take it down, and a push event's ``before`` does not sneak one in."""
    root, base, head = repo
    event = push_event(head) | {"before": base}
    drift = run("drift", root, sim, github, event=event, event_name="push", sha=head)
    assert not drift.failed, drift.log
    assert drift.outputs["has-changes"] == "false" and drift.outputs["cancel"] == "0"
    assert "no baseline" in drift.summary


def test_a_shallow_checkout_is_refused_with_the_fix(
    sim: RunningSim, github: FakeGitHub, repo: tuple[Path, str, str]
) -> None:
    root, _, head = repo
    missing = "f" * 40  # the base commit a depth-1 clone does not have
    planned = run(
        "plan",
        root,
        sim,
        github,
        event=pr_with_base(8, head, missing),
        event_name="pull_request",
        sha=head,
    )
    assert planned.failed and "fetch-depth: 0" in planned.log
    (comment,) = marked(github, 8, MARKER)
    assert "fetch-depth: 0" in comment["body"]
    assert len(campaigns(sim)) == 2
