"""Taking a live campaign down without a spec: its spec was deleted, or ``--prune`` covers it.

The same take-down as a replacement's first step (cancel before start; abort after start only
when allowed), so what the plan says is exactly what apply does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reconciler.lifecycle import rules
from reconciler.lifecycle.rules import Violation
from reconciler.lifecycle.statuses import cancelled_status, is_terminal
from reconciler.model import CampaignSpec, LiveCampaign
from reconciler.plans.fingerprint import planned_against
from reconciler.plans.prune import PruneRule
from reconciler.plans.types import (
    Action,
    ActionType,
    CampaignPlan,
    FieldChange,
    Outcome,
    Refusal,
    entry_for,
)


def takedown_action(live: LiveCampaign, step: str) -> Action:
    if step == "cancel":
        cancelled = cancelled_status(live.kind)
        return Action(ActionType.CANCEL, (FieldChange("status", live.status, cancelled),))
    return Action(ActionType.ABORT, (FieldChange("status", live.status, "CampaignAborted"),))


def plan_deleted(
    old_spec: CampaignSpec, live: LiveCampaign | None, now: datetime
) -> CampaignPlan | None:
    """A spec deleted since the baseline: take its live campaign down, if it may be."""
    if live is None:
        return None
    kw = planned_against(live, now)
    note = "spec deleted since the baseline"
    if is_terminal(live.status):
        return entry_for(old_spec, Outcome.FINISHED, notes=(note,), **kw)
    step = rules.removal_step(live, old_spec.lifecycle.allow_abort, now)
    if isinstance(step, Violation):
        refusal = Refusal(
            rule=step.rule.id,
            field=step.field,
            live=live.status,
            desired="deleted",
            reason=step.rule.sentence,
            instead=step.instead + "; or restore the spec",
        )
        return entry_for(old_spec, Outcome.REFUSED, refusals=(refusal,), notes=(note,), **kw)
    outcome = Outcome.CANCEL if step == "cancel" else Outcome.ABORT
    return entry_for(old_spec, outcome, actions=(takedown_action(live, step),), notes=(note,), **kw)


def plan_pruned(
    live: LiveCampaign, rule: PruneRule, allow_abort: bool, now: datetime
) -> CampaignPlan:
    """A campaign no spec describes, under ``--prune rule``: the same take-down as a deleted
    spec's (cancel before start; abort after start only with ``allow_abort``, which here is
    the command line's ``--allow-abort``), or a refusal naming the rule and the flag."""
    kw: dict[str, Any] = {
        "account": live.account,
        "name": live.name,
        "kind": live.kind,
        "source": f"--prune {rule}",
        "notes": (f"no spec describes it and its name is under --prune {rule}",),
        **planned_against(live, now),
    }
    step = rules.removal_step(live, allow_abort, now)
    if isinstance(step, Violation):
        instead = step.instead
        if step.rule is rules.R_ABORT_OPT_IN:
            instead = (
                f"add --allow-abort to --prune {rule} to abort it (devices may be mid-upgrade), "
                "or leave it to run"
            )
        refusal = Refusal(
            rule=step.rule.id,
            field=step.field,
            live=live.status,
            desired="pruned",
            reason=step.rule.sentence,
            instead=instead,
        )
        return CampaignPlan(outcome=Outcome.REFUSED, refusals=(refusal,), **kw)
    outcome = Outcome.CANCEL if step == "cancel" else Outcome.ABORT
    return CampaignPlan(outcome=outcome, actions=(takedown_action(live, step),), **kw)
