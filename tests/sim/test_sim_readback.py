"""The emulator's firmware read-back (device information, firmware sync, account device list)
and its misbehaving packages: reverted after boot, failing outright."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from reconciler.sim.fleet import luhn_digit
from reconciler.sim.outcomes import OutcomeError, PackageOutcomes, parse_revert
from reconciler.sim.testing import RunningSim, running_sim
from tests.sim.helpers import ACC, PKG, V3, Api

DEVICES = [f"3580{i:010d}" + luhn_digit(f"3580{i:010d}") for i in range(150)]


def _api(**options: Any) -> Iterator[tuple[RunningSim, Api]]:
    options.setdefault("failure_rate", 0.0)
    with running_sim(devices=0, seed=7, **options) as sim:
        api = Api(sim)
        yield sim, api
        api.http.close()


def _upgrade(sim: RunningSim, api: Api, devices: list[str]) -> str:
    """A campaign of ``devices`` (enrolled on the fly), run until every attempt is over."""
    cid = str(
        api.create(
            deviceList=devices,
            startDate="2026-03-02",
            endDate="2026-03-20",
            campaignTimeWindowList=[],
        )["id"]
    )
    api.settle(cid)
    sim.emulator.advance(timedelta(days=2))
    api.relogin()
    return cid


def _info(api: Api, devices: list[str]) -> dict[str, str]:
    response = api.post(f"{V3}/devices/{ACC}", json={"deviceList": devices})
    assert response.status_code == 200, response.text
    return {d["deviceId"]: d.get("firmware", "") for d in response.json()["deviceList"]}


def _sync(api: Api, devices: list[str]) -> dict[str, str]:
    response = api.put(f"{V3}/firmware/{ACC}/devices", json={"deviceList": devices})
    assert response.status_code == 200, response.text
    return {
        d["deviceId"]: d["firmwareVersion"] for d in response.json()["deviceFirmwarVersionList"]
    }


def test_devices_report_the_firmware_of_their_last_successful_upgrade() -> None:
    for sim, api in _api():
        before = _upgrade(sim, api, DEVICES[:100])
        assert before
        assert set(_info(api, DEVICES[:100]).values()) == {PKG.firmwareTo}
        assert set(_sync(api, DEVICES[:100]).values()) == {PKG.firmwareTo}
        listed: dict[str, str] = {}
        cursor = None
        while True:
            params = {} if cursor is None else {"lastSeenDeviceId": cursor}
            page = api.get(f"{V3}/devices/{ACC}", params=params).json()
            listed.update((d["deviceId"], d["firmware"]) for d in page["deviceList"])
            if not page["hasMoreData"]:
                break
            cursor = page["lastSeenDeviceId"]
        assert {listed[i] for i in DEVICES[:100]} == {PKG.firmwareTo}


def test_firmware_sync_takes_at_most_100_devices_and_device_information_1000() -> None:
    for sim, api in _api():
        _upgrade(sim, api, DEVICES[:101])
        response = api.put(f"{V3}/firmware/{ACC}/devices", json={"deviceList": DEVICES[:101]})
        assert response.status_code == 400
        assert response.json()["errorCode"] == "TooManyDevices"
        many = [f"35{i:013d}" for i in range(1001)]
        response = api.post(f"{V3}/devices/{ACC}", json={"deviceList": many})
        assert response.status_code == 400
        assert response.json()["errorCode"] == "TooManyDevices"
        for body in ({}, {"deviceList": []}, {"deviceList": [12]}):
            assert api.post(f"{V3}/devices/{ACC}", json=body).status_code == 400
        unknown = api.post(f"{V3}/devices/{ACC}", json={"deviceList": ["359999999999999"]})
        assert unknown.json()["deviceList"][0]["requestStatus"] == "Failed"


def test_a_reverted_package_reports_success_but_keeps_the_old_firmware() -> None:
    for sim, api in _api(outcomes=PackageOutcomes({PKG.firmwareName: 0.3})):
        cid = _upgrade(sim, api, DEVICES[:100])
        report = api.get(f"{V3}/reports/{ACC}/campaigns/{cid}/devices").json()
        assert {d["status"] for d in report["deviceList"]} == {"UpgradeSuccess"}
        firmware = _sync(api, DEVICES[:100])
        reverted = sorted(i for i, fw in firmware.items() if fw == PKG.firmwareFrom)
        assert 15 <= len(reverted) <= 45  # about 30% of 100
        assert set(firmware.values()) == {PKG.firmwareFrom, PKG.firmwareTo}
    for sim, api in _api(outcomes=PackageOutcomes({PKG.firmwareName: 0.3})):
        _upgrade(sim, api, DEVICES[:100])  # the same seed: the same devices revert
        again = _sync(api, DEVICES[:100])
        assert sorted(i for i, fw in again.items() if fw == PKG.firmwareFrom) == reverted


def test_a_failing_package_fails_every_device() -> None:
    for sim, api in _api(outcomes=PackageOutcomes(failing=frozenset({PKG.firmwareName}))):
        cid = _upgrade(sim, api, DEVICES[:20])
        sim.emulator.advance(timedelta(days=3))
        api.relogin()
        report = api.get(f"{V3}/reports/{ACC}/campaigns/{cid}/devices").json()
        assert {d["status"] for d in report["deviceList"]} == {"upgradeFailure"}
        assert set(_sync(api, DEVICES[:20]).values()) == {PKG.firmwareFrom}


def test_revert_option_parsing() -> None:
    assert parse_revert(["pkg", "*=0.25"]) == {"pkg": 1.0, "*": 0.25}
    for bad in ("pkg=2", "pkg=x", "=0.5"):
        with pytest.raises(OutcomeError, match="--revert-package"):
            parse_revert([bad])


def test_the_batch_read_back_agrees_with_the_per_device_firmware() -> None:
    from reconciler.sim.handlers import Ctx, firmware_at
    from reconciler.sim.readback import firmware_of

    for sim, api in _api(outcomes=PackageOutcomes({PKG.firmwareName: 0.5}), failure_rate=0.3):
        api.create(
            deviceList=DEVICES[:60],
            startDate="2026-03-02",
            endDate="2026-03-20",
            campaignTimeWindowList=[],
        )
        api.create(
            deviceList=DEVICES[60:120],
            startDate="2026-03-02",
            endDate="2026-03-20",
            campaignTimeWindowList=[
                {"startTime": 1, "endTime": 6},
                {"startTime": 18, "endTime": 22},
            ],
        )
        wanted = [*DEVICES[:130], "359999999999999"]
        em = sim.emulator
        seen: set[str | None] = set()
        for _ in range(8):  # before, during and after the attempts (failures retry daily)
            em.advance(timedelta(hours=9))
            ctx = Ctx(em.state, em.now(), em.settle, 50, 1000, outcomes=em.state.outcomes)
            batch = firmware_of(ctx, wanted)
            single = {
                i: firmware_at(em.state, i, ctx.now, ctx.settle, ctx.outcomes) for i in wanted
            }
            assert batch == single
            seen |= set(batch.values())
        assert seen == {PKG.firmwareFrom, PKG.firmwareTo, None}
