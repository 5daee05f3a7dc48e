"""Live campaigns -> the spec files that describe them exactly (pure: no I/O, no clock).

Each campaign becomes one spec pinned by ``campaignId``, with its package, schedule, windows and
flags as the API reports them and the safe lifecycle defaults written out, so that the first
``fota plan`` of it has nothing to do. Written through the canonical layout (``spec.layout``),
with a header saying where it came from and no timestamp: importing twice gives the same bytes.

Device lists longer than ``INLINE_DEVICES_MAX`` go to ``devices/<file>.txt`` beside the spec
(one IMEI per line, sorted), so the spec stays a page and the device list is its own diff.

File names come from campaign names (lower case, runs of other characters as ``-``). Two
campaigns that would share a file name, in particular two campaigns with the same name (a
*clash*: specs need names unique per account), both get the first 8 characters of their id
appended: both are written, and the clash is reported, never resolved by dropping one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.model import SPEC_API_VERSION, Kind, LiveCampaign, Windows
from reconciler.onboarding.read import Imported
from reconciler.plans.diff import canonical_protocol
from reconciler.specs.fmt import emit_spec

INLINE_DEVICES_MAX = 48
"""A few dozen IMEIs stay in the spec; more go to a devices file."""

_FIRMWARE_PROTOCOLS = {"LWM2M": "LWM2M", "OMA-DM": "OMA", "HTTP": "HTTP"}
_SOFTWARE_PROTOCOLS = {"OMA-DM": "OMA", "HTTP": "HTTP"}
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class SpecFile:
    """The files of one imported campaign; paths relative to the output directory."""

    live: LiveCampaign
    stem: str
    spec_path: str
    spec_text: str
    devices: int
    devices_path: str | None = None
    devices_text: str | None = None


@dataclass(frozen=True)
class Unimportable:
    """A campaign no spec can describe (yet), and why."""

    live: LiveCampaign
    reason: str


@dataclass(frozen=True)
class Clash:
    """Live campaigns of one account that share a name: all written, one spec may stay."""

    account: str
    name: str
    files: tuple[tuple[str, str], ...]  # (campaign id, spec path)


def slug(name: str) -> str:
    return _SLUG.sub("-", name.lower()).strip("-")[:60].strip("-")


def _id_part(campaign_id: str) -> str:
    return slug(campaign_id)[:8] or "campaign"


def _windows(items: Windows) -> list[dict[str, int]]:
    return [{"start": w.start, "end": w.end} for w in items]


def _protocol(live: LiveCampaign) -> str | None:
    table = _FIRMWARE_PROTOCOLS if live.kind is Kind.FIRMWARE else _SOFTWARE_PROTOCOLS
    return table.get(canonical_protocol(live.package.protocol)) if live.package.protocol else None


def spec_data(
    live: LiveCampaign, devices: Sequence[str], devices_path: str | None
) -> dict[str, Any] | str:
    """The spec document of ``live`` as plain values, or why there can be none."""
    firmware = live.kind is Kind.FIRMWARE
    package = live.package
    if not (package.name and package.from_version and package.to_version):
        return "ThingSpace reports no package name, from or to version for it"
    protocol = _protocol(live)
    if protocol is None:
        field = "protocol" if firmware else "distributionType"
        allowed = "LWM2M, OMA or HTTP" if firmware else "OMA or HTTP"
        return (
            f"its {field} {package.protocol or '(none)'!r} is not one a spec declares ({allowed})"
        )
    if not devices:
        return "it has no devices, and a spec needs at least one"
    schedule = live.schedule
    when: dict[str, Any] = {"start": schedule.start.isoformat(), "end": schedule.end.isoformat()}
    if firmware:
        if schedule.windows:
            when["windows"] = _windows(schedule.windows)
    else:
        if schedule.download_after is not None:
            when["downloadAfter"] = schedule.download_after.isoformat()
        if schedule.download_windows:
            when["downloadWindows"] = _windows(schedule.download_windows)
        if schedule.install_after is not None:
            when["installAfter"] = schedule.install_after.isoformat()
        if schedule.install_windows:
            when["installWindows"] = _windows(schedule.install_windows)
    data: dict[str, Any] = {
        "apiVersion": SPEC_API_VERSION,
        "kind": "FirmwareCampaign" if firmware else "SoftwareCampaign",
        "account": live.account,
        "name": live.name or f"unnamed {live.id}",
        "campaignId": live.id,
        "firmware" if firmware else "software": {
            "name": package.name,
            "from": package.from_version,
            "to": package.to_version,
            "protocol" if firmware else "distributionType": protocol,
        },
        "schedule": when,
    }
    if firmware and live.auto_assign_license is not None:
        data["autoAssignLicense"] = live.auto_assign_license
    if firmware and live.auto_add_devices is not None:
        data["autoAddDevices"] = live.auto_add_devices
    data["lifecycle"] = {
        "onImmutableChange": "refuse",
        "allowAbort": False,
        "allowDeviceRemoval": True,
    }
    if devices_path is None:
        data["devices"] = list(devices)
    else:
        data["devicesFile"] = {"path": devices_path}
    return data


def header(live: LiveCampaign, schema_ref: str) -> list[str]:
    kind = "firmware (v3)" if live.kind is Kind.FIRMWARE else "software (v2)"
    lines = [
        f"# yaml-language-server: $schema={schema_ref}",
        "#",
        f"# Imported by fota import from account {live.account}:",
        f"# {kind} campaign {live.id}.",
        "# Pinned by campaignId: plan and apply change this campaign and never create another.",
    ]
    if not live.name:
        lines.append("# ThingSpace reports no campaignName: the name here is the spec's own.")
    return lines


def devices_file(live: LiveCampaign, devices: Sequence[str]) -> str:
    head = (
        f"# {len(devices):,} devices of {live.kind.value} campaign {live.id}\n"
        f"# in account {live.account}, imported by fota import: one IMEI per line.\n"
    )
    return head + "\n".join(devices) + "\n"


def _stems(items: Sequence[Imported]) -> list[str]:
    """File stems, unique: a stem two campaigns would share gets each one's id appended."""
    base = [slug(i.live.name) or _id_part(i.live.id) for i in items]
    count: dict[str, int] = defaultdict(int)
    for stem in base:
        count[stem] += 1
    stems = [
        f"{s}-{_id_part(i.live.id)}" if count[s] > 1 else s
        for s, i in zip(base, items, strict=True)
    ]
    seen: dict[str, int] = defaultdict(int)
    for stem in stems:
        seen[stem] += 1
    return [
        f"{s}-{slug(i.live.id)}" if seen[s] > 1 else s for s, i in zip(stems, items, strict=True)
    ]


