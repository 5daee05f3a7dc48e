"""``fota import``: write a spec for each live campaign of an account (Terraform's
``import`` + ``-generate-config-out``, for FOTA campaigns).

Thin: check the options, connect (``target``), run the operation (``onboarding.run``: read,
render through the canonical layout ``fota fmt`` uses, check as ``fota validate`` would),
refuse to overwrite what differs unless ``--force``, write all-or-nothing
(``onboarding.files``), show the report (``onboarding.report``).

Exit status: 0 every chosen campaign has a valid spec (written, or unchanged); 1 an error, and
nothing was written (a usage error too: ``main`` maps click's 2 to 1); 3 specs were written but
something needs a person: a campaign no spec can describe, or written specs that do not validate
together (two live campaigns with one name, a device in two campaigns whose dates overlap), each
listed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import click

from reconciler.cli.machine import output_option
from reconciler.cli.target import TargetOptions, open_target, target_options
from reconciler.errors import UserError
from reconciler.lifecycle.statuses import LISTING_ORDER
from reconciler.onboarding.files import write_all
from reconciler.onboarding.report import import_json, import_text
from reconciler.onboarding.run import V1_NOTE, import_account
from reconciler.specs.schema import SCHEMA_FILE

_ACCOUNT = re.compile(r"^[0-9]{10}-[0-9]{5}$")
EXIT_ATTENTION = 3
"""Not 2: 2 is ``fota plan --detailed-exitcode``'s "changes", and a script must be able to tell
"bad command line" (1) from "written, but a person must decide"."""


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
@output_option(
    ("text", "json"), "json: one document on stdout listing every file, skip and problem."
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

    Exit status: 0 done; 1 error (a usage error too), nothing written; 3 written, but a campaign
    could not be imported or the specs do not validate together (e.g. two campaigns with one
    name).
    """
    _check_account(account)
    wanted = _statuses(statuses)
    with open_target(target) as t:
        outcome = import_account(
            t.client,
            account,
            out,
            statuses=wanted,
            prefix=name_prefix,
            campaign_ids=campaign_ids,
            schema_ref=schema_ref,
        )
    conflicts = outcome.conflicts
    if conflicts and not force and not dry_run:
        shown = ", ".join(conflicts[:5]) + (
            f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else ""
        )
        raise UserError(
            f"{len(conflicts)} file(s) exist with other content: {shown}; nothing was written: "
            "add --force to overwrite them, or import into another --out directory"
        )
    if not dry_run:
        write_all(outcome.to_write)
    if output == "json":
        click.echo(import_json(outcome, account, out, dry_run))
        click.echo(f"note: {V1_NOTE}", err=True)
    else:
        lines, errors = import_text(outcome, out, dry_run, force)
        for line in lines:
            click.echo(line)
        for line in errors:
            click.echo(line, err=True)
    return EXIT_ATTENTION if outcome.needs_attention else 0
