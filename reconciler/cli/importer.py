"""``fota import``: write a spec for each live campaign of an account (Terraform's
``import`` + ``-generate-config-out``, for FOTA campaigns).

Thin: list and read the campaigns (``onboarding.read``), render their specs (``onboarding.specs``,
through the canonical layout ``fota fmt`` uses), check the result exactly as ``fota validate``
would (in a scratch directory), then write every file all-or-nothing (``onboarding.files``).

Exit status: 0 every chosen campaign has a valid spec (written, or unchanged); 1 an error, and
nothing was written (2: a usage error, from click); 3 specs were written but something needs a
person: a campaign no spec can describe, or written specs that do not validate together (two
live campaigns with one name, a device in two campaigns whose dates overlap), each listed.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import click

from reconciler.cli.target import TargetOptions, open_target, target_options
from reconciler.errors import Problem, UserError
from reconciler.lifecycle.statuses import LISTING_ORDER, is_terminal
from reconciler.model import CampaignSpec
from reconciler.onboarding.files import FileWrite, write_all
from reconciler.onboarding.read import Listed, find_ids, list_account, read_campaigns
from reconciler.onboarding.specs import Clash, SpecFile, Unimportable, clashes, render
from reconciler.specs import collect
from reconciler.specs.loader import spec_files
from reconciler.specs.schema import SCHEMA_FILE

_ACCOUNT = re.compile(r"^[0-9]{10}-[0-9]{5}$")
LIVE_STATUSES = tuple(s for s in LISTING_ORDER if not is_terminal(s))
V1_NOTE = (
    "v1 upgrades (/api/fota/v1) are not imported: fota has no spec kind for them yet; "
    "only v3 firmware and v2 software campaigns are read"
)
EXIT_ATTENTION = 3
"""Not 2: click answers a usage error (a missing --account) with 2, and a script must be able
to tell "bad command line" from "written, but a person must decide"."""


@dataclass
class Outcome:
    """Everything one run found and did, for the text and JSON reports."""

    files: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    unimportable: list[Unimportable] = field(default_factory=list)
    clashes: list[Clash] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    specs: list[SpecFile] = field(default_factory=list)


def _check_account(account: str) -> None:
    if not _ACCOUNT.match(account):
        raise UserError(
            f"--account {account!r} is not an account name: write 10 digits, a hyphen and 5 "
            "digits, e.g. 0402196254-00001"
        )


def _statuses(given: Sequence[str]) -> tuple[str, ...]:
    by_fold = {s.casefold(): s for s in LISTING_ORDER}
    out: list[str] = []
    for raw in given:
        if raw.casefold() == "all":
            out.extend(LISTING_ORDER)
            continue
        status = by_fold.get(raw.casefold())
        if status is None:
            raise UserError(
                f"--status {raw!r} is not a campaign status; use one of "
                f"{', '.join(LISTING_ORDER)}, or all"
            )
        out.append(status)
    return tuple(dict.fromkeys(out))


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


def _needs_attention(outcome: Outcome) -> bool:
    return bool(outcome.unimportable or outcome.clashes or outcome.problems)


def _json(outcome: Outcome, account: str, out: Path, dry_run: bool) -> str:
    document = {
        "account": account,
        "out": str(out),
        "dryRun": dry_run,
        "files": outcome.files,
        "skipped": outcome.skipped,
        "unimportable": [
            {
                "campaignId": u.live.id,
                "name": u.live.name,
                "kind": u.live.kind.value,
                "status": u.live.status,
                "reason": u.reason,
            }
            for u in outcome.unimportable
        ],
        "clashes": [
            {
                "account": c.account,
                "name": c.name,
                "campaigns": [{"campaignId": cid, "path": str(out / p)} for cid, p in c.files],
            }
            for c in outcome.clashes
        ],
        "problems": [str(p) for p in outcome.problems],
        "notes": [V1_NOTE],
    }
    return json.dumps(document, indent=2)


def _text(outcome: Outcome, out: Path, dry_run: bool, force: bool) -> None:
    verbs = {
        "create": "would write" if dry_run else "wrote",
        "overwrite": ("would overwrite" if force else "differs, needs --force:")
        if dry_run
        else "overwrote",
        "unchanged": "unchanged",
    }
    by_path = {str(out / s.spec_path): s for s in outcome.specs}
    for info in outcome.files:
        if info["type"] == "devices":
            continue
        line = f"{verbs[info['action']]} {info['path']}"
        spec = by_path.get(info["path"])
        if spec is not None:
            extra = f" + {out / spec.devices_path}" if spec.devices_path else ""
            line += (
                f"{extra}  ({spec.live.kind.value} campaign {spec.live.id}, {spec.live.status}, "
                f"{spec.devices:,} device{'s' if spec.devices != 1 else ''})"
            )
        click.echo(line)
        if dry_run and spec is not None and info["action"] != "unchanged":
            click.echo(spec.spec_text, nl=False)
    for item in outcome.skipped:
        click.echo(f"skipped {item['campaignId']} {item['name']!r}: {item['reason']}")
    for u in outcome.unimportable:
        click.echo(
            f"not imported: {u.live.kind.value} campaign {u.live.id} {u.live.name!r} "
            f"({u.live.status}): {u.reason}",
            err=True,
        )
    for c in outcome.clashes:
        listed = ", ".join(f"{cid} -> {out / p}" for cid, p in c.files)
        click.echo(
            f"name clash: {len(c.files)} campaigns of account {c.account} are named {c.name!r} "
            f"({listed}); all are written, but a name may have one spec per account: keep the "
            "spec of the campaign git should manage and delete the other file(s)",
            err=True,
        )
    for problem in outcome.problems:
        click.echo(f"{problem}", err=True)
    click.echo(f"note: {V1_NOTE}", err=True)
    counts = Counter(info["action"] for info in outcome.files if info["type"] == "spec")
    written = counts["create"] + counts["overwrite"]
    click.echo(
        f"Import: {written} spec(s) {'to write' if dry_run else 'written'}, "
        f"{counts['unchanged']} unchanged, {len(outcome.skipped)} skipped, "
        f"{len(outcome.unimportable)} not importable, {len(outcome.clashes)} name clash(es)."
    )


@click.command("import")
@click.option(
    "--account", required=True, metavar="ACCOUNT", help="Billing account, e.g. 0402196254-00001."
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    metavar="STATUS",
    help="Import only campaigns in this status (repeatable; 'all' for every status). Default: "
    "the live ones (CampaignRequestPending, CampaignRequestQueued, CampaignScheduled); "
    "finished ones are skipped and listed.",
)
@click.option(
    "--name-prefix",
    metavar="PREFIX",
    default=None,
    help="Only campaigns whose name starts with PREFIX.",
)
@click.option(
    "--campaign",
    "campaign_ids",
    multiple=True,
    metavar="ID",
    help="Import this campaign (repeatable), whatever its status; with --status, only if in it.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the specs (devices files go to DIR/devices/).",
)
@click.option("--force", is_flag=True, help="Overwrite existing files that differ.")
@click.option("--dry-run", is_flag=True, help="Write nothing; print what would be written.")
@click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one document on stdout listing every file, skip and problem.",
)
@click.option(
    "--schema",
    "schema_ref",
    metavar="REF",
    default=None,
    help="$schema of the yaml-language-server modeline. Default: schemas/"
    f"{SCHEMA_FILE} in DIR or a parent, else a copy written to DIR.",
)
@target_options
def import_(
    account: str,
    statuses: tuple[str, ...],
    name_prefix: str | None,
    campaign_ids: tuple[str, ...],
    out: Path,
    force: bool,
    dry_run: bool,
    output: str,
    schema_ref: str | None,
    target: TargetOptions,
) -> int:
    """Write a spec for each live campaign of ACCOUNT, pinned by campaignId, so that the
    first fota plan of them changes nothing.

    Reads v3 firmware and v2 software campaigns. v1 upgrades are not imported: there is no
    spec kind for them yet (said on every run). Finished campaigns (ended, cancelled,
    aborted, failed) are skipped unless --status or --campaign asks for them. Existing files
    are never overwritten without --force, and a run writes all its files or none.

    Exit status: 0 done; 1 error, nothing written; 2 usage error; 3 written, but a campaign
    could not be imported or the specs do not validate together (e.g. two campaigns with one
    name).
    """
    _check_account(account)
    wanted = _statuses(statuses)
    outcome = Outcome()
    ref, schema_copy = _schema_ref(out, schema_ref)
    with open_target(target) as t:
        if campaign_ids:
            listed = find_ids(t.client, account, campaign_ids)
        else:
            listed = list_account(t.client, account)
        chosen = _choose(listed, wanted, name_prefix, outcome)
        items = read_campaigns(t.client, account, chosen)
    specs, outcome.unimportable, _ = render(items, schema_ref=ref)
    existing = Existing.read(out)
    fresh: list[SpecFile] = []
    for spec in specs:
        other = existing.describing(spec, out)
        if other is None:
            fresh.append(spec)
        else:
            outcome.skipped.append(_skip_spec(spec, f"already described by {other}"))
    specs = _validate(fresh, outcome, out, existing)
    outcome.clashes = clashes(specs)
    outcome.specs = specs
    found = _files(specs, out, schema_copy)
    outcome.files = [info for _, info in found]
    conflicts = [info["path"] for info in outcome.files if info["action"] == "overwrite"]
    if conflicts and not force and not dry_run:
        shown = ", ".join(conflicts[:5]) + (
            f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else ""
        )
        raise UserError(
            f"{len(conflicts)} file(s) exist with other content: {shown}; nothing was written: "
            "add --force to overwrite them, or import into another --out directory"
        )
    if not dry_run:
        write_all([w for w, info in found if info["action"] != "unchanged"])
    if output == "json":
        click.echo(_json(outcome, account, out, dry_run))
        click.echo(f"note: {V1_NOTE}", err=True)
    else:
        _text(outcome, out, dry_run, force)
    return EXIT_ATTENTION if _needs_attention(outcome) else 0
