"""Legacy v1 firmware upgrades (``kind: FirmwareUpgrade``) end to end: ``fota`` against the
emulator on a loopback port, the emulator's clock driven by the test (never slept on).

Each test states one thing a user of v1 upgrades relies on: a create that a second apply
does not repeat, device changes sent with the v1 body, a cancel, a refused change naming its
rule, no duplicate after the answer to the create was lost, and a status after the end date
that shows what the devices really run.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reconciler.applier import read_journal
from reconciler.cli import main
from reconciler.lifecycle.statuses import UPGRADE_LISTING_ORDER
from reconciler.model import Kind
from reconciler.sim.faults import FaultRule
from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.sim.fleet import luhn_digit
from reconciler.sim.testing import RunningSim, running_sim
from reconciler.thingspace import Credentials, ThingSpaceClient
from tests.cli.support import run, writes
from tests.golden import assert_golden

DEVICES = [f"3579{i:010d}" + luhn_digit(f"3579{i:010d}") for i in range(8)]
FIRMWARE = "FOTA_Verizon_Model-A_01To02_HF"
TARGET = "VerizonFirmwareVersion-02"
CREATE = "POST /api/fota/v1/upgrades"
PUT = "PUT /api/fota/v1/upgrades/<acc>/upgrade/<cid>"
DELETE = "DELETE /api/fota/v1/upgrades/<acc>/upgrade/<cid>"
GOLDEN = Path(__file__).parent / "golden"
FOTA = [sys.executable, "-m", "reconciler"]
CREDENTIALS = {
    "FOTA_CLIENT_ID": "demo-client",
    "FOTA_CLIENT_SECRET": "demo-secret",
    "FOTA_USERNAME": "demo",
    "FOTA_PASSWORD": "demo-password",
}


def golden(name: str, actual: str) -> None:
    """Rendered output compared with tests/cli/golden/NAME (UPDATE_GOLDEN=1 rewrites it)."""
    assert_golden(GOLDEN / name, actual)


@pytest.fixture
def sim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSim]:
    with running_sim(failure_rate=0.0) as running:  # every device that checks in upgrades
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("FOTA_API_URL", running.url)
        for name, value in CREDENTIALS.items():
            monkeypatch.setenv(name, value)
        (tmp_path / "specs").mkdir()
        yield running


def upgrade_yaml(
    name: str,
    *,
    start: str = "2026-03-10",
    end: str = "2026-03-14",
    to: str = TARGET,
    devices: list[str] | None = None,
    upgrade_id: str | None = None,
    on_immutable_change: str = "refuse",
) -> str:
    devs = "\n".join(f'  - "{d}"' for d in (DEVICES[:3] if devices is None else devices))
    pin = f"upgradeId: {upgrade_id}\n" if upgrade_id else ""
    return f"""apiVersion: fota.reconciler/v1
kind: FirmwareUpgrade
account: "{ACC}"
name: {name}
{pin}firmware:
  name: {FIRMWARE}
  to: {to}
schedule:
  start: {start}
  end: {end}
lifecycle:
  onImmutableChange: {on_immutable_change}
