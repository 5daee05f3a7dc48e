"""The terminal view of a plan: terraform-like symbols, colour only when asked (a TTY).

Unchanged campaigns are counted, not listed, so a plan over thousands of campaigns shows what
will happen and what is refused; finished campaigns are listed because a spec that matches a
finished campaign is almost always a surprise worth reading.
"""

from __future__ import annotations

from reconciler.model import Kind
from reconciler.plans.planfile import format_instant
from reconciler.plans.types import Action, CampaignPlan, Outcome, Plan
from reconciler.views import rollout
from reconciler.views.plan_parts import (
    SYMBOLS,
    VERBS,
    action_title,
    change_line,
    headline,
    inputs,
    refusal_lines,
    unmanaged_line,
)

_COLOURS = {"+": "32", "~": "33", "-": "31", "-/+": "35", "!": "1;31", "=": "2"}


def _paint(text: str, symbol: str, colour: bool) -> str:
    if not colour:
        return text
    return f"\x1b[{_COLOURS.get(symbol, '0')}m{text}\x1b[0m"


def _action_lines(action: Action, indent: str, colour: bool, kind: Kind) -> list[str]:
    lines = [f"{indent}{action_title(action, kind)}"]
    for change in action.changes:
        sign, text = change_line(action, change, kind)
        lines.append(_paint(f"{indent}  {sign} {text}", sign, colour))
    for step in action.steps:
        lines.extend(_action_lines(step, indent + "  ", colour, kind))
    return lines


def campaign_lines(c: CampaignPlan, colour: bool = False) -> list[str]:
    symbol = SYMBOLS[c.outcome]
    lines = [_paint(f"{symbol} {VERBS[c.outcome]} {headline(c)}", symbol, colour)]
    lines.append(f"    spec: {c.source}")
    for action in c.actions:
        lines.extend(_action_lines(action, "    ", colour, c.kind))
    for refusal in c.refusals:
        first, *rest = refusal_lines(refusal, c.kind)
        lines.append(_paint(f"    ! {first}", "!", colour))
        lines.extend(f"      {line}" for line in rest)
    lines.extend(_paint(f"    note: {note}", "=", colour) for note in c.notes)
    return lines


def render_text(plan: Plan, *, colour: bool = False) -> str:
    """The whole plan as text, ending with the summary line."""
    out = [
        f"Plan for {format_instant(plan.now)} (specs {plan.specs_digest or 'n/a'}"
        + (f", baseline {plan.baseline_ref}" if plan.baseline_ref else "")
        + "".join(f", {item}" for item in inputs(plan))
        + f", plan format {plan.format_version})",
        "",
    ]
    out.extend(rollout.text_lines(plan))
    for c in plan.campaigns:
        if c.outcome is Outcome.NO_OP and (
            not c.notes or (c.wave is not None and c.campaign_id is None)
        ):
            continue  # a wave not created yet is explained in its rollout's section
        out.extend(campaign_lines(c, colour))
        out.append("")
    s = plan.summary
    if s.no_op or s.finished:
        out.append(f"{s.no_op} unchanged, {s.finished} finished.")
    if plan.campaigns and any(c.drift for c in plan.campaigns):
        drifted = sum(1 for c in plan.campaigns if c.drift)
        out.append(f"{drifted} campaign(s) drifted: their live state was changed outside git.")
    unmanaged = unmanaged_line(plan)
    if unmanaged:
        out.append(unmanaged)
    out.append(f"Plan: {s.line}.")
    return "\n".join(out) + "\n"
