"""The pull-request comment view of a plan.

Order of importance decides the layout: the summary table first, then every refusal in plain
sight (a reviewer must not have to expand anything to see that a change will not happen), then
one collapsible ``<details>`` per campaign that changes. GitHub rejects comments over 65,536
characters, so the output stays under ``limit`` (60,000 by default): when campaigns do not fit,
the rest are summarised by count with a note saying so; refusals are shortened last.
"""

from __future__ import annotations

import html

from reconciler.plans.planfile import format_instant
from reconciler.plans.types import CampaignPlan, Outcome, Plan, Refusal
from reconciler.views.plan_parts import (
    DRIFT_MARK,
    SYMBOLS,
    VERBS,
    fmt,
    headline,
    inputs,
    unmanaged_line,
)
from reconciler.views.plan_text import campaign_lines

DEFAULT_LIMIT = 60_000
_NOTE_RESERVE = 600  # room kept for the truncation note and footer


def _esc(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|")


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def _summary(plan: Plan) -> list[str]:
    s = plan.summary
    drifted = sum(1 for c in plan.campaigns if c.drift)
    lines = [
        "### fota plan",
        "",
        f"**Plan: {s.line}.**",
        "",
        "| create | change | cancel | refused | unchanged | finished | drifted |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {s.create} | {s.change} | {s.cancel} | {s.refused} | {s.no_op} | {s.finished} "
        f"| {drifted} |",
        "",
        f"Planned for {_code(format_instant(plan.now))}, specs {_code(plan.specs_digest or 'n/a')}"
        + (f", baseline {_code(plan.baseline_ref)}" if plan.baseline_ref else "")
        + "".join(f", {_esc(item)}" for item in inputs(plan))
        + f", plan format {plan.format_version}.",
        "",
    ]
    unmanaged = unmanaged_line(plan)
    if unmanaged:
        lines += [f"> {_esc(unmanaged)}", ""]
    return lines


def _refusal_item(c: CampaignPlan, r: Refusal) -> str:
    drift = f" {DRIFT_MARK}" if r.drift else ""
    return (
        f"- **{_esc(c.account)}/{_esc(c.name)}** {_code(r.rule)} on {_code(r.field)}: "
        f"live {_code(fmt(r.live))}, desired {_code(fmt(r.desired))}{drift}. "
        f"{_esc(r.reason)} **Instead:** {_esc(r.instead)} ({_code(c.source)})"
    )


def _diff_line(line: str) -> str:
    """Move a leading ``+``/``-`` to column 0 so GitHub colours it in a ``diff`` block."""
    stripped = line.lstrip()
    if stripped[:2] in ("+ ", "- "):
        return stripped[0] + line[1 : len(line) - len(stripped)] + stripped[1:]
    return line


def _details(c: CampaignPlan) -> str:
    symbol = SYMBOLS[c.outcome]
    body = "\n".join(_diff_line(line) for line in campaign_lines(c)[1:]).replace("```", "'''")
    return (
        f"<details><summary><code>{html.escape(symbol)}</code> {VERBS[c.outcome]} "
        f"<b>{html.escape(headline(c))}</b></summary>\n\n```diff\n{body}\n```\n\n</details>\n"
    )


def render_markdown(plan: Plan, *, limit: int = DEFAULT_LIMIT) -> str:
    """The plan as GitHub-flavoured Markdown, never longer than ``limit`` characters."""
    out = "\n".join(_summary(plan)) + "\n"
    refusals = [(c, r) for c in plan.campaigns for r in c.refusals]
    if refusals:
        section = [f"#### Refused ({len(refusals)})", ""]
        shown = 0
        budget = limit // 2  # refusals may take at most half; campaign details get the rest
        size = len(out) + sum(len(line) + 1 for line in section)
        for c, r in refusals:
            item = _refusal_item(c, r)
            if size + len(item) + 1 > budget:
                break
            section.append(item)
            size += len(item) + 1
            shown += 1
        if shown < len(refusals):
            section.append(
                f"- ... and {len(refusals) - shown} more refusal(s) not shown here to keep this "
                "comment under GitHub's size limit; run `fota plan` to see them all."
            )
        out += "\n".join(section) + "\n\n"
    listed = [c for c in plan.campaigns if c.outcome is not Outcome.NO_OP]
    if listed:
        out += "#### Campaigns\n\n"
    left: list[CampaignPlan] = []
    for i, c in enumerate(listed):
        block = _details(c)
        if len(out) + len(block) + _NOTE_RESERVE > limit:
            left = listed[i:]
            break
        out += block
    if left:
        counts: dict[str, int] = {}
        for c in left:
            counts[VERBS[c.outcome]] = counts.get(VERBS[c.outcome], 0) + 1
        parts = ", ".join(f"{n} {verb}" for verb, n in counts.items())
        out += (
            f"\n> **Truncated:** {len(left)} more campaign(s) not shown ({parts}) to keep this "
            "comment under GitHub's size limit. Run `fota plan` (or read the plan.json "
            "artifact) for the full plan.\n"
        )
    return out
