"""``fota status``: where live campaigns stand, device counts by status, and why devices failed.

Thin: which campaigns (an id, or the specs' campaigns), read their reports
(:mod:`reconciler.thingspace.live`), render (:mod:`reconciler.views.status`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from reconciler.cli.machine import output_option
from reconciler.cli.progress import progress, quiet_option
from reconciler.cli.target import TargetOptions, open_target, target_options
from reconciler.errors import UserError
from reconciler.model import CampaignSpec, Kind
from reconciler.plans.planner import rollout_waves
from reconciler.plans.types import WaveReport
from reconciler.thingspace import ThingSpaceClient
from reconciler.thingspace.live import report_by_id, reports_by_specs
from reconciler.thingspace.waves import read_waves
from reconciler.views.status import report_json, report_text, rollout_json, rollout_text

DEFAULT_FAILURES = 10
STATUS_FORMAT_VERSION = 1
"""``format_version`` of ``fota status -o json``: 1 is the first versioned format (snake_case
keys); raised only for a change a reader must know of."""


@click.command("status")
@click.argument("items", nargs=-1, metavar="[CAMPAIGN_ID | PATH...]")
@click.option("--account", metavar="ACCOUNT", help="Billing account (needed with a campaign id).")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in Kind]),
    default=None,
    help="Campaign kind of a campaign id (default firmware); with specs, only this kind.",
)
@output_option(("text", "json"), "text: one block per campaign; json: one document on stdout.")
@click.option(
    "--failures",
    "max_failures",
    type=click.IntRange(min=0),
    default=DEFAULT_FAILURES,
    show_default=True,
    help="Failed devices listed per campaign (the rest are counted).",
)
@quiet_option
@target_options
def status(
    items: tuple[str, ...],
    account: str | None,
    kind: str | None,
    output: str,
    max_failures: int,
    quiet: bool,
    target: TargetOptions,
) -> None:
    """Show live campaigns: state, device counts by status and failed devices with reasons.

    Give one CAMPAIGN_ID (with --account), or spec files/directories to show the live
    campaign of every spec in them.
    """
    chosen_kind = Kind(kind) if kind else None
    campaign_id, specs = _what(items, account, chosen_kind)
    # The total grows as each report's first page states its size.
    bar = progress("reading device status", 0, "devices", quiet=quiet)
    rollouts: list[tuple[CampaignSpec, list[WaveReport]]] = []
    with open_target(target) as t, bar as shown:
        if campaign_id is not None:
            assert account is not None
            kind_of_id = chosen_kind or Kind.FIRMWARE
            results = [
                report_by_id(t.client, account, kind_of_id, campaign_id, max_failures, shown.page)
            ]
        else:
            single = [s for s in specs if s.rollout is None]
            results = reports_by_specs(t.client, single, max_failures, shown.page)
            rollouts = _rollouts(t.client, [s for s in specs if s.rollout is not None])
    if output == "json":
        document = {
            "format_version": STATUS_FORMAT_VERSION,
            "campaigns": [report_json(r) for r in results],
        }
        if rollouts:
            document["rollouts"] = [rollout_json(spec, waves) for spec, waves in rollouts]
        click.echo(json.dumps(document, indent=2))
    else:
        texts = [rollout_text(spec, waves) for spec, waves in rollouts]
        texts += [report_text(r) for r in results]
        click.echo("\n".join(texts), nl=False)  # a blank line between


def _rollouts(
    client: ThingSpaceClient, specs: list[CampaignSpec]
) -> list[tuple[CampaignSpec, list[WaveReport]]]:
    """Each rollout spec with its waves as a plan would judge them now (the API's clock)."""
    if not specs:
        return []
    waves = read_waves(client, specs)
    now = client.server_now()
    return [(spec, rollout_waves(spec, waves, now)) for spec in specs]


# --- what to show --------------------------------------------------------------------------


def _what(
    items: Sequence[str], account: str | None, kind: Kind | None
) -> tuple[str | None, list[CampaignSpec]]:
    if not items:
        raise UserError(
            "fota status needs a campaign id (with --account) or spec files/directories; "
            "e.g. fota status campaigns/"
        )
    missing = [item for item in items if not Path(item).exists()]
    if len(items) == 1 and missing:
        if not account:
            raise UserError(
                f"fota status {items[0]}: a campaign id needs --account ACCOUNT (no file or "
                f"directory is named {items[0]!r})"
            )
        return items[0], []
    if missing:
        raise UserError(
            f"fota status: no such file or directory: {', '.join(missing)} (a campaign id is "
            "given alone, with --account)"
        )
    from reconciler.specs import load_specs

    specs = [
        spec
        for spec in load_specs(list(items)).specs
        if (account is None or spec.account == account) and (kind is None or spec.kind is kind)
    ]
    if not specs:
        raise UserError(
            f"fota status: no specs in {', '.join(items)} match"
            + (f" --account {account}" if account else "")
            + (f" --kind {kind.value}" if kind else "")
        )
    return None, specs
