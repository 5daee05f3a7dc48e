"""What differs between a desired campaign (spec) and a live one, as immutable diff items.

Items follow kopf's shape ``(operation, field, old, new)`` with JSON-ready values, so the planner
and the renderers never re-derive them. Two concerns shape this module:

- **No false diffs.** Windows and devices are compared as sets (order never matters); protocol
  spellings the API uses interchangeably (``OMA``/``OMADM``/``OMD-DM``) compare equal; a field
  the API did not report (an empty package field, an auto flag the listing omits) is not
  compared, because "unknown" is not "different" and a false diff on an immutable field would
  plan a replacement.
- **Speed.** Plans run over fleets of millions of devices: device lists are set operations
  (one pass over each side), and structured fields go through a fast equality check before
  deepdiff is asked which keys differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from deepdiff import DeepDiff

from reconciler.model import CampaignSpec, Kind, LiveCampaign, Schedule, TimeWindow
from reconciler.thingspace.devicemap import device_set

Operation = Literal["add", "remove", "change"]

SCHEDULE_FIELDS: tuple[str, ...] = (
    "start",
    "end",
    "windows",
    "download_after",
    "download_windows",
    "install_after",
    "install_windows",
)
WINDOW_FIELDS = frozenset({"windows", "download_windows", "install_windows"})

_PROTOCOL_ALIASES = {"OMA": "OMA-DM", "OMADM": "OMA-DM", "OMDDM": "OMA-DM", "OMA-DM": "OMA-DM"}


@dataclass(frozen=True)
class DiffItem:
    """One difference: ``operation`` on ``field`` (dotted path) from ``old`` to ``new``."""

    operation: Operation
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class CampaignDiff:
    """Differences grouped by what the API can do about them."""

    immutable: tuple[DiffItem, ...] = ()  # only a replacement can change these
    schedule: tuple[DiffItem, ...] = ()  # the dates PUT can change these
    devices_added: frozenset[str] = frozenset()
    devices_removed: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.immutable or self.schedule or self.devices_added or self.devices_removed)

    @property
    def schedule_fields(self) -> tuple[str, ...]:
        """Changed schedule fields (``schedule.end``...), in declaration order, once each."""
        seen: dict[str, None] = {}
        for item in self.schedule:
            seen.setdefault(item.field, None)
        return tuple(seen)


def canonical_protocol(protocol: str) -> str:
    key = protocol.strip().upper().replace("_", "-")
    return _PROTOCOL_ALIASES.get(key, _PROTOCOL_ALIASES.get(key.replace("-", ""), key))


def json_value(value: object) -> Any:
    """The JSON form of a model value, as plans and renderers show it."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, TimeWindow):
        return {"start": value.start, "end": value.end}  # as the spec writes a window
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    if isinstance(value, Kind):
        return value.value
    return value


def _immutable_view(
    spec: CampaignSpec, live: LiveCampaign
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(desired, live) immutable fields, restricted to those the API reported."""
    desired: dict[str, Any] = {"kind": spec.kind.value}
    current: dict[str, Any] = {"kind": live.kind.value}
    if spec.campaign_id is not None and live.name:
        desired["name"], current["name"] = spec.name, live.name
    pairs = (
        ("package.name", spec.package.name, live.package.name),
        ("package.from_version", spec.package.from_version, live.package.from_version),
        ("package.to_version", spec.package.to_version, live.package.to_version),
    )
    for name, want, have in pairs:
        if have:
            desired[name], current[name] = want, have
    if live.package.protocol:
        desired["package.protocol"] = canonical_protocol(spec.package.protocol)
        current["package.protocol"] = canonical_protocol(live.package.protocol)
    if spec.kind is Kind.FIRMWARE and live.kind is Kind.FIRMWARE:
        for name, want_flag, have_flag in (
            ("auto_assign_license", spec.auto_assign_license, live.auto_assign_license),
            ("auto_add_devices", spec.auto_add_devices, live.auto_add_devices),
        ):
            if have_flag is not None:
                desired[name], current[name] = want_flag, have_flag
    return desired, current


def _raw_immutable(spec: CampaignSpec, live: LiveCampaign, name: str) -> tuple[Any, Any]:
    """Display values (verbatim, not canonicalised) of an immutable field."""
    if name == "kind":
        return live.kind.value, spec.kind.value
    if name == "name":
        return live.name, spec.name
    if name.startswith("package."):
        attr = name.split(".", 1)[1]
        return getattr(live.package, attr), getattr(spec.package, attr)
    return getattr(live, name), getattr(spec, name)


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Top-level keys whose values differ: equality first, deepdiff only when they differ."""
    if old == new:
        return []
    affected = DeepDiff(dict(old), dict(new), ignore_order=True).affected_root_keys
    return sorted(str(k) for k in affected)


def diff_immutable(spec: CampaignSpec, live: LiveCampaign) -> tuple[DiffItem, ...]:
    desired, current = _immutable_view(spec, live)
    out = []
    for name in changed_keys(current, desired):
        old, new = _raw_immutable(spec, live, name)
        out.append(DiffItem("change", name, old, new))
    return tuple(out)


def diff_schedule(old: Schedule, new: Schedule) -> tuple[DiffItem, ...]:
    """Field-level schedule differences; windows as per-window add/remove items."""
    if old == new:
        return ()
    out: list[DiffItem] = []
    for name in SCHEDULE_FIELDS:
        was, want = getattr(old, name), getattr(new, name)
        if was == want:
            continue
        field = f"schedule.{name}"
        if name in WINDOW_FIELDS:
            was_set, want_set = set(was), set(want)
            out.extend(
                DiffItem("remove", field, json_value(w), None) for w in sorted(was_set - want_set)
            )
            added = sorted(want_set - was_set)
            out.extend(DiffItem("add", field, None, json_value(w)) for w in added)
        else:
            op: Operation = "add" if was is None else "remove" if want is None else "change"
            out.append(DiffItem(op, field, json_value(was), json_value(want)))
    return tuple(out)


def diff_devices(
    desired: AbstractSet[str], live: Mapping[str, str]
) -> tuple[frozenset[str], frozenset[str]]:
    """(added, removed) device sets: one hash pass over each side, no sorting (a spec's
    ``ImeiSet`` against a compact live device map compares integer arrays)."""
    live_keys = device_set(live)
    if len(desired) == len(live) and desired == live_keys:
        return frozenset(), frozenset()
    added = frozenset(desired - live_keys)
    removed = frozenset(live_keys - desired)
    return added, removed


def diff_campaign(spec: CampaignSpec, live: LiveCampaign) -> CampaignDiff:
    """Everything that differs between ``spec`` and ``live``; empty when they agree.

    A v1 upgrade's dates are immutable (the v1 API has no dates change): they join the
    immutable items, so the rules judge them as a replacement, never as a reschedule.
    """
    immutable = diff_immutable(spec, live)
    schedule = diff_schedule(live.schedule, spec.schedule)
    added, removed = diff_devices(spec.devices, live.devices)
    if Kind.UPGRADE in (spec.kind, live.kind):
        return CampaignDiff(immutable + schedule, (), added, removed)
    return CampaignDiff(immutable, schedule, added, removed)
