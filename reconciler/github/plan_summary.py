"""A plan boiled down to what the Action reports: counts, refusals, aborts and the plan's hash.

``PlanSummary`` is what a PR reviewer needs at a glance (the complete plan is in the job
summary); ``plan_sha256`` identifies a plan's decisions, so the apply job on the default branch
can require the very plan the pull request showed (docs/github-action.md, "Why apply
re-plans"). Both read the typed ``Plan`` (``reconciler.plans``), never plan.json text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.github.workflow import SUMMARY_LIMIT
from reconciler.plans.planfile import plan_to_dict
from reconciler.plans.types import Action, ActionType, CampaignPlan, Plan, Refusal
from reconciler.views import render_markdown
from reconciler.views.fields import spec_field

_LEADING_TITLE = re.compile(r"\A#+ fota plan[^\n]*\n+")

COUNTED_OUTCOMES = ("create", "change", "replace", "cancel", "abort")
"""Outcomes that are changes, in the order the status line and the outputs list them."""

VOLATILE_PLAN_KEYS = frozenset({"now", "baseline_ref", "unmanaged"})
"""Top-level plan.json keys left out of the plan SHA-256. ``now`` changes on every run.
``unmanaged`` lists live campaigns no spec describes, for people: nothing is done to them.
``baseline_ref`` names the commit the baseline specs came from, which the PR plan (the PR's
base) and the apply re-plan (the push's ``before``) name differently even when the baseline is
the same; what the baseline changes in the plan (deleted specs taken down, drift labels) is in
``campaigns`` and so still hashed."""


@dataclass(frozen=True)
class PlanSummary:
    """What a PR reviewer needs at a glance; the complete plan is in the job summary."""

    counts: Mapping[str, int]  # outcome -> number, e.g. {"create": 2, "change": 1}
    refusals: Sequence[str] = ()  # one line each, naming the rule
    has_changes: bool = False
    markdown: str = ""  # the plan's Markdown view (summary table + <details>), title stripped
    plan_sha256: str = ""
    notes: Sequence[str] = field(default_factory=tuple)
    aborts: int = 0  # campaigns the plan aborts (alone or as a replacement's first step)
    allow_abort: bool = False  # the action input: may the apply workflow run aborts?

    @property
    def refused(self) -> int:
        return len(self.refusals)

    @property
    def blocked_aborts(self) -> int:
        """Aborts that apply would refuse: the plan would always fail on merge."""
        return 0 if self.allow_abort else self.aborts

    def status_line(self) -> str:
        if self.refusals:
            icon, verdict = "❌", f"{self.refused} change(s) refused: this check fails"
        elif self.blocked_aborts:
            icon, verdict = "❌", "aborts need allow-abort: this check fails"
        elif self.has_changes:
            icon, verdict = "📝", "changes to apply on merge"
        else:
            icon, verdict = "✅", "no changes: live campaigns match git"
        parts = [f"{n} to {kind}" for kind, n in self.counts.items() if n]
        counted = ", ".join(parts) if parts else "nothing to do"
        return f"{icon} **{verdict}** — {counted}, {self.refused} refused"


def summarize_plan(
    plan: Plan,
    markdown: str = "",
    notes: Sequence[str] = (),
    *,
    allow_abort: bool = False,
) -> PlanSummary:
    """Counts per outcome, one line per refusal, the aborts, and the plan's SHA-256."""
    counts = dict.fromkeys(COUNTED_OUTCOMES, 0)
    for campaign in plan.campaigns:
        if campaign.outcome.value in counts:
            counts[campaign.outcome.value] += 1
    return PlanSummary(
        counts=counts,
        refusals=tuple(refusal_line(c, r) for c in plan.campaigns for r in c.refusals),
        has_changes=plan.has_changes,
        markdown=markdown,
        plan_sha256=plan_sha256(plan),
        notes=tuple(notes),
        aborts=sum(1 for c in plan.campaigns if any(_aborts(a) for a in c.actions)),
        allow_abort=allow_abort,
    )


def _aborts(action: Action) -> bool:
    """An ``abort`` action, or a ``replace`` whose take-down step is one."""
    return action.type is ActionType.ABORT or any(_aborts(s) for s in action.steps)


def refusal_line(campaign: CampaignPlan, refusal: Refusal) -> str:
    """``acc/name`` field: **RULE** reason — instead: hint (source)."""
    where = f"`{campaign.account}/{campaign.name}`"
    reason, instead = refusal.reason.strip(), refusal.instead.strip()
    rule = refusal.rule
    name = spec_field(refusal.field, campaign.kind)
    text = (
        f"{where} {name}: **{rule}** {reason}"
        if refusal.field
        else (f"{where}: **{rule}** {reason}")
    )
    if instead:
        text += f" — instead: {instead}"
    if campaign.source:
        text += f" ({campaign.source})"
    return " ".join(text.split())


def plan_sha256(plan: Plan) -> str:
    """SHA-256 of the plan's canonical JSON without what changes no decision.

    Left out: ``VOLATILE_PLAN_KEYS``, each campaign's ``notes`` (sentences for people, some of
    which follow the clock, such as "its end is near"), a rollout wave's ``wave`` report (its
    device counts and gate verdict move as devices upgrade; what the gate decides is in the
    actions and refusals) and the verbatim live status names (see ``_without_status_name``).
    Two plans made at different instants against the same specs and the same live state have
    the same hash; any difference in actions, request bodies, refusals, live fingerprints or
    the specs' digest changes it. The canonical JSON is that of
    plan.json (``plan_to_dict``), so the hash of a plan and of its file read back agree.
    """
    data = {k: v for k, v in plan_to_dict(plan).items() if k not in VOLATILE_PLAN_KEYS}
    data["campaigns"] = [_without_status_name(c) for c in data["campaigns"]]
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _without_status_name(node: Any) -> Any:
    """A campaign entry without the verbatim live status, which is only shown to people.

    A new campaign moves from ``CampaignRequestQueued`` to ``CampaignScheduled`` on its own
    between the PR's plan and the merge; the rules treat both alike and the entry's
    ``fingerprint`` hashes the status as the rules read it (its class, or the terminal status
    itself), so leaving the name out changes no decision but keeps the reviewed plan's hash.
    """
    if isinstance(node, (list, tuple)):
        return [_without_status_name(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    out = {
        key: _without_status_name(value)
        for key, value in node.items()
        if key not in ("live_status", "notes", "wave")
    }
    if out.get("field") == "status":
        out.pop("before", None)
    return out


def comment_markdown(plan: Plan) -> str:
    """The plan's Markdown view as a PR comment shows it (cut to the comment's size), without
    the view's title and status line: the comment has its own (``PlanSummary.status_line``)."""
    return render_markdown(plan, header=False)


def summary_markdown(plan: Plan) -> str:
    """The whole plan as Markdown for the job summary (1 MiB), not the 60 KB comment cut."""
    return render_markdown(plan, limit=SUMMARY_LIMIT - 64 * 1024, header=False)


def strip_title(markdown: str) -> str:
    """Drop the view's own ``### fota plan`` title: the comment and summary have theirs."""
    return _LEADING_TITLE.sub("", markdown, count=1)
