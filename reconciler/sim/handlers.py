"""The FOTA endpoints (v3 firmware, v2 software, v1 read-only), as pure-ish handlers over the
state: each takes a ``Ctx`` (state, options, the request's simulated ``now``) and returns the
JSON body, raising ``ApiError`` for every rule a request breaks.

Wire shapes follow the API facts, quirks included: v3 GET/DELETE drop ``/firmware``; device
changes use ``Type`` and answer ``Reason``; statuses are strings. Choices where the facts are
silent: device-report ``lastSeenDeviceId`` is ``"0"`` when there is no more data (ThingSpace's
"Get Device Status in a Campaign" page); ``totalDevice`` is an int (SDK); optional timestamps
are omitted when unknown; the campaign listing's ``lastSeenCampaignId`` is the last listed id
(null on an empty page).

Error codes (HTTP 400 unless noted), stable for grepping: InvalidRequest, InvalidDate,
InvalidTimeWindow, TimeWindowTooShort, InvalidProtocol, InvalidDeviceId,
InvalidDeviceChangeType, InvalidCampaignStatus, InvalidLastSeenCampaignId,
EndDateBeforeStartDate, StartDateInPast, CampaignAlreadyStarted, TimeWindowRemovalNotAllowed,
EndDateTooSoon, CampaignEnded, CampaignNotModifiable, FirmwareNotFound (strict mode),
InvalidCredentials (session login); UnAuthorized (401), NotFound (404), MethodNotAllowed
(405); faults answer Http429/Http500/Http503.

Per-device results (v3 PUT): AddDeviceSucceed/AddDeviceFailed, RemoveDeviceSucceed/
RemoveDeviceFailed; appending a device already in the campaign is AddDeviceFailed ("Device is
already in the campaign"). A create drops ineligible devices silently and fails
asynchronously (CampaignRequestFailed) only when none is eligible.
Why one module of ~800 lines: one handler per v2/v3 endpoint, each short, sharing the request
parsing and the emulator's own lifecycle checks; v1 has its own module.
"""

from __future__ import annotations

import random
import uuid
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.sim import lifecycle, progress, upgrades
from reconciler.sim.apierror import ApiError, not_found
from reconciler.sim.clock import legacy_timestamp
from reconciler.sim.fleet import DEFAULT_CATALOG, FirmwarePackage
from reconciler.sim.lifecycle import MIN_FIRMWARE_WINDOW_HOURS, Window, windows_to_api
from reconciler.sim.outcomes import PackageOutcomes
from reconciler.sim.reports import RawJson, page_items
from reconciler.sim.reports import escape as _escape
from reconciler.sim.store import FIRMWARE, SOFTWARE, Campaign, State, enrolled_device

JsonObj = dict[str, Any]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PROTOCOLS = ("LWM2M", "OMA", "HTTP", "OMD-DM", "OMADM")
_PROTOCOL_FAMILY = {"LWM2M": "LWM2M", "OMA": "OMADM", "OMD-DM": "OMADM", "OMADM": "OMADM"}


@dataclass
class Ctx:
    state: State
    now: datetime
    settle: timedelta
    campaign_page_size: int
    device_page_size: int
    dirty: bool = False
    outcomes: PackageOutcomes = field(default_factory=PackageOutcomes)

    def touch(self, campaign: Campaign) -> None:
        """This request changed ``campaign`` (its row, or its members): the store writes it."""
        self.dirty = True
        self.state.touched.add(campaign.id)


# --- small helpers ---------------------------------------------------------------------------


def _object(body: object) -> JsonObj:
    if not isinstance(body, dict):
        raise ApiError("InvalidRequest", "the request body must be a JSON object")
    return body


