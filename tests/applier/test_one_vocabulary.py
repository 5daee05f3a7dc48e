"""The applier executes the planner's own action types (no second enum to keep in step), and a
rule's "instead" text for frozen campaigns has one source."""

from __future__ import annotations

import reconciler.applier as applier
from reconciler.applier.work import campaign_work
from reconciler.lifecycle import rules
from reconciler.model import Kind
from reconciler.plans.types import Action, ActionType, CampaignPlan, FieldChange, Outcome


def test_steps_carry_the_planners_action_type_itself() -> None:
    takedown = Action(ActionType.CANCEL, (FieldChange("status", "CampaignScheduled", "x"),))
    create = Action(ActionType.CREATE, (), {"campaignName": "n"})
    replace = Action(ActionType.REPLACE, (), None, (takedown, create))
    entry = CampaignPlan(
        account="0402196254-00001",
        name="n",
        kind=Kind.FIRMWARE,
        source="n.yaml:1:1",
        outcome=Outcome.REPLACE,
        actions=(replace,),
        campaign_id="c-1",
    )
    work = campaign_work(entry)
    assert [s.kind for s in work.steps] == [ActionType.CANCEL, ActionType.CREATE]
    assert all(type(s.kind) is ActionType for s in work.steps)
    assert not hasattr(applier, "StepKind")


def test_what_to_do_instead_of_a_frozen_campaign_is_the_rule_s_own() -> None:
    assert not hasattr(rules, "frozen_instead")
    assert "new name" in rules.R_FINISHED.instead
