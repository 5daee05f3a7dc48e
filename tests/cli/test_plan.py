"""``fota plan`` end to end against the emulator on a loopback port.

Campaigns are set up with plain HTTP, the way an operator's portal edits would arrive, and the
emulator's clock is driven (never slept on): the same spec edit is planned before the start
date and refused, with the rule named, once the campaign has started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

from reconciler.cli import main
from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.sim.fleet import luhn_digit
from reconciler.sim.testing import RunningSim, running_sim
from reconciler.views import load_plan, plan_schema

FW_NAME = "SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657"
DEVICES = [f"3599{i:010d}" + luhn_digit(f"3599{i:010d}") for i in range(4)]


def spec_yaml(name: str, start: str = "2026-03-05", end: str = "2026-03-20", **kw: Any) -> str:
    devices = kw.get("devices", DEVICES[:3])
    lifecycle = kw.get("lifecycle", "")
    return (
        "apiVersion: fota.reconciler/v1\n"
        "kind: FirmwareCampaign\n"
        f'account: "{ACC}"\n'
        f"name: {name}\n"
        "firmware:\n"
        f"  name: {FW_NAME}\n"
        "  from: SR1.2.0.0-10512\n"
        "  to: SR1.2.0.0-10657\n"
        "  protocol: LWM2M\n"
        "schedule:\n"
        f"  start: {start}\n"
        f"  end: {end}\n"
        "  windows:\n"
        "    - {start: 18, end: 22}\n"
        f"{lifecycle}"
        "devices:\n" + "".join(f'  - "{d}"\n' for d in devices)
    )


def create_over_http(sim: RunningSim, name: str, devices: list[str] | None = None) -> str:
    body = {
        "campaignName": name,
        "firmwareName": FW_NAME,
        "firmwareFrom": "SR1.2.0.0-10512",
        "firmwareTo": "SR1.2.0.0-10657",
        "protocol": "LWM2M",
        "startDate": "2026-03-05",
        "endDate": "2026-03-20",
        "campaignTimeWindowList": [{"startTime": 18, "endTime": 22}],
        "autoAssignLicenseFlag": False,
        "autoAddDevicesFlag": False,
        "deviceList": devices if devices is not None else DEVICES[:3],
    }
    url = f"{sim.url}/api/fota/v3/campaigns/firmware/{ACC}"
    response = httpx.post(url, json=body, headers=sim.auth_headers())
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


@pytest.fixture
def sim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSim]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    with running_sim() as running:
        monkeypatch.setenv("FOTA_API_URL", running.url)
        monkeypatch.setenv("FOTA_CLIENT_ID", "demo-client")
        monkeypatch.setenv("FOTA_CLIENT_SECRET", "demo-secret")
        monkeypatch.setenv("FOTA_USERNAME", "demo")
        monkeypatch.setenv("FOTA_PASSWORD", "demo-password")
        yield running


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["plan", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_same_edit_is_allowed_before_start_and_refused_after(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cid = create_over_http(sim, "pilot")
    spec = tmp_path / "pilot.yaml"
    spec.write_text(spec_yaml("pilot"))

    code, out, err = run(capsys, str(spec), "--detailed-exitcode")
    assert code == 0, err
    assert "Plan: 0 to create, 0 to change, 0 to cancel, 0 refused." in out
    assert f"target: {sim.url}" in err and "demo-secret" not in out + err

    spec.write_text(spec_yaml("pilot", start="2026-03-06"))
    code, out, err = run(capsys, str(spec), "--detailed-exitcode", "-o", "json")
    assert code == 2, err
    (entry,) = json.loads(out)["campaigns"]
    assert entry["outcome"] == "change" and entry["campaign_id"] == cid
    assert entry["actions"][0]["type"] == "update_schedule"
    assert entry["actions"][0]["body"]["startDate"] == "2026-03-06"

    sim.emulator.set_time(datetime(2026, 3, 5, tzinfo=UTC))  # the start date has come
    code, out, err = run(capsys, str(spec), "--detailed-exitcode", "-o", "json")
    assert code == 1
    document = json.loads(out)
    assert document["now"] == "2026-03-05T00:00:00Z"
    (entry,) = document["campaigns"]
    assert entry["outcome"] == "refused" and entry["phase"] == "running"
    assert [r["rule"] for r in entry["refusals"]] == ["R-START-LOCKED"]
    assert err.strip().splitlines()[-1].startswith("error: 1 change(s) refused")


def test_now_override_plans_a_what_if_and_records_it(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create_over_http(sim, "pilot")
    spec = tmp_path / "pilot.yaml"
    spec.write_text(spec_yaml("pilot", end="2026-03-06"))
    code, out, _ = run(capsys, str(spec), "--now", "2026-03-05T12:00:00Z")
    assert code == 1
    assert "! R-END-MIN-24H on schedule.end: live 2026-03-20, desired 2026-03-06" in out
    assert "set the end date to 2026-03-07 or later" in out
    code, out, _ = run(capsys, str(spec), "--now", "2026-03-04", "--detailed-exitcode")
    assert code == 2
    assert "~ schedule.end: 2026-03-20 -> 2026-03-06" in out


def test_out_writes_a_plan_apply_can_read_and_campaign_filters(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a.yaml").write_text(spec_yaml("alpha"))
    (specs / "b.yaml").write_text(spec_yaml("beta", devices=DEVICES[3:]))
    out_file = tmp_path / "out" / "plan.json"
    out_file.parent.mkdir()
    code, out, err = run(capsys, str(specs), "--out", str(out_file), "--campaign", "beta")
    assert code == 0, err
    assert "+ create 0000123456-00001/beta" in out and "alpha" not in out
    text = out_file.read_text()
    Draft202012Validator(plan_schema()).validate(json.loads(text))
    saved = load_plan(text, source=str(out_file))
    assert [c.name for c in saved.campaigns] == ["beta"]
    assert saved.spec_paths == (str(specs),) and saved.campaign_filter == ("beta",)
    assert saved.campaigns[0].actions[0].body is not None
    assert saved.campaigns[0].actions[0].body["deviceList"] == sorted(DEVICES[3:])
    assert list(out_file.parent.iterdir()) == [out_file]  # no temp file left behind

    code, _, err = run(capsys, str(specs), "--campaign", "gamma")
    assert code == 1 and "--campaign 'gamma': no spec with that name" in err


def test_markdown_output_for_pull_requests(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "pilot.yaml"
    spec.write_text(spec_yaml("pilot"))
    code, out, _ = run(capsys, str(spec), "-o", "markdown")
    assert code == 0
    assert out.startswith("### fota plan")
    assert "<details><summary><code>+</code> <b>" in out
    assert "</b>: new, firmware " in out  # what changes, in the summary line


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_baseline_ref_labels_portal_edits_as_drift_and_takes_down_deleted_specs(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "kept.yaml").write_text(spec_yaml("kept"))
    (specs / "gone.yaml").write_text(spec_yaml("gone", devices=DEVICES[3:]))
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "specs")
    kept = create_over_http(sim, "kept")
    gone = create_over_http(sim, "gone", DEVICES[3:])
    # someone moves the end date in the portal
    put = httpx.put(
        f"{sim.url}/api/fota/v3/campaigns/firmware/{ACC}/{kept}/dates",
        json={
            "startDate": "2026-03-05",
            "endDate": "2026-03-25",
            "campaignTimeWindowList": [{"startTime": 18, "endTime": 22}],
        },
        headers=sim.auth_headers(),
    )
    assert put.status_code == 200, put.text
    (specs / "gone.yaml").unlink()  # and this PR deletes a spec

    code, out, err = run(capsys, "specs", "--baseline-ref", "main", "-o", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["baseline_ref"] == "main"
    by_name = {c["name"]: c for c in document["campaigns"]}
    assert by_name["kept"]["outcome"] == "change" and by_name["kept"]["drift"] is True
    assert by_name["kept"]["actions"][0]["changes"][0] == {
        "field": "schedule.end",
        "before": "2026-03-25",
        "after": "2026-03-20",
        "drift": True,
    }
    assert by_name["gone"]["outcome"] == "cancel"
    assert by_name["gone"]["campaign_id"] == gone
    assert by_name["gone"]["source"] == os.path.join("specs", "gone.yaml") + ":1:1"

    code, _, err = run(capsys, "specs", "--baseline-ref", "no-such-branch")
    assert code == 1 and "--baseline-ref 'no-such-branch' is not a commit" in err


def test_bad_now_is_a_one_line_error(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "pilot.yaml"
    spec.write_text(spec_yaml("pilot"))
    code, out, err = run(capsys, str(spec), "--now", "next tuesday")
    assert code == 1 and out == ""
    assert (
        err == "error: --now 'next tuesday' is not an ISO 8601 date-time; e.g. --now "
        "2026-12-01T00:00:00Z\n"
    )


@pytest.mark.parametrize(
    "text",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "9999-12-31T00:00:00Z"],
)
def test_now_out_of_range_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    spec = tmp_path / "pilot.yaml"
    spec.write_text(spec_yaml("pilot"))
    code, out, err = run(capsys, str(spec), "--now", text)
    assert code == 1 and out == ""
    assert err == (
        f"error: --now {text!r} is out of range: give an instant from 1970-01-01 to "
        "9999-01-01 (exclusive), UTC; e.g. --now 2026-12-01T00:00:00Z\n"
    )


@pytest.mark.slow
def test_fota_plan_as_a_subprocess(sim: RunningSim, tmp_path: Path) -> None:
    create_over_http(sim, "pilot")
    spec = tmp_path / "pilot.yaml"
    spec.write_text(spec_yaml("pilot", start="2026-03-04"))
    sim.emulator.set_time(datetime(2026, 3, 5, 9, tzinfo=UTC))
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "plan", str(spec)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    assert done.returncode == 1
    assert "! R-START-LOCKED on schedule.start: live 2026-03-05, desired 2026-03-04" in done.stdout
    assert "Traceback" not in done.stderr
    assert done.stdout.rstrip().endswith("0 to create, 0 to change, 0 to cancel, 1 refused.")


EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "campaigns"


def test_no_false_diffs_through_the_wire_for_every_example_spec(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    """Create each example (v3 firmware, v2 software, v1 upgrade, and every wave of a rollout)
    with its own create body, read it back through the API: the plan must be empty, whatever
    order or form the API answers in."""
    from reconciler.plans.rollout import wave_spec
    from reconciler.plans.waves import assign_spec
    from reconciler.specs import load_specs
    from reconciler.thingspace import paths
    from reconciler.thingspace.wire import encode_create

    specs = load_specs([EXAMPLES]).specs
    assert {s.kind.value for s in specs} == {"firmware", "software", "upgrade"}
    campaigns = [s for s in specs if s.rollout is None]
    for s in specs:  # a rollout is one campaign per wave, all of them started here
        if s.rollout is not None:
            members = assign_spec(s)
            campaigns += [
                wave_spec(s, w, members[w.name], None, sim.emulator.now()) for w in s.rollout.waves
            ]
    for s in campaigns:
        url = f"{sim.url}{paths.create(s.account, s.kind)}"
        response = httpx.post(url, json=encode_create(s), headers=sim.auth_headers())
        assert response.status_code == 200, response.text
    code, out, err = run(capsys, str(EXAMPLES), "--detailed-exitcode")
    assert code == 0, out + err
    assert f"{len(campaigns)} unchanged, 0 finished." in out
