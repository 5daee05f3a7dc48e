"""Device information is written straight to JSON text (no dict per device): it must be the
very bytes the compact ``json.dumps`` gives for the documented V3Device objects, for members,
devices of another account and unknown devices alike."""

from __future__ import annotations

import json
from datetime import timedelta

from reconciler.sim.fleet import luhn_digit
from reconciler.sim.handlers import Ctx
from reconciler.sim.readback import device_information, firmware_of
from reconciler.sim.testing import running_sim
from tests.sim.helpers import ACC, Api

DEVICES = [f"3581{i:010d}" + luhn_digit(f"3581{i:010d}") for i in range(40)]


def _expected(ctx: Ctx, acc: str, imeis: list[str]) -> str:
    firmware = firmware_of(ctx, imeis)
    items: list[dict[str, object]] = []
    for imei in imeis:
        device = ctx.state.fleet.get(imei)
        if device is None or device.account != acc:
            reason = f"Device {imei} not found in account {acc}"
            items.append({"deviceId": imei, "requestStatus": "Failed", "resultReason": reason})
            continue
        items.append(
            {
                "deviceId": imei,
                "requestStatus": "Success",
                "mdn": device.mdn,
                "make": device.make,
                "model": device.model,
                "firmware": firmware[imei],
                "fotaEligible": True,
                "licenseAssigned": device.licensed,
                "protocol": device.protocol,
                "status": "Active",
            }
        )
    body = {"accountName": acc, "deviceCount": len(items), "deviceList": items}
    return json.dumps(body, separators=(",", ":"))


def test_device_information_text_is_the_compact_json_of_its_objects() -> None:
    with running_sim(devices=5, seed=3, failure_rate=0.25) as sim:
        api = Api(sim)
        api.create(
            deviceList=DEVICES[:30],
            startDate="2026-03-02",
            endDate="2026-03-20",
            campaignTimeWindowList=[],
        )
        em = sim.emulator
        fleet = list(em.state.fleet.devices)[:5]
        wanted = [*DEVICES, *fleet, "359999999999999"]
        for _ in range(4):  # before, during and after the attempts
            em.advance(timedelta(hours=20))
            ctx = Ctx(em.state, em.now(), em.settle, 50, 1000, outcomes=em.state.outcomes)
            for acc in (ACC, "another-account"):
                assert device_information(ctx, acc, {"deviceList": wanted}) == _expected(
                    ctx, acc, wanted
                )
        api.http.close()
