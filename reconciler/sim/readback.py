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

from datetime import datetime
from typing import Any

from reconciler.sim import progress
from reconciler.sim.apierror import ApiError
from reconciler.sim.clock import rfc3339
from reconciler.sim.handlers import Ctx, _device_list, _object
from reconciler.sim.reports import _DAY_US, Row, _attempts, _hours_us, _us
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
    """``handlers.firmware_at`` for many devices at once: the devices are grouped by campaign
    and each campaign's successes are computed in one pass (``successes``), so a read-back
    costs about what a report page of the same devices costs."""
    state, now, seed = ctx.state, ctx.now, ctx.state.seed
    by_campaign: dict[str, list[str]] = {}
    for imei in imeis:
        for cid in state.by_device.get(imei, ()):
            if state.campaigns[cid].kind == FIRMWARE:
                by_campaign.setdefault(cid, []).append(imei)
    best: dict[str, tuple[int, str]] = {}
    for cid, members in by_campaign.items():
        campaign = state.campaigns[cid]
        rows = [(i, campaign.members[i].joined, campaign.members[i].left) for i in members]
        for imei, at in successes(campaign.timeline(ctx.settle), rows, seed, now).items():
            if ctx.outcomes.reverts(seed, cid, campaign.package, imei):
                continue
            if imei not in best or at > best[imei][0]:
                best[imei] = (at, campaign.to_version)
    out: dict[str, str | None] = {}
    for imei in imeis:
        if imei in best:
            out[imei] = best[imei][1]
        else:
            device = state.fleet.get(imei)
            out[imei] = device.firmware if device else None
    return out


def successes(
    timeline: progress.Timeline, rows: list[Row], seed: int, now: datetime
) -> dict[str, int]:
    """The devices of ``rows`` whose upgrade in this campaign succeeded by ``now``, with the
    instant (integer microseconds): ``progress.progress``'s ``success_at``, computed as
    ``reports`` computes report pages (one regime: fixed times of day), else through it."""
    now_us = _us(now)
    out: dict[str, int] = {}
    if not (timeline.runnable and len(timeline.regimes) == 1):
        for imei, joined, left in rows:
            p = progress.progress(timeline, imei, joined, left, seed, now)
            if p.success_at is not None and p.success_at <= now:
                out[imei] = _us(p.success_at)
        return out
    prefix = progress._prefix(seed, timeline.campaign_id)
    unit = progress._unit
    spans = timeline.spans
    active_from, active_until = _us(timeline.active_from), _us(timeline.active_until)
    for imei, joined, left in rows:
        begin = max(active_from, _us(joined))
        until = active_until if left is None else min(active_until, _us(left))
        if begin >= until:
            continue
        slot = unit(prefix, imei, "\x1fslot")
        offsets = [_hours_us(start + slot * size) for _, start, size in spans]
        found = _attempts(offsets, begin - begin % _DAY_US, begin, until, 1)
        if not found or found[0] > now_us:
            continue
        if unit(prefix, imei, "\x1ffail") < timeline.failure_rate:
            continue  # a failing device never succeeds
        out[imei] = found[0]
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
