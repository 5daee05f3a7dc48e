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
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.cli.machine import output_option
from reconciler.errors import UserError
from reconciler.github.workflow import Runner
from reconciler.plans.accounts import parse_accounts
from reconciler.specs import load_specs

F = TypeVar("F", bound=Callable[..., Any])


def _accounts(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    try:
        return parse_accounts(values)
    except UserError as exc:
        raise click.BadParameter(exc.message.removeprefix("--account ")) from None


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


@click.command("accounts")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--baseline-ref",
    metavar="REF",
    default=None,
    help="Also the accounts of the specs at this git revision, so an account whose last spec "
    "was deleted still gets a shard that takes its campaigns down.",
)
@output_option(
    ("text", "json", "github"),
    "text: one account per line; json: a JSON array; github: also `accounts=<JSON "
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
