"""Fleet files (JSON and CSV), strict catalog checks, the admin fleet API, in-process drops and
the CLI's one-line refusals of bad options and state files."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from reconciler.cli import main
from reconciler.sim.app import Emulator, SimOptions
from reconciler.sim.faults import FaultRule
from reconciler.sim.fleet import Device, FleetError, load_fleet_file
from reconciler.sim.testing import DEFAULT_NOW, running_sim
from tests.sim.helpers import ACC, IMEI_A, IMEI_B, PKG, V3, Api, expect_error, firmware_body


def test_fleet_from_json_and_csv(tmp_path: Path) -> None:
    as_json = tmp_path / "fleet.json"
    as_json.write_text(
        json.dumps(
            {"devices": [{"imei": IMEI_A, "firmware": "1.0", "make": "Acme", "model": "X1"}]}
        )
    )
    as_csv = tmp_path / "fleet.csv"
    as_csv.write_text(f"imei,account,firmware,make,model,licensed\n{IMEI_B},{ACC},2.0,Acme,X2,no\n")
    (device,) = load_fleet_file(as_json)
    assert (device.imei, device.firmware, device.make, device.model) == (
        IMEI_A,
        "1.0",
        "Acme",
        "X1",
    )
    (row,) = load_fleet_file(as_csv)
    assert (row.imei, row.firmware, row.licensed) == (IMEI_B, "2.0", False)
    with running_sim(devices=0, fleet_file=as_csv) as sim:
        listing = Api(sim).get(f"{V3}/devices/{ACC}").json()["deviceList"]
    assert [(d["deviceId"], d["firmware"], d["licenseAssigned"]) for d in listing] == [
        (IMEI_B, "2.0", False)
    ]


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("bad.json", "{nope", "invalid JSON"),
        ("list.json", '{"devices": 3}', "expected a list"),
        ("short.csv", "imei,firmware\n123,1.0\n", "not a 15-digit IMEI"),
        ("nofw.csv", f"imei,firmware\n{IMEI_A},\n", "nofw.csv:2: device"),
        ("typo.csv", f"imei,firmwre\n{IMEI_A},1.0\n", "typo.csv:1: unknown column(s) 'firmwre'"),
        ("nohead.csv", f"{IMEI_A},1.0\n", "nohead.csv:1: unknown column(s) "),
        ("noimei.csv", "make,firmware\nAcme,1.0\n", "noimei.csv:1: missing column(s) imei"),
        ("empty.csv", "", "empty.csv:1: empty fleet CSV"),
    ],
)
def test_bad_fleet_files_name_the_file_and_the_fix(
    tmp_path: Path, name: str, text: str, needle: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(FleetError) as info:
        load_fleet_file(path)
    assert str(path) in str(info.value) and needle in str(info.value)
    if name.endswith(".csv") and ":1: " in needle:
        assert "use a header row of imei,account,make,model,firmware" in str(info.value)


def test_strict_mode_refuses_unknown_firmware(tmp_path: Path) -> None:
    with running_sim(strict=True) as sim:
        api = Api(sim)
        url = f"{V3}/campaigns/firmware/{ACC}"
        expect_error(api.post(url, json=firmware_body(firmwareName="Nope_1_2")), "FirmwareNotFound")
        assert api.post(url, json=firmware_body(firmwareName=PKG.firmwareName)).status_code == 200


def test_admin_fleet_api_adds_devices() -> None:
    with running_sim(devices=0) as sim:
        api = Api(sim)
        device = {"imei": IMEI_A, "account": ACC, "make": "Acme", "model": "X", "firmware": "1"}
        assert api.http.post("/_sim/fleet", json={"devices": [device]}).json() == {"devices": 1}
        bad = api.http.post("/_sim/fleet", json={"devices": [{"imei": IMEI_B, "colour": "red"}]})
        assert bad.status_code == 400
        assert [d["deviceId"] for d in api.get(f"{V3}/devices/{ACC}").json()["deviceList"]] == [
            IMEI_A
        ]


def test_dropped_connection_in_process_looks_like_a_transport_error() -> None:
    emulator = Emulator(SimOptions(now=DEFAULT_NOW, frozen=True))
    emulator.add_fault(FaultRule(kind="drop", phase="after", method="POST", path="*/firmware/*"))
    bearer, session = emulator.issue_tokens()
    headers = {"Authorization": f"Bearer {bearer}", "VZ-M2M-Token": session}
    transport = httpx.WSGITransport(app=emulator.wsgi_app)
    with httpx.Client(transport=transport, base_url="http://sim") as http:
        with pytest.raises(httpx.TransportError):
            http.post(f"{V3}/campaigns/firmware/{ACC}", json=firmware_body(), headers=headers)
        assert len(emulator.state.campaigns) == 1


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--fault-rate", "503"], "--latency/--fault-rate: invalid fault '503'"),
        (["--latency", "fast"], "invalid latency 'fast'"),
        (["--failure-rate", "2"], "--failure-rate 2.0 must be between 0 and 1"),
        (["--now", "yesterday"], "--now: invalid instant 'yesterday'"),
    ],
)
def test_serve_refuses_bad_options_in_one_line(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sim", "serve", "--port", "0", *argv]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0], err


def test_corrupt_state_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.json"
    state.write_text("{")
    assert main(["sim", "serve", "--port", "0", "--state", str(state)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(state) in err[0] and "delete the file" in err[0]


def test_unlicensed_devices_need_auto_assign() -> None:
    with running_sim(devices=0) as sim:
        api = Api(sim)
        for imei in (IMEI_A, IMEI_B):
            sim.emulator.add_device(
                Device(imei, ACC, PKG.make, PKG.model, PKG.firmwareFrom, licensed=False)
            )
        cid = api.create(deviceList=[IMEI_A])["id"]
        assert api.settle(cid) == "CampaignRequestFailed"
        cid = api.create(deviceList=[IMEI_A], autoAssignLicenseFlag=True)["id"]
        assert api.settle(cid) == "CampaignScheduled"
        assert sim.emulator.state.fleet.devices[IMEI_A].licensed
        no_auto = api.create(deviceList=[IMEI_A])["id"]
        (item,) = api.put(
            f"{V3}/campaigns/firmware/{ACC}/{no_auto}",
            json={"Type": "append", "deviceList": [IMEI_B]},
        ).json()["deviceList"]
        assert item["status"] == "AddDeviceFailed" and "license" in item["Reason"]


def test_state_path_under_a_regular_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a directory")
    state = afile / "state.json"
    assert main(["sim", "serve", "--port", "0", "--state", str(state)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert str(state) in err[0] and "not a directory" in err[0], err
    assert "writable directory" in err[0]
    assert afile.read_text() == "not a directory"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--devices", "-5"], "Invalid value for '--devices': -5 is not in the range x>=0."),
        (["--page-size", "0"], "Invalid value for '--page-size': 0 is not in the range x>=1."),
    ],
)
def test_serve_refuses_out_of_range_counts(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sim", "serve", "--port", "0", *argv]) == 1  # usage error: 1, never 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"Error: {needle}", err
