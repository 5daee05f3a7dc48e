"""``fota plan``: what apply would do, and what the lifecycle rules refuse, without writing.

Thin: load specs (and, with ``--baseline-ref``, the specs at a git revision), read the live
campaigns, call the pure planner with the API's clock (or ``--now``), render. The only file it
writes is ``--out``, atomically (a reader never sees half a plan).

Exit status: 1 when anything is refused (after the whole plan is printed), else 0; with
``--detailed-exitcode``: 0 no changes, 2 changes, 1 refusals or errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import click

from reconciler.cli.early import connect_early
from reconciler.cli.machine import output_option
from reconciler.cli.progress import progress, quiet_option
from reconciler.cli.shard import account_option
from reconciler.cli.show import echo_plan
from reconciler.cli.target import TargetOptions, target_options
from reconciler.errors import UserError
from reconciler.model import CampaignSpec
from reconciler.plans.accounts import check_accounts
from reconciler.plans.baseline import load_baseline
from reconciler.plans.planfile import save_plan
from reconciler.plans.prune import make_prune
from reconciler.plans.reading import make_plan
from reconciler.specs import load_specs

Key = tuple[str, str]


NOW_MIN = datetime(1970, 1, 1, tzinfo=UTC)
NOW_MAX = datetime(9999, 1, 1, tzinfo=UTC)
"""The instants ``--now`` accepts: the planner's date arithmetic cannot overflow in between."""


def parse_now(text: str) -> datetime:
    """An ISO 8601 instant; a date or a naive time is read as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(
            f"--now {text!r} is not an ISO 8601 date-time; e.g. --now 2026-12-01T00:00:00Z"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        utc = None
    # The planner adds days to now (end dates, the +24 h rule): keep a year of headroom.
    if utc is None or not NOW_MIN <= utc < NOW_MAX:
        raise UserError(
            f"--now {text!r} is out of range: give an instant from {NOW_MIN:%Y-%m-%d} to "
            f"{NOW_MAX:%Y-%m-%d} (exclusive), UTC; e.g. --now 2026-12-01T00:00:00Z"
        )
    return utc


def _check_names(specs: Sequence[CampaignSpec], names: Sequence[str], where: str) -> None:
    known = {s.name for s in specs}
    missing = [n for n in names if n not in known]
    if missing:
        raise UserError(
            f"--campaign {', '.join(repr(n) for n in missing)}: no spec with that name in "
            f"{where} (names are case-sensitive; fota validate lists the specs)"
        )


@click.command("plan")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the plan as JSON (plan.json, read by fota apply).",
)
@output_option(("text", "json", "markdown"), "What to print on stdout.")
@click.option(
    "--now",
    "now_text",
    metavar="ISO-DATETIME",
    default=None,
    help="Plan as if it were this instant (what-if); default: the API's clock.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there is nothing to change, 2 when there are changes, 1 on refusals.",
)
@click.option(
    "--campaign",
    "campaigns",
    multiple=True,
    metavar="NAME",
    help="Plan only the spec(s) with this name (repeatable).",
)
@click.option(
    "--baseline-ref",
    metavar="REF",
    default=None,
    help="Git revision whose specs label drift (changes made outside git) and whose deleted "
    "specs are taken down; usually the pull request's base.",
)
@click.option(
    "--prune",
    multiple=True,
    metavar="ACCOUNT:PREFIX",
    help="Also take down live campaigns named PREFIX* on ACCOUNT that no spec describes "
    "(repeatable).",
)
@click.option(
    "--allow-abort",
    is_flag=True,
    help="With --prune: abort pruned campaigns that already started (devices may be "
    "upgrading) instead of refusing.",
)
@account_option
@quiet_option
@target_options
def plan(
    paths: tuple[str, ...],
    out: Path | None,
    output: str,
    now_text: str | None,
    detailed_exitcode: bool,
    campaigns: tuple[str, ...],
    baseline_ref: str | None,
    prune: tuple[str, ...],
    allow_abort: bool,
    accounts: tuple[str, ...],
    quiet: bool,
    target: TargetOptions,
) -> int:
    """Show what apply would change to make live campaigns match the specs under PATH...

    Only lifecycle-legal changes are planned; everything else is refused, naming the rule
    (see docs/RULES.md). Nothing is written to the API.
    """
    override = parse_now(now_text) if now_text is not None else None
    if allow_abort and not prune:
        raise UserError(
            "--allow-abort on fota plan only applies to --prune: a spec allows aborting its own "
            "campaign with lifecycle.allowAbort: true"
        )
    pruning = make_prune(prune, allow_abort)
    # The bar's total grows as each spec is built; remote reads start from there too.
    with (
        progress("reading live devices", 0, "devices", quiet=quiet) as bar,
        connect_early(target, campaigns, accounts, bar.advance, bar.grow) as early,
    ):
        specset = load_specs(list(paths), on_spec=early.on_spec)
        for warning in specset.warnings:  # as fota validate shows them; stdout stays the plan
            click.echo(
                f"{warning.path}:{warning.line}:{warning.col}: warning: {warning.message}",
                err=True,
            )
        where = ", ".join(paths)
        _check_names(specset.specs, campaigns, where)
        baseline: dict[Key, CampaignSpec] | None = None
        if baseline_ref is not None:
            baseline = load_baseline(baseline_ref, paths, Path.cwd())
        check_accounts(accounts, specset.specs, baseline, pruning, where)
        t, ahead = early.ready()
        result = make_plan(
            t.client,
            specset.specs,
            specs_digest=specset.digest,
            spec_paths=paths,
            campaign_filter=campaigns,
            account_filter=accounts,
            baseline=baseline,
            baseline_ref=baseline_ref,
            prune=pruning,
            now=override,
            progress=bar.advance,
            ahead=ahead,
        )
    if out is not None:
        save_plan(out, result, place=f"--out {out}")
    echo_plan(result, output)
    if result.has_refusals:
        refused = sum(len(c.refusals) for c in result.campaigns)
        raise UserError(
            f"{refused} change(s) refused by the lifecycle rules (see the plan above and "
            "docs/RULES.md); fix the specs named there, or plan again later"
        )
    if detailed_exitcode:
        return 2 if result.has_changes else 0
    return 0
