"""``fota apply PLAN.json | PATH...``: execute a saved plan exactly, or plan-confirm-execute.

Thin: parsing options, confirmation and printing live here; every safety property (staleness,
locks, journal, no duplicates) is in :mod:`reconciler.applier` so it is tested without a CLI.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from reconciler.applier import (
    DEFAULT_JOURNAL,
    DEFAULT_LOCK_DIR,
    LockSettings,
    account_locks,
)
from reconciler.applier.report import ApplyReport, make_report
from reconciler.applier.run import ApplyRun, apply_saved, execute_journaled, plan_accounts
from reconciler.applier.work import works_from_plan
from reconciler.cli.machine import output_option
from reconciler.cli.progress import Phases, progress, quiet_option
from reconciler.cli.shard import account_option
from reconciler.cli.target import TargetOptions, open_target, target_options
from reconciler.errors import UserError
from reconciler.plans.accounts import check_accounts
from reconciler.plans.prune import Prune, make_prune
from reconciler.plans.reading import make_plan
from reconciler.plans.rollout import advances_only
from reconciler.plans.types import Plan
from reconciler.specs import load_specs
from reconciler.thingspace import ThingSpaceClient
from reconciler.views import load_plan, render_text
from reconciler.views.apply_json import apply_document
from reconciler.views.apply_report import report_lines, summary_line

CONFIRM_WORD = "yes"


def _is_saved_plan(paths: tuple[str, ...]) -> bool:
    return len(paths) == 1 and paths[0].endswith(".json") and Path(paths[0]).is_file()


def _read_plan(path: str) -> Plan:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the plan file {path}: {exc}") from exc
    return load_plan(text, source=path)


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


def _confirm(auto_approve: bool, is_tty: Callable[[], bool], err: bool = False) -> bool:
    if auto_approve:
        return True
    if not is_tty():
        raise UserError(
            "refusing to apply without confirmation: stdin is not a terminal. Review the plan "
            "and pass --auto-approve (CI), or save it with `fota plan --out plan.json` and run "
            "`fota apply plan.json`"
        )
    answer = click.prompt(
        f"Apply these changes? Only '{CONFIRM_WORD}' is accepted",
        default="",
        show_default=False,
        err=err,
    )
    return bool(answer.strip() == CONFIRM_WORD)


def _execute(
    plan: Plan, client: ThingSpaceClient, run: _Run, context: dict[str, str]
) -> ApplyReport:
    phases = Phases(quiet=run.quiet)
    try:
        return execute_journaled(plan, client, run.applying(plan, phases), context, summary_line)
    finally:
        phases.close()


@click.command("apply")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--auto-approve", is_flag=True, help="Do not ask for confirmation (CI). Plan mode only."
)
@click.option(
    "--allow-abort",
    is_flag=True,
    help="Allow aborting RUNNING campaigns (devices may already be upgrading); with --prune, "
    "also plan aborts of pruned campaigns that already started.",
)
@click.option(
    "--wait", "wait_", is_flag=True, help="Poll each created campaign until it leaves pending."
)
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_JOURNAL,
    show_default=True,
    help="Append-only audit journal (JSON lines).",
)
@click.option(
    "--lock-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_LOCK_DIR,
    show_default=True,
    help="Directory of the per-account lock files.",
)
@click.option(
    "--force-unlock",
    is_flag=True,
    help="Remove the accounts' locks first, whoever holds them (only if that apply is gone).",
)
@click.option(
    "--prune",
    multiple=True,
    metavar="ACCOUNT:PREFIX",
    help="Also take down campaigns named PREFIX* on ACCOUNT that no spec describes.",
)
@click.option(
    "--rollouts-only",
    is_flag=True,
    help="Execute only rollouts' wave advances and halt take-downs (scheduled runs); every "
    "other change is shown as skipped. Plan mode only.",
)
@output_option(
    ("text", "json"),
    "text: one line per step; json: one document on stdout (the plan and prompts go to stderr).",
)
@account_option
@quiet_option
@target_options
def apply(
    paths: tuple[str, ...],
    auto_approve: bool,
    allow_abort: bool,
    wait_: bool,
    journal_path: Path,
    lock_dir: Path,
    force_unlock: bool,
    prune: tuple[str, ...],
    rollouts_only: bool,
    accounts: tuple[str, ...],
    output: str,
    quiet: bool,
    target: TargetOptions,
) -> int:
    """Apply a saved plan (PLAN.json) exactly, or plan PATH... and apply after confirmation.

    A saved plan is re-checked against the specs, the live state and the API's clock first and
    refused as a whole if anything changed. Refused changes are never executed. Exit status 1
    when anything was refused or failed.
    """
    saved = _is_saved_plan(paths)
    if saved and prune:
        raise UserError(
            f"--prune applies when planning: {paths[0]} is a saved plan, which carries the "
            "prune rules it was planned with (fota plan --prune ...); run fota apply "
            f"{paths[0]} without --prune"
        )
    if saved and rollouts_only:
        raise UserError(
            f"--rollouts-only applies when planning: {paths[0]} is a saved plan, applied "
            f"exactly as reviewed; run fota apply SPEC_PATH... --rollouts-only instead"
        )
    pruning = make_prune(prune, allow_abort)
    if saved and accounts and tuple(accounts) != _read_plan(paths[0]).account_filter:
        raise UserError(
            f"--account {', '.join(accounts)}: {paths[0]} was planned for "
            f"{', '.join(_read_plan(paths[0]).account_filter) or 'every account'}; a saved plan "
            "carries its own filter: apply it without --account, or plan again with it"
        )
    run = _Run(
        run_id=uuid.uuid4().hex[:12],
        locks=LockSettings(lock_dir=lock_dir, notify=lambda note: click.echo(note, err=True)),
        force_unlock=force_unlock,
        allow_abort=allow_abort,
        wait=wait_,
        journal_path=journal_path,
        target=target,
        quiet=quiet,
        json=output == "json",
    )
    if saved:
        report = _apply_saved(paths[0], run)
    else:
        maybe = _apply_paths(paths, run, auto_approve, pruning, accounts, rollouts_only)
        if maybe is None:
            click.echo("Apply cancelled; nothing was changed.", err=run.json)
            return 1
        report = maybe
    if run.json:
        click.echo(json.dumps(apply_document(report), indent=2))
        return report.exit_code
    for line in report_lines(report):
        click.echo(line)
    return report.exit_code


@dataclass(frozen=True)
class _Run:
    run_id: str
    locks: LockSettings
    force_unlock: bool
    allow_abort: bool
    wait: bool
    journal_path: Path
    target: TargetOptions
    quiet: bool = False
    json: bool = False  # -o json: stdout holds only the report document

    def applying(self, plan: Plan, phases: Phases) -> ApplyRun:
        """The run, its progress shown by ``phases``: re-reading live devices (a saved plan),
        then executing the plan's campaigns."""
        applied = phases.step("applying", len(works_from_plan(plan)), "campaigns")
        return ApplyRun(
            reading=phases.step("reading live devices", 0, "devices"),
            done=lambda: applied(1),
            run_id=self.run_id,
            allow_abort=self.allow_abort,
            wait=self.wait,
            journal_path=self.journal_path,
            locks=self.locks,
            force_unlock=self.force_unlock,
        )


