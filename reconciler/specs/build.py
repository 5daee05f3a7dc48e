"""One schema-checked document -> one normalised ``CampaignSpec``, plus the checks the schema
cannot express (real dates, date order, window lengths, IMEI check digits, duplicates).

Checks run section by section: a schema error in ``schedule`` does not stop the IMEIs from
being checked, so a user sees every mistake of a spec in one run. A spec is only built when its
document has no problem at all.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from reconciler.errors import Problem
from reconciler.imeiset import ImeiSet
from reconciler.lifecycle.rules import R_WINDOW_MIN_4H, Window
from reconciler.model import (
    CampaignSpec,
    Kind,
    Lifecycle,
    OnImmutableChange,
    Package,
    Schedule,
    Source,
    TimeWindow,
    windows,
)
from reconciler.specs.advice import across_midnight
from reconciler.specs.caps import PER_FILE, more_line
from reconciler.specs.checker import Checker, DevicesReader
from reconciler.specs.devices import DevicesFile, imei_problem, invalid_indexes
from reconciler.specs.packed import positions, written
from reconciler.specs.rollout import build_rollout
from reconciler.specs.schema import SchemaProblem, where
from reconciler.specs.yamlcore import Document, Mark, Path, clip

_KINDS = {
    "FirmwareCampaign": Kind.FIRMWARE,
    "SoftwareCampaign": Kind.SOFTWARE,
    "FirmwareUpgrade": Kind.UPGRADE,
}


@dataclass(frozen=True)
class DeviceSource:
    """IMEIs as written in one place (the spec's inline list, or a devices file)."""

    path: str
    imeis: Sequence[str]
    lines: Sequence[int]
    cols: Sequence[int] | None  # None: column 1 throughout (devices files)

    def position(self, index: int) -> tuple[int, int]:
        return self.lines[index], 1 if self.cols is None else self.cols[index]

    def packed(self) -> DeviceSource:
        """The same, in 16 bytes a device (``packed``): kept by ``Places`` until the cross
        checks. Only for a built spec, whose IMEIs are all checked."""
        cols = None if self.cols is None else positions(self.cols)
        return DeviceSource(self.path, written(self.imeis), positions(self.lines), cols)


@dataclass(frozen=True)
class Places:
    """Where the parts of a built spec are, for cross-spec problems (names, devices)."""

    path: str
    name: Mark
    campaign_id: Mark
    devices: Mark
    device_sources: tuple[DeviceSource, ...]

    def locate(self, imei: str) -> tuple[str, int, int]:
        """Where ``imei`` was written (searched only when a problem is reported)."""
        for source in self.device_sources:
            if imei in source.imeis:
                line, col = source.position(source.imeis.index(imei))
                return source.path, line, col
        return self.path, self.devices.line, self.devices.col


@dataclass(frozen=True)
class Built:
    spec: CampaignSpec | None
    places: Places | None
    problems: list[Problem]


def build(
    doc: Document, path: str, schema_problems: list[SchemaProblem], read: DevicesReader
) -> Built:
    """Check one document beyond its schema and, when all is well, build its spec."""
    checker = Checker(doc, path, schema_problems, read)
    _one_line(checker)
    kind = _KINDS.get(checker.get("kind")) if checker.usable(("kind",)) else None
    schedule = _schedule(checker, kind)
    devices, device_sources = _devices(checker)
    rollout = build_rollout(checker, kind)
    if checker.problems or kind is None or schedule is None or devices is None:
        return Built(None, None, checker.problems)
    data = checker.data
    package_data = data["software" if kind is Kind.SOFTWARE else "firmware"]
    # A v1 upgrade (FirmwareUpgrade) has no from-version and no protocol: both stay empty.
    protocol = package_data.get("distributionType" if kind is Kind.SOFTWARE else "protocol", "")
    life_data = data.get("lifecycle") or {}
    default = Lifecycle()
    lifecycle = Lifecycle(
        on_immutable_change=OnImmutableChange(
            life_data.get("onImmutableChange", default.on_immutable_change.value)
        ),
        allow_abort=life_data.get("allowAbort", default.allow_abort),
        allow_device_removal=life_data.get("allowDeviceRemoval", default.allow_device_removal),
    )
    spec = CampaignSpec(
        account=data["account"],
        name=data["name"],
        kind=kind,
        package=Package(
            package_data["name"], package_data.get("from", ""), package_data["to"], protocol
        ),
        schedule=schedule,
        devices=devices,
        auto_assign_license=bool(data.get("autoAssignLicense", False)),
        auto_add_devices=bool(data.get("autoAddDevices", False)),
        campaign_id=data.get("upgradeId" if kind is Kind.UPGRADE else "campaignId"),
        lifecycle=lifecycle,
        source=Source(path, doc.start.line, doc.start.col),
        rollout=rollout,
    )
    device_key: Path = ("devices",) if "devices" in data else ("devicesFile",)
    places = Places(
        path=path,
        name=doc.mark(("name",)),
        campaign_id=doc.mark(("upgradeId" if kind is Kind.UPGRADE else "campaignId",)),
        devices=doc.key_mark(device_key),
        device_sources=tuple(source.packed() for source in device_sources),
    )
    return Built(spec, places, [])


_ONE_LINE: tuple[Path, ...] = (
    ("account",),
    ("name",),
    ("campaignId",),
    ("upgradeId",),
    *((package, key) for package in ("firmware", "software") for key in ("name", "from", "to")),
    ("devicesFile", "path"),
    ("devicesFile", "column"),
)


def _one_line(checker: Checker) -> None:
    r"""Refuse a trailing line break the schema's ``$`` lets through (Python's ``re`` matches
    ``$`` before a final newline): ``"0402196254-00001\n"`` is not an account name."""
    for path in _ONE_LINE:
        value = checker.get(*path)
        if isinstance(value, str) and value.endswith("\n") and checker.usable(path):
            checker.report(path, f"{where(path)} must be one line; remove the line break")
            checker.blocked.append(path)


def _date(checker: Checker, key: str) -> date | None:
    value = checker.get("schedule", key)
    if value is None or not checker.usable(("schedule", key)):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        checker.report(
            ("schedule", key),
            f"schedule.{key} {clip(value)} is not a real calendar date; fix the day or month",
        )
        return None


def _schedule(checker: Checker, kind: Kind | None) -> Schedule | None:
    if not checker.intact(("schedule",)) or not isinstance(checker.get("schedule"), dict):
        return None
    before = len(checker.problems)
    start, end = _date(checker, "start"), _date(checker, "end")
    after = {key: _date(checker, key) for key in ("downloadAfter", "installAfter")}
    if start and end and end < start:
        checker.report(
            ("schedule", "end"),
            f"schedule.end {end} is before schedule.start {start}; "
            "the end date must be on or after the start date",
        )
    for key, value in after.items():
        if value and end and value > end:
            checker.report(
                ("schedule", key),
                f"schedule.{key} {value} is after schedule.end {end}; "
                "devices would never get the package: move it on or before the end date",
            )
    download_after, install_after = after["downloadAfter"], after["installAfter"]
    if download_after and install_after and install_after < download_after:
        checker.report(
            ("schedule", "installAfter"),
            f"schedule.installAfter {install_after} is before schedule.downloadAfter "
            f"{download_after}; a package cannot be installed before it is downloaded",
        )
    lists = {
        key: _windows(checker, key, kind)
        for key in ("windows", "downloadWindows", "installWindows")
    }
    if len(checker.problems) > before or start is None or end is None:
        return None
    return Schedule(
        start=start,
        end=end,
        windows=lists["windows"],
        download_after=download_after,
        download_windows=lists["downloadWindows"],
        install_after=install_after,
        install_windows=lists["installWindows"],
    )


def _windows(checker: Checker, key: str, kind: Kind | None) -> tuple[TimeWindow, ...]:
    items = checker.get("schedule", key)
    if not isinstance(items, list) or not checker.intact(("schedule", key)):
        return ()
    out = []
    for index, item in enumerate(items):
        path: Path = ("schedule", key, index)
        if not checker.usable(path):
            continue
        start, end = int(item["start"]), int(item["end"])  # JSON Schema: 18.0 is an integer
        if end <= start:
            minimum = R_WINDOW_MIN_4H.hours if kind is Kind.FIRMWARE else 1
            fix = across_midnight(start, end, minimum) if end < start else "use 24 for midnight"
            checker.report(
                path,
                f"{where(path)} ends at hour {end}, not after it starts (hour {start}); "
                f"end must be later than start: {fix}",
            )
        elif kind is not None and any(R_WINDOW_MIN_4H.check(Window(kind, start, end))):
            checker.report(
                path,
                f"{where(path)} is {end - start} hour(s) long; firmware campaign windows must "
                f"be at least {R_WINDOW_MIN_4H.hours} hours (end >= start + 4)",
            )
        out.append(TimeWindow(start, end))
    return windows(out)


def _devices(checker: Checker) -> tuple[ImeiSet | None, tuple[DeviceSource, ...]]:
    """Every IMEI of the spec, checked, with where it was written (inline or file line).

    Batch operations first (validity, a set for duplicates); per-device Python work happens
    only for the devices that are wrong, so 100,000 good IMEIs cost a few C-speed passes.
    """
    data = checker.data
    has_inline = "devices" in data
    has_file = "devicesFile" in data
    if not has_inline and not has_file:
        checker.report((), "the spec has no devices; add 'devices' (IMEIs) or 'devicesFile'")
        return None, ()
    before = len(checker.problems)
    sources: list[DeviceSource] = []
    if has_inline and checker.intact(("devices",)):
        lines, cols = checker.doc.item_positions(("devices",))
        # intact: no blocking problem at or above "devices", so an item is unusable only if
        # one lies at ("devices", i) or inside it.
        bad = {p[1] for p in checker.blocked if len(p) > 1 and p[0] == "devices"}
        listed: list[Any] = data["devices"] if isinstance(data["devices"], list) else []
        if not bad and len(listed) == len(lines):
            sources.append(DeviceSource(checker.path, tuple(listed), tuple(lines), tuple(cols)))
        else:
            usable = [i for i in range(len(lines)) if i not in bad]
            sources.append(
                DeviceSource(
                    checker.path,
                    tuple(listed[i] for i in usable),
                    tuple(lines[i] for i in usable),
                    tuple(cols[i] for i in usable),
                )
            )
    if has_file and checker.intact(("devicesFile",)) and checker.usable(("devicesFile", "path")):
        loaded = _devices_file(checker)
        if loaded is not None:
            shown, result = loaded
            checker.problems.extend(result.problems)
            sources.append(DeviceSource(shown, result.imeis, result.lines, None))
    invalid: set[str] = set()
    total = 0
    for source in sources:
        total += len(source.imeis)
        bad_ones = invalid_indexes(source.imeis)
        for k in bad_ones[:PER_FILE]:  # the rest only counted: bounded memory and output
            imei = source.imeis[k]
            invalid.add(imei)
            line, col = source.position(k)
            checker.problems.append(Problem(source.path, line, col, str(imei_problem(imei))))
        if len(bad_ones) > PER_FILE:
            invalid.update(source.imeis[k] for k in bad_ones[PER_FILE:])
            line, col = source.position(bad_ones[PER_FILE])
            count = len(bad_ones) - PER_FILE
            checker.problems.append(more_line(source.path, line, col, count, "invalid IMEI(s)"))
    if len(checker.problems) == before:
        # Every IMEI is valid: each source becomes integers once, and the spec's set and the
        # packed sources the cross checks keep share them (no set of a million strings).
        sources = [replace(source, imeis=written(source.imeis)) for source in sources]
        unique: set[int] = set()
        for source in sources:
            unique.update(written(source.imeis).ints)
        count = len(unique)
        devices: ImeiSet | None = ImeiSet.from_sorted(sorted(unique))
    else:
        count = len(frozenset(imei for source in sources for imei in source.imeis))
        devices = None
    if count != total:
        _duplicates(checker, sources, invalid)
    if devices is None or len(checker.problems) > before or not checker.usable(("devices",)):
        return None, ()
    if not devices:
        checker.report(
            ("devicesFile",) if has_file else ("devices",),
            "the spec has no devices; list at least one IMEI",
            key=True,
        )
        return None, ()
    return devices, tuple(sources)


def _duplicates(checker: Checker, sources: list[DeviceSource], invalid: set[str]) -> None:
    first: dict[str, tuple[str, int]] = {}
    for source in sources:
        for k, imei in enumerate(source.imeis):
            if imei in invalid:
                continue
            line, col = source.position(k)
            seen = first.setdefault(imei, (source.path, line))
            if seen != (source.path, line):
                checker.problems.append(
                    Problem(
                        source.path,
                        line,
                        col,
                        f"device {imei} is listed twice in this spec (first at "
                        f"{seen[0]}:{seen[1]}); remove one",
                    )
                )


def _devices_file(checker: Checker) -> tuple[str, DevicesFile] | None:
    spec = checker.data["devicesFile"]
    relative: str = spec["path"]
    here = os.path.dirname(checker.path)
    shown = os.path.normpath(os.path.join(here, relative))
    # Specs come from pull requests and problems echo file content into CI logs: a devices
    # file must live in the spec's own directory tree, never be /etc/... or ../../secrets.
    base = os.path.realpath(here or os.curdir)
    if (
        os.path.isabs(relative)
        or os.path.commonpath([base, os.path.realpath(os.path.join(base, relative))]) != base
    ):
        checker.report(
            ("devicesFile", "path"),
            f"devicesFile.path {clip(relative)} must be a relative path inside the spec's "
            "directory; move the devices file next to the spec (or below it)",
        )
        return None
    result = checker.read(shown, shown, spec.get("column"))
    if result.error is not None:
        checker.report(("devicesFile", "path"), result.error)
        return None
    return shown, result