def render(
    items: Sequence[Imported], *, schema_ref: str
) -> tuple[list[SpecFile], list[Unimportable], list[Clash]]:
    """Spec files for ``items`` (sorted by name and id), what cannot be imported, and clashes."""
    ordered = sorted(items, key=lambda i: (i.live.name, i.live.id, i.live.kind.value))
    files: list[SpecFile] = []
    skipped: list[Unimportable] = []
    for item, stem in zip(ordered, _stems(ordered), strict=True):
        live = item.live
        devices_path = f"devices/{stem}.txt" if len(item.devices) > INLINE_DEVICES_MAX else None
        data = spec_data(live, item.devices, devices_path)
        if isinstance(data, str):
            skipped.append(Unimportable(live, data))
            continue
        files.append(
            SpecFile(
                live=live,
                stem=stem,
                spec_path=f"{stem}.yaml",
                spec_text=emit_spec(data, header(live, schema_ref)),
                devices=len(item.devices),
                devices_path=devices_path,
                devices_text=devices_file(live, item.devices) if devices_path else None,
            )
        )
    return files, skipped, clashes(files)


def clashes(files: Sequence[SpecFile]) -> list[Clash]:
    by_name: dict[tuple[str, str], list[SpecFile]] = defaultdict(list)
    for f in files:
        by_name[(f.live.account, f.live.name or f"unnamed {f.live.id}")].append(f)
    return [
        Clash(account, name, tuple((f.live.id, f.spec_path) for f in group))
        for (account, name), group in sorted(by_name.items())
        if len(group) > 1
    ]