def _string(body: JsonObj, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError("InvalidRequest", f"{name} is required and must be a non-empty string")
    return value


def _flag(body: JsonObj, name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ApiError("InvalidRequest", f"{name} must be true or false")
    return value


def _device_list(body: JsonObj, *, allow_invalid: bool) -> list[str]:
    raw = body.get("deviceList")
    if not isinstance(raw, list) or not raw:
        raise ApiError("InvalidRequest", "deviceList is required and must be a non-empty list")
    out: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise ApiError("InvalidDeviceId", f"device id {item!r} must be a string")
        if not allow_invalid and not _valid_imei(item):
            raise ApiError("InvalidDeviceId", f"device id {item!r} is not a 15-digit IMEI")
        out.append(item)
    return out


def _valid_imei(imei: str) -> bool:
    return len(imei) == 15 and imei.isdigit()


def _protocol(body: JsonObj, name: str) -> str:
    value = _string(body, name)
    if value not in PROTOCOLS:
        raise ApiError(
            "InvalidProtocol", f"{name} {value!r} is not one of {', '.join(PROTOCOLS[:3])}"
        )
    return value


def _campaign(ctx: Ctx, acc: str, cid: str, kind: str | None) -> Campaign:
    campaign = ctx.state.campaigns.get(cid)
    if campaign is None or campaign.account != acc or (kind and campaign.kind != kind):
        raise not_found(f"campaign {cid} not found in account {acc}")
    return campaign


def _new_id(state: State) -> str:
    rng = random.Random(f"campaign:{state.seed}:{state.next_seq}")
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def firmware_at(
    state: State,
    imei: str,
    now: datetime,
    settle: timedelta,
    outcomes: PackageOutcomes | None = None,
) -> str | None:
    """The firmware a device reports now: its original firmware, or the ``firmwareTo`` of its
    most recent successful upgrade (success instant <= now) that did not revert after boot."""
    device = state.fleet.get(imei)
    best: tuple[datetime, str] | None = None
    for cid in state.by_device.get(imei, ()):
        campaign = state.campaigns[cid]
        if campaign.kind == upgrades.UPGRADE:  # v1: may land after the end date (OMA-DM)
            at = upgrades.upgraded_at(state, campaign, imei, settle)
            if at is not None and at <= now and (best is None or at > best[0]):
                best = (at, campaign.to_version)
            continue
        if campaign.kind != FIRMWARE:
            continue
        member = campaign.members[imei]
        p = progress.progress(
            campaign.timeline(settle), imei, member.joined, member.left, state.seed, now
        )
        done = p.success_at is not None and p.success_at <= now
        if done and outcomes is not None:
            done = not outcomes.reverts(state.seed, cid, campaign.package, imei)
        if done and p.success_at is not None and (best is None or p.success_at > best[0]):
            best = (p.success_at, campaign.to_version)
    if best is not None:
        return best[1]
    return device.firmware if device else None


def _software_at(state: State, imei: str, now: datetime, settle: timedelta) -> list[JsonObj]:
    out: list[JsonObj] = []
    for cid in state.by_device.get(imei, ()):
        campaign = state.campaigns[cid]
        if campaign.kind != SOFTWARE:
            continue
        member = campaign.members[imei]
        p = progress.progress(
            campaign.timeline(settle), imei, member.joined, member.left, state.seed, now
        )
        if p.success_at is not None:
            out.append(
                {
                    "name": campaign.package,
                    "version": campaign.to_version,
                    "upgradeTime": legacy_timestamp(p.success_at),
                }
            )
    return out


def _eligibility(ctx: Ctx, campaign: Campaign, imei: str) -> str | None:
    """None if the device may join the campaign, else the reason it may not.

    Lenient mode enrols unknown devices on the fly with the campaign's from-version; strict
    mode refuses them. Firmware campaigns need the device's current firmware to equal
    ``firmwareFrom``; software campaigns check membership of the account only (strict). A
    device without a FOTA license is refused unless the campaign auto-assigns licenses (it
    then gets one). Make, model and protocol are not checked (the catalog is lenient too).
    """
    state = ctx.state
    if not _valid_imei(imei):
        return f"Invalid device id {imei!r}: not a 15-digit IMEI"
    device = state.fleet.get(imei)
    if device is None:
        if state.strict:
            return f"Device {imei} not found in account {campaign.account}"
        state.fleet.enrol(enrolled_device(campaign, imei), campaign.id)
        ctx.dirty = True
        return None
    if state.strict and device.account != campaign.account:
        return f"Device {imei} not found in account {campaign.account}"
    if not device.licensed:
        if not campaign.auto_assign:
            return (
                f"Device {imei} has no FOTA license: assign one first "
                "(or create the campaign with autoAssignLicenseFlag true)"
            )
        state.fleet.add(replace(device, licensed=True))
        ctx.dirty = True
    if campaign.kind == FIRMWARE:
        current = firmware_at(state, imei, ctx.now, ctx.settle, ctx.outcomes)
        if current != campaign.from_version:
            return (
                f"Device {imei} is not eligible: its firmware {current} is not the campaign's "
                f"firmwareFrom {campaign.from_version}"
            )
    return None


def _make_model(state: State, name: str, devices: list[str]) -> tuple[str, str, str | None]:
    """(make, model, problem): from the catalog, else the first known device, else generic."""
    for package in DEFAULT_CATALOG:
        if package.firmwareName == name:
            return package.make, package.model, None
    problem = f"firmware {name!r} is not in the catalog (GET /firmware/{{acc}}?protocol=all)"
    for imei in devices:
        device = state.fleet.get(imei)
        if device is not None:
            return device.make, device.model, problem
    return "Generic", "Generic-1", problem


# --- response shapes -------------------------------------------------------------------------


def firmware_campaign(c: Campaign, status: str, *, flags: bool) -> JsonObj:
    body: JsonObj = {
        "id": c.id,
        "accountName": c.account,
        "campaignName": c.name,
        "firmwareName": c.package,
        "firmwareFrom": c.from_version,
        "firmwareTo": c.to_version,
        "protocol": c.protocol,
        "make": c.make,
        "model": c.model,
        "startDate": c.start.isoformat(),
        "endDate": c.end.isoformat(),
        "campaignTimeWindowList": windows_to_api(c.windows),
        "status": status,
    }
    if flags:
        body["autoAssignLicenseFlag"] = c.auto_assign
        body["autoAddDevicesFlag"] = c.auto_add
    return body


def software_campaign(c: Campaign, status: str) -> JsonObj:
    return {
        "id": c.id,
        "accountName": c.account,
        "campaignName": c.name,
        "softwareName": c.package,
        "softwareFrom": c.from_version,
        "softwareTo": c.to_version,
        "distributionType": c.protocol,
        "make": c.make,
        "model": c.model,
        "startDate": c.start.isoformat(),
        "endDate": c.end.isoformat(),
        "downloadAfterDate": c.download_after.isoformat() if c.download_after else None,
        "downloadTimeWindowList": windows_to_api(c.windows),
        "installAfterDate": c.install_after.isoformat() if c.install_after else None,
        "installTimeWindowList": windows_to_api(c.install_windows),
        "status": status,
    }


# --- create ----------------------------------------------------------------------------------


def _create(ctx: Ctx, acc: str, body: JsonObj, kind: str) -> Campaign:
    state = ctx.state
    names = (
        ("firmwareName", "firmwareFrom", "firmwareTo", "protocol")
        if kind == FIRMWARE
        else ("softwareName", "softwareFrom", "softwareTo", "distributionType")
    )
    package = _string(body, names[0])
    from_version = _string(body, names[1])
    to_version = _string(body, names[2])
    protocol = _protocol(body, names[3])
    start = lifecycle.parse_date(body.get("startDate"), "startDate")
    end = lifecycle.parse_date(body.get("endDate"), "endDate")
    name = body.get("campaignName")
    if name is not None and not isinstance(name, str):
        raise ApiError("InvalidRequest", "campaignName must be a string")
    install_windows: tuple[Window, ...] = ()
    download_after = install_after = None
    if kind == FIRMWARE:
        windows = lifecycle.parse_windows(
            body.get("campaignTimeWindowList"),
            "campaignTimeWindowList",
            min_hours=MIN_FIRMWARE_WINDOW_HOURS,
        )
        auto_assign = _flag(body, "autoAssignLicenseFlag")
        auto_add = _flag(body, "autoAddDevicesFlag")
    else:
        windows = lifecycle.parse_windows(
            body.get("downloadTimeWindowList"), "downloadTimeWindowList", min_hours=1
        )
        install_windows = lifecycle.parse_windows(
            body.get("installTimeWindowList"), "installTimeWindowList", min_hours=1
        )
        download_after = lifecycle.parse_optional_date(
            body.get("downloadAfterDate"), "downloadAfterDate"
        )
        install_after = lifecycle.parse_optional_date(
            body.get("installAfterDate"), "installAfterDate"
        )
        auto_assign = auto_add = False
    devices = _device_list(body, allow_invalid=False)
    lifecycle.check_create_dates(start, end)
    make, model, catalog_problem = _make_model(state, package, devices)
    if catalog_problem and state.strict and kind == FIRMWARE:
        raise ApiError("FirmwareNotFound", catalog_problem)
    campaign = Campaign(
        id=_new_id(state),
        seq=state.next_seq,
        account=acc,
        kind=kind,
        name=name,
        package=package,
        from_version=from_version,
        to_version=to_version,
        protocol=protocol,
        make=make,
        model=model,
        start=start,
        end=end,
        created=ctx.now,
        failure_rate=1.0 if ctx.outcomes.fails(package) else state.failure_rate,
        windows=windows,
        install_windows=install_windows,
        download_after=download_after,
        install_after=install_after,
        auto_assign=auto_assign,
        auto_add=auto_add,
        regimes=[progress.Regime(EPOCH, windows)],
    )
    state.next_seq += 1
    _join_eligible(ctx, campaign, sorted(set(devices)))
    if campaign.kind == FIRMWARE and campaign.auto_add:
        _auto_add(ctx, campaign)
    campaign.failure = lifecycle.async_failure_for_dates(start, ctx.now)
    if campaign.failure is None and not campaign.members:
        campaign.failure = "no device in deviceList is eligible for this campaign"
    state.add_campaign(campaign)
    ctx.touch(campaign)
    return campaign


def _join_eligible(ctx: Ctx, campaign: Campaign, imeis: list[str]) -> None:
    """The devices of ``imeis`` (sorted, distinct) that are eligible join ``campaign``.

    Devices the fleet has never seen are the bulk of a create in lenient mode, and for them
    the judgement is known: they are enrolled and join (``_eligibility``'s first branch). So
    they are enrolled in bulk and only the others are judged one by one; the campaign's
    members join in one step, in IMEI order, as they did one at a time.
    """
    state = ctx.state
    fresh: set[str] = set()
    if not state.strict:
        known = state.fleet.devices
        unseen = [i for i in imeis if i not in known and _valid_imei(i)]
        if unseen:
            state.fleet.enrol_many([enrolled_device(campaign, i) for i in unseen], campaign.id)
            fresh = set(unseen)
            ctx.dirty = True
    joining = [i for i in imeis if i in fresh or _eligibility(ctx, campaign, i) is None]
    campaign.add_members(joining, ctx.now)


def _auto_add(ctx: Ctx, campaign: Campaign) -> None:
    """``autoAddDevicesFlag``: fleet devices of the account with the campaign's make and model
    whose current firmware is ``firmwareFrom`` join too. The emulator's reading: they join when
    the campaign is created (devices enrolled in the fleet later do not join)."""
    for imei, device in ctx.state.fleet.devices.items():
        if campaign.is_member(imei) or device.account != campaign.account:
            continue
        if (device.make, device.model) != (campaign.make, campaign.model):
            continue
        if _eligibility(ctx, campaign, imei) is None:
            campaign.add_member(imei, ctx.now)


def v3_create(ctx: Ctx, acc: str, body: object) -> JsonObj:
    campaign = _create(ctx, acc, _object(body), FIRMWARE)
    return firmware_campaign(campaign, campaign.status(ctx.now, ctx.settle), flags=False)


def v2_create(ctx: Ctx, acc: str, body: object) -> JsonObj:
    campaign = _create(ctx, acc, _object(body), SOFTWARE)
    return software_campaign(campaign, campaign.status(ctx.now, ctx.settle))


# --- get (steps a pending campaign) ----------------------------------------------------------


def _read_step(ctx: Ctx, campaign: Campaign) -> str:
    """A GET of one campaign moves a not-yet-settled campaign one step (see ``lifecycle``)."""
    settled_by_time = ctx.now >= campaign.created + ctx.settle
    if campaign.reads < 2 and campaign.closed is None and not settled_by_time:
        campaign.reads += 1
        ctx.touch(campaign)
    return campaign.status(ctx.now, ctx.settle)


def v3_get(ctx: Ctx, acc: str, cid: str) -> JsonObj:
    campaign = _campaign(ctx, acc, cid, FIRMWARE)
    return firmware_campaign(campaign, _read_step(ctx, campaign), flags=True)


def v2_get(ctx: Ctx, acc: str, cid: str) -> JsonObj:
    campaign = _campaign(ctx, acc, cid, SOFTWARE)
    return software_campaign(campaign, _read_step(ctx, campaign))


_V1_STATUS = {
    lifecycle.PENDING: "RequestPending",
    lifecycle.QUEUED: "Queued",
    lifecycle.REQUEST_FAILED: "RequestFailed",
    lifecycle.ENDED: "Finished",
    lifecycle.CANCELLED: "Cancelled",
    lifecycle.ABORTED: "Cancelled",
    lifecycle.FAILED: "RequestFailed",
}
_V1_DEVICE = {
    progress.PENDING: "Device Accepted",
    progress.SUCCESS: "UpgradeSuccess",
    progress.FAILURE: "UpgradeFailed",
}


def v1_get(ctx: Ctx, acc: str, cid: str) -> JsonObj:
    """The shape of ThingSpace's "Get Information about an Upgrade" page, for any campaign (v1
    has no kinds): every device, no paging."""
    campaign = _campaign(ctx, acc, cid, None)
    status = _read_step(ctx, campaign)
    if status == lifecycle.SCHEDULED:
        running = lifecycle.started(campaign.start, ctx.now)
        v1_status = "InProgress" if running else "Queued"
    else:
        v1_status = _V1_STATUS.get(status, status)
    items = [
        {"deviceId": imei, "status": _V1_DEVICE[p.status], "resultReason": p.reason}
        for imei, p in _progress_page(ctx, campaign, campaign.imeis)
    ]
    return {
        "id": campaign.id,
        "accountName": campaign.account,
        "firmwareName": campaign.package,
        "firmwareTo": campaign.to_version,
        "startDate": campaign.start.isoformat(),
        "endDate": campaign.end.isoformat(),
        "status": v1_status,
        "deviceList": items,
    }


# --- devices PUT -----------------------------------------------------------------------------


def _change_devices(ctx: Ctx, acc: str, cid: str, body: object, kind: str) -> list[JsonObj]:
    campaign = _campaign(ctx, acc, cid, kind)
    data = _object(body)
    change = data.get("Type")
    if change not in ("append", "remove"):
        hint = " (the key is Type, capital T)" if "type" in data else ""
        raise ApiError("InvalidDeviceChangeType", f"Type must be append or remove{hint}")
    lifecycle.check_modifiable(
        campaign.status(ctx.now, ctx.settle), campaign.end, ctx.now, f"{change} devices"
    )
    results: list[JsonObj] = []
    for imei in _device_list(data, allow_invalid=True):
        if change == "append":
            if campaign.is_member(imei):
                results.append(
                    _result(imei, "AddDeviceFailed", "Device is already in the campaign")
                )
                continue
            problem = _eligibility(ctx, campaign, imei)
            if problem is not None:
                results.append(_result(imei, "AddDeviceFailed", problem))
                continue
            campaign.add_member(imei, ctx.now)
            ctx.state.index_member(imei, campaign.id)
            results.append(_result(imei, "AddDeviceSucceed", "Device added Successfully"))
        else:
            if not campaign.is_member(imei):
                results.append(_result(imei, "RemoveDeviceFailed", "Device is not in the campaign"))
                continue
            campaign.remove_member(imei, ctx.now)
            results.append(_result(imei, "RemoveDeviceSucceed", "Device removed Successfully"))
        ctx.touch(campaign)
    return results


def _result(imei: str, status: str, reason: str) -> JsonObj:
    return {"deviceId": imei, "status": status, "Reason": reason}


def v3_devices(ctx: Ctx, acc: str, cid: str, body: object) -> JsonObj:
    results = _change_devices(ctx, acc, cid, body, FIRMWARE)
    return {"accountName": acc, "campaignId": cid, "deviceList": results}


def v2_devices(ctx: Ctx, acc: str, cid: str, body: object) -> JsonObj:
    _change_devices(ctx, acc, cid, body, SOFTWARE)
    request_id = str(uuid.UUID(int=random.Random(f"req:{cid}:{ctx.now}").getrandbits(128)))
    return {"accountName": acc, "campaignId": cid, "requestId": request_id}


# --- dates PUT -------------------------------------------------------------------------------


def _apply_windows(ctx: Ctx, campaign: Campaign, new: tuple[Window, ...]) -> None:
    if not lifecycle.started(campaign.start, ctx.now):
        campaign.regimes = [progress.Regime(EPOCH, new)]
    elif new != campaign.windows:
        campaign.regimes.append(progress.Regime(ctx.now, new))
    campaign.windows = new


def v3_dates(ctx: Ctx, acc: str, cid: str, body: object) -> JsonObj:
    campaign = _campaign(ctx, acc, cid, FIRMWARE)
    data = _object(body)
    lifecycle.check_modifiable(
        campaign.status(ctx.now, ctx.settle), campaign.end, ctx.now, "change dates"
    )
    start = lifecycle.parse_date(data.get("startDate"), "startDate")
    end = lifecycle.parse_date(data.get("endDate"), "endDate")
    name = "campaignTimeWindowList"
    windows = lifecycle.parse_windows(data.get(name), name, min_hours=MIN_FIRMWARE_WINDOW_HOURS)
    lifecycle.check_dates_change(
        old_start=campaign.start,
        old_end=campaign.end,
        old_windows=[(name, campaign.windows)],
        old_after=[],
        new_start=start,
        new_end=end,
        new_windows=[(name, windows)],
        new_after=[],
        now=ctx.now,
    )
    _apply_windows(ctx, campaign, windows)
    campaign.start, campaign.end = start, end
    ctx.touch(campaign)
    return firmware_campaign(campaign, campaign.status(ctx.now, ctx.settle), flags=False)


def v2_dates(ctx: Ctx, acc: str, cid: str, body: object) -> JsonObj:
    campaign = _campaign(ctx, acc, cid, SOFTWARE)
    data = _object(body)
    lifecycle.check_modifiable(
        campaign.status(ctx.now, ctx.settle), campaign.end, ctx.now, "change dates"
    )
    start = lifecycle.parse_date(data.get("startDate"), "startDate")
    end = lifecycle.parse_date(data.get("endDate"), "endDate")
    dl = lifecycle.parse_windows(
        data.get("downloadTimeWindowList"), "downloadTimeWindowList", min_hours=1
    )
    inst = lifecycle.parse_windows(
        data.get("installTimeWindowList"), "installTimeWindowList", min_hours=1
    )
    dl_after = lifecycle.parse_optional_date(data.get("downloadAfterDate"), "downloadAfterDate")
    inst_after = lifecycle.parse_optional_date(data.get("installAfterDate"), "installAfterDate")
    lifecycle.check_dates_change(
        old_start=campaign.start,
        old_end=campaign.end,
        old_windows=[
            ("downloadTimeWindowList", campaign.windows),
            ("installTimeWindowList", campaign.install_windows),
        ],
        old_after=[
            ("downloadAfterDate", campaign.download_after),
            ("installAfterDate", campaign.install_after),
        ],
        new_start=start,
        new_end=end,
        new_windows=[("downloadTimeWindowList", dl), ("installTimeWindowList", inst)],
        new_after=[("downloadAfterDate", dl_after), ("installAfterDate", inst_after)],
        now=ctx.now,
    )
    _apply_windows(ctx, campaign, dl)
    campaign.install_windows = inst
    campaign.download_after, campaign.install_after = dl_after, inst_after
    campaign.start, campaign.end = start, end
    ctx.touch(campaign)
    return software_campaign(campaign, campaign.status(ctx.now, ctx.settle))


# --- cancel / abort --------------------------------------------------------------------------


def delete(ctx: Ctx, acc: str, cid: str, kind: str) -> JsonObj:
    """Before the start: ``CampaignCancelled``; after it: ``CampaignAborted`` (ThingSpace's
    "Get Upgrade Information" page)."""
    campaign = _campaign(ctx, acc, cid, kind)
    lifecycle.check_modifiable(
        campaign.status(ctx.now, ctx.settle), campaign.end, ctx.now, "cancel or abort"
    )
    if lifecycle.started(campaign.start, ctx.now):
        campaign.closed = lifecycle.ABORTED
    else:
        campaign.closed = lifecycle.CANCELLED
    campaign.closed_at = ctx.now
    ctx.touch(campaign)
    return {"success": True}


# --- listings and reports (observe, never step) ----------------------------------------------


def _listing(
    ctx: Ctx, acc: str, kind: str, status: str | None, last_seen: str | None, *, enum: bool
) -> JsonObj:
    if not status:
        raise ApiError("InvalidCampaignStatus", "campaignStatus is required")
    if enum and status not in lifecycle.STATUSES:
        raise ApiError(
            "InvalidCampaignStatus",
            f"campaignStatus {status!r} is not one of {', '.join(lifecycle.STATUSES)}",
        )
    after = 0
    if last_seen:
        seen = ctx.state.campaigns.get(last_seen)
        if seen is None or seen.account != acc:
            raise ApiError(
                "InvalidLastSeenCampaignId", f"lastSeenCampaignId {last_seen} is not a campaign"
            )
        after = seen.seq
    page: list[JsonObj] = []
    more = False
    for c in ctx.state.campaigns_after(acc, kind, after):
        current = c.status(ctx.now, ctx.settle)
        if current != status:
            continue
        if len(page) == ctx.campaign_page_size:
            more = True
            break
        page.append(
            firmware_campaign(c, current, flags=False)
            if kind == FIRMWARE
            else software_campaign(c, current)
        )
    return {
        "hasMoreData": more,
        "lastSeenCampaignId": page[-1]["id"] if page else None,
        "campaignList": page,
    }


def v3_listing(ctx: Ctx, acc: str, status: str | None, last_seen: str | None) -> JsonObj:
    return _listing(ctx, acc, FIRMWARE, status, last_seen, enum=True)


def v2_listing(ctx: Ctx, acc: str, status: str | None, last_seen: str | None) -> JsonObj:
    return _listing(ctx, acc, SOFTWARE, status, last_seen, enum=False)


def _progress_page(
    ctx: Ctx, campaign: Campaign, imeis: list[str]
) -> list[tuple[str, progress.Progress]]:
    timeline = campaign.timeline(ctx.settle)
    out = []
    for imei in imeis:
        member = campaign.members[imei]
        out.append(
            (
                imei,
                progress.progress(
                    timeline, imei, member.joined, member.left, ctx.state.seed, ctx.now
                ),
            )
        )
    return out


def _page(imeis: list[str], last_seen: str | None, size: int) -> tuple[list[str], bool]:
    start = 0 if not last_seen or last_seen == "0" else bisect_right(imeis, last_seen)
    page = imeis[start : start + size]
    return page, start + len(page) < len(imeis)


def device_report(ctx: Ctx, acc: str, cid: str, last_seen: str | None, kind: str) -> RawJson:
    """One page of the device report: the hot path of a plan (one page per 1,000 devices of
    every campaign), written straight to JSON text by ``reports``."""
    campaign = _campaign(ctx, acc, cid, kind)
    imeis, more = _page(campaign.imeis, last_seen, ctx.device_page_size)
    members = campaign.members
    items = page_items(
        campaign.timeline(ctx.settle),
        ((imei, members[imei].joined, members[imei].left) for imei in imeis),
        ctx.state.seed,
        ctx.now,
        firmware=kind == FIRMWARE,
    )
    last = _escape(imeis[-1]) if more else '"0"'
    return RawJson(
        f'{{"totalDevice":{len(campaign.imeis)},"hasMoreData":{"true" if more else "false"},'
        f'"lastSeenDeviceId":{last},"maxPageSize":{ctx.device_page_size},'
        f'"deviceList":[{",".join(items)}]}}'
    )


def device_history(ctx: Ctx, acc: str, imei: str, kind: str) -> list[JsonObj]:
    state = ctx.state
    if state.fleet.get(imei) is None and imei not in state.by_device:
        raise not_found(f"device {imei} not found in account {acc}")
    out: list[JsonObj] = []
    for cid in state.by_device.get(imei, ()):
        c = state.campaigns[cid]
        if c.account != acc or c.kind != kind:
            continue
        member = c.members[imei]
        p = progress.progress(
            c.timeline(ctx.settle), imei, member.joined, member.left, state.seed, ctx.now
        )
        if kind == FIRMWARE:
            out.append(
                {
                    "deviceId": imei,
                    "campaignId": c.id,
                    "accountName": acc,
                    "firmwareName": c.package,
                    "firmwareFrom": c.from_version,
                    "firmwareTo": c.to_version,
                    "startDate": c.start.isoformat(),
                    "status": p.status,
                    "reason": p.reason,
                    "reportUpdatedTime": legacy_timestamp(p.updated),
                }
            )
        else:
            out.append(
                {
                    "deviceId": imei,
                    "id": c.id,
                    "accountName": acc,
                    "softwareName": c.package,
                    "startDate": c.start.isoformat(),
                    "status": p.status,
                    "reason": p.reason,
                }
            )
    return out


def firmware_list(protocol: str | None) -> list[JsonObj]:
    if not protocol:
        raise ApiError("InvalidProtocol", "protocol is required: LWM2M, OMD-DM or all")
    if protocol != "all" and protocol not in PROTOCOLS:
        raise ApiError("InvalidProtocol", f"protocol {protocol!r} is not LWM2M, OMD-DM or all")
    family = _PROTOCOL_FAMILY.get(protocol, protocol)
    packages: list[FirmwarePackage] = [
        p
        for p in DEFAULT_CATALOG
        if protocol == "all" or _PROTOCOL_FAMILY.get(p.protocol, p.protocol) == family
    ]
    return [p.to_api() for p in packages]


def account_devices(
    ctx: Ctx, acc: str, last_seen: str | None, protocol: str | None, *, software: bool
) -> JsonObj:
    state = ctx.state
    imeis = state.fleet.account_imeis(acc)
    if protocol:
        family = _PROTOCOL_FAMILY.get(protocol, protocol)
        imeis = [
            i
            for i in imeis
            if _PROTOCOL_FAMILY.get(state.fleet.devices[i].protocol, "") == family
            or state.fleet.devices[i].protocol == protocol
        ]
    page, more = _page(imeis, last_seen, ctx.device_page_size)
    items: list[JsonObj] = []
    for imei in page:
        d = state.fleet.devices[imei]
        item: JsonObj = {
            "deviceId": imei,
            "mdn": d.mdn,
            "model": d.model,
            "make": d.make,
            "fotaEligible": True,
            "licenseAssigned": d.licensed,
            "softwareList": _software_at(state, imei, ctx.now, ctx.settle),
        }
        if software:
            item.update({"appFotaEligible": True, "distributionType": d.protocol})
        else:
            item.update(
                {
                    "firmware": firmware_at(state, imei, ctx.now, ctx.settle, ctx.outcomes),
                    "status": "Active",
                    "protocol": d.protocol,
                }
            )
        items.append(item)
    return {
        "accountName": acc,
        "hasMoreData": more,
        "lastSeenDeviceId": page[-1] if more else "0",
        "maxPageSize": ctx.device_page_size,
        "deviceList": items,
    }
