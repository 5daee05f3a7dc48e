"""The Action's ``rollouts-only`` input: the hourly run that advances staged rollouts.

action.yml run as GitHub runs it (tests/github/actionrun.py) on a ``schedule`` event, against
the emulator on loopback while the test moves its clock: the run creates each wave when the
previous gate passes and nothing else (another spec's edit is skipped), says in the job
summary what it waits for, never talks to GitHub (no pull request, no comment), fails with an
annotation on the spec when a rollout halts, and writes nothing on the runs after a halt. The
input is refused with any command but apply, and with expected-plan-sha256.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.sim.outcomes import PackageOutcomes
from reconciler.sim.testing import RunningSim, running_sim
from tests.cli.support import FW_NAME
from tests.cli.test_rollout import DAY, NEW, OLD, rollout_yaml
from tests.github.actionrun import ActionRun
from tests.github.fake_github import FakeGitHub
from tests.github.scenario import ACCOUNT, CLIENT_SECRET, PASSWORD, REPO, campaigns, run

pytestmark = pytest.mark.slow

SCHEDULE = {"schedule": "41 * * * *", "repository": {"full_name": REPO, "default_branch": "main"}}
SINGLE = (
    f'apiVersion: fota.reconciler/v1\nkind: FirmwareCampaign\naccount: "{ACCOUNT}"\n'
    f"name: single\nfirmware: {{name: {FW_NAME}, from: {OLD}, to: {NEW}, protocol: LWM2M}}\n"
    'schedule: {start: "2026-03-10", end: "2026-03-20"}\n'
    'devices: ["354658090353977"]\n'
)


def _sim(outcomes: PackageOutcomes) -> Iterator[RunningSim]:
    options: dict[str, Any] = {"client_secret": CLIENT_SECRET, "password": PASSWORD}
    with running_sim(failure_rate=0.0, outcomes=outcomes, **options) as running:
        yield running


@pytest.fixture()
def sim() -> Iterator[RunningSim]:
    yield from _sim(PackageOutcomes())


@pytest.fixture()
def reverted() -> Iterator[RunningSim]:
    yield from _sim(PackageOutcomes({FW_NAME: 1.0}))


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "campaigns").mkdir(parents=True)
    (root / "campaigns" / "rollout.yaml").write_text(rollout_yaml(), "utf-8")
    return root


def hourly(repo: Path, sim: RunningSim, github: FakeGitHub, **extra: str) -> ActionRun:
    """One run of examples/workflows/advance-rollouts-hourly.yml's action step."""
    inputs = {"rollouts-only": "true"} | extra
    return run(
        "apply", repo, sim, github, event=SCHEDULE, event_name="schedule", sha="5" * 40, **inputs
    )


def wave_names(sim: RunningSim) -> list[str]:
    return [
        wave
        for wave in ("canary", "early", "fleet")
        if any(c.get("campaignName") == f"gm01q [wave {wave}]" for c in campaigns(sim))
    ]


def test_the_hourly_run_advances_a_rollout_wave_by_wave_and_nothing_else(
    sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    first = hourly(repo, sim, github)
    assert not first.failed, first.log
    assert first.outputs["exitcode"] == "0" and first.outputs["create"] == "1"
    assert wave_names(sim) == ["canary"]
    assert "### fota apply `default` (rollouts only)" in first.summary
    assert "✅ **applied**" in first.summary
    assert "Rollouts only: this run applies wave advances" in first.summary

    (repo / "campaigns" / "single.yaml").write_text(SINGLE, "utf-8")  # merged, not yet applied
    sim.emulator.advance(DAY)
    soaking = hourly(repo, sim, github)
    assert not soaking.failed, soaking.log
    assert soaking.outputs["exitcode"] == "0" and soaking.outputs["has-changes"] == "false"
    assert "✅ **nothing to advance**" in soaking.summary
    assert "soak until 2026-03-0" in soaking.summary
    assert "skipped by --rollouts-only" in soaking.summary  # the new single campaign waits
    assert wave_names(sim) == ["canary"] and not campaigns_named(sim, "single")

    sim.emulator.advance(DAY)
    advanced = hourly(repo, sim, github)
    assert not advanced.failed, advanced.log
    assert advanced.outputs["create"] == "1"
    assert wave_names(sim) == ["canary", "early"] and not campaigns_named(sim, "single")
    assert "+ 0000123456-00001/gm01q [wave early]: created" in advanced.summary

    sim.emulator.advance(2 * DAY)
    assert not hourly(repo, sim, github).failed
    assert wave_names(sim) == ["canary", "early", "fleet"]
    assert github.requests == []  # no pull request to look up, nothing to comment on


def campaigns_named(sim: RunningSim, name: str) -> list[dict[str, Any]]:
    return [c for c in campaigns(sim) if c.get("campaignName") == name]


def test_a_halted_rollout_fails_every_hourly_run_and_writes_nothing(
    reverted: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    assert not hourly(repo, reverted, github).failed
    reverted.emulator.advance(DAY)
    halted = hourly(repo, reverted, github)
    assert halted.failed and halted.outputs["exitcode"] == "1"
    assert halted.outputs["refused"] == "1"
    assert "::error file=campaigns/rollout.yaml" in halted.log and "R-ROLLOUT-HALT" in halted.log
    assert "❌ **nothing applied**: 1 change(s) refused" in halted.summary
    assert "10/10 failed (100.0% &gt; 5%)" in halted.summary
    before = writes(reverted)
    for _ in range(2):
        reverted.emulator.advance(DAY)
        again = hourly(repo, reverted, github)
        assert again.failed and again.outputs["refused"] == "1"
    assert writes(reverted) == before
    assert wave_names(reverted) == ["canary"]


def writes(sim: RunningSim) -> int:
    return sum(
        n
        for key, n in sim.emulator.processed_counts().items()
        if key.split(" ")[0] in ("POST", "PUT", "DELETE") and "/campaigns/" in key
    )


@pytest.mark.parametrize("command", ["plan", "drift", "validate", "accounts"])
def test_rollouts_only_with_another_command_is_refused_naming_the_fix(
    command: str, sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    result = run(
        command,
        repo,
        sim,
        github,
        event=SCHEDULE,
        event_name="schedule",
        sha="5" * 40,
        **{"rollouts-only": "true"},
    )
    assert result.failed
    assert f"action input rollouts-only is for command apply, not {command}" in result.log
    assert campaigns(sim) == []


def test_rollouts_only_does_not_go_with_a_reviewed_plan_sha(
    sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    result = hourly(repo, sim, github, **{"expected-plan-sha256": "a" * 64})
    assert result.failed
    assert "expected-plan-sha256 does not go with rollouts-only" in result.log
    assert campaigns(sim) == []


def test_rollouts_only_does_not_go_with_a_baseline_ref(
    sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    result = hourly(repo, sim, github, **{"baseline-ref": "HEAD~1"})
    assert result.failed
    assert "baseline-ref does not go with rollouts-only" in result.log
    assert campaigns(sim) == []


def test_rollouts_only_must_be_true_or_false(
    sim: RunningSim, github: FakeGitHub, repo: Path
) -> None:
    result = hourly(repo, sim, github, **{"rollouts-only": "yes"})
    assert result.failed and "action input rollouts-only 'yes' is not true or false" in result.log
    assert campaigns(sim) == []
