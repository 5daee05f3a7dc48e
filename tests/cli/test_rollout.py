"""Staged rollouts end to end: ``fota apply`` run again and again against the emulator on a
loopback port while the test moves the emulator's clock (never sleeps), with good, reverted
after boot and failing firmware images."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import main
from reconciler.model import Kind
from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.sim.fleet import luhn_digit
from reconciler.sim.outcomes import PackageOutcomes
from reconciler.sim.testing import RunningSim, running_sim
from reconciler.thingspace import Credentials, ThingSpaceClient
from reconciler.thingspace._client import READBACK_CHUNK
from reconciler.thingspace.wire import decode_account_devices
from tests.cli.support import FW_NAME, campaigns

DEVICES = [f"3579{i:010d}" + luhn_digit(f"3579{i:010d}") for i in range(100)]
NEW, OLD = "SR1.2.0.0-10657", "SR1.2.0.0-10512"
DAY = timedelta(days=1, hours=1)


def rollout_yaml(*, on_failure: str = "halt", allow_abort: bool = False, resume: str = "") -> str:
    devices = "\n".join(f'  - "{d}"' for d in DEVICES)
    return f"""apiVersion: fota.reconciler/v2
kind: FirmwareCampaign
account: "{ACC}"
name: gm01q
firmware: {{name: {FW_NAME}, from: {OLD}, to: {NEW}, protocol: LWM2M}}
schedule: {{start: "2026-03-02", end: "2026-03-31"}}
lifecycle: {{allowAbort: {"true" if allow_abort else "false"}}}
rollout:
  waves:
    - {{name: canary, devices: 10}}
    - {{name: early, devices: "30%"}}
    - {{name: fleet, devices: rest}}
  gate: {{minVerified: "90%", maxFailed: "5%", minSample: 5, soak: 24h}}
  onFailure: {on_failure}
{resume}devices:
{devices}
"""


def _sim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outcomes: PackageOutcomes
) -> Iterator[RunningSim]:
    with running_sim(failure_rate=0.0, outcomes=outcomes) as running:
        monkeypatch.chdir(tmp_path)
        for key, value in (
            ("FOTA_API_URL", running.url),
            ("FOTA_CLIENT_ID", "demo-client"),
            ("FOTA_CLIENT_SECRET", "demo-secret"),
            ("FOTA_USERNAME", "demo"),
            ("FOTA_PASSWORD", "demo-password"),
        ):
            monkeypatch.setenv(key, value)
        yield running


@pytest.fixture
def good(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSim]:
    yield from _sim(tmp_path, monkeypatch, PackageOutcomes())


@pytest.fixture
def reverted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSim]:
    yield from _sim(tmp_path, monkeypatch, PackageOutcomes({FW_NAME: 1.0}))


@pytest.fixture
def failing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSim]:
    yield from _sim(tmp_path, monkeypatch, PackageOutcomes(failing=frozenset({FW_NAME})))


def apply(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    Path("rollout.yaml").exists() or Path("rollout.yaml").write_text(rollout_yaml())
    code = main(["apply", "rollout.yaml", "--auto-approve", *extra])
    out, err = capsys.readouterr()
    return code, out + err


def plan_waves(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """Wave name -> the wave object of the plan.json ``fota plan --out`` writes."""
    main(["plan", "rollout.yaml", "--out", "plan.json"])
    capsys.readouterr()
    data = json.loads(Path("plan.json").read_text())
    return {c["wave"]["wave"]: c["wave"] for c in data["campaigns"]}


def waves(sim: RunningSim) -> dict[str, dict[str, object]]:
    """Wave name -> its campaign (listing item), for every wave campaign that exists."""
    out = {}
    for wave in ("canary", "early", "fleet"):
        found = campaigns(sim, f"gm01q [wave {wave}]")
        assert len(found) <= 1
        if found:
            out[wave] = found[0]
    return out


def members(sim: RunningSim, campaign_id: str) -> dict[str, str]:
    with ThingSpaceClient(sim.url, Credentials.demo()) as client:
        return {
            str(d["deviceId"]): str(d["status"])
            for page in client.iter_campaign_device_pages(ACC, Kind.FIRMWARE, campaign_id)
            for d in page["deviceList"]
        }


def firmware(sim: RunningSim, imeis: list[str]) -> dict[str, str]:
    with ThingSpaceClient(sim.url, Credentials.demo()) as client:
        out: dict[str, str] = {}
        for start in range(0, len(imeis), READBACK_CHUNK):
            answer = client.device_information(ACC, imeis[start : start + READBACK_CHUNK])
            out.update(decode_account_devices(answer).firmware)
        return out


def writes(sim: RunningSim) -> int:
    return sum(
        v
        for k, v in sim.emulator.processed_counts().items()
        if k.split(" ")[0] in ("POST", "PUT", "DELETE") and "/campaigns/" in k
    )


def test_a_good_image_goes_canary_early_fleet_over_successive_applies(
    good: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = apply(capsys)
    assert code == 0, out
    assert list(waves(good)) == ["canary"]
    canary = members(good, str(waves(good)["canary"]["id"]))
    assert len(canary) == 10

    good.emulator.advance(DAY)  # every canary device upgraded; the soak runs
    code, out = apply(capsys)
    assert code == 0, out
    assert "wave canary: 10 devices [####################] waiting: 10/10 verified" in out
    assert "soak until 2026-03-0" in out
    assert list(waves(good)) == ["canary"]

    good.emulator.advance(DAY)
    code, out = apply(capsys)
    assert code == 0, out
    assert "passed: 10/10 verified (100.0% >= 90%), 0 failed; gate passed" in out
    assert list(waves(good)) == ["canary", "early"]
    early = members(good, str(waves(good)["early"]["id"]))
    assert len(early) == 30 and not set(early) & set(canary)

    assert main(["status", "rollout.yaml"]) == 0
    shown = capsys.readouterr().out
    assert "rollout 'gm01q' (firmware, account 0000123456-00001): 3 waves" in shown
    assert (
        "  wave canary  10 devices [####################] 10 verified, 0 failed, 0 pending; "
        "passed: 10/10 verified (100.0% >= 90%), 0 failed; gate passed"
    ) in shown
    assert "  wave early   30 devices [....................] 0 verified, 0 failed, 30 pending" in (
        shown
    )
    assert "  wave fleet   60 devices [                    ] not started; blocked" in shown
    assert main(["status", "rollout.yaml", "--output", "json"]) == 0
    (status,) = json.loads(capsys.readouterr().out)["rollouts"]
    assert [(w["name"], w["started"], w["verified"], w["pending"]) for w in status["waves"]] == [
        ("canary", True, 10, 0),
        ("early", True, 0, 30),
        ("fleet", False, 0, 0),
    ]

    good.emulator.advance(DAY)
    assert apply(capsys)[0] == 0  # early soaks
    assert list(waves(good)) == ["canary", "early"]
    good.emulator.advance(DAY)
    assert apply(capsys)[0] == 0
    fleet = members(good, str(waves(good)["fleet"]["id"]))
    assert len(fleet) == 60
    assert set(canary) | set(early) | set(fleet) == set(DEVICES)

    good.emulator.advance(DAY)
    planned = plan_waves(capsys)
    # the last wave soaks too (nothing waits for it)
    assert [planned[w]["state"] for w in ("canary", "early", "fleet")] == [
        "passed",
        "passed",
        "waiting",
    ]
    assert [planned[w]["verified"] for w in ("canary", "early", "fleet")] == [10, 30, 60]
    assert set(firmware(good, DEVICES).values()) == {NEW}


def test_a_reverted_image_halts_after_the_canary_and_never_reaches_more_devices(
    reverted: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    assert apply(capsys)[0] == 0
    for _ in range(4):
        reverted.emulator.advance(DAY)
        code, out = apply(capsys)
        assert code == 1, out
        assert "R-ROLLOUT-HALT" in out
        assert "10/10 failed (100.0% > 5%), 10 of them reported success on the old firmware" in out
    assert list(waves(reverted)) == ["canary"]
    canary = members(reverted, str(waves(reverted)["canary"]["id"]))
    assert set(canary.values()) == {"UpgradeSuccess"}  # what the devices say ...
    assert set(firmware(reverted, sorted(canary)).values()) == {OLD}  # ... and what they run
    # The devices that ever received the image: the members of every campaign of it.
    everyone = {
        imei
        for name in ("canary", "early", "fleet")
        for c in campaigns(reverted, f"gm01q [wave {name}]")
        for imei in members(reverted, str(c["id"]))
    }
    assert len(everyone) <= 10

    canary_wave = plan_waves(capsys)["canary"]
    assert canary_wave["state"] == "failed"
    assert canary_wave["contradicted"] == 10
    assert canary_wave["contradicted_imeis"] == sorted(canary)
    markdown = main(["plan", "rollout.yaml", "--output", "markdown"])
    text = capsys.readouterr().out
    assert markdown == 1
    assert "| canary | 10 | 0 | 10 | 0 | **failed**" in text
    assert "10 reported UpgradeSuccess but run the old firmware" in text


def test_rerunning_apply_after_a_halt_changes_nothing(
    reverted: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    assert apply(capsys)[0] == 0
    reverted.emulator.advance(DAY)
    assert apply(capsys)[0] == 1
    before = writes(reverted)
    for _ in range(3):
        reverted.emulator.advance(DAY)
        code, out = apply(capsys)
        assert code == 1 and "R-ROLLOUT-HALT" in out
    assert writes(reverted) == before


def test_resume_is_the_reviewed_way_past_a_halt(
    reverted: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    assert apply(capsys)[0] == 0
    reverted.emulator.advance(DAY)
    assert apply(capsys)[0] == 1
    Path("rollout.yaml").write_text(rollout_yaml(resume="  resume: [canary]\n"))
    code, out = apply(capsys)
    assert code == 0, out
    assert "resumed: 10/10 failed" in out
    assert list(waves(reverted)) == ["canary", "early"]


def test_a_failing_image_halts_on_max_failed(
    failing: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    assert apply(capsys)[0] == 0
    outputs = []
    for _ in range(4):  # devices fail after their attempts (one a day)
        failing.emulator.advance(DAY)
        outputs.append(apply(capsys))
    code, out = outputs[-1]
    assert code == 1
    assert "R-ROLLOUT-HALT" in out
    assert "10/10 failed (100.0% > 5%); 0/10 verified" in out
    assert list(waves(failing)) == ["canary"]


def test_halt_and_cancel_takes_the_waves_down_with_both_keys_only(
    failing: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("rollout.yaml").write_text(rollout_yaml(on_failure="halt-and-cancel"))
    assert apply(capsys)[0] == 0
    failing.emulator.advance(4 * DAY)  # every canary device failed its three attempts
    code, out = apply(capsys)
    assert code == 1
    assert "keeps running (R-ABORT-OPT-IN" in out
    assert waves(failing)["canary"]["status"] != "CampaignAborted"

    Path("rollout.yaml").write_text(rollout_yaml(on_failure="halt-and-cancel", allow_abort=True))
    code, out = apply(capsys)
    assert "abort needs --allow-abort" in out  # the spec's key alone is not enough
    code, out = apply(capsys, "--allow-abort")
    assert "- abort 0000123456-00001/gm01q [wave canary]" in out, out
    assert waves(failing)["canary"]["status"] == "CampaignAborted"
    assert list(waves(failing)) == ["canary"]  # no later wave was ever created


def test_rollouts_only_applies_wave_advances_and_nothing_else(
    good: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    other = (
        f'apiVersion: fota.reconciler/v1\nkind: FirmwareCampaign\naccount: "{ACC}"\n'
        f"name: single\nfirmware: {{name: {FW_NAME}, from: {OLD}, to: {NEW}, protocol: LWM2M}}\n"
        'schedule: {start: "2026-03-10", end: "2026-03-20"}\n'
        'devices: ["354658090353977"]\n'
    )
    Path("specs").mkdir()
    Path("specs/rollout.yaml").write_text(rollout_yaml())
    Path("specs/single.yaml").write_text(other)
    assert main(["apply", "specs", "--auto-approve"]) == 0
    capsys.readouterr()
    assert list(waves(good)) == ["canary"] and campaigns(good, "single")
    Path("specs/single.yaml").write_text(other.replace("2026-03-20", "2026-03-25"))
    good.emulator.advance(2 * DAY)
    before = writes(good)
    code = main(["apply", "specs", "--auto-approve", "--rollouts-only"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert list(waves(good)) == ["canary", "early"]
    assert writes(good) == before + 1  # the early wave's create, and nothing else
    assert "skipped by --rollouts-only: this change is not a wave advance or halt" in out
    assert campaigns(good, "single")[0]["endDate"] == "2026-03-20"
    assert main(["plan", "specs", "--out", "plan.json"]) == 0
    capsys.readouterr()
    assert main(["apply", "plan.json", "--rollouts-only"]) == 1
    assert "--rollouts-only applies when planning" in capsys.readouterr().err


def cancel_yaml(start: str) -> str:
    """A halt-and-cancel rollout whose canary passes with a few finished devices (5 of 10
    verified is enough) and fails once more than one device has failed."""
    return (
        rollout_yaml(on_failure="halt-and-cancel")
        .replace('start: "2026-03-02"', f'start: "{start}"')
        .replace(
            'gate: {minVerified: "90%", maxFailed: "5%", minSample: 5, soak: 24h}',
            'gate: {minVerified: "50%", maxFailed: 1, minSample: 5, soak: 1h}',
        )
    )


@pytest.fixture
def some_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSim]:
    """30% of the devices of every campaign fail each attempt and give up after three (one a
    day): they are pending for two days, then failed."""
    with running_sim(failure_rate=0.3, outcomes=PackageOutcomes()) as running:
        monkeypatch.chdir(tmp_path)
        for key, value in (
            ("FOTA_API_URL", running.url),
            ("FOTA_CLIENT_ID", "demo-client"),
            ("FOTA_CLIENT_SECRET", "demo-secret"),
            ("FOTA_USERNAME", "demo"),
            ("FOTA_PASSWORD", "demo-password"),
        ):
            monkeypatch.setenv(key, value)
        yield running


def test_halt_and_cancel_cancels_a_wave_created_but_not_started(
    some_fail: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    """The one way a wave exists before its start: the spec's start date is later than the day
    the wave is created (here the team postponed the rollout's later waves after the canary
    started). When the earlier gate then fails, halt-and-cancel cancels that wave."""
    Path("rollout.yaml").write_text(cancel_yaml("2026-03-02"))
    assert apply(capsys)[0] == 0  # the canary, started today
    Path("rollout.yaml").write_text(cancel_yaml("2026-03-09"))  # later waves after the freeze

    some_fail.emulator.advance(DAY)
    canary = members(some_fail, str(waves(some_fail)["canary"]["id"]))
    retrying = [imei for imei, status in canary.items() if status != "UpgradeSuccess"]
    assert 2 <= len(retrying) <= 5  # the seed's failing devices: not failed yet, still retried
    code, out = apply(capsys)
    assert code == 0, out
    assert "gate passed" in out and "+ create 0000123456-00001/gm01q [wave early]" in out
    early = waves(some_fail)["early"]
    assert early["startDate"] == "2026-03-09"  # exists, has not started

    some_fail.emulator.advance(3 * DAY)  # the failing canary devices gave up: the gate fails
    code, out = apply(capsys)
    assert code == 1, out
    assert f"{len(retrying)}/10 failed (" in out and "> 1)" in out
    assert "- cancel 0000123456-00001/gm01q [wave early]" in out
    assert "wave early: 30 devices, halted: cancelled by this plan: the rollout halted" in out
    assert "! refused 0000123456-00001/gm01q [wave fleet]" in out and "R-ROLLOUT-HALT" in out
    assert "keeps running (R-ABORT-OPT-IN" in out  # the started canary: not aborted
    state = waves(some_fail)
    assert state["early"]["status"] == "CampaignCancelled"
    assert state["canary"]["status"] != "CampaignAborted"
    assert list(state) == ["canary", "early"]  # the fleet wave is never created

    before = writes(some_fail)
    for _ in range(2):  # re-running apply after the halt changes nothing
        some_fail.emulator.advance(DAY)
        code, out = apply(capsys)
        assert code == 1 and "R-ROLLOUT-HALT" in out
        assert "is finished (CampaignCancelled)" in out
        assert (
            "wave early: 30 devices, halted: cancelled (CampaignCancelled): the rollout halted "
            "at wave canary (onFailure: halt-and-cancel)"
        ) in out  # not "30/30 failed": its devices never ran the image
    assert writes(some_fail) == before
    assert list(waves(some_fail)) == ["canary", "early"]


FIXED, FIXED_NAME = "SR1.2.0.0-10702", FW_NAME.replace("SR1.2.0.0-10657", "SR1.2.0.0-10702")


def fixed_yaml(*, allow_abort: bool = False) -> str:
    """The rollout of test_a_reverted_image..., with firmware.to bumped to a fixed image."""
    return (
        rollout_yaml(allow_abort=allow_abort)
        .replace(FW_NAME, FIXED_NAME)
        .replace(f"to: {NEW}", f"to: {FIXED}")
    )


def alive(sim: RunningSim) -> dict[str, dict[str, object]]:
    """Wave name -> its campaign that is not taken down (at most one per name)."""
    out = {}
    for wave in ("canary", "early", "fleet"):
        found = [
            c
            for c in campaigns(sim, f"gm01q [wave {wave}]")
            if c["status"] not in ("CampaignAborted", "CampaignCancelled")
        ]
        assert len(found) <= 1
        if found:
            out[wave] = found[0]
    return out


def test_a_fixed_firmware_restarts_a_halted_rollout_from_its_first_wave(
    reverted: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    assert apply(capsys)[0] == 0
    reverted.emulator.advance(DAY)
    assert apply(capsys)[0] == 1  # the bad image halts after the canary
    bad = waves(reverted)["canary"]
    bad_members = members(reverted, str(bad["id"]))

    # A reviewed change bumps firmware.to. The bad canary has started: taking it down is an
    # abort, which needs both keys; without them the restart waits and the plan says why.
    Path("rollout.yaml").write_text(fixed_yaml())
    before = writes(reverted)
    code, out = apply(capsys)
    assert code == 1, out
    assert "! R-ABORT-OPT-IN" in out
    assert (
        f"the rollout restarts with {FIXED} (R-ROLLOUT-RESTART) once campaign {bad['id']} of "
        f"the previous firmware {NEW}"
    ) in out
    assert "R-ROLLOUT-HALT" not in out  # the old image's gate no longer decides anything
    assert writes(reverted) == before

    Path("rollout.yaml").write_text(fixed_yaml(allow_abort=True))
    code, out = apply(capsys, "--allow-abort")
    assert code == 0, out
    assert "-/+ replace 0000123456-00001/gm01q [wave canary]" in out
    assert "abort (DELETE after start)" in out and f"+ firmware.to: {FIXED}" in out
    assert f"campaign {bad['id']} of the previous firmware {NEW}" in out
    assert "is taken down and replaced" in out
    statuses = {str(c["id"]): c["status"] for c in campaigns(reverted, "gm01q [wave canary]")}
    assert statuses[str(bad["id"])] == "CampaignAborted"  # not reused
    assert list(alive(reverted)) == ["canary"]
    canary = members(reverted, str(alive(reverted)["canary"]["id"]))
    assert set(canary) == set(bad_members)  # the same devices, now with the fixed image

    reverted.emulator.advance(DAY)
    code, out = apply(capsys)
    assert code == 0, out
    assert "wave canary: 10 devices [####################] waiting: 10/10 verified" in out
    reverted.emulator.advance(DAY)
    assert apply(capsys)[0] == 0
    assert list(alive(reverted)) == ["canary", "early"]
    reverted.emulator.advance(2 * DAY)
    assert apply(capsys)[0] == 0
    assert list(alive(reverted)) == ["canary", "early", "fleet"]
    reverted.emulator.advance(DAY)
    assert set(firmware(reverted, DEVICES).values()) == {FIXED}
    # Nobody but the canary ever ran the bad image.
    everyone_bad = {
        imei
        for name in ("canary", "early", "fleet")
        for c in campaigns(reverted, f"gm01q [wave {name}]")
        if c["status"] == "CampaignAborted"
        for imei in members(reverted, str(c["id"]))
    }
    assert everyone_bad == set(bad_members)


def test_deleting_a_rollout_spec_leaves_its_waves_until_prune_takes_them_down(
    good: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    other = (
        f'apiVersion: fota.reconciler/v1\nkind: FirmwareCampaign\naccount: "{ACC}"\n'
        f"name: single\nfirmware: {{name: {FW_NAME}, from: {OLD}, to: {NEW}, protocol: LWM2M}}\n"
        'schedule: {start: "2026-03-10", end: "2026-03-20"}\n'
        'devices: ["354658090353977"]\n'
    )
    Path("specs").mkdir()
    Path("specs/rollout.yaml").write_text(rollout_yaml())
    Path("specs/single.yaml").write_text(other)
    assert main(["apply", "specs", "--auto-approve"]) == 0
    capsys.readouterr()
    assert list(waves(good)) == ["canary"]
    good.emulator.advance(timedelta(hours=1))  # the canary is scheduled (and has started)
    Path("specs/rollout.yaml").unlink()
    before = writes(good)
    assert main(["apply", "specs", "--auto-approve"]) == 0
    shown = capsys.readouterr().out
    assert f"1 live campaign has no spec ({ACC}/gm01q [wave canary] (" in shown
    assert "not taken down" in shown
    assert writes(good) == before  # the canary runs on, now a campaign no spec describes
    prune = f"--prune={ACC}:gm01q [wave "
    assert main(["apply", "specs", "--auto-approve", prune]) == 1
    assert "R-ABORT-OPT-IN" in capsys.readouterr().out  # it has started: an abort
    assert main(["apply", "specs", "--auto-approve", prune, "--allow-abort"]) == 0
    assert waves(good)["canary"]["status"] == "CampaignAborted"
    assert campaigns(good, "single")[0]["status"] != "CampaignAborted"


def test_deleting_a_rollout_spec_with_a_baseline_takes_its_waves_down(
    good: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    """As for a single campaign: the spec at the baseline names the campaigns (here the waves),
    a started wave is aborted only with both keys."""
    Path("specs").mkdir()
    Path("specs/rollout.yaml").write_text(rollout_yaml(allow_abort=True))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "rollout"], check=True)
    assert main(["apply", "specs", "--auto-approve"]) == 0
    good.emulator.advance(DAY)  # the canary has started
    assert main(["apply", "specs", "--auto-approve"]) == 0
    assert list(waves(good)) == ["canary"]
    early_none = "early" not in waves(good)
    Path("specs/rollout.yaml").unlink()
    Path("specs/other.yaml").write_text(rollout_yaml().replace("name: gm01q", "name: other"))
    capsys.readouterr()
    assert main(["plan", "specs", "--baseline-ref", "HEAD", "--out", "plan.json"]) == 0
    out = capsys.readouterr().out
    assert "- abort 0000123456-00001/gm01q [wave canary]" in out
    assert "spec deleted since the baseline" in out
    assert early_none and "gm01q [wave early]" not in out  # no campaign: nothing to take down
    assert main(["apply", "plan.json", "--allow-abort"]) == 0
    assert waves(good)["canary"]["status"] == "CampaignAborted"
    assert campaigns(good, "other [wave canary]")  # the other rollout is untouched


def test_a_rollout_restarted_on_the_day_of_its_bad_canary_is_done_once_it_ends(
    reverted: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bad canary and its replacement share name, start and end dates; once both have
    ended, the wave is the replacement (the spec's firmware), not a retired campaign to
    restart again."""
    assert apply(capsys)[0] == 0
    reverted.emulator.advance(timedelta(hours=14))  # the same day: the reverts are reported
    assert apply(capsys)[0] == 1
    Path("rollout.yaml").write_text(fixed_yaml(allow_abort=True))
    assert apply(capsys, "--allow-abort")[0] == 0
    starts = {c["startDate"] for c in campaigns(reverted, "gm01q [wave canary]")}
    assert starts == {"2026-03-02"}  # both canaries: one start date, one end date
    for _ in range(5):
        reverted.emulator.advance(DAY)
        assert apply(capsys)[0] == 0
    assert list(alive(reverted)) == ["canary", "early", "fleet"]
    reverted.emulator.set_time(datetime(2026, 4, 2, 9, 0, tzinfo=UTC))  # everything ended
    before = writes(reverted)
    code, out = apply(capsys)
    assert code == 0, out
    assert "R-ROLLOUT-RESTART" not in out and writes(reverted) == before
