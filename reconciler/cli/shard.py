"""Sharding a fleet by ThingSpace account: ``fota accounts`` and the ``--account`` filter.

Why by account: the account is the unit of everything that must not interleave (apply's lock,
the API's rate limits, a campaign's name space), and nothing crosses accounts (a device is
checked against the campaigns of its own account). So one CI job per account (a matrix over
``fota accounts``) plans and applies independently, each with its own lock, its own
concurrency group and its own pull-request comment.

``--account`` is recorded in plan.json (``account_filter``) like ``--campaign``: apply re-plans
with the same filter, so a shard's saved plan is re-checked against that shard only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.errors import UserError
from reconciler.github.workflow import Runner
from reconciler.model import CampaignSpec
from reconciler.plans.prune import ACCOUNT_PATTERN, Prune
from reconciler.specs import load_specs

F = TypeVar("F", bound=Callable[..., Any])
Key = tuple[str, str]


def _accounts(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    bad = [v for v in values if not ACCOUNT_PATTERN.match(v)]
    if bad:
        raise click.BadParameter(
            f"{', '.join(repr(b) for b in bad)} is not an account name: write 10 digits, a "
            'hyphen and 5 digits, e.g. "0402196254-00001"'
        )
    return tuple(sorted(set(values)))


def account_option(func: F) -> F:
    """``--account ACCOUNT`` (repeatable; FOTA_ACCOUNT, space-separated, in the environment)."""
    decorated: F = click.option(
        "--account",
        "accounts",
        multiple=True,
        metavar="ACCOUNT",
        envvar="FOTA_ACCOUNT",
        callback=_accounts,
        help="Only the specs of this ThingSpace account (repeatable; env FOTA_ACCOUNT): one "
        "shard of a fleet, e.g. one job of a CI matrix over `fota accounts`.",
    )(func)
    return decorated


def check_accounts(
    accounts: Iterable[str],
    specs: Iterable[CampaignSpec],
    baseline: Mapping[Key, CampaignSpec] | None,
    prune: Prune | None,
    where: str,
) -> None:
    """Refuse an ``--account`` no spec (now, or at the baseline) uses, and ``--prune`` rules of
    other accounts (a shard must never take down another shard's campaigns)."""
    chosen = set(accounts)
    if not chosen:
        return
    known = {s.account for s in specs} | {s.account for s in (baseline or {}).values()}
    unknown = sorted(chosen - known)
    if unknown:
        raise UserError(
            f"--account {', '.join(unknown)}: no spec in {where} is on that account; "
            "`fota accounts` lists the accounts the specs use"
        )
    foreign = [str(r) for r in (prune.rules if prune else ()) if r.account not in chosen]
    if foreign:
        raise UserError(
            f"--prune {', '.join(foreign)} is outside --account {', '.join(sorted(chosen))}: "
            "a shard prunes only its own account; drop the rule or add its account"
        )


@click.command("accounts")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--baseline-ref",
    metavar="REF",
    default=None,
    help="Also the accounts of the specs at this git revision, so an account whose last spec "
    "was deleted still gets a shard that takes its campaigns down.",
)
@click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: one account per line; json: a JSON array; github: also `accounts=<JSON "
    "array>` in $GITHUB_OUTPUT, for a matrix (fromJSON).",
)
def accounts(paths: tuple[str, ...], baseline_ref: str | None, output: str) -> None:
    """List the ThingSpace accounts the specs under PATH... use, sorted, once each.

    For sharding by account: a CI matrix runs one `fota plan --account A` (and apply) per line.
    """
    found = {spec.account for spec in load_specs(list(paths)).specs}
    if baseline_ref is not None:
        from reconciler.plans.baseline import load_baseline

        found |= {spec.account for spec in load_baseline(baseline_ref, paths, Path.cwd()).values()}
    listed = sorted(found)
    if output == "text":
        for account in listed:
            click.echo(account)
        return
    document = json.dumps(listed)
    if output == "github":
        Runner().set_output("accounts", document)
    click.echo(document)
