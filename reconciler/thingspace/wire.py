"""Translation between the reconciler's model and ThingSpace's wire format, both directions.

Pure functions, no I/O: the planner uses the encoders so that a plan carries the exact request
bodies apply will send ("what the plan says is exactly what apply does"); the client's live
reader uses the decoders. Keeping both directions in one module keeps the quirks in one place:
v3 ``firmware*``/``protocol``/``campaignTimeWindowList`` versus v2 ``software*``/
``distributionType``/download+install windows, and the capital ``Type`` of device changes.

Decoders are lenient about what they do not need (the API's status set is open, optional
fields may be absent or null) and strict about what they do: a malformed date or window raises
``WireError`` naming the field, so a bad server answer is reported, never mis-planned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
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

JsonObject = dict[str, Any]
DeviceOp = Literal["append", "remove"]

_WINDOW_LISTS: dict[Kind, tuple[tuple[str, str], ...]] = {
    # (wire list name, Schedule attribute)
    Kind.FIRMWARE: (("campaignTimeWindowList", "windows"),),
    Kind.SOFTWARE: (
        ("downloadTimeWindowList", "download_windows"),
        ("installTimeWindowList", "install_windows"),
    ),
}
_AFTER_DATES: tuple[tuple[str, str], ...] = (
    ("downloadAfterDate", "download_after"),
    ("installAfterDate", "install_after"),
)


class WireError(ValueError):
    """The API sent something the reconciler cannot read safely."""


# --- encoding (model -> request bodies) -------------------------------------------------------


def encode_windows(items: Windows) -> list[dict[str, int]]:
    return [w.to_api() for w in items]


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


def encode_create(spec: CampaignSpec) -> JsonObject:
    """The create (POST) body for a spec; devices sorted so the body is deterministic."""
    name_f, from_f, to_f, proto_f = spec.kind.package_fields
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


def encode_device_change(op: DeviceOp, imeis: Iterable[str]) -> JsonObject:
    """Body of the add/remove-devices PUT (v2 and v3 both spell it ``Type``)."""
    return {"Type": op, "deviceList": sorted(imeis)}


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
    name_f, from_f, to_f, proto_f = kind.package_fields
    try:
        campaign_id = str(payload["id"])
    except KeyError as exc:
        raise WireError("the API response has no campaign id") from exc
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
        devices=dict(devices or {}),
        auto_assign_license=_flag(payload, "autoAssignLicenseFlag"),
        auto_add_devices=_flag(payload, "autoAddDevicesFlag"),
        make=payload.get("make"),
        model=payload.get("model"),
    )
