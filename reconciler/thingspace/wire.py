"""Translation between the reconciler's model and ThingSpace's wire format, both directions.

Pure functions, no I/O: the planner uses the encoders so that a plan carries the exact request
bodies apply will send ("what the plan says is exactly what apply does"); the client's live
reader uses the decoders. Keeping both directions in one module keeps the quirks in one place:
v3 ``firmware*``/``protocol``/``campaignTimeWindowList`` versus v2 ``software*``/
``distributionType``/download+install windows, and the capital ``Type`` of device changes.

Decoders are lenient about what they do not need (the API's status set is open, optional
fields may be absent or null) and strict about what they do: a malformed date or window raises
``WireError`` naming the field, so a bad server answer is reported, never mis-planned.

Why one module of ~490 lines: it is the whole of ThingSpace's JSON for campaigns (requests,
decoders, answers to writes, report pages, firmware read-back), kept in one place on purpose so
no other module needs to know a key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter, methodcaller
from typing import Any, Literal

from reconciler.model import (
    CampaignSpec,
    Kind,
    LiveCampaign,
    Package,
    Schedule,
    TimeWindow,
    Windows,
    windows,
)
from reconciler.thingspace.devicemap import device_map

JsonObject = dict[str, Any]
DeviceOp = Literal["append", "remove"]

_WINDOW_LISTS: dict[Kind, tuple[tuple[str, str], ...]] = {
    # (wire list name, Schedule attribute)
    Kind.FIRMWARE: (("campaignTimeWindowList", "windows"),),
    Kind.SOFTWARE: (
        ("downloadTimeWindowList", "download_windows"),
        ("installTimeWindowList", "install_windows"),
    ),
    Kind.UPGRADE: (),
}
_PACKAGE_FIELDS: dict[Kind, tuple[str, str, str, str]] = {
    # (package name, from, to, protocol)
    Kind.FIRMWARE: ("firmwareName", "firmwareFrom", "firmwareTo", "protocol"),
    Kind.SOFTWARE: ("softwareName", "softwareFrom", "softwareTo", "distributionType"),
    Kind.UPGRADE: ("firmwareName", "", "firmwareTo", ""),  # v1: no from-version, no protocol
}
_AFTER_DATES: tuple[tuple[str, str], ...] = (
    ("downloadAfterDate", "download_after"),
    ("installAfterDate", "install_after"),
)


class WireError(ValueError):
    """The API sent something the reconciler cannot read safely."""


# --- encoding (model -> request bodies) -------------------------------------------------------


def encode_windows(items: Windows) -> list[dict[str, int]]:
    return [{"startTime": w.start, "endTime": w.end} for w in items]


def encode_schedule(kind: Kind, schedule: Schedule) -> JsonObject:
    """The full dates-and-windows body; the API wants every field re-sent on each change."""
    body: JsonObject = {
        "startDate": schedule.start.isoformat(),
        "endDate": schedule.end.isoformat(),
    }
    if kind is Kind.SOFTWARE:
        for wire_name, attr in _AFTER_DATES:
            value: date | None = getattr(schedule, attr)
            body[wire_name] = value.isoformat() if value is not None else None
    for wire_name, attr in _WINDOW_LISTS[kind]:
        body[wire_name] = encode_windows(getattr(schedule, attr))
    return body


def encode_every_schedule_field(schedule: Schedule) -> JsonObject:
    """Every dates field of both kinds (v2's and v3's window lists): one stable shape for a
    schedule, whatever its kind, for fingerprints that must not change between versions."""
    body = encode_schedule(Kind.SOFTWARE, schedule)
    body["campaignTimeWindowList"] = encode_windows(schedule.windows)
    return body


def encode_create(spec: CampaignSpec) -> JsonObject:
    """The create (POST) body for a spec; devices sorted so the body is deterministic."""
    if spec.kind is Kind.UPGRADE:
        return {
            "accountName": spec.account,
            "firmwareName": spec.package.name,
            "firmwareTo": spec.package.to_version,
            "startDate": spec.schedule.start.isoformat(),
            "endDate": spec.schedule.end.isoformat(),
            "deviceList": sorted(spec.devices),
        }
    name_f, from_f, to_f, proto_f = _PACKAGE_FIELDS[spec.kind]
    body: JsonObject = {
        "campaignName": spec.name,
        name_f: spec.package.name,
        from_f: spec.package.from_version,
        to_f: spec.package.to_version,
        proto_f: spec.package.protocol,
    }
    body.update(encode_schedule(spec.kind, spec.schedule))
    if spec.kind is Kind.FIRMWARE:
        body["autoAssignLicenseFlag"] = spec.auto_assign_license
        body["autoAddDevicesFlag"] = spec.auto_add_devices
    body["deviceList"] = sorted(spec.devices)
    return body


def encode_device_change(
    op: DeviceOp, imeis: Iterable[str], kind: Kind = Kind.FIRMWARE
) -> JsonObject:
    """Body of the add/remove-devices PUT (v2 and v3 spell it ``Type``, v1 ``type``)."""
    key = "type" if kind is Kind.UPGRADE else "Type"
    return {key: op, "deviceList": sorted(imeis)}


# --- decoding (response bodies -> model) ------------------------------------------------------


def _date(payload: Mapping[str, Any], name: str, *, required: bool) -> date | None:
    raw = payload.get(name)
    if raw is None or raw == "":
        if required:
            raise WireError(f"the API response has no {name}")
        return None
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError as exc:
        raise WireError(f"the API response has an unreadable {name}: {raw!r}") from exc


def decode_windows(raw: object, name: str) -> Windows:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise WireError(f"the API response has a {name} that is not a list")
    out: list[TimeWindow] = []
    for item in raw:
        try:
            out.append(TimeWindow(int(item["startTime"]), int(item["endTime"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise WireError(f"the API response has an unreadable window in {name}") from exc
    return windows(out)


def decode_schedule(kind: Kind, payload: Mapping[str, Any]) -> Schedule:
    start = _date(payload, "startDate", required=True)
    end = _date(payload, "endDate", required=True)
    assert start is not None and end is not None
    fields: dict[str, Any] = {}
    for wire_name, attr in _WINDOW_LISTS[kind]:
        fields[attr] = decode_windows(payload.get(wire_name), wire_name)
    if kind is Kind.SOFTWARE:
        for wire_name, attr in _AFTER_DATES:
            fields[attr] = _date(payload, wire_name, required=False)
    return Schedule(start=start, end=end, **fields)


def _flag(payload: Mapping[str, Any], name: str) -> bool | None:
    value = payload.get(name)
    return value if isinstance(value, bool) else None


def decode_campaign(
    kind: Kind, payload: Mapping[str, Any], devices: Mapping[str, str] | None = None
) -> LiveCampaign:
    """A GET-campaign (or listing item) body, plus the device report, as a ``LiveCampaign``."""
    name_f, from_f, to_f, proto_f = _PACKAGE_FIELDS[kind]
    try:
        campaign_id = str(payload["id"])
    except KeyError as exc:
        raise WireError("the API response has no campaign id") from exc
    if kind is Kind.UPGRADE and "deviceList" in payload:
        # A v1 upgrade's GET lists its devices itself (there is no device report).
        devices = {d.imei: d.status for d in decode_device_page(payload).devices}
    return LiveCampaign(
        id=campaign_id,
        account=str(payload.get("accountName", "")),
        name=str(payload.get("campaignName") or ""),
        kind=kind,
        status=str(payload.get("status") or ""),
        package=Package(
            name=str(payload.get(name_f) or ""),
            from_version=str(payload.get(from_f) or ""),
            to_version=str(payload.get(to_f) or ""),
            protocol=str(payload.get(proto_f) or ""),
        ),
        schedule=decode_schedule(kind, payload),
        devices=device_map(devices),
        auto_assign_license=_flag(payload, "autoAssignLicenseFlag"),
        auto_add_devices=_flag(payload, "autoAddDevicesFlag"),
        make=payload.get("make"),
        model=payload.get("model"),
    )


# --- answers to writes (what the applier needs of them) ---------------------------------------


@dataclass(frozen=True)
class CampaignAnswer:
    """A create, dates-PUT, GET or listing answer, as far as the applier reads it."""

    id: str | None
    name: str | None
    status: str | None
    start: date | None
    reason: str | None  # why a campaign failed, where the answer says


_REASON_KEYS = ("statusReason", "failureReason", "reason", "resultReason", "errorMessage")


def _text(payload: Mapping[str, Any], name: str) -> str | None:
    value = payload.get(name)
    return None if value is None else str(value)


def decode_answer(payload: object) -> CampaignAnswer:
    """Lenient: an answer that is not an object reads as all-unknown (never a crash)."""
    if not isinstance(payload, Mapping):
        return CampaignAnswer(None, None, None, None, None)
    try:
        start = _date(payload, "startDate", required=False)
    except WireError:
        start = None
    reason = next((str(payload[k]) for k in _REASON_KEYS if payload.get(k)), None)
    return CampaignAnswer(
        id=_text(payload, "id"),
        name=_text(payload, "campaignName"),
        status=_text(payload, "status"),
        start=start,
        reason=reason,
    )


@dataclass(frozen=True)
class DeviceChangeAnswer:
    """The answer to an add/remove-devices PUT.

    v3 lists a result per device (``failures`` are the ones that did not succeed, with the
    reason the API gave); v2 answers only a request id (``per_device`` False).
    """

    per_device: bool
    failures: tuple[tuple[str, str], ...]
    request_id: str | None


def _succeeded(status: str) -> bool:
    lowered = status.lower()
    return lowered.endswith("succeed") or lowered.endswith("success") or lowered == "succeeded"


def decode_device_change(payload: object) -> DeviceChangeAnswer:
    if not isinstance(payload, Mapping):
        return DeviceChangeAnswer(False, (), None)
    items = payload.get("deviceList")
    failures: list[tuple[str, str]] = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, Mapping):
            continue
        status = str(item.get("status") or "")
        if not _succeeded(status):
            reason = item.get("Reason") or item.get("reason") or item.get("resultReason") or status
            failures.append((str(item.get("deviceId")), str(reason or "unknown")))
    return DeviceChangeAnswer(bool(items), tuple(failures), _text(payload, "requestId"))


def device_change_imeis(body: Mapping[str, Any]) -> list[str]:
    """The IMEIs of an add/remove-devices body made by :func:`encode_device_change`."""
    return [str(i) for i in body.get("deviceList") or ()]


# --- device-status report pages ---------------------------------------------------------------


@dataclass(frozen=True)
class DeviceStatus:
    """One device of a campaign's status report."""

    imei: str
    status: str
    reason: str  # the API's result reason, white space folded ("" when none)
    updated: datetime | None = None  # the report's updatedTime (RFC 3339), where readable