devices:
{devs}
"""


def write(text: str, name: str = "v1") -> None:
    Path("specs", f"{name}.yaml").write_text(text)




def upgrades(sim: RunningSim) -> list[dict[str, Any]]:
    """Every listed v1 upgrade of the account (the v1 listing, all UpgradeStatus values)."""
    with ThingSpaceClient(sim.url, Credentials.demo()) as client:
        return [
            item
            for status in UPGRADE_LISTING_ORDER
            for item in client.list_campaigns(ACC, Kind.UPGRADE, status)
        ]


def get_upgrade(sim: RunningSim, upgrade_id: str) -> dict[str, Any]:
    with ThingSpaceClient(sim.url, Credentials.demo()) as client:
        return client.get_campaign(ACC, Kind.UPGRADE, upgrade_id)


def test_create_from_a_saved_plan_then_nothing_to_apply(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write(upgrade_yaml("model-a wave 1"))
    code, out, _ = run(capsys, "plan", "specs", "--out", "plan.json")
    assert code == 0
    assert "create v1 upgrade (POST /upgrades)" in out
    (entry,) = json.loads(Path("plan.json").read_text())["campaigns"]
    assert entry["kind"] == "upgrade" and entry["outcome"] == "create"
    code, out, err = run(capsys, "apply", "plan.json")
    assert code == 0, out + err
    assert f"+ {ACC}/model-a wave 1: created: id " in out
    assert writes(sim) == {CREATE: 1}
    (listed,) = upgrades(sim)
    assert (listed["firmwareName"], listed["firmwareTo"]) == (FIRMWARE, TARGET)
    assert (listed["startDate"], listed["endDate"]) == ("2026-03-10", "2026-03-14")
    body = get_upgrade(sim, listed["id"])
    assert sorted(d["deviceId"] for d in body["deviceList"]) == DEVICES[:3]
    # Found again by its fields, with no local state: nothing more to do.
    code, out, _ = run(capsys, "plan", "specs")
    assert code == 0 and "1 unchanged" in out and "no spec" not in out
    code, out, _ = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 0 and "Nothing to apply." in out
    assert writes(sim) == {CREATE: 1}


def test_device_changes_are_sent_with_the_lower_case_type(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write(upgrade_yaml("wave", devices=DEVICES[:3]))
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    write(upgrade_yaml("wave", devices=[*DEVICES[1:3], DEVICES[5]]))
    code, out, err = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 0, out + err
    assert "add devices (PUT, type=append)" in out and "remove devices (PUT, type=remove)" in out
    assert writes(sim) == {CREATE: 1, PUT: 2}
    (listed,) = upgrades(sim)
    body = get_upgrade(sim, listed["id"])
    assert sorted(d["deviceId"] for d in body["deviceList"]) == sorted([*DEVICES[1:3], DEVICES[5]])
    sent = [r["body"] for r in read_journal(Path(".fota/journal.jsonl")) if r["event"] == "request"]
    assert {"type": "append", "deviceList": [DEVICES[5]]} in sent
    assert {"type": "remove", "deviceList": [DEVICES[0]]} in sent


def test_a_saved_plan_goes_stale_when_the_upgrade_changes_out_of_band(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write(upgrade_yaml("steady"))
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    write(upgrade_yaml("steady", devices=DEVICES[:4]))
    assert run(capsys, "plan", "specs", "--out", "plan.json")[0] == 0
    (listed,) = upgrades(sim)
    with ThingSpaceClient(sim.url, Credentials.demo()) as client:  # someone in the portal
        client.change_devices(ACC, Kind.UPGRADE, listed["id"], "remove", [DEVICES[0]])
    before = writes(sim)
    code, _, err = run(capsys, "apply", "plan.json")
    assert code == 1 and f"the plan for {ACC}/steady is no longer" in err
    assert writes(sim) == before


def test_deleted_spec_cancels_the_upgrade_before_its_start(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], check=True, capture_output=True)

    write(upgrade_yaml("goes"))
    write(upgrade_yaml("stays", start="2026-03-20", end="2026-03-22"), "stays")
    git("init", "-q")
    git("add", "specs")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    (listed,) = [u for u in upgrades(sim) if u["startDate"] == "2026-03-10"]
    Path("specs/v1.yaml").unlink()
    code, out, err = run(capsys, "plan", "specs", "--baseline-ref", "HEAD", "--out", "plan.json")
    assert code == 0, out + err
    code, out, err = run(capsys, "apply", "plan.json")
    assert code == 0, out + err
    assert f"- {ACC}/goes: cancelled (Cancelled)" in out
    assert writes(sim) == {CREATE: 2, DELETE: 1}
    assert get_upgrade(sim, listed["id"])["status"] == "Cancelled"
    # a cancelled upgrade is in no v1 listing
    assert [u["startDate"] for u in upgrades(sim)] == ["2026-03-20"]


def test_changed_dates_of_an_adopted_upgrade_are_refused_with_the_rule(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write(upgrade_yaml("adopted"))
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    (listed,) = upgrades(sim)
    write(upgrade_yaml("adopted", end="2026-03-20", upgrade_id=listed["id"]))
    code, out, _ = run(capsys, "plan", "specs")
    assert code == 1
    golden("v1_plan_refused.txt", out)
    assert "! R-V1-IMMUTABLE on schedule.end: live 2026-03-14, desired 2026-03-20" in out
    assert "instead: revert the field, or set lifecycle.onImmutableChange: replace" in out
    # After the start, a device change is refused too (R-V1-DEVICES), and nothing is sent.
    sim.emulator.set_time(datetime(2026, 3, 11, tzinfo=UTC))
    write(upgrade_yaml("adopted", devices=DEVICES[:4], upgrade_id=listed["id"]))
    code, out, _ = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 1 and "! R-V1-DEVICES on devices" in out
    assert writes(sim) == {CREATE: 1}


def test_a_baseline_lets_an_unpinned_spec_replace_its_upgrade(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], check=True, capture_output=True)

    write(upgrade_yaml("moves", on_immutable_change="replace"))
    git("init", "-q")
    git("add", "specs")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    (old,) = upgrades(sim)
    write(upgrade_yaml("moves", start="2026-03-11", on_immutable_change="replace"))
    code, out, _ = run(capsys, "plan", "specs")  # without the baseline: a second upgrade
    assert code == 0 and "Plan: 1 to create, 0 to change, 0 to cancel, 0 refused." in out
    assert (
        f"1 live campaign has no spec ({ACC}/v1 upgrade {FIRMWARE} -> {TARGET} "
        f"2026-03-10..2026-03-14 ({old['id']})): not taken down." in out
    )
    code, out, err = run(capsys, "plan", "specs", "--baseline-ref", "HEAD", "--out", "plan.json")
    assert code == 0, out + err
    assert "replace: take down, then create anew" in out
    code, out, err = run(capsys, "apply", "plan.json")
    assert code == 0, out + err
    assert writes(sim) == {CREATE: 2, DELETE: 1}
    assert get_upgrade(sim, old["id"])["status"] == "Cancelled"
    (new,) = upgrades(sim)
    assert new["startDate"] == "2026-03-11" and new["id"] != old["id"]


def test_two_live_upgrades_with_the_spec_fields_are_an_error_asking_for_a_pin(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write(upgrade_yaml("twins"))
    body = {
        "accountName": ACC,
        "firmwareName": FIRMWARE,
        "firmwareTo": TARGET,
        "startDate": "2026-03-10",
        "endDate": "2026-03-14",
        "deviceList": DEVICES[:1],
    }
    with ThingSpaceClient(sim.url, Credentials.demo()) as client:  # made elsewhere, twice
        ids = sorted(str(client.create_campaign(ACC, Kind.UPGRADE, body)["id"]) for _ in "ab")
    code, out, err = run(capsys, "plan", "specs")
    assert code == 1 and out == ""
    assert "specs/v1.yaml:1:1: 2 live v1 upgrades in account" in err
    assert all(i in err for i in ids) and "pin the right one with upgradeId" in err
    write(upgrade_yaml("twins", upgrade_id=ids[1]))
    code, out, _ = run(capsys, "plan", "specs")
    assert code == 0 and f"id {ids[1]}" in out
    assert writes(sim) == {CREATE: 2}


def test_devices_from_a_devices_file(sim: RunningSim, capsys: pytest.CaptureFixture[str]) -> None:
    Path("specs/fleet.txt").write_text("# v1 wave\n" + "\n".join(DEVICES[:5]) + "\n")
    text = upgrade_yaml("filed").split("devices:")[0] + "devicesFile:\n  path: fleet.txt\n"
    write(text)
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    (listed,) = upgrades(sim)
    devices = get_upgrade(sim, listed["id"])["deviceList"]
    assert sorted(d["deviceId"] for d in devices) == DEVICES[:5]


def test_a_lost_answer_to_the_create_makes_no_duplicate(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write(upgrade_yaml("lossy"))
    sim.emulator.add_fault(
        FaultRule("drop", phase="after", method="POST", path="/api/fota/v1/upgrades", times=1)
    )
    code, out, err = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 0, out + err
    assert "found after an unanswered create" in out
    assert sim.emulator.faults.injected[CREATE] == 1
    code, out, _ = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 0 and "Nothing to apply." in out
    assert writes(sim) == {CREATE: 1}
    assert len(upgrades(sim)) == 1


def test_status_after_the_end_date_shows_the_firmware_devices_report(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write(upgrade_yaml("late", devices=DEVICES))
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    sim.emulator.set_time(datetime(2026, 3, 14, 23, 0, tzinfo=UTC))  # the last hour
    code, out, _ = run(capsys, "status", "specs", "--output", "json")
    assert code == 0
    (before,) = json.loads(out)["campaigns"]
    accepted = {d["imei"] for d in before["device_statuses"] if d["status"] == "Device Accepted"}
    assert accepted, "some OMA-DM devices are still queued at the end date"
    assert all(
        d["reported_firmware"] != TARGET for d in before["device_statuses"] if d["imei"] in accepted
    )
    sim.emulator.advance(timedelta(days=6))  # past the end: the network queue delivers
    code, out, _ = run(capsys, "status", "specs", "--output", "json")
    assert code == 0
    (after,) = json.loads(out)["campaigns"]
    assert after["status"] == "Finished"
    rows = {d["imei"]: d for d in after["device_statuses"]}
    # The upgrade's own statuses stopped at the end date ...
    assert {i for i, d in rows.items() if d["status"] == "Device Accepted"} == accepted
    # ... while the device list shows some of those devices upgraded after it.
    late = {i for i in accepted if rows[i]["reported_firmware"] == TARGET}
    assert late
    code, out, _ = run(capsys, "status", "specs")
    assert code == 0
    golden("v1_status_after_end.txt", out)
    line = next(x for x in out.splitlines() if x.strip().startswith(min(late)))
    assert "Device Accepted" in line and f"{TARGET} (target)" in line


@pytest.mark.slow
def test_sigkill_after_each_v1_write_then_rerun_makes_no_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``fota apply`` SIGKILLed after each of its writes (two creates, one device PUT): the
    re-run finds what was created by its fields and converges without a second upgrade."""
    from tests.cli.test_apply_crash import kill_after_writes

    for name, value in (
        ("FOTA_CLIENT_ID", "demo-client"),
        ("FOTA_CLIENT_SECRET", "demo-secret"),
        ("FOTA_USERNAME", "demo"),
        ("FOTA_PASSWORD", "demo-password"),
    ):
        monkeypatch.setenv(name, value)
    total = 3
    for k in range(1, total + 1):
        root = tmp_path / f"k{k}"
        (root / "specs").mkdir(parents=True)
        monkeypatch.chdir(root)
        with running_sim(failure_rate=0.0) as sim:
            monkeypatch.setenv("FOTA_API_URL", sim.url)
            write(upgrade_yaml("grows", devices=DEVICES[:1]), "grows")
            assert main(["apply", "specs", "--auto-approve"]) == 0
            write(upgrade_yaml("grows", devices=DEVICES[:2]), "grows")
            write(
                upgrade_yaml("new-1", start="2026-03-20", end="2026-03-21", devices=DEVICES[2:3]),
                "n1",
            )
            write(
                upgrade_yaml("new-2", start="2026-03-22", end="2026-03-23", devices=DEVICES[3:4]),
                "n2",
            )
            done, killed = kill_after_writes(sim, root, k, last=k == total)
            assert killed and done == k
            assert main(["apply", "specs", "--auto-approve"]) == 0, capsys.readouterr()
            assert main(["apply", "specs", "--auto-approve"]) == 0
            assert "Nothing to apply." in capsys.readouterr().out
            assert sim.emulator.processed_counts().get(CREATE, 0) == 3, k
            starts = sorted(u["startDate"] for u in upgrades(sim))
            assert starts == ["2026-03-10", "2026-03-20", "2026-03-22"], (k, starts)


