"""The applier: executes a plan, and is the only code that writes to the ThingSpace API.

Public surface::

    works = works_from_plan(plan)                      # steps per campaign, refusals excluded
    with account_locks(accounts, run_id, LockSettings()):
        # reconciler.plans: re-plan and refuse a stale saved plan before any write
        check_fresh(saved, replan(saved, client, plan_file="plan.json"), plan_file="plan.json")
        with Journal(path, run_id=run_id) as journal:
            results = execute(works, client, ExecOptions(...), journal)
    report = make_report(results, plan.campaigns)  # reconciler.views.apply_report renders it

All of that for a saved plan, as ``fota apply plan.json`` and the GitHub Action run it, in one
call: ``reconciler.applier.run.apply_saved(plan, client, ApplyRun(run_id), ...)``.

See docs/APPLY.md for the safety properties (staleness, locks, journal, no duplicates).
"""

from reconciler.applier.executor import (
    CANCEL_MARGIN,
    ExecOptions,
    Writer,
    execute,
)
from reconciler.applier.journal import (
    DEFAULT_JOURNAL,
    Journal,
    JournalError,
    read_journal,
    redact,
)
from reconciler.applier.lock import (
    DEFAULT_LOCK_DIR,
    LockHeldError,
    LockInfo,
    LockSettings,
    account_locks,
    acquire,
    force_unlock,
    release,
)
from reconciler.applier.report import ApplyReport, make_report
from reconciler.applier.steps import (
    CampaignResult,
    CampaignWork,
    Step,
    StepOutcome,
    StepResult,
)
from reconciler.applier.work import campaign_work, works_from_plan

__all__ = [
    "CANCEL_MARGIN",
    "DEFAULT_JOURNAL",
    "DEFAULT_LOCK_DIR",
    "ApplyReport",
    "CampaignResult",
    "CampaignWork",
    "ExecOptions",
    "Journal",
    "JournalError",
    "LockHeldError",
    "LockInfo",
    "LockSettings",
    "Step",
    "StepOutcome",
    "StepResult",
    "Writer",
    "account_locks",
    "acquire",
    "campaign_work",
    "execute",
    "force_unlock",
    "make_report",
    "read_journal",
    "redact",
    "release",
    "works_from_plan",
]
