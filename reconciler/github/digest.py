"""A plan.json, read as plain JSON, boiled down to what the action reports.

Reads the documented JSON format (``reconciler/schemas/plan.schema.json``) rather than the
planner's classes so the action keeps working on any plan file it is handed, and degrades to
"unknown" instead of crashing on a field it does not know.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from reconciler.errors import UserError
from reconciler.github.comment import PlanDigest, plan_sha256
from reconciler.github.workflow import SUMMARY_LIMIT
from reconciler.plans.planfile import load_plan
from reconciler.views.plan_markdown import render_markdown

_LEADING_TITLE = re.compile(r"\A#+ fota plan[^\n]*\n+")

COUNTED_OUTCOMES = ("create", "change", "replace", "cancel", "abort")
"""Outcomes that are changes, in the order the status line and the outputs list them."""


def digest_plan(
    plan_json: str,
    markdown: str = "",
    notes: tuple[str, ...] = (),
    *,
    allow_abort: bool = False,
) -> PlanDigest:
    """Counts per outcome, one line per refusal, the aborts, and the plan's SHA-256."""
    try:
        data = json.loads(plan_json)
    except ValueError as exc:
        raise UserError(f"the plan file is not JSON ({exc}); re-run `fota plan --out`") from None
    if not isinstance(data, Mapping):
        raise UserError("the plan file is not a JSON object; re-run `fota plan --out`")
    counts = dict.fromkeys(COUNTED_OUTCOMES, 0)
    refusals: list[str] = []
    has_changes = False
    aborts = 0
    campaigns = data.get("campaigns")
    for campaign in campaigns if isinstance(campaigns, list) else []:
        if not isinstance(campaign, Mapping):
            continue
        outcome = str(campaign.get("outcome", ""))
        if outcome in counts:
            counts[outcome] += 1
        if campaign.get("actions"):
            has_changes = True
        if any(_aborts(action) for action in _list(campaign.get("actions"))):
            aborts += 1
        for refusal in campaign.get("refusals") or ():
            if isinstance(refusal, Mapping):
                refusals.append(refusal_line(campaign, refusal))
    return PlanDigest(
        counts=counts,
        refusals=tuple(refusals),
        has_changes=has_changes,
        markdown=markdown,
        sha256=plan_sha256(data),
        notes=notes,
        aborts=aborts,
        allow_abort=allow_abort,
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _aborts(action: Any) -> bool:
    """An ``abort`` action, or a ``replace`` whose take-down step is one."""
    if not isinstance(action, Mapping):
        return False
    return action.get("type") == "abort" or any(_aborts(s) for s in _list(action.get("steps")))


def refusal_line(campaign: Mapping[str, Any], refusal: Mapping[str, Any]) -> str:
    """``acc/name`` field: **RULE** reason — instead: hint (source)."""
    where = f"`{campaign.get('account', '?')}/{campaign.get('name', '?')}`"
    field = refusal.get("field")
    rule = refusal.get("rule", "?")
    reason = str(refusal.get("reason", "")).strip()
    instead = str(refusal.get("instead", "")).strip()
    source = campaign.get("source")
    text = f"{where} {field}: **{rule}** {reason}" if field else f"{where}: **{rule}** {reason}"
    if instead:
        text += f" — instead: {instead}"
    if source:
        text += f" ({source})"
    return _one_line(text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def full_markdown(plan_json: str, fallback: str) -> str:
    """The whole plan as Markdown for the job summary (1 MiB), not the 60 KB comment cut.

    Falls back to the CLI's Markdown if the file cannot be read back (a newer format).
    """
    try:
        plan = load_plan(plan_json)
    except UserError:
        return fallback
    return render_markdown(plan, limit=SUMMARY_LIMIT - 64 * 1024)


def strip_title(markdown: str) -> str:
    """Drop the renderer's own ``### fota plan`` title: the comment and summary have theirs."""
    return _LEADING_TITLE.sub("", markdown, count=1)
