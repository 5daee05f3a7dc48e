"""Normalised specs as YAML text and as a digest.

``dump_spec`` writes what the loader would read back into the same ``CampaignSpec``: every
string is double-quoted (so no YAML resolver can turn it into a number, a boolean or a date),
devices are inline and sorted, windows sorted, defaults written out explicitly.

``digest`` hashes the normalised content only (not file names, formatting, key order or device
order), so the planner can tell whether a saved plan still matches the specs in git.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from typing import Any

from reconciler.imeiset import ImeiSet
from reconciler.model import SPEC_API_VERSION, CampaignSpec, Kind, Windows

# Characters YAML allows unescaped inside a double-quoted scalar (PyYAML's printable set,
# minus the line breaks \x85, \u2028 and \u2029, which a reader may fold).
_UNSAFE = re.compile(
    "[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"  # pragma: no cover - astral characters are all allowed above


def quote(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly ``text``."""
    return '"' + _UNSAFE.sub(_escape, text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _windows(lines: list[str], key: str, items: Windows) -> None:
    if items:
        lines.append(f"  {key}:")
        lines.extend(f"    - {{start: {w.start}, end: {w.end}}}" for w in items)


def dump_spec(spec: CampaignSpec) -> str:
    """YAML text of one normalised spec, devices inline (see the module docstring)."""
    firmware = spec.kind is Kind.FIRMWARE
    upgrade = spec.kind is Kind.UPGRADE  # v1: firmware name and target only, no windows
    kind = {Kind.FIRMWARE: "FirmwareCampaign", Kind.SOFTWARE: "SoftwareCampaign"}
    lines = [
        f"apiVersion: {SPEC_API_VERSION}",
        f"kind: {kind.get(spec.kind, 'FirmwareUpgrade')}",
        f"account: {quote(spec.account)}",
        f"name: {quote(spec.name)}",
    ]
    if spec.campaign_id is not None:
        lines.append(f"{'upgradeId' if upgrade else 'campaignId'}: {quote(spec.campaign_id)}")
    package = spec.package
    if upgrade:
        lines += [
            "firmware:",
            f"  name: {quote(package.name)}",
            f"  to: {quote(package.to_version)}",
        ]
    else:
        lines += [
            "firmware:" if firmware else "software:",
            f"  name: {quote(package.name)}",
            f"  from: {quote(package.from_version)}",
            f"  to: {quote(package.to_version)}",
            f"  {'protocol' if firmware else 'distributionType'}: {quote(package.protocol)}",
        ]
    schedule = spec.schedule
    lines += ["schedule:", f'  start: "{schedule.start}"', f'  end: "{schedule.end}"']
    _windows(lines, "windows", schedule.windows)
    if schedule.download_after is not None:
        lines.append(f'  downloadAfter: "{schedule.download_after}"')
    _windows(lines, "downloadWindows", schedule.download_windows)
    if schedule.install_after is not None:
        lines.append(f'  installAfter: "{schedule.install_after}"')
    _windows(lines, "installWindows", schedule.install_windows)
    if firmware:
        lines.append(f"autoAssignLicense: {_bool(spec.auto_assign_license)}")
        lines.append(f"autoAddDevices: {_bool(spec.auto_add_devices)}")
    life = spec.lifecycle
    lines += ["lifecycle:", f"  onImmutableChange: {life.on_immutable_change.value}"]
    if not upgrade:
        lines.append(f"  allowAbort: {_bool(life.allow_abort)}")
    lines += [f"  allowDeviceRemoval: {_bool(life.allow_device_removal)}", "devices:"]
    lines.extend(f'  - "{imei}"' for imei in _ascending(spec.devices))
    return "\n".join(lines) + "\n"


def canonical(spec: CampaignSpec) -> dict[str, Any]:
    """The normalised content of a spec as JSON-ready data (no source location)."""
    schedule = spec.schedule

    def pairs(items: Windows) -> list[list[int]]:
        return [[w.start, w.end] for w in items]

    def day(value: object) -> str | None:
        return None if value is None else str(value)

    return {
        "account": spec.account,
        "name": spec.name,
        "kind": spec.kind.value,
        "campaignId": spec.campaign_id,
        "package": [
            spec.package.name,
            spec.package.from_version,
            spec.package.to_version,
            spec.package.protocol,
        ],
        "schedule": {
            "start": str(schedule.start),
            "end": str(schedule.end),
            "windows": pairs(schedule.windows),
            "downloadAfter": day(schedule.download_after),
            "downloadWindows": pairs(schedule.download_windows),
            "installAfter": day(schedule.install_after),
            "installWindows": pairs(schedule.install_windows),
        },
        "autoAssignLicense": spec.auto_assign_license,
        "autoAddDevices": spec.auto_add_devices,
        "lifecycle": [
            spec.lifecycle.on_immutable_change.value,
            spec.lifecycle.allow_abort,
            spec.lifecycle.allow_device_removal,
        ],
        # Devices hashed separately: a sorted join is far cheaper than JSON for 100k IMEIs.
        "devices": hashlib.sha256("\n".join(_ascending(spec.devices)).encode()).hexdigest(),
    }


def _ascending(devices: AbstractSet[str]) -> Iterable[str]:
    """The IMEIs in sorted order: an ``ImeiSet`` iterates them so already (equal-length digit
    strings sort as their numbers do), any other set is sorted."""
    return devices if isinstance(devices, ImeiSet) else sorted(devices)


def digest(specs: Iterable[CampaignSpec]) -> str:
    """sha256 hex over the normalised specs, independent of file and device order."""
    body = sorted(json.dumps(canonical(s), sort_keys=True, separators=(",", ":")) for s in specs)
    return hashlib.sha256(("[" + ",".join(body) + "]").encode()).hexdigest()
