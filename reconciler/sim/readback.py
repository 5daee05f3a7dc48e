"""Firmware read-back: what the devices of an account report running (v3 devices/firmware).

- ``POST /devices/{acc}`` (device information): the given devices, each with the firmware it
  reports; at most ``DEVICE_INFO_MAX`` devices per request (the emulator's own limit: none is
  documented), devices outside the account answered with a failed ``requestStatus``.
- ``PUT /firmware/{acc}/devices`` (firmware sync): at most ``FIRMWARE_SYNC_MAX`` (100)
  devices, as documented; the answer's list key is spelt ``deviceFirmwarVersionList``, as
  ThingSpace spells it.

The firmware is ``handlers.firmware_at``: the device's own firmware, or that of its last
successful upgrade that did not revert after boot (see ``outcomes``).
"""

from __future__ import annotations

from typing import Any

from reconciler.sim import progress
from reconciler.sim.apierror import ApiError
from reconciler.sim.clock import rfc3339
from reconciler.sim.handlers import Ctx, _device_list, _object
from reconciler.sim.store import FIRMWARE

JsonObj = dict[str, Any]
DEVICE_INFO_MAX = 1000
FIRMWARE_SYNC_MAX = 100


def _devices(body: object, limit: int, what: str) -> list[str]:
    imeis = _device_list(_object(body), allow_invalid=False)
    if len(imeis) > limit:
        raise ApiError(
            "TooManyDevices", f"{what} takes at most {limit} devices per request, not {len(imeis)}"
        )
    return imeis


def _member(ctx: Ctx, acc: str, imei: str) -> bool:
    device = ctx.state.fleet.get(imei)
    return device is not None and device.account == acc


def firmware_of(ctx: Ctx, imeis: list[str]) -> dict[str, str | None]:
    """``handlers.firmware_at`` for many devices, each campaign's timeline built once per
    request rather than once per device (a read-back asks for up to 1,000 devices)."""
    state, now, seed = ctx.state, ctx.now, ctx.state.seed
    timelines: dict[str, progress.Timeline] = {}
    out: dict[str, str | None] = {}
    for imei in imeis:
        best: tuple[Any, str] | None = None
        for cid in state.by_device.get(imei, ()):
            campaign = state.campaigns[cid]
            if campaign.kind != FIRMWARE:
                continue
            timeline = timelines.get(cid)
            if timeline is None:
                timeline = timelines[cid] = campaign.timeline(ctx.settle)
            member = campaign.members[imei]
            p = progress.progress(timeline, imei, member.joined, member.left, seed, now)
            if p.success_at is None or p.success_at > now:
                continue
            if ctx.outcomes.reverts(seed, cid, campaign.package, imei):
                continue
            if best is None or p.success_at > best[0]:
                best = (p.success_at, campaign.to_version)
        device = state.fleet.get(imei)
        out[imei] = best[1] if best is not None else device.firmware if device else None
    return out


def device_information(ctx: Ctx, acc: str, body: object) -> JsonObj:
    imeis = _devices(body, DEVICE_INFO_MAX, "device information")
    firmware = firmware_of(ctx, imeis)
    items: list[JsonObj] = []
    for imei in imeis:
        if not _member(ctx, acc, imei):
            items.append(
                {
                    "deviceId": imei,
                    "requestStatus": "Failed",
                    "resultReason": f"Device {imei} not found in account {acc}",
                }
            )
            continue
        device = ctx.state.fleet.devices[imei]
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
    return {"accountName": acc, "deviceCount": len(items), "deviceList": items}


def firmware_sync(ctx: Ctx, acc: str, body: object) -> JsonObj:
    imeis = _devices(body, FIRMWARE_SYNC_MAX, "firmware sync")
    firmware = firmware_of(ctx, imeis)
    items: list[JsonObj] = []
    stamp = rfc3339(ctx.now)
    for imei in imeis:
        if not _member(ctx, acc, imei):
            items.append(
                {
                    "deviceId": imei,
                    "firmwareVersion": "",
                    "status": "FirmwareVersionUpdateFailed",
                    "reason": f"Device {imei} not found in account {acc}",
                }
            )
            continue
        items.append(
            {
                "deviceId": imei,
                "firmwareVersion": firmware[imei],
                "status": "FirmwareVersionUpdateSuccess",
                "firmwareVersionUpdateTime": stamp,
            }
        )
    return {"accountName": acc, "deviceFirmwarVersionList": items}


def answer(name: str, ctx: Ctx, acc: str, body: object) -> JsonObj:
    """The route ``name`` (``v3_device_info`` | ``v3_firmware_sync``) of the app."""
    if name == "v3_device_info":
        return device_information(ctx, acc, body)
    return firmware_sync(ctx, acc, body)
