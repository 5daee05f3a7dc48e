"""The v1 upgrade endpoints (``/api/fota/v1``), with their own shapes and quirks.

- POST ``/upgrades``: the account is in the body; every field is required; the answer has no
  ``endDate`` and lists each device with ``status``/``resultReason``.
- GET / PUT / DELETE ``/upgrades/{acc}/upgrade/{id}``: the PUT body's key is a lower-case
  ``type`` (``append`` or ``remove``; a capital ``Type`` is refused), and its per-device items
  carry a capital ``Reason``.
- GET ``/reports/{acc}/status/{upgradeStatus}/index/{startIndex}``: the status and the paging
  index are path segments; ``startIndex`` is ``0`` first, then the previous page's
  ``lastSeenUpgradeId``, an integer (the emulator's creation sequence number); the answer
  says ``hasMoreFlag``, not ``hasMoreData``.
- GET ``/devices/{acc}/index/{startIndex}``: the account's devices with the firmware each
  reports now; ``lastSeenDeviceId`` is an integer (the last IMEI's value).
- GET ``/firmware/{acc}``: the firmware catalog in v1's words (``fromVersion``/``toVersion``,
  ``participantName``), no protocol filter.
- GET ``/reports/{acc}/devices/{deviceId}``: the device's v1 upgrades of the last six months
  (``firmwareFrom``/``firmwareTo``, ``upgradeStartTime``, ``status``, ``reason``).

The emulator's own checks (HTTP 400, stable ``errorCode`` s): InvalidRequest, InvalidDate,
EndDateBeforeStartDate, InvalidDeviceId, InvalidDeviceChangeType, InvalidUpgradeStatus,
InvalidStartIndex, UpgradeAlreadyStarted (devices or cancel after the start date: the
emulator's reading of "Modify a Scheduled Upgrade" and "Cancel an Upgrade"),
UpgradeNotModifiable (finished, failed or cancelled); NotFound (404). A start date in the past
is an asynchronous failure (``RequestFailed``), as for campaigns.

Persistence is the campaigns' (``sqlstore``): every change marks its upgrade (``Ctx.touch``),
so the request's transaction writes the upgrade's row and its changed member rows, and
another process on the same state file reads them at its next request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from reconciler.sim import handlers, lifecycle, upgrades
from reconciler.sim.apierror import ApiError, not_found
from reconciler.sim.clock import rfc3339
from reconciler.sim.fleet import DEFAULT_CATALOG, Device
from reconciler.sim.handlers import Ctx, JsonObj
from reconciler.sim.store import Campaign

_DEVICE_PAGE_NEXT = "lastSeenDeviceId"


def _upgrade(ctx: Ctx, acc: str, upgrade_id: str) -> Campaign:
    c = ctx.state.campaigns.get(upgrade_id)
    if c is None or c.account != acc or c.kind != upgrades.UPGRADE:
        raise not_found(f"upgrade {upgrade_id} not found in account {acc}")
    return c


def _devices(ctx: Ctx, c: Campaign) -> list[JsonObj]:
    out = []
    for imei in c.imeis:
        status, reason = upgrades.device_status(ctx.state, c, imei, ctx.now, ctx.settle)
        out.append({"deviceId": imei, "status": status, "resultReason": reason})
    return out


def _enrol(ctx: Ctx, c: Campaign, imei: str) -> str | None:
    """None when the device may join; else why not (strict mode knows only its fleet)."""
    if not handlers._valid_imei(imei):
        return f"Invalid device id {imei!r}: not a 15-digit IMEI"
    device = ctx.state.fleet.get(imei)
    if device is None:
        if ctx.state.strict:
            return f"Device {imei} not found in account {c.account}"
        # A devices row of its own (``Fleet.add``): unlike a campaign's, a v1 create names no
        # from-version for ``store.enrolled_device`` to rebuild it from.
        ctx.state.fleet.add(
            Device(imei, c.account, c.make, c.model, upgrades.UNREPORTED, protocol="OMADM")
        )
        ctx.dirty = True
    elif ctx.state.strict and device.account != c.account:
        return f"Device {imei} not found in account {c.account}"
    return None


def create(ctx: Ctx, body: object) -> JsonObj:
    data = handlers._object(body)
    acc = handlers._string(data, "accountName")
    package = handlers._string(data, "firmwareName")
    to_version = handlers._string(data, "firmwareTo")
    start = lifecycle.parse_date(data.get("startDate"), "startDate")
    end = lifecycle.parse_date(data.get("endDate"), "endDate")
    devices = handlers._device_list(data, allow_invalid=False)
    lifecycle.check_create_dates(start, end)
    state = ctx.state
    make, model, _ = handlers._make_model(state, package, devices)
    c = Campaign(
        id=handlers._new_id(state),
        seq=state.next_seq,
        account=acc,
        kind=upgrades.UPGRADE,
        name=None,
        package=package,
        from_version="",
        to_version=to_version,
        protocol="OMADM",
        make=make,
        model=model,
        start=start,
        end=end,
        created=ctx.now,
        failure_rate=state.failure_rate,
    )
    state.next_seq += 1
    for imei in sorted(set(devices)):
        if _enrol(ctx, c, imei) is None:
            c.add_member(imei, ctx.now)
    c.failure = lifecycle.async_failure_for_dates(start, ctx.now)
    if c.failure is None and not c.members:
        c.failure = "no device in deviceList is known to the account"
    state.add_campaign(c)
    ctx.touch(c)  # one upgrade row and its member rows, in this request's transaction
    return {
        "id": c.id,
        "accountName": acc,
        "firmwareName": package,
        "firmwareTo": to_version,
        "startDate": start.isoformat(),
        "status": upgrades.status(c, ctx.now, ctx.settle),
        "deviceList": _devices(ctx, c),
    }


def _summary(c: Campaign, status: str) -> JsonObj:
    return {
        "id": c.id,
        "accountName": c.account,
        "firmwareName": c.package,
        "firmwareTo": c.to_version,
        "startDate": c.start.isoformat(),
        "endDate": c.end.isoformat(),
        "status": status,
    }


def get(ctx: Ctx, acc: str, upgrade_id: str) -> JsonObj:
    """The page's shape. Campaigns of other kinds keep the older v1 view of them."""
    c = ctx.state.campaigns.get(upgrade_id)
    if c is not None and c.kind != upgrades.UPGRADE:
        return handlers.v1_get(ctx, acc, upgrade_id)
    c = _upgrade(ctx, acc, upgrade_id)
    handlers._read_step(ctx, c)  # a GET settles a pending request, as for campaigns
    return {**_summary(c, upgrades.status(c, ctx.now, ctx.settle)), "deviceList": _devices(ctx, c)}


