"""One apply run: the journal around execution, and a saved plan re-checked before it.

``fota apply`` and the GitHub Action's apply step run a plan the same way, so they share this:
under every account's lock, re-plan from the inputs the saved plan records and refuse it as a
whole if anything changed (``reconciler.plans.staleness``), then execute with each write in
the journal between a ``start`` and an ``end`` record. Connecting to the API and printing stay
with the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.applier.executor import ExecOptions, execute
from reconciler.applier.journal import DEFAULT_JOURNAL, Journal
from reconciler.applier.lock import LockSettings, account_locks
from reconciler.applier.report import ApplyReport, make_report
from reconciler.applier.work import works_from_plan
from reconciler.plans.baseline import load_baseline
from reconciler.plans.reading import replan, spec_paths
from reconciler.plans.staleness import check_fresh
from reconciler.plans.types import Plan
from reconciler.thingspace import ThingSpaceClient

SummaryLine = Callable[[ApplyReport], str]
"""How the journal's ``end`` record states the result: the apply report view's one-line
summary (``reconciler.views.apply_report.summary_line``), passed in because views sit above."""

Narrow = Callable[[Plan], Plan]
"""What a plan was narrowed with before it was saved (``plans.rollout.advances_only`` for a
rollouts-only run): the fresh plan of the staleness check is narrowed the same way."""


@dataclass(frozen=True)
class ApplyRun:
    """What one apply run is allowed and where it keeps its records."""

    run_id: str
    allow_abort: bool = False
    wait: bool = False
    journal_path: Path = DEFAULT_JOURNAL
    locks: LockSettings = field(default_factory=LockSettings)
    force_unlock: bool = False
    reading: Callable[[int], None] | None = None  # told of each live device re-read (progress)
    done: Callable[[], None] | None = None  # told when each campaign's steps are over (progress)

    def options(self, client: ThingSpaceClient) -> ExecOptions:
        return ExecOptions(
            allow_abort=self.allow_abort,
            wait=self.wait,
            concurrency=client.concurrency,
            done=self.done,
        )


def execute_journaled(
    plan: Plan,
    client: ThingSpaceClient,
    run: ApplyRun,
    context: dict[str, str],
    summary_line: SummaryLine,
) -> ApplyReport:
    """Execute the plan's allowed actions, journaled; ``context`` goes into the start record."""
    works = works_from_plan(plan)
    with Journal(run.journal_path, run_id=run.run_id) as journal:
        journal.record("start", **context, campaigns=len(works))
        results = execute(works, client, run.options(client), journal)
        report = make_report(results, plan.campaigns)
        if journal.error is None:  # otherwise the report's failed steps name the fault
            journal.record("end", summary=summary_line(report), ok=report.ok)
    return report


def plan_accounts(plan: Plan) -> list[str]:
    """The accounts a plan writes to (the locks it needs)."""
    return sorted({c.account for c in plan.campaigns if c.actions})


def apply_saved(
    plan: Plan,
    client: ThingSpaceClient,
    run: ApplyRun,
    *,
    plan_file: str,
    target: str,
    summary_line: SummaryLine,
    cwd: Path | None = None,
    narrow: Narrow | None = None,
) -> ApplyReport:
    """Re-check ``plan`` against now (all or nothing), then execute exactly it.

    ``plan_file`` names the plan in messages; ``target`` describes the API in the journal.
    Raises ``StalePlanError`` (nothing written) when a fresh plan differs. ``narrow``: what
    ``plan`` was narrowed with after planning, applied to the fresh plan before comparing.
    """
    baseline = (
        load_baseline(plan.baseline_ref, spec_paths(plan), cwd or Path.cwd())
        if plan.baseline_ref
        else None
    )
    with account_locks(plan_accounts(plan), run.run_id, run.locks, force=run.force_unlock):
        fresh = replan(plan, client, plan_file=plan_file, baseline=baseline, progress=run.reading)
        check_fresh(plan, narrow(fresh) if narrow else fresh, plan_file=plan_file)
        context = {"mode": "saved plan", "plan": plan_file, "target": target}
        return execute_journaled(plan, client, run, context, summary_line)
