"""``fota import``'s operation: choose an account's campaigns, read them, turn them into spec
files, check those as ``fota validate`` would, and say what writing them would do.

The steps, each its own module: ``read`` (through ``reconciler.thingspace``), ``specs`` (pure),
``files`` (the write). This module strings them together and keeps the findings in an
``Outcome`` that ``report`` shows and the command line writes.

Checks, in order: a spec that does not validate on its own is not written (its campaign is
"not importable", with the first problem); a campaign that a spec already under ``--out``
describes (by ``campaignId``, or by name) is skipped; problems between the written specs, and
with the specs already there, are reported (two campaigns with one name, a device in two
campaigns whose dates overlap): those files are still written, for a person to decide.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from reconciler.errors import Problem, UserError
from reconciler.lifecycle.statuses import LISTING_ORDER, is_terminal
from reconciler.model import CampaignSpec
from reconciler.onboarding.files import FileWrite
from reconciler.onboarding.read import Listed, find_ids, list_account, read_campaigns
from reconciler.onboarding.specs import Clash, SpecFile, Unimportable, clashes, render
from reconciler.specs import collect
from reconciler.specs.loader import spec_files
from reconciler.specs.schema import SCHEMA_FILE
from reconciler.thingspace import ThingSpaceClient

LIVE_STATUSES = tuple(s for s in LISTING_ORDER if not is_terminal(s))
"""What is imported unless ``--status`` says otherwise: campaigns that are not finished."""

V1_NOTE = (
    "v1 upgrades (/api/fota/v1) are not imported: write a FirmwareUpgrade spec for each "
    "(fota finds it by its firmware and dates, or by upgradeId); "
    "only v3 firmware and v2 software campaigns are read"
)


@dataclass
class Outcome:
    """Everything one run found, and the files it would write (``writes[i]`` is ``files[i]``,
    whose ``action`` is ``create``, ``overwrite`` or ``unchanged``)."""

    files: list[dict[str, Any]] = field(default_factory=list)
    writes: list[FileWrite] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    unimportable: list[Unimportable] = field(default_factory=list)
    clashes: list[Clash] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    specs: list[SpecFile] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        """Written (or to be), but a person must decide something (see the module docstring)."""
        return bool(self.unimportable or self.clashes or self.problems)

    @property
    def conflicts(self) -> list[str]:
        """Existing files that would be overwritten (only with ``--force``)."""
        return [info["path"] for info in self.files if info["action"] == "overwrite"]

    @property
    def to_write(self) -> list[FileWrite]:
        return [
            w
            for w, info in zip(self.writes, self.files, strict=True)
            if info["action"] != "unchanged"
        ]


def import_account(
    client: ThingSpaceClient,
    account: str,
    out: Path,
    *,
    statuses: tuple[str, ...] = (),
    prefix: str | None = None,
    campaign_ids: Sequence[str] = (),
    schema_ref: str | None = None,
) -> Outcome:
    """Read and render; nothing is written (``files.write_all(outcome.to_write)`` does that)."""
    outcome = Outcome()
    ref, schema_copy = _schema_ref(out, schema_ref)
    listed = (
        find_ids(client, account, campaign_ids) if campaign_ids else list_account(client, account)
    )
    chosen = _choose(listed, statuses, prefix, outcome)
    items = read_campaigns(client, account, chosen)
    specs, outcome.unimportable, _ = render(items, schema_ref=ref)
    existing = Existing.read(out)
    fresh: list[SpecFile] = []
    for spec in specs:
        other = existing.describing(spec, out)
        if other is None:
            fresh.append(spec)
        else:
            outcome.skipped.append(_skip_spec(spec, f"already described by {other}"))
    outcome.specs = _validate(fresh, outcome, out, existing)
    outcome.clashes = clashes(outcome.specs)
    found = _files(outcome.specs, out, schema_copy)
    outcome.writes = [write for write, _ in found]
    outcome.files = [info for _, info in found]
    return outcome


def _choose(
    listed: Sequence[Listed], statuses: tuple[str, ...], prefix: str | None, outcome: Outcome
) -> list[Listed]:
    """The campaigns to import; finished ones not asked for are recorded as skipped."""
    chosen: list[Listed] = []
    for item in listed:
        if prefix is not None and not item.name.startswith(prefix):
            continue
        if item.asked and not statuses:
            chosen.append(item)
            continue
        wanted = statuses or LIVE_STATUSES
        if item.status in wanted:
            chosen.append(item)
        elif item.asked:
            outcome.skipped.append(_skip(item, f"{item.status}, not in --status"))
        elif not statuses and item.terminal:
            reason = f"finished ({item.status}); add --status {item.status} to import it"
            outcome.skipped.append(_skip(item, reason))
    return chosen


def _skip_spec(spec: SpecFile, reason: str) -> dict[str, Any]:
    live = spec.live
    return {
        "campaignId": live.id,
        "name": live.name,
        "kind": live.kind.value,
        "status": live.status,
        "reason": reason,
    }


def _skip(item: Listed, reason: str) -> dict[str, Any]:
    return {
        "campaignId": item.id,
        "name": item.name,
        "kind": item.kind.value,
        "status": item.status,
        "reason": reason,
    }


def _schema_ref(out: Path, given: str | None) -> tuple[str, bool]:
    """(modeline reference, whether to write a copy of the schema into ``out``)."""
    if given:
        return given, False
    here = out.resolve()
    for parent in (here, *here.parents):
        candidate = parent / "schemas" / SCHEMA_FILE
        if candidate.is_file():
            return Path(os.path.relpath(candidate, here)).as_posix(), False
    return SCHEMA_FILE, True


def _schema_text() -> str:
    return resources.files("reconciler").joinpath("schemas", SCHEMA_FILE).read_text("utf-8")


@dataclass(frozen=True)
class Existing:
    """The specs already under --out (those that load), which import must not duplicate."""

    specs: tuple[CampaignSpec, ...] = ()
    clean: bool = False  # do they validate together? then the result is checked with them

    @classmethod
    def read(cls, out: Path) -> Existing:
        if not out.is_dir():
            return cls()
        files, _ = spec_files([out])
        if not files:
            return cls()
        report = collect(files)
        return cls(tuple(report.specs), not report.problems)

    def describing(self, spec: SpecFile, out: Path) -> str | None:
        """The path of another file that already describes ``spec``'s campaign, if any."""
        live = spec.live
        own = os.path.normpath(out / spec.spec_path)
        for known in self.specs:
            if known.account != live.account or os.path.normpath(known.source.path) == own:
                continue
            if known.campaign_id == live.id or (
                known.campaign_id is None and known.name == live.name and known.kind is live.kind
            ):
                return known.source.path
        return None

    def others(self, written: set[str]) -> list[str]:
        """Spec files under --out that this run does not write (checked with the result)."""
        if not self.clean:
            return []
        paths = {os.path.normpath(s.source.path) for s in self.specs}
        return sorted(p for p in paths if p not in written)