def _apply_saved(plan_file: str, run: _Run) -> ApplyReport:
    """Re-check the saved plan against now (all or nothing), then execute exactly it."""
    plan = _read_plan(plan_file)
    if not plan_accounts(plan):
        click.echo(f"{plan_file} has nothing to apply.", err=run.json)
        return make_report([], plan.campaigns)
    phases = Phases(quiet=run.quiet)
    with open_target(run.target) as tgt, contextlib.closing(phases):
        return apply_saved(
            plan,
            tgt.client,
            run.applying(plan, phases),
            plan_file=plan_file,
            target=tgt.description,
            summary_line=summary_line,
        )


def _apply_paths(
    paths: tuple[str, ...],
    run: _Run,
    auto_approve: bool,
    prune: Prune | None,
    accounts: tuple[str, ...] = (),
    rollouts_only: bool = False,
) -> ApplyReport | None:
    """Plan now under the lock, show the plan, confirm, execute; None when not confirmed.

    The plan is made exactly as ``fota plan PATH... [--prune ...] [--allow-abort]`` makes it.
    """
    specset = load_specs(list(paths))
    check_accounts(accounts, specset.specs, None, prune, ", ".join(paths))
    chosen = [s for s in specset.specs if not accounts or s.account in accounts]
    locked = sorted({s.account for s in chosen} | set(prune.accounts if prune else ()))
    with (
        open_target(run.target) as tgt,
        account_locks(locked, run.run_id, run.locks, force=run.force_unlock),
    ):
        devices = sum(len(s.devices) for s in chosen)
        with progress("reading live devices", devices, "devices", quiet=run.quiet) as bar:
            plan = make_plan(
                tgt.client,
                specset.specs,
                specs_digest=specset.digest,
                spec_paths=paths,
                prune=prune,
                account_filter=accounts,
                progress=bar.advance,
            )
        if rollouts_only:
            plan = advances_only(plan)
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        click.echo(render_text(plan, colour=colour), nl=False, color=colour, err=run.json)
        if not plan.has_changes:
            click.echo("Nothing to apply.", err=run.json)
            return make_report([], plan.campaigns)
        if not _confirm(auto_approve, _stdin_is_tty, err=run.json):
            return None
        context = {"mode": "plan and apply", "paths": ", ".join(paths), "target": tgt.description}
        return _execute(plan, tgt.client, run, context)
