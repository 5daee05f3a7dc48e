"""v1 upgrades in the persisted emulator: kept across a restart on a state file, written as
their own rows in the request's transaction, and seen by a second emulator on the same file
(as a second ``fota`` process would open it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import ACC, PKG
from .test_sim_sqlstore import InProcess, _gen, _imeis, _last_write, _rows

V1 = "/api/fota/v1"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "sim.db"


def _create(sim: InProcess, devices: list[str], start: str = "2026-03-10") -> str:
    body = {
        "accountName": ACC,
        "firmwareName": PKG.firmwareName,
        "firmwareTo": PKG.firmwareTo,
        "startDate": start,
        "endDate": "2026-03-14",
        "deviceList": devices,
    }
    return str(sim.call("POST", f"{V1}/upgrades", json=body)["id"])


def _path(upgrade_id: str) -> str:
    return f"{V1}/upgrades/{ACC}/upgrade/{upgrade_id}"


def _change(sim: InProcess, upgrade_id: str, change: str, devices: list[str]) -> Any:
    return sim.call("PUT", _path(upgrade_id), json={"type": change, "deviceList": devices})


def _answers(sim: InProcess, kept: str, cancelled: str, imei: str) -> dict[str, Any]:
    """Everything the v1 endpoints say about the account's upgrades and devices."""
    return {
        "kept": sim.call("GET", _path(kept)),
        "cancelled": sim.call("GET", _path(cancelled)),
        "listing": sim.call("GET", f"{V1}/reports/{ACC}/status/Finished/index/0"),
        "devices": sim.call("GET", f"{V1}/devices/{ACC}/index/0"),
        "history": sim.call("GET", f"{V1}/reports/{ACC}/devices/{imei}"),
    }


def test_a_v1_upgrade_and_its_members_survive_a_restart(db: Path) -> None:
    sim = InProcess(db, devices=0, failure_rate=0.0)
    kept = _create(sim, _imeis(0, 4))
    _change(sim, kept, "append", _imeis(10, 1))
    _change(sim, kept, "remove", _imeis(1, 1))
    cancelled = _create(sim, _imeis(20, 2), start="2026-03-11")
    sim.call("DELETE", _path(cancelled))
    sim.emulator.advance("20d")  # past the end and every OMA-DM check-in
    sim.relogin()
    before = _answers(sim, kept, cancelled, _imeis(0, 1)[0])
    sim.close()

    again = InProcess(db)
    after = _answers(again, kept, cancelled, _imeis(0, 1)[0])
    again.close()
    assert after == before
    members = [d["deviceId"] for d in after["kept"]["deviceList"]]
    assert members == [*_imeis(0, 1), *_imeis(2, 2), *_imeis(10, 1)]
    assert after["kept"]["status"] == "Finished"
    assert after["cancelled"]["status"] == "Cancelled"
    assert [u["id"] for u in after["listing"]["reportList"]] == [kept]
    firmware = {d["deviceId"]: d["firmware"] for d in after["devices"]["deviceList"]}
    assert [i for i, f in firmware.items() if f == PKG.firmwareTo] == members  # checked in
    assert firmware[_imeis(1, 1)[0]] == "unreported"  # removed before its start


def test_each_v1_change_writes_only_its_own_rows(db: Path) -> None:
    sim = InProcess(db, devices=0)
    upgrade = _create(sim, _imeis(0, 3))
    # The upgrade's row, its 3 members, the 3 devices it enrolled (v1 names no from-version,
    # so they are rows of their own), nextSeq + gen.
    assert _last_write(db) == {"campaigns": 1, "members": 3, "devices": 3, "meta": 2}
    _change(sim, upgrade, "append", _imeis(10, 1))
    assert _last_write(db) == {"campaigns": 1, "members": 1, "devices": 1, "meta": 1}
    _change(sim, upgrade, "remove", _imeis(1, 1))
    assert _last_write(db) == {"campaigns": 1, "members": 1, "devices": 0, "meta": 1}
    before = _gen(db)
    refused = _change(sim, upgrade, "append", _imeis(0, 1))  # already in: nothing changes
    assert refused["deviceList"][0]["status"] == "AddDeviceFailed"
    sim.call("GET", f"{V1}/reports/{ACC}/status/RequestPending/index/0")
    assert _gen(db) == before
    sim.call("DELETE", _path(upgrade))
    assert _last_write(db) == {"campaigns": 1, "members": 0, "devices": 0, "meta": 1}
    (header,) = _rows(db, "SELECT header FROM campaigns WHERE id = ?", upgrade)
    assert '"kind":"upgrade"' in header[0]
    sim.close()


def test_a_second_emulator_on_the_file_sees_and_changes_v1_upgrades(db: Path) -> None:
    one, two = InProcess(db, devices=0), InProcess(db, devices=0)
    upgrade = _create(one, _imeis(0, 2))
    seen = two.call("GET", _path(upgrade))
    assert [d["deviceId"] for d in seen["deviceList"]] == _imeis(0, 2)
    _change(two, upgrade, "append", _imeis(5, 1))
    got = one.call("GET", _path(upgrade))
    assert [d["deviceId"] for d in got["deviceList"]] == [*_imeis(0, 2), *_imeis(5, 1)]
    listed = two.call("GET", f"{V1}/reports/{ACC}/status/{got['status']}/index/0")
    assert [u["id"] for u in listed["reportList"]] == [upgrade]
    two.call("DELETE", _path(upgrade))
    assert one.call("GET", _path(upgrade))["status"] == "Cancelled"
    one.close()
    two.close()


def test_a_json_state_holding_v1_upgrades_is_imported_with_them(tmp_path: Path) -> None:
    """A JSON state that the v1 emulator wrote before the SQLite store keeps its upgrades."""
    path = tmp_path / "state.json"
    sim = InProcess(tmp_path / "first.db", devices=0, failure_rate=0.0)
    kept = _create(sim, _imeis(0, 3))
    cancelled = _create(sim, _imeis(20, 1), start="2026-03-11")
    sim.call("DELETE", _path(cancelled))
    sim.emulator.advance("20d")
    sim.relogin()
    before = _answers(sim, kept, cancelled, _imeis(0, 1)[0])
    path.write_text(json.dumps(sim.emulator.state.to_json()))
    sim.close()
    imported = InProcess(path)
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    assert _answers(imported, kept, cancelled, _imeis(0, 1)[0]) == before
    imported.close()