@contextlib.contextmanager
def served(state: Path) -> Iterator[str]:
    """``fota sim serve --state STATE`` in a subprocess on a free loopback port; its URL."""
    process = subprocess.Popen(
        [*FOTA, "sim", "serve", "--port", "0", "--frozen", "--now", "2026-03-02T09:00:00Z",
         "--failure-rate", "0", "--state", str(state)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        assert "serving http://127.0.0.1:" in line, line + process.stderr.read()
        yield line.split("serving ", 1)[1].split(" ", 1)[0]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_v1_upgrade_survives_a_restart_of_fota_sim_serve_with_a_state_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    Path("specs").mkdir()
    write(upgrade_yaml("kept"))
    state = tmp_path / "sim-state.db"
    with served(state) as url:
        monkeypatch.setenv("FOTA_API_URL", url)
        code, out, err = run(capsys, "apply", "specs", "--auto-approve")
        assert code == 0 and f"+ {ACC}/kept: created: id " in out, out + err
        upgrade_id = out.split("created: id ", 1)[1].split()[0]
    with served(state) as url:  # the same state file, a new process
        monkeypatch.setenv("FOTA_API_URL", url)
        code, out, err = run(capsys, "status", upgrade_id, "--account", ACC, "--kind", "upgrade")
        assert code == 0, out + err
        assert all(imei in out for imei in DEVICES[:3]), out
        code, out, err = run(capsys, "plan", "specs")
        assert code == 0 and "1 unchanged" in out and "no spec" not in out, out + err
        code, out, err = run(capsys, "apply", "specs", "--auto-approve")
        assert code == 0 and "Nothing to apply." in out, out + err


def test_a_v1_upgrade_in_the_embedded_state_is_seen_by_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("FOTA_API_URL", "FOTA_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    Path("specs").mkdir()
    today = datetime.now(UTC).date()  # the embedded clock runs in real time
    start, end = today + timedelta(days=7), today + timedelta(days=9)
    write(upgrade_yaml("embedded", start=start.isoformat(), end=end.isoformat()))
    code, out, err = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 0 and f"+ {ACC}/embedded: created: id " in out, out + err
    assert "target: embedded emulator (.fota/sim-state.db)" in err
    env = {k: v for k, v in os.environ.items() if k not in ("FOTA_API_URL", "FOTA_CLIENT_SECRET")}
    plan = subprocess.run(
        [*FOTA, "plan", "specs"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "1 unchanged" in plan.stdout and "no spec" not in plan.stdout, plan.stdout