@dataclass(frozen=True)
class DevicePage:
    devices: tuple[DeviceStatus, ...]
    total: int | None  # the report's total device count, where the page states it


def decode_device_page(page: Mapping[str, Any]) -> DevicePage:
    items = page.get("deviceList") or []
    devices = tuple(
        DeviceStatus(
            str(item["deviceId"]),
            str(item.get("status") or ""),
            " ".join(str(item.get("resultReason") or "").split()),
            _instant(item.get("updatedTime")),
        )
        for item in items
        if isinstance(item, Mapping) and item.get("deviceId") is not None
    )
    raw = str(page.get("totalDevice"))
    return DevicePage(devices, int(raw) if raw.isascii() and raw.isdigit() else None)


def success_times(page: Mapping[str, Any], imeis: AbstractSet[str]) -> dict[str, datetime]:
    """The readable ``updatedTime`` of the report page's devices in ``imeis`` (only those: a
    rollout's soak needs the upgrade times of the devices that report success)."""
    out: dict[str, datetime] = {}
    for item in page.get("deviceList") or ():
        # A page of 1,000 plain dicts: the type test is what keeps the loop cheap.
        if type(item) is not dict and not isinstance(item, Mapping):
            continue
        imei = item.get("deviceId")
        if imei in imeis:
            when = _instant(item.get("updatedTime"))
            if when is not None:
                out[str(imei)] = when
    return out


