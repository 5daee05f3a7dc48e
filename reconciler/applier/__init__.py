"""The applier: executes a plan, and is the only code that writes to the ThingSpace API.

Public surface::

    works = works_from_plan(plan)                      # steps per campaign, refusals excluded
    check_fresh(saved_plan, fresh_plan, plan_file=...)  # StalePlanError naming the campaigns
    with account_locks(accounts, run_id, LockSettings()):
        check_fresh(saved, replan(saved, client, plan_file="plan.json"), plan_file="plan.json")
        with Journal(path, run_id=run_id) as journal:
            results = execute(works, client, ExecOptions(...), journal)
    print("\n".join(report_lines(make_report(results, plan.campaigns))))

See docs/APPLY.md for the safety properties (staleness, locks, journal, no duplicates).
"""

from reconciler.applier.executor import (
    CANCEL_MARGIN,
    FAILED_STATUSES,
    PENDING_STATUSES,
    ExecOptions,
    Writer,
    execute,
)
from reconciler.applier.fresh import make_plan, read_prune_listing, replan, spec_paths
from reconciler.applier.from_plan import (
    StalePlanError,
    campaign_work,
    check_fresh,
    stale_campaigns,
    works_from_plan,
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
from reconciler.applier.report import ApplyReport, make_report, report_lines
from reconciler.applier.steps import (
    CampaignResult,
    CampaignWork,
    Outcome,
    Step,
    StepResult,
)

__all__ = [
    "CANCEL_MARGIN",
    "DEFAULT_JOURNAL",
    "DEFAULT_LOCK_DIR",
    "FAILED_STATUSES",
    "PENDING_STATUSES",
    "ApplyReport",
    "CampaignResult",
    "CampaignWork",
    "ExecOptions",
    "Journal",
    "JournalError",
    "LockHeldError",
    "LockInfo",
    "LockSettings",
    "Outcome",
    "StalePlanError",
    "Step",
    "StepResult",
    "Writer",
    "account_locks",
    "acquire",
    "campaign_work",
    "check_fresh",
    "execute",
    "force_unlock",
    "make_plan",
    "make_report",
    "read_journal",
    "read_prune_listing",
    "redact",
    "release",
    "replan",
    "report_lines",
    "spec_paths",
    "stale_campaigns",
    "works_from_plan",
]
