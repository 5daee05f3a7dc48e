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

import hashlib
import math
from datetime import datetime
from typing import Any

from reconciler.sim import progress
from reconciler.sim.apierror import ApiError
from reconciler.sim.clock import rfc3339
from reconciler.sim.fleet import Device
from reconciler.sim.handlers import Ctx, _device_list, _object
from reconciler.sim.reports import (
    _DAY_US,
    _HOUR_US,
    RawJson,
    Row,
    _attempts,
    _hours_us,
    _us,
    escape,
)
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
    by_device, campaigns = state.by_device, state.campaigns  # properties: looked up once
    by_campaign: dict[str, list[str]] = {}
    for imei in imeis:
        for cid in by_device.get(imei, ()):
            if campaigns[cid].kind == FIRMWARE:
                by_campaign.setdefault(cid, []).append(imei)
    best: dict[str, tuple[int, str]] = {}
    # No reverting package configured (the usual run): no revert draw per device.
    reverts = ctx.outcomes.reverts if ctx.outcomes.reverted else None
    for cid, members in by_campaign.items():
        campaign = campaigns[cid]
        joined = campaign.members
        rows = [(i, joined[i].joined, joined[i].left) for i in members]
        for imei, at in successes(campaign.timeline(ctx.settle), rows, seed, now).items():
            if reverts is not None and reverts(seed, cid, campaign.package, imei):
                continue
            if imei not in best or at > best[imei][0]:
                best[imei] = (at, campaign.to_version)
    devices = state.fleet.devices
    out: dict[str, str | None] = {}
    for imei in imeis:
        if imei in best:
            out[imei] = best[imei][1]
        else:
            device = devices.get(imei)
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
    # As ``reports._daily_items``: the prefix is hashed once and each device continues from a
    # copy of that state (the same bytes, so the same digest as ``progress._unit``); devices
    # that joined together share their window arithmetic; the failure draw is skipped when no
    # device can fail (a unit is never below 0).
    hashed_prefix = hashlib.blake2b(
        progress._prefix(seed, timeline.campaign_id).encode(), digest_size=8
    )
    from_bytes, modf, scale = int.from_bytes, math.modf, progress._SCALE
    rate = timeline.failure_rate
    spans = timeline.spans
    single = len(spans) == 1
    (_, start_hour, length) = spans[0]
    active_from, active_until = _us(timeline.active_from), _us(timeline.active_until)
    joins: dict[tuple[datetime, datetime | None], tuple[int, int, int]] = {}
    for imei, joined, left in rows:
        span = joins.get((joined, left))
        if span is None:
            begin = max(active_from, _us(joined))
            until = active_until if left is None else min(active_until, _us(left))
            span = joins[(joined, left)] = (begin, until, begin - begin % _DAY_US)
        begin, until, day0 = span
        if begin >= until:
            continue
        state = hashed_prefix.copy()
        state.update((imei + "\x1fslot").encode())
        slot = from_bytes(state.digest(), "big") / scale
        if single:  # _hours_us and _attempts(..., 1), inlined
            fraction, whole = modf(start_hour + length * slot)
            micro_fraction, micro = modf(fraction * 3_600_000_000.0)
            first = day0 + int(whole) * _HOUR_US + int(micro) + round(micro_fraction)
            if first < begin:
                first += _DAY_US
            if first >= until or first > now_us:
                continue
        else:
            offsets = [_hours_us(start + slot * size) for _, start, size in spans]
            found = _attempts(offsets, day0, begin, until, 1)
            if not found or found[0] > now_us:
                continue
            first = found[0]
        if rate > 0:
            state = hashed_prefix.copy()
            state.update((imei + "\x1ffail").encode())
            if from_bytes(state.digest(), "big") / scale < rate:
                continue  # a failing device never succeeds
        out[imei] = first
    return out


def device_information(ctx: Ctx, acc: str, body: object) -> RawJson:
    """The answer written straight to JSON text (as report pages are): the same bytes
    ``json.dumps(..., separators=(",", ":"))`` gives for the same objects, without building
    a dict per device. Devices alike but for their IMEI (a campaign's enrolled devices, on
    the same firmware) share the text after their ``deviceId``, written once per request."""
    imeis = _devices(body, DEVICE_INFO_MAX, "device information")
    firmware = firmware_of(ctx, imeis)
    tails: dict[tuple[object, ...], str] = {}

    def tail(device: Device, reported: str | None) -> str:
        fields = (device.mdn, device.make, device.model, reported, device.licensed, device.protocol)
        out = tails.get(fields)
        if out is None:
            out = tails[fields] = (
                f',"requestStatus":"Success","mdn":{escape(device.mdn)},'
                f'"make":{escape(device.make)},"model":{escape(device.model)},'
                f'"firmware":{"null" if reported is None else escape(reported)},'
                f'"fotaEligible":true,'
                f'"licenseAssigned":{"true" if device.licensed else "false"},'
                f'"protocol":{escape(device.protocol)},"status":"Active"}}'
            )
        return out

    devices = ctx.state.fleet.devices
    account = escape(acc)
    items: list[str] = []
    for imei in imeis:
        device = devices.get(imei)
        if device is None or device.account != acc:  # not ``_member``: one lookup, not two
            reason = escape(f"Device {imei} not found in account {acc}")
            items.append(
                f'{{"deviceId":{escape(imei)},"requestStatus":"Failed","resultReason":{reason}}}'
            )
            continue
        items.append(f'{{"deviceId":{escape(imei)}{tail(device, firmware[imei])}')
    return RawJson(
        f'{{"accountName":{account},"deviceCount":{len(items)},"deviceList":[{",".join(items)}]}}'
    )


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


def answer(name: str, ctx: Ctx, acc: str, body: object) -> JsonObj | RawJson:
    """The route ``name`` (``v3_device_info`` | ``v3_firmware_sync``) of the app."""
    if name == "v3_device_info":
        return device_information(ctx, acc, body)
    return firmware_sync(ctx, acc, body)
