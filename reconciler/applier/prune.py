"""``--prune ACCOUNT:PREFIX``: take down live campaigns under a name prefix that no spec describes.

Why a prefix and never "everything": an account is shared with people and tools that do not
use git; only campaigns whose names the team reserved (``fw-rollout-``...) are the reconciler's
to remove. A campaign outside the prefix is never even considered.

Interim home: planning these take-downs belongs with the planner; until the planner takes a
prune argument (and records it in plan.json, so a saved plan can be re-checked), ``fota apply
PATH --prune`` plans them here, from the planner's own rules and fingerprint, right before
executing them under the account lock. ``fota apply plan.json`` cannot carry them yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reconciler import rules
from reconciler.errors import UserError
from reconciler.model import CampaignSpec, Kind, LiveCampaign
from reconciler.planner import (
    Action,
    ActionType,
    CampaignPlan,
    FieldChange,
    Outcome,
    Refusal,
    fingerprint,
)

_ACCOUNT = re.compile(r"^\d{10}-\d{5}$")


@dataclass(frozen=True)
class PruneRule:
    account: str
    prefix: str

    def __str__(self) -> str:
        return f"{self.account}:{self.prefix}"


def parse_prune(text: str) -> PruneRule:
    """``ACCOUNT:PREFIX`` -> :class:`PruneRule`, or a ``UserError`` saying what is wrong."""
    account, sep, prefix = text.partition(":")
    if not sep or not _ACCOUNT.match(account):
        raise UserError(
            f"--prune {text!r}: expected ACCOUNT:PREFIX with an account like "
            "0402196254-00001, e.g. --prune 0402196254-00001:fw-rollout-"
        )
    if not prefix.strip():
        raise UserError(
            f"--prune {text!r}: the name prefix is empty, which would take down every campaign "
            "of the account; give the prefix your specs' campaign names share"
        )
    return PruneRule(account, prefix)


def candidates(
    rules_: Sequence[PruneRule],
    specs: Iterable[CampaignSpec],
    list_campaigns: Callable[[str, Kind], list[LiveCampaign]],
) -> list[LiveCampaign]:
    """Live, non-terminal campaigns under a prefix that no spec describes (by name or id)."""
    specs = list(specs)
    described = {s.key for s in specs}
    pinned = {s.campaign_id for s in specs if s.campaign_id}
    found: dict[str, LiveCampaign] = {}
    for account in sorted({r.account for r in rules_}):
        prefixes = tuple(r.prefix for r in rules_ if r.account == account)
        for kind in Kind:
            for live in list_campaigns(account, kind):
                if (
                    live.name.startswith(prefixes)
                    and not live.terminal
                    and (live.account or account, live.name) not in described
                    and live.id not in pinned
                ):
                    found[live.id] = live
    return sorted(found.values(), key=lambda c: (c.account, c.name, c.id))


def prune_entry(live: LiveCampaign, rule: PruneRule, now: datetime) -> CampaignPlan:
    """The plan entry taking ``live`` down: cancel before its start, abort after (the applier
    refuses the abort unless ``--allow-abort``), or a refusal naming the rule."""
    note = f"no spec describes it and its name is under --prune {rule}"
    base: dict[str, Any] = {
        "account": live.account or rule.account,
        "name": live.name,
        "kind": live.kind,
        "source": f"--prune {rule}",
        "campaign_id": live.id,
        "live_status": live.status,
        "phase": rules.phase(live, now),
        "fingerprint": fingerprint(live, now),
        "notes": (note,),
    }
    step = rules.removal_step(live, True, now)
    if isinstance(step, rules.Violation):
        refusal = Refusal(
            rule=step.rule.id,
            field="status",
            live=live.status,
            desired="taken down",
            reason=step.rule.sentence,
            instead=step.instead,
        )
        return CampaignPlan(outcome=Outcome.REFUSED, refusals=(refusal,), **base)
    if step == "cancel":
        action = Action(
            ActionType.CANCEL, (FieldChange("status", live.status, "CampaignCancelled"),)
        )
        return CampaignPlan(outcome=Outcome.CANCEL, actions=(action,), **base)
    action = Action(ActionType.ABORT, (FieldChange("status", live.status, "CampaignAborted"),))
    return CampaignPlan(outcome=Outcome.ABORT, actions=(action,), **base)


def rule_for(live: LiveCampaign, rules_: Sequence[PruneRule]) -> PruneRule:
    for rule in rules_:
        if rule.account == live.account and live.name.startswith(rule.prefix):
            return rule
    return rules_[0]
