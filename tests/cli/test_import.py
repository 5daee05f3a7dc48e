"""``fota import`` end to end against the emulator on a loopback port (and the embedded one).

The account is set up over plain HTTP, the way campaigns made in the portal arrive, with the
emulator's clock driven (never slept on) so that there is a campaign in every status: pending,
queued, scheduled before its start, running, ended, cancelled, aborted, request-failed and
failed. The promise under test: the written specs validate, are canonical (``fota fmt
--check``), and their first ``fota plan --detailed-exitcode`` exits 0; importing again changes
no byte. What import writes and prints is pinned by golden files (regenerate with
UPDATE_GOLDEN=1 and review the diff).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.cli import main
from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.sim.fleet import luhn_digit
from reconciler.sim.testing import RunningSim, running_sim
from tests.golden import assert_golden

FW = ("SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657", "SR1.2.0.0-10512")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GOLDEN = Path(__file__).resolve().parent / "golden"
LATER = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)


def imeis(block: int, count: int) -> list[str]:
    """``count`` valid IMEIs of their own (no two campaigns share a device)."""
    out = []
    for i in range(count):
        body = f"3599{block:04d}{i:06d}"
        out.append(body + luhn_digit(body))
    return out


class Account:
    """Campaigns made over HTTP, the way the portal makes them."""

    def __init__(self, sim: RunningSim) -> None:
        self.sim = sim
        self.block = 0

    def _headers(self) -> dict[str, str]:
        return self.sim.auth_headers()

    def firmware(self, name: str, start: str, end: str, devices: int = 3, **extra: Any) -> str:
        self.block += 1
        body = {
            "campaignName": name,
            "firmwareName": FW[0],
            "firmwareFrom": FW[1],
            "firmwareTo": "SR1.2.0.0-10657",
            "protocol": "LWM2M",
            "startDate": start,
            "endDate": end,
            "campaignTimeWindowList": [{"startTime": 18, "endTime": 22}],
            "autoAssignLicenseFlag": True,
            "autoAddDevicesFlag": False,
            "deviceList": imeis(self.block, devices),
            **extra,
        }
        url = f"{self.sim.url}/api/fota/v3/campaigns/firmware/{ACC}"
        response = httpx.post(url, json=body, headers=self._headers())
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    def software(self, name: str, start: str, end: str) -> str:
        self.block += 1
        body = {
            "campaignName": name,
            "softwareName": "FOTA_Verizon_Model-A_02To03_HF",
            "softwareFrom": "FOTA_Verizon_Model-A_00To01_HF",
            "softwareTo": "FOTA_Verizon_Model-A_02To03_HF",
            "distributionType": "HTTP",
            "startDate": start,
            "endDate": end,
            "downloadAfterDate": start,
            "downloadTimeWindowList": [{"startTime": 20, "endTime": 23}],
            "installAfterDate": end,
            "installTimeWindowList": [
                {"startTime": 4, "endTime": 6},
                {"startTime": 2, "endTime": 4},
            ],
            "deviceList": imeis(self.block, 4),
        }
        response = httpx.post(
            f"{self.sim.url}/api/fota/v2/campaigns/{ACC}", json=body, headers=self._headers()
        )
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    def get(self, cid: str) -> str:
        response = httpx.get(
            f"{self.sim.url}/api/fota/v3/campaigns/{ACC}/{cid}", headers=self._headers()
        )
        assert response.status_code == 200, response.text
        return str(response.json()["status"])

    def delete(self, cid: str) -> None:
        response = httpx.delete(
            f"{self.sim.url}/api/fota/v3/campaigns/{ACC}/{cid}", headers=self._headers()
        )
        assert response.status_code == 200, response.text


def every_status(sim: RunningSim) -> dict[str, str]:
    """One campaign in each status the emulator can show; status -> campaign id."""
    account = Account(sim)
    ids: dict[str, str] = {}
    ids["running"] = account.firmware("fw running", "2026-03-03", "2026-03-20", devices=60)
    ids["ended"] = account.firmware("fw ended", "2026-03-03", "2026-03-04")
    ids["cancelled"] = account.firmware("fw cancelled", "2026-03-10", "2026-03-20")
    account.delete(ids["cancelled"])
    ids["aborted"] = account.firmware("fw aborted", "2026-03-03", "2026-03-20")
    ids["request-failed"] = account.firmware("fw start in the past", "2026-03-01", "2026-03-20")
    ids["failed"] = account.firmware("fw failed", "2026-03-10", "2026-03-20")
    # The emulator never fails a campaign by itself: mark it the way ThingSpace would report it.
    sim.emulator.state.campaigns[ids["failed"]].closed = "CampaignFailed"
    sim.emulator.set_time(LATER)  # running has started, ended has ended
    account.delete(ids["aborted"])  # after its start: aborted
    ids["scheduled"] = account.firmware("fw scheduled", "2026-03-12", "2026-03-30")
    account.get(ids["scheduled"])
    account.get(ids["scheduled"])
    ids["queued"] = account.firmware("fw queued", "2026-03-12", "2026-03-30")
    account.get(ids["queued"])
    ids["pending"] = account.firmware("fw pending", "2026-03-12", "2026-03-30")
    ids["software"] = account.software("sw scheduled", "2026-03-12", "2026-03-30")
    expected = {
        "running": "CampaignScheduled",
        "ended": "CampaignEnded",
        "cancelled": "CampaignCancelled",
        "aborted": "CampaignAborted",
        "request-failed": "CampaignRequestFailed",
        "failed": "CampaignFailed",
        "scheduled": "CampaignScheduled",
        "queued": "CampaignRequestQueued",
        "pending": "CampaignRequestPending",
    }
    for key, status in expected.items():
        assert sim.emulator.campaign_status(ids[key]) == status, key
    return ids


@pytest.fixture
def sim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSim]:
    monkeypatch.chdir(tmp_path)
    with running_sim(now=T0) as running:
        monkeypatch.setenv("FOTA_API_URL", running.url)
        monkeypatch.setenv("FOTA_CLIENT_ID", "demo-client")
        monkeypatch.setenv("FOTA_CLIENT_SECRET", "demo-secret")
        monkeypatch.setenv("FOTA_USERNAME", "demo")
        monkeypatch.setenv("FOTA_PASSWORD", "demo-password")
        yield running


def fota(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def golden(name: str, actual: str) -> None:
    assert_golden(GOLDEN / name, actual)


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_import_every_status_then_plan_is_empty_and_reimport_changes_nothing(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = every_status(sim)
    out = tmp_path / "campaigns"
    code, stdout, err = fota(capsys, "import", "--account", ACC, "--out", str(out))
    assert code == 0, err
    assert "demo-secret" not in stdout + err
    live = ["running", "scheduled", "queued", "pending", "software"]
    for key in live:
        assert ids[key] in stdout
    for key in ("ended", "cancelled", "aborted", "request-failed", "failed"):
        assert f"skipped {ids[key]} " in stdout  # finished: skipped, and said so
    assert "v1 upgrades (/api/fota/v1) are not imported" in err
    assert "Import: 5 spec(s) written, 0 unchanged, 5 skipped" in stdout
    golden("import_every_status.txt", stdout.replace(str(out), "OUT"))
    golden("import_fw_running.yaml", (out / "fw-running.yaml").read_text())
    golden("import_sw_scheduled.yaml", (out / "sw-scheduled.yaml").read_text())

    running = (out / "fw-running.yaml").read_text()
    assert f"campaignId: {ids['running']}\n" in running
    assert "devicesFile:\n  path: devices/fw-running.txt\n" in running  # 60 devices
    assert running.startswith("# yaml-language-server: $schema=campaign-spec.schema.json\n")
    assert f"# Imported by fota import from account {ACC}:\n" in running
    assert len((out / "devices" / "fw-running.txt").read_text().splitlines()) == 62
    software = (out / "sw-scheduled.yaml").read_text()
    assert "  installWindows:\n    - {start: 2, end: 4}\n    - {start: 4, end: 6}\n" in software
    assert "autoAssignLicense" not in software

    assert fota(capsys, "validate", str(out))[0] == 0
    assert fota(capsys, "fmt", "--check", str(out))[0] == 0
    code, stdout, err = fota(capsys, "plan", str(out), "--detailed-exitcode")
    assert code == 0, stdout + err
    assert "Plan: 0 to create, 0 to change, 0 to cancel, 0 refused." in stdout

    before = snapshot(out)
    code, stdout, _ = fota(capsys, "import", "--account", ACC, "--out", str(out))
    assert code == 0 and "Import: 0 spec(s) written, 5 unchanged" in stdout
    assert snapshot(out) == before  # same bytes, not even rewritten


def test_finished_campaigns_are_imported_when_asked_for(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = every_status(sim)
    out = tmp_path / "all"
    code, stdout, err = fota(
        capsys, "import", "--account", ACC, "--status", "all", "--out", str(out)
    )
    assert code == 0, err
    assert not [line for line in stdout.splitlines() if line.startswith("skipped")]
    assert "Import: 10 spec(s) written, 0 unchanged, 0 skipped" in stdout
    assert f"campaignId: {ids['aborted']}\n" in (out / "fw-aborted.yaml").read_text()
    code, stdout, err = fota(capsys, "plan", str(out), "--detailed-exitcode")
    assert code == 0, stdout + err
    assert "5 unchanged, 5 finished." in stdout

    only = tmp_path / "ended"
    code, stdout, _ = fota(
        capsys, "import", "--account", ACC, "--status", "CampaignEnded", "--out", str(only)
    )
    assert code == 0
    assert sorted(p.name for p in only.glob("*.yaml")) == ["fw-ended.yaml"]

    by_id = tmp_path / "by-id"
    code, stdout, _ = fota(
        capsys, "import", "--account", ACC, "--campaign", ids["cancelled"], "--out", str(by_id)
    )
    assert code == 0
    assert sorted(p.name for p in by_id.glob("*.yaml")) == ["fw-cancelled.yaml"]
    code, stdout, _ = fota(
        capsys,
        "import",
        "--account",
        ACC,
        "--campaign",
        ids["cancelled"],
        "--status",
        "CampaignScheduled",
        "--out",
        str(tmp_path / "none"),
    )
    assert code == 0 and f"skipped {ids['cancelled']} 'fw cancelled': CampaignCancelled" in stdout

    prefix = tmp_path / "prefix"
    code, _, _ = fota(
        capsys, "import", "--account", ACC, "--name-prefix", "sw ", "--out", str(prefix)
    )
    assert code == 0
    assert sorted(p.name for p in prefix.glob("*.yaml")) == ["sw-scheduled.yaml"]


def test_name_clash_writes_both_and_says_so(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account = Account(sim)
    first = account.firmware("twin", "2026-03-12", "2026-03-30")
    second = account.firmware("twin", "2026-03-12", "2026-03-30")
    out = tmp_path / "clash"
    code, stdout, err = fota(capsys, "import", "--account", ACC, "--out", str(out))
    assert code == 3
    names = sorted(p.name for p in out.glob("*.yaml"))
    assert names == sorted([f"twin-{first[:8]}.yaml", f"twin-{second[:8]}.yaml"])
    assert "name clash: 2 campaigns of account" in err and first in err and second in err
    assert "campaign name 'twin' is already used" in err  # what fota validate will say
    code, stdout, _ = fota(capsys, "import", "--account", ACC, "--out", str(out), "-o", "json")
    assert code == 3
    document = json.loads(stdout)
    (clash,) = document["clashes"]
    assert {c["campaignId"] for c in clash["campaigns"]} == {first, second}


def test_a_device_in_two_overlapping_campaigns_is_reported(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Account(sim).firmware("first", "2026-03-12", "2026-03-30")
    Account(sim).firmware("second", "2026-03-20", "2026-04-30")  # the same three devices
    out = tmp_path / "overlap"
    code, _, err = fota(capsys, "import", "--account", ACC, "--out", str(out))
    assert code == 3  # written, but fota validate will not accept both: a person decides
    assert sorted(p.name for p in out.glob("*.yaml")) == ["first.yaml", "second.yaml"]
    assert f"{out / 'second.yaml'}:" in err and "also in campaign 'first'" in err


def test_dry_run_and_json_write_nothing(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cid = Account(sim).firmware("pilot", "2026-03-12", "2026-03-30")
    out = tmp_path / "dry"
    code, stdout, _ = fota(capsys, "import", "--account", ACC, "--out", str(out), "--dry-run")
    assert code == 0 and not out.exists()
    assert f"would write {out / 'pilot.yaml'}" in stdout
    assert f"campaignId: {cid}\n" in stdout  # the spec itself is shown
    code, stdout, _ = fota(
        capsys, "import", "--account", ACC, "--out", str(out), "--dry-run", "-o", "json"
    )
    assert code == 0 and not out.exists()
    document = json.loads(stdout)
    assert document["dryRun"] is True
    spec = next(f for f in document["files"] if f["type"] == "spec")
    assert spec == {
        "path": str(out / "pilot.yaml"),
        "type": "spec",
        "campaignId": cid,
        "name": "pilot",
        "kind": "firmware",
        "status": spec["status"],
        "devices": 3,
        "action": "create",
    }
    assert document["notes"] and "v1 upgrades" in document["notes"][0]


def test_existing_files_are_never_overwritten_without_force(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account = Account(sim)
    account.firmware("pilot", "2026-03-12", "2026-03-30")
    account.firmware("second", "2026-03-12", "2026-03-30", devices=2)
    out = tmp_path / "campaigns"
    out.mkdir()
    (out / "pilot.yaml").write_text("# mine\n")
    code, stdout, _ = fota(capsys, "import", "--account", ACC, "--out", str(out), "--dry-run")
    assert code == 0 and f"differs, needs --force: {out / 'pilot.yaml'}" in stdout
    code, stdout, err = fota(capsys, "import", "--account", ACC, "--out", str(out))
    assert code == 1 and stdout == ""
    assert f"1 file(s) exist with other content: {out / 'pilot.yaml'}" in err
    assert "nothing was written" in err and "--force" in err
    assert sorted(p.name for p in out.iterdir()) == ["pilot.yaml"]  # not even second.yaml
    assert (out / "pilot.yaml").read_text() == "# mine\n"
    code, stdout, _ = fota(capsys, "import", "--account", ACC, "--out", str(out), "--force")
    assert code == 0 and f"overwrote {out / 'pilot.yaml'}" in stdout
    assert "campaignId:" in (out / "pilot.yaml").read_text()
    assert not [p for p in out.rglob(".*")]  # no temporary file left


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--account", "402196254"], "is not an account name"),
        (["--account", ACC, "--status", "Running"], "is not a campaign status"),
        (["--account", ACC, "--campaign", "no-such-id"], "no firmware (v3) or software (v2)"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    sim: RunningSim,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    out = tmp_path / "out"
    code, stdout, err = fota(capsys, "import", *argv, "--out", str(out))
    assert code == 1 and stdout == ""
    assert message in err and "Traceback" not in err
    assert [line for line in err.splitlines() if not line.startswith("target:")] == [
        err.splitlines()[-1]
    ]
    assert not out.exists()


def test_embedded_emulator_onboarding_in_three_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's three commands, on the embedded emulator (no --api-url)."""
    for name in ("FOTA_API_URL", "FOTA_CLIENT_ID", "FOTA_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    examples = Path(__file__).resolve().parents[2] / "examples" / "campaigns"
    code, _, err = fota(capsys, "apply", str(examples), "--auto-approve")
    assert code == 0, err  # campaigns made elsewhere, as if in the portal
    code, stdout, err = fota(
        capsys, "import", "--account", "0402196254-00001", "--out", "campaigns"
    )
    assert code == 0, err
    assert "target: embedded emulator" in err
    assert os.path.exists("campaigns/devices/gm01q-sr1-2-0-0-10657-fleet-wave-1.txt")
    assert fota(capsys, "validate", "campaigns")[0] == 0
    code, stdout, err = fota(capsys, "plan", "campaigns", "--detailed-exitcode")
    assert code == 0, stdout + err


def test_campaigns_already_described_under_out_are_not_imported_twice(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account = Account(sim)
    account.firmware("pilot", "2026-03-12", "2026-03-30")
    account.firmware("wave", "2026-03-12", "2026-03-30", devices=2)
    out = tmp_path / "campaigns"
    assert fota(capsys, "import", "--account", ACC, "--out", str(out), "--campaign", "x")[0] == 1
    code, _, _ = fota(
        capsys, "import", "--account", ACC, "--name-prefix", "pilot", "--out", str(out)
    )
    assert code == 0
    (out / "pilot.yaml").rename(out / "hand-written.yaml")  # a spec of the team's own naming
    code, stdout, err = fota(capsys, "import", "--account", ACC, "--out", str(out))
    assert code == 0, err
    assert f"'pilot': already described by {out / 'hand-written.yaml'}" in stdout
    assert sorted(p.name for p in out.glob("*.yaml")) == ["hand-written.yaml", "wave.yaml"]
    code, stdout, err = fota(capsys, "plan", str(out), "--detailed-exitcode")
    assert code == 0, stdout + err