def _validate(
    specs: list[SpecFile], outcome: Outcome, out: Path, existing: Existing
) -> list[SpecFile]:
    """Check the specs as ``fota validate`` would, in a scratch copy: a spec that is invalid on
    its own is not written (unimportable); problems between specs, and with the specs already
    under --out, are reported."""
    with tempfile.TemporaryDirectory(prefix="fota-import-") as tmp:
        root = Path(tmp)
        for spec in specs:
            (root / spec.spec_path).write_text(spec.spec_text, encoding="utf-8")
            if spec.devices_path and spec.devices_text is not None:
                (root / spec.devices_path).parent.mkdir(parents=True, exist_ok=True)
                (root / spec.devices_path).write_text(spec.devices_text, encoding="utf-8")
        good: list[SpecFile] = []
        for spec in specs:
            alone = collect([root / spec.spec_path]).problems
            if alone:
                first = sorted(alone)[0]
                where = f"{spec.spec_path}:{first.line}:{first.col}"
                outcome.unimportable.append(
                    Unimportable(
                        spec.live, f"its spec would not validate ({where}: {first.message})"
                    )
                )
            else:
                good.append(spec)
        if good:
            written = {os.path.normpath(out / spec.spec_path) for spec in good}
            others = existing.others(written)
            report = collect([*(root / spec.spec_path for spec in good), *others])
            prefix = str(root) + os.sep
            outcome.problems = [
                Problem(
                    str(out / p.path.removeprefix(prefix)) if p.path.startswith(prefix) else p.path,
                    p.line,
                    p.col,
                    p.message,
                )
                for p in sorted(report.problems)
            ]
    return good


def _action(path: Path, text: str) -> str:
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        return "create"
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}; nothing was written") from None
    return "unchanged" if current == text.encode("utf-8") else "overwrite"


def _files(
    specs: list[SpecFile], out: Path, schema_copy: bool
) -> list[tuple[FileWrite, dict[str, Any]]]:
    """Every file to write, devices files first (a spec never names a missing file)."""
    found: list[tuple[FileWrite, dict[str, Any]]] = []
    for spec in specs:
        info = {
            "campaignId": spec.live.id,
            "name": spec.live.name,
            "kind": spec.live.kind.value,
            "status": spec.live.status,
            "devices": spec.devices,
        }
        if spec.devices_path and spec.devices_text is not None:
            found.append(
                (
                    FileWrite(out / spec.devices_path, spec.devices_text),
                    {"path": str(out / spec.devices_path), "type": "devices", **info},
                )
            )
    for spec in specs:
        info = {
            "campaignId": spec.live.id,
            "name": spec.live.name,
            "kind": spec.live.kind.value,
            "status": spec.live.status,
            "devices": spec.devices,
        }
        found.append(
            (
                FileWrite(out / spec.spec_path, spec.spec_text),
                {"path": str(out / spec.spec_path), "type": "spec", **info},
            )
        )
    if schema_copy and specs:
        found.append(
            (
                FileWrite(out / SCHEMA_FILE, _schema_text()),
                {"path": str(out / SCHEMA_FILE), "type": "schema"},
            )
        )
    for write, info in found:
        info["action"] = _action(write.path, write.text)
    return found