def _instant(raw: object) -> datetime | None:
    """An RFC 3339 instant as UTC, or None (absent or unreadable: an optional field)."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)  # reads a trailing "Z" since Python 3.11
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)


# --- firmware read-back -------------------------------------------------------------------------


@dataclass(frozen=True)
class FirmwarePage:
    """Devices and the firmware each reports, from one answer of the account device list,
    device information (devices without a firmware value are left out)."""

    firmware: dict[str, str]
    more: bool  # the account device list has another page


def decode_account_devices(page: Mapping[str, Any]) -> FirmwarePage:
    """A page of GET /devices/{acc} (or the answer of POST /devices/{acc})."""
    found = {
        str(item["deviceId"]): str(item["firmware"])
        for item in page.get("deviceList") or ()
        if (type(item) is dict or isinstance(item, Mapping))
        and item.get("deviceId")
        and item.get("firmware")
    }
    return FirmwarePage(found, page.get("hasMoreData") is True)


# --- v1 upgrades: identity, listing pages, the account's device list -------------------------


UpgradeFields = tuple[str, str, str, str | None]
"""(firmwareName, firmwareTo, startDate, endDate): what tells one v1 upgrade from another."""


def upgrade_fields(payload: Mapping[str, Any]) -> UpgradeFields:
    """The identifying fields of a v1 upgrade (GET, listing item or create body).

    Dates are compared as ``YYYY-MM-DD``; ``endDate`` is None where the answer omits it (the
    create answer does), and then matches any end date.
    """
    end = payload.get("endDate")
    return (
        str(payload.get("firmwareName") or ""),
        str(payload.get("firmwareTo") or ""),
        str(payload.get("startDate") or "")[:10],
        str(end)[:10] if end else None,
    )


def spec_upgrade_fields(spec: CampaignSpec) -> UpgradeFields:
    return upgrade_fields(encode_create(spec))


def same_upgrade(a: UpgradeFields, b: UpgradeFields) -> bool:
    """Equal fields, an end date missing on either side matching any."""
    return a[:3] == b[:3] and (a[3] is None or b[3] is None or a[3] == b[3])


def listed_as_created(
    kind: Kind, item: Mapping[str, Any], name: str, body: Mapping[str, Any]
) -> bool:
    """Is the listed ``item`` what the create ``body`` (of the spec ``name``) would make?

    Campaigns: the same name. v1 upgrades carry none: the same fields (:func:`upgrade_fields`).
    """
    if kind is Kind.UPGRADE:
        return same_upgrade(upgrade_fields(item), upgrade_fields(body))
    return decode_answer(item).name == name


@dataclass(frozen=True)
class UpgradePage:
    """One page of the v1 listing by status."""

    items: tuple[JsonObject, ...]
    more: bool
    next_index: str | None  # lastSeenUpgradeId (an integer on the wire) as a path segment


def decode_upgrade_page(page: Mapping[str, Any]) -> UpgradePage:
    raw = page.get("reportList")
    items = tuple(i for i in raw if isinstance(i, dict)) if isinstance(raw, list) else ()
    last = page.get("lastSeenUpgradeId")
    return UpgradePage(items, page.get("hasMoreFlag") is True, None if last is None else str(last))


@dataclass(frozen=True)
class ReportedDevice:
    """One device of the account's device list: the firmware it reports now."""

    imei: str
    firmware: str


