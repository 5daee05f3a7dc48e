"""From a saved or fresh :class:`~reconciler.plans.planner.Plan` to the applier's steps.

The plan speaks of campaigns and actions; the executor of ordered API steps. This adapter is
the one place where a replacement is flattened into take-down then create.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.applier.steps import CampaignWork, Step
from reconciler.errors import UserError
from reconciler.plans.types import Action, ActionType, CampaignPlan, Plan


def _flatten(actions: Sequence[Action]) -> list[Action]:
    out: list[Action] = []
    for action in actions:
        if action.type is ActionType.REPLACE:
            out.extend(_flatten(action.steps))
        else:
            out.append(action)
    return out


def campaign_work(entry: CampaignPlan) -> CampaignWork:
    """The ordered steps of one campaign's plan entry (a replacement: take-down, then create)."""
    steps: list[Step] = []
    for action in _flatten(entry.actions):
        kind = action.type
        steps.append(
            Step(
                kind=kind,
                account=entry.account,
                campaign_kind=entry.kind,
                name=entry.name,
                campaign_id=None if kind is ActionType.CREATE else entry.campaign_id,
                body=action.body,
            )
        )
        if kind is not ActionType.CREATE and entry.campaign_id is None:
            raise UserError(
                f"the plan for {entry.account}/{entry.name} has a {action.type.value} without a "
                "campaign id; the plan file is damaged: run fota plan again"
            )
    known = frozenset({entry.campaign_id}) if entry.campaign_id else frozenset()
    return CampaignWork(entry.account, entry.name, tuple(steps), known)


def works_from_plan(plan: Plan) -> list[CampaignWork]:
    """Every campaign that has something to execute, in plan order (refusals excluded)."""
    return [campaign_work(entry) for entry in plan.campaigns if entry.actions]
