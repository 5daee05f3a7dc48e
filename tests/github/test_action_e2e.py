"""action.yml run as GitHub would run it (tests/github/actionrun.py), end to end: against the
ThingSpace emulator on loopback and a fake GitHub API on loopback.

The user-visible promises under test: the first plan creates the PR comment and later pushes
update that same comment; apply on the merge commit applies only the plan the PR showed and
reports back on the PR; a refusal fails the check but still updates the comment; fork PRs are
validated only; drift fails; outputs are written; the GitHub token and ThingSpace secrets
never appear in any output.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reconciler.sim.testing import RunningSim
from tests.github.fake_github import FakeGitHub
from tests.github.scenario import (
    APPLY_MARKER,
    DEVICES,
    MARKER,
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


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "campaigns").mkdir(parents=True)
    (root / "campaigns" / "pilot.yaml").write_text(spec_text(), "utf-8")
    return root


# --- plan on pull request -> apply on merge ------------------------------------------------


def test_plan_comments_once_updates_in_place_and_apply_reports_back(
    sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    first = run(
        "plan",
        repo,
        sim,
        github,
        event=pr_event(7, "a" * 40),
        event_name="pull_request",
        sha="1" * 40,
    )
    assert not first.failed, first.log
    assert first.outputs["exitcode"] == "2" and first.outputs["has-changes"] == "true"
    assert first.outputs["create"] == "1" and first.outputs["refused"] == "0"
    sha1 = first.outputs["plan-sha256"]
    assert re.fullmatch(r"[0-9a-f]{64}", sha1)
    assert Path(first.outputs["plan-file"]).is_file()
    (comment,) = marked(github, 7, MARKER)
    assert first.outputs["comment-url"].endswith(f"#issuecomment-{comment['id']}")
    assert f"<!-- fota-reconciler:plan-sha256:{sha1} -->" in comment["body"]
    assert "gha pilot" in comment["body"] and "`aaaaaaaaaaaa`" in comment["body"]
    assert sha1 in first.summary and "gha pilot" in first.summary
    assert TOKEN in first.masks
    assert first.step("cache-key").outputs["key"].startswith("fota-pip-Linux-")

    # Second push: one more device. The same comment is updated; nothing new is posted.
    (repo / "campaigns" / "pilot.yaml").write_text(
        spec_text(devices=[*DEVICES, "354658090354009"]), "utf-8"
    )
    second = run(
        "plan",
        repo,
        sim,
        github,
        event=pr_event(7, "b" * 40),
        event_name="pull_request",
        sha="2" * 40,
    )
    assert not second.failed, second.log
    sha2 = second.outputs["plan-sha256"]
    assert sha2 != sha1
    (updated,) = marked(github, 7, MARKER)
    assert updated["id"] == comment["id"]
    assert f"plan-sha256:{sha2}" in updated["body"] and "`bbbbbbbbbbbb`" in updated["body"]
    assert len(github.calls("POST")) == 1 and len(github.calls("PATCH")) == 1
    assert campaigns(sim) == []  # planning never writes

    # Merge: apply re-plans, finds the same SHA-256 as PR #7's comment, applies, reports.
    merge = "3" * 40
    github.pulls_by_commit[merge] = [
        {"number": 7, "merged_at": "2026-03-02T10:00:00Z", "merge_commit_sha": merge}
    ]
    applied = run("apply", repo, sim, github, event=push_event(merge), event_name="push", sha=merge)
    assert not applied.failed, applied.log
    assert applied.outputs["exitcode"] == "0"
    assert applied.outputs["plan-sha256"] == sha2
    live = campaigns(sim)
    assert [c["campaignName"] for c in live] == ["gha pilot"]
    (report,) = marked(github, 7, APPLY_MARKER)
    assert "applied" in report["body"] and applied.outputs["comment-url"].endswith(
        str(report["id"])
    )
    assert len(marked(github, 7, MARKER)) == 1

    # The apply job re-run: nothing left to do, so it succeeds without writing, and the same
    # result comment is updated.
    rerun = run("apply", repo, sim, github, event=push_event(merge), event_name="push", sha=merge)
    assert not rerun.failed, rerun.log
    assert rerun.outputs["exitcode"] == "0" and rerun.outputs["has-changes"] == "false"
    assert len(campaigns(sim)) == 1
    (report_again,) = marked(github, 7, APPLY_MARKER)
    assert report_again["id"] == report["id"] and "nothing to apply" in report_again["body"]

    # A later PR with no spec change: no changes, exit code 0, a fresh comment on PR 8.
    again = run(
        "plan",
        repo,
        sim,
        github,
        event=pr_event(8, "c" * 40),
        event_name="pull_request",
        sha="4" * 40,
    )
    assert not again.failed, again.log
    assert again.outputs["exitcode"] == "0" and again.outputs["has-changes"] == "false"
    (quiet,) = marked(github, 8, MARKER)
    assert "no changes" in quiet["body"]


def test_apply_refuses_when_the_plan_differs_from_the_reviewed_one(
    sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    planned = run(
        "plan",
        repo,
        sim,
        github,
        event=pr_event(7, "a" * 40),
        event_name="pull_request",
        sha="1" * 40,
    )
    assert not planned.failed, planned.log
    # Main moved on after the review (another change merged first): the merged specs differ.
    (repo / "campaigns" / "pilot.yaml").write_text(spec_text(start="2026-03-11"), "utf-8")
    merge = "3" * 40
    github.pulls_by_commit[merge] = [{"number": 7, "merged_at": "x", "merge_commit_sha": merge}]
    refused = run("apply", repo, sim, github, event=push_event(merge), event_name="push", sha=merge)
    assert refused.failed and refused.step("apply").outcome == "failure"
    assert refused.outputs["exitcode"] == "1"
    assert refused.outputs["plan-sha256"] != planned.outputs["plan-sha256"]
    assert "plan changed since review" in refused.log
    assert campaigns(sim) == []  # nothing written
    (report,) = marked(github, 7, APPLY_MARKER)
    assert "not applied" in report["body"]


def test_apply_without_a_merged_pull_request_writes_nothing(
    sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    result = run(
        "apply", repo, sim, github, event=push_event("5" * 40), event_name="push", sha="5" * 40
    )
    assert result.failed and "is not the merge of a pull request" in result.log
    assert campaigns(sim) == [] and github.calls("POST") == []


# --- refusals, forks, validation, drift ----------------------------------------------------


def test_a_refusal_fails_the_step_and_still_updates_the_comment(
    sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    create_live(sim, spec_text())  # applied earlier
    sim.emulator.set_time(datetime(2026, 3, 12, 9, 0, tzinfo=UTC))  # the campaign has started

    (repo / "campaigns" / "pilot.yaml").write_text(spec_text(start="2026-03-11"), "utf-8")
    refused = run(
        "plan",
        repo,
        sim,
        github,
        event=pr_event(9, "d" * 40),
        event_name="pull_request",
        sha="6" * 40,
    )
    assert refused.failed and refused.step("plan").outcome == "failure"
    assert refused.step("comment").outcome == "success"  # runs even though plan failed
    assert refused.outputs["exitcode"] == "1" and refused.outputs["refused"] == "1"
    (comment,) = marked(github, 9, MARKER)
    assert "refused" in comment["body"] and "`R-START-LOCKED`" in comment["body"]
    assert "R-START-LOCKED" in refused.summary
    # ... and as an annotation on the line of the PR's diff that asks for it
    text = spec_text(start="2026-03-11")
    start_line = text.splitlines().index("  start: 2026-03-11") + 1
    annotations = [x for x in refused.log.splitlines() if "title=fota plan%3A R-START" in x]
    (annotation,) = annotations
    assert annotation.startswith(f"::error file=campaigns/pilot.yaml,line={start_line},")
    assert "schedule.start 2026-03-10 -> 2026-03-11 refused" in annotation


def test_fork_pull_requests_are_validated_only(github: FakeGitHub, repo: Path) -> None:
    result = run(
        "plan",
        repo,
        None,
        github,
        event=pr_event(11, "e" * 40, head_repo="mallory/fleet"),
        event_name="pull_request",
        sha="7" * 40,
        credentials=False,
        **{"github-token": ""},
    )
    assert not result.failed, result.log
    assert "::notice title=fota%3A plan skipped for a fork::" in result.log
    assert result.step("validate").outcome == "success"
    assert result.step("plan").outcome == "skipped" and result.step("comment").outcome == "skipped"
    assert result.outputs["exitcode"] == "0" and github.requests == []


def test_validation_errors_become_annotations_relative_to_the_repository(
    github: FakeGitHub, tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    specs = root / "infra" / "campaigns"
    specs.mkdir(parents=True)
    (specs / "bad.yaml").write_text(spec_text().replace("end: 2026-03-20", "end: 2026-02-30"))
    result = run(
        "validate",
        root,
        None,
        github,
        event=pr_event(12, "f" * 40),
        event_name="pull_request",
        sha="8" * 40,
        credentials=False,
        **{"working-directory": "infra"},
    )
    assert result.failed and result.outputs["exitcode"] == "1"
    annotations = [x for x in result.log.splitlines() if x.startswith("::error file=")]
    assert annotations and all("file=infra/campaigns/bad.yaml,line=" in a for a in annotations)
    assert "bad.yaml" in result.summary


def test_drift_fails_when_live_differs_from_git_and_passes_when_in_sync(
    sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    missing = run(
        "drift",
        repo,
        sim,
        github,
        event={"schedule": "17 3 * * *"},
        event_name="schedule",
        sha="9" * 40,
    )
    assert missing.failed and missing.outputs["has-changes"] == "true"
    assert "drift" in missing.log and "gha pilot" in missing.summary
    assert github.requests == []  # drift never comments

    create_live(sim, spec_text())
    in_sync = run("drift", repo, sim, github, event={}, event_name="schedule", sha="3" * 40)
    assert not in_sync.failed, in_sync.log
    assert in_sync.outputs["exitcode"] == "0" and in_sync.outputs["has-changes"] == "false"