@dataclass(frozen=True)
class AccountDevicePage:
    devices: tuple[ReportedDevice, ...]
    more: bool
    next_index: str | None


def decode_account_device_page(page: Mapping[str, Any]) -> AccountDevicePage:
    raw = page.get("deviceList")
    devices = tuple(
        ReportedDevice(str(i["deviceId"]), str(i.get("firmware") or ""))
        for i in (raw if isinstance(raw, list) else ())
        if isinstance(i, Mapping) and i.get("deviceId") is not None
    )
    last = page.get("lastSeenDeviceId")
    more = page.get("hasMoreData") is True
    return AccountDevicePage(devices, more, None if last is None else str(last))


_STATUS = methodcaller("get", "status")


def device_statuses(page: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(IMEIs, statuses) of a report page, in page order: what a plan needs of it, read
    without building a ``DeviceStatus`` per device (``decode_device_page`` reads it all)."""
    items = page.get("deviceList") or []
    try:  # the usual page: every item an object with a string deviceId (loops run in C)
        imeis = list(map(itemgetter("deviceId"), items))
        if set(map(type, imeis)) <= {str}:
            statuses = [s if type(s) is str else str(s or "") for s in map(_STATUS, items)]
            return imeis, statuses
    except (KeyError, TypeError, AttributeError):
        pass
    kept = [i for i in items if isinstance(i, Mapping) and i.get("deviceId") is not None]
    return [str(i["deviceId"]) for i in kept], [str(i.get("status") or "") for i in kept]


def error_message(payload: object) -> str | None:
    """The ``errorMessage`` of a ThingSpace error body (the emulator's admin API uses it too)."""
    if isinstance(payload, Mapping) and payload.get("errorMessage"):
        return str(payload["errorMessage"])
    return None