def _modifiable(ctx: Ctx, c: Campaign, action: str) -> None:
    status = upgrades.status(c, ctx.now, ctx.settle)
    if status in (upgrades.FINISHED, upgrades.CANCELLED, upgrades.REQUEST_FAILED):
        raise ApiError("UpgradeNotModifiable", f"cannot {action}: the upgrade is {status}")
    if lifecycle.started(c.start, ctx.now):
        raise ApiError(
            "UpgradeAlreadyStarted",
            f"cannot {action}: the upgrade started on {c.start}; only a scheduled upgrade "
            "(before its start date) can be changed or cancelled",
        )


def change_devices(ctx: Ctx, acc: str, upgrade_id: str, body: object) -> JsonObj:
    c = _upgrade(ctx, acc, upgrade_id)
    data = handlers._object(body)
    change = data.get("type")
    if change not in ("append", "remove"):
        hint = " (the v1 key is type, lower-case)" if "Type" in data else ""
        raise ApiError("InvalidDeviceChangeType", f"type must be append or remove{hint}")
    devices = handlers._device_list(data, allow_invalid=True)
    _modifiable(ctx, c, f"{change} devices")
    results: list[JsonObj] = []
    for imei in devices:
        if change == "append":
            problem = "Device is already in the upgrade" if c.is_member(imei) else None
            problem = problem or _enrol(ctx, c, imei)
            if problem is None:
                c.add_member(imei, ctx.now)
                ctx.state.index_member(imei, c.id)
            ok, failed = "AddDeviceSucceed", "AddDeviceFailed"
        else:
            problem = None if c.is_member(imei) else "Device is not in the upgrade"
            if problem is None:
                c.remove_member(imei, ctx.now)
            ok, failed = "RemoveDeviceSucceed", "RemoveDeviceFailed"
        if problem is None:
            ctx.touch(c)  # the store writes the upgrade row and the changed member rows
        results.append(
            {
                "deviceId": imei,
                "status": ok if problem is None else failed,
                "Reason": "success" if problem is None else problem,
            }
        )
    return {"accountName": acc, "id": c.id, "deviceList": results}


