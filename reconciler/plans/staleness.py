"""Is a saved plan still the plan that would be made now? (the staleness check)

Why staleness is checked by re-planning: a saved plan is a promise ("exactly these writes,
against exactly that live state"). Re-planning from the re-loaded specs, the live state read
now and the API's clock now, and requiring the same actions and fingerprints, catches every way
the promise can break at once: an out-of-band change (fingerprint), an edited spec (digest), a
rule that depends on time (the end date must stay >= now + 24h; a campaign that started since).
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.errors import UserError
from reconciler.plans.types import Action, CampaignPlan, Plan


class StalePlanError(UserError):
    """The saved plan no longer matches the specs, the live state or the clock."""


def _canonical_action(action: Action) -> Any:
    return {
        "type": action.type.value,
        "body": action.body,
        "steps": [_canonical_action(s) for s in action.steps],
    }


def campaign_signature(entry: CampaignPlan) -> str:
    """What must be identical between the saved and the fresh plan for one campaign."""
    return json.dumps(
        {
            "outcome": entry.outcome.value,
            "campaign_id": entry.campaign_id,
            "fingerprint": entry.fingerprint,
            "actions": [_canonical_action(a) for a in entry.actions],
            "refusals": sorted([r.rule, r.field] for r in entry.refusals),
        },
        sort_keys=True,
        default=str,
    )


def stale_campaigns(saved: Plan, fresh: Plan) -> list[str]:
    """Labels (account/name) of campaigns whose plan differs between ``saved`` and ``fresh``."""
    before = {c.key: campaign_signature(c) for c in saved.campaigns}
    after = {c.key: campaign_signature(c) for c in fresh.campaigns}
    return [
        f"{a}/{n}"
        for a, n in sorted(set(before) | set(after))
        if before.get((a, n)) != after.get((a, n))
    ]


def check_fresh(saved: Plan, fresh: Plan, *, plan_file: str) -> None:
    """Raise :class:`StalePlanError` naming what changed when ``saved`` is no longer valid."""
    problems: list[str] = []
    if saved.specs_digest != fresh.specs_digest:
        problems.append("the specs changed since it was planned")
    changed = stale_campaigns(saved, fresh)
    if changed:
        shown = ", ".join(changed[:10]) + (
            f" and {len(changed) - 10} more" if len(changed) > 10 else ""
        )
        problems.append(
            f"the plan for {shown} is no longer what the live state and the clock allow"
        )
    if problems:
        raise StalePlanError(
            f"{plan_file} is stale: {'; '.join(problems)}; nothing was applied. "
            "Run fota plan again, review it, and apply the new plan"
        )
