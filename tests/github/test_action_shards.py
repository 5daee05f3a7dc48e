"""Sharding by account through the Action, end to end (emulator and fake GitHub on loopback):
the `accounts` command feeds a matrix, each shard plans and applies only its own account, with
its own PR comment, and the apply of one shard never touches the other's campaigns."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from reconciler.sim.testing import RunningSim
from tests.github.fake_github import FakeGitHub
from tests.github.scenario import (
    ACCOUNT,
    marked,
    pr_event,
    push_event,
    run,
    spec_text,
)

pytestmark = pytest.mark.slow

OTHER = "0000123456-00002"
OTHER_DEVICES = ["354658090354009", "354658090354017", "354658090354025"]


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "campaigns").mkdir(parents=True)
    (root / "campaigns" / "a.yaml").write_text(spec_text(name="shard a"), "utf-8")
    other = spec_text(name="shard b", devices=OTHER_DEVICES).replace(ACCOUNT, OTHER)
    (root / "campaigns" / "b.yaml").write_text(other, "utf-8")
    return root


def _names(sim: RunningSim, account: str) -> list[str]:
    with httpx.Client(base_url=sim.url, headers=sim.auth_headers()) as http:
        found: list[str] = []
        for status in ("CampaignRequestPending", "CampaignRequestQueued", "CampaignScheduled"):
            response = http.get(
                f"/api/fota/v3/reports/{account}/firmware/campaigns",
                params={"campaignStatus": status},
            )
            found += [c["campaignName"] for c in response.json().get("campaignList") or []]
    return found


def test_accounts_output_feeds_a_matrix_of_independent_shards(
    sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    listed = run(
        "accounts",
        repo,
        None,
        github,
        event=pr_event(7, "a" * 40),
        event_name="pull_request",
        sha="1" * 40,
    )
    assert not listed.failed, listed.log
    assert json.loads(listed.outputs["accounts"]) == [ACCOUNT, OTHER]
    assert listed.step("prepare").outcome == "skipped"

    plans = {}
    for account in json.loads(listed.outputs["accounts"]):
        plans[account] = run(
            "plan",
            repo,
            sim,
            github,
            event=pr_event(7, "a" * 40),
            event_name="pull_request",
            sha="1" * 40,
            account=account,
            **{"comment-label": f"production-{account}"},
        )
        assert not plans[account].failed, plans[account].log
        saved = json.loads(Path(plans[account].outputs["plan-file"]).read_text("utf-8"))
        assert saved["account_filter"] == [account]
        assert [c["account"] for c in saved["campaigns"]] == [account]
    for account, name in ((ACCOUNT, "shard a"), (OTHER, "shard b")):
        (comment,) = marked(github, 7, f"<!-- fota-reconciler:plan:production-{account} -->")
        assert name in comment["body"]
        assert plans[account].outputs["plan-sha256"] in comment["body"]

    merge = "3" * 40
    github.pulls_by_commit[merge] = [
        {"number": 7, "merged_at": "2026-03-02T10:00:00Z", "merge_commit_sha": merge}
    ]
    applied = run(
        "apply",
        repo,
        sim,
        github,
        event=push_event(merge),
        event_name="push",
        sha=merge,
        account=OTHER,
        **{"comment-label": f"production-{OTHER}"},
    )
    assert not applied.failed, applied.log
    assert applied.outputs["plan-sha256"] == plans[OTHER].outputs["plan-sha256"]
    assert _names(sim, OTHER) == ["shard b"]
    assert _names(sim, ACCOUNT) == []  # the other shard is untouched until its own job runs


def test_an_account_whose_last_spec_is_deleted_still_gets_a_shard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess

    from reconciler.cli import main

    repo = tmp_path / "repo"
    (repo / "campaigns").mkdir(parents=True)
    (repo / "campaigns" / "a.yaml").write_text(spec_text(name="shard a"), "utf-8")
    other = spec_text(name="shard b", devices=OTHER_DEVICES).replace(ACCOUNT, OTHER)
    (repo / "campaigns" / "b.yaml").write_text(other, "utf-8")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
            cwd=repo,
            check=True,
            capture_output=True,
        )
    (repo / "campaigns" / "b.yaml").unlink()
    monkeypatch.chdir(repo)
    capsys.readouterr()
    assert main(["accounts", "campaigns", "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [ACCOUNT]
    assert main(["accounts", "campaigns", "-o", "json", "--baseline-ref", "HEAD"]) == 0
    assert json.loads(capsys.readouterr().out) == [ACCOUNT, OTHER]
    # and that shard plans the take-down of the deleted spec's (absent) campaign without error
    assert main(["plan", "campaigns", "--account", OTHER, "--baseline-ref", "HEAD"]) == 0
    assert main(["plan", "campaigns", "--account", OTHER]) == 1  # no spec now, no baseline
    assert "no spec in campaigns is on that account" in capsys.readouterr().err