def cancel(ctx: Ctx, acc: str, upgrade_id: str) -> JsonObj:
    c = _upgrade(ctx, acc, upgrade_id)
    _modifiable(ctx, c, "cancel the upgrade")
    c.closed = lifecycle.CANCELLED
    c.closed_at = ctx.now
    ctx.touch(c)
    return {"accountName": acc, "id": c.id, "status": upgrades.CANCELLED}


def _index(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit():
        raise ApiError("InvalidStartIndex", f"startIndex {raw!r} must be a non-negative integer")
    return int(raw)


def listing(ctx: Ctx, acc: str, status: str, start_index: str) -> JsonObj:
    if status not in upgrades.LISTED:
        raise ApiError(
            "InvalidUpgradeStatus",
            f"upgradeStatus {status!r} is not one of {', '.join(upgrades.LISTED)}",
        )
    after = _index(start_index)
    items: list[JsonObj] = []
    last: int | None = None
    more = False
    for c in ctx.state.campaigns_after(acc, upgrades.UPGRADE, after):
        current = upgrades.status(c, ctx.now, ctx.settle)
        if current != status:
            continue
        if len(items) == ctx.campaign_page_size:
            more = True
            break
        items.append(_summary(c, current))
        last = c.seq
    return {"hasMoreFlag": more, "lastSeenUpgradeId": last or 0, "reportList": items}


def account_devices(ctx: Ctx, acc: str, start_index: str) -> JsonObj:
    after = _index(start_index)
    state = ctx.state
    imeis = [i for i in state.fleet.account_imeis(acc) if int(i) > after]
    page = imeis[: ctx.device_page_size]
    more = len(imeis) > len(page)
    items: list[dict[str, Any]] = []
    for imei in page:
        d = state.fleet.devices[imei]
        items.append(
            {
                "deviceId": imei,
                "mdn": d.mdn,
                "make": d.make,
                "model": d.model,
                "firmware": handlers.firmware_at(state, imei, ctx.now, ctx.settle),
                "protocol": d.protocol,
                "fotaEligible": True,
                "licenseAssigned": d.licensed,
            }
        )
    return {
        "accountName": acc,
        "hasMoreData": more,
        _DEVICE_PAGE_NEXT: int(page[-1]) if more else 0,
        "deviceList": items,
    }


def firmware(acc: str) -> list[JsonObj]:
    """The catalog, as the v1 listing words it (every protocol: v1 takes no filter)."""
    return [
        {
            "firmwareName": p.firmwareName,
            "participantName": acc,
            "launchDate": p.launchDate,
            "releaseNote": p.releaseNote,
            "model": p.model,
            "make": p.make,
            "fromVersion": p.firmwareFrom,
            "toVersion": p.firmwareTo,
        }
        for p in DEFAULT_CATALOG
    ]


HISTORY = timedelta(days=183)
"""How far back a device's v1 history goes ("last six months")."""


def device_history(ctx: Ctx, acc: str, imei: str) -> list[JsonObj]:
    state = ctx.state
    if state.fleet.get(imei) is None and imei not in state.by_device:
        raise not_found(f"device {imei} not found in account {acc}")
    out: list[JsonObj] = []
    for cid in state.by_device.get(imei, ()):
        c = state.campaigns[cid]
        if c.kind != upgrades.UPGRADE or c.account != acc or c.created < ctx.now - HISTORY:
            continue
        status, reason = upgrades.device_status(state, c, imei, ctx.now, ctx.settle)
        result = upgrades.outcome(state, c, imei, c.members[imei], ctx.settle)
        item: JsonObj = {
            "deviceId": imei,
            "id": c.id,
            "accountName": acc,
            "firmwareFrom": "",
            "firmwareTo": c.to_version,
            "startDate": c.start.isoformat(),
            "status": status,
            "reason": reason,
        }
        if result.at is not None and result.at <= ctx.now:
            item["upgradeStartTime"] = rfc3339(result.at)
        out.append(item)
    return out
