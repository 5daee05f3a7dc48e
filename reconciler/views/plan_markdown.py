"""The pull-request comment view of a plan.

Order of importance decides the layout: one status line with the counts first, then every
refusal in plain sight (a reviewer must not have to expand anything to see that a change will
not happen), then one collapsible ``<details>`` per campaign that changes: its ``<summary>``
says what changes (``end 03-20 -> 03-24, +2 devices``), its body is a ``diff`` block with the
markers at column 0. When and against what the plan was made, and the specs' digest, close it
in small print. GitHub rejects comments over 65,536 characters, so the output stays under
``limit`` (60,000 by default): when campaigns do not fit, the rest are summarised by count with
a note saying so; refusals are shortened last.
"""

from __future__ import annotations

import html

from reconciler.plans.planfile import format_instant
from reconciler.plans.types import CampaignPlan, Outcome, Plan, Refusal
from reconciler.views import rollout
from reconciler.views.change_summary import what_changes
from reconciler.views.fields import spec_field
from reconciler.views.plan_charts import STRIP_LEGEND, gantt, strips
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


def status_line(plan: Plan) -> str:
    """The one status line: what changes, then what stays (only the counts that are not 0)."""
    s = plan.summary
    drifted = sum(1 for c in plan.campaigns if c.drift)
    rest = [
        f"{n} {what}"
        for n, what in ((s.no_op, "unchanged"), (s.finished, "finished"), (drifted, "drifted"))
        if n
    ]
    return f"**Plan: {s.line}**" + (f" · {', '.join(rest)}" if rest else "") + "."


def context_line(plan: Plan) -> str:
    """When and against what the plan was made, and the specs' digest: the footer, for the few
    who check it (a reviewer reads the status line and the changes first)."""
    items = [f"planned for {_code(format_instant(plan.now))}"]
    if plan.baseline_ref:
        items.append(f"baseline {_code(plan.baseline_ref)}")
    items += [_esc(item) for item in inputs(plan)]
    items.append(f"plan format {plan.format_version}")
    items.append(f"specs {_code(plan.specs_digest or 'n/a')}")
    return "<sub>" + " · ".join(items) + "</sub>"


def _header(plan: Plan) -> list[str]:
    return ["### fota plan", "", status_line(plan), ""]


def _unmanaged(plan: Plan) -> list[str]:
    unmanaged = unmanaged_line(plan)
    return [f"> {_esc(unmanaged)}", ""] if unmanaged else []


def _refusal_item(c: CampaignPlan, r: Refusal) -> str:
    drift = f" {DRIFT_MARK}" if r.drift else ""
    return (
        f"- **{_esc(c.account)}/{_esc(c.name)}** {_code(r.rule)} on "
        f"{_code(spec_field(r.field, c.kind))}: "
        f"live {_code(fmt(r.live))}, desired {_code(fmt(r.desired))}{drift}. "
        f"{_esc(r.reason)} **Instead:** {_esc(r.instead)} ({_code(c.source)})"
    )


_MARKERS = {"+": "+", "-": "-", "~": "!", "!": "!"}


def _diff_line(line: str) -> str:
    """A change marker moved to column 0, ``~`` written ``!``, so GitHub's ``diff`` highlighting
    colours additions (``+``), removals (``-``) and changes or refusals (``!``); every other
    line starts with a space, which the highlighting shows as context."""
    stripped = line.lstrip()
    marker = stripped[:2]
    if len(marker) == 2 and marker[1] == " " and marker[0] in _MARKERS:
        return _MARKERS[marker[0]] + line[1 : len(line) - len(stripped)] + stripped[1:]
    return line if line.startswith(" ") else " " + line


def _facts(c: CampaignPlan) -> str:
    """``firmware, id ..., status, phase · spec path:line:col`` (the headline's details)."""
    inner = headline(c)[len(f"{c.account}/{c.name} (") : -1]
    return f"    {inner} · spec {c.source}"


def _details(c: CampaignPlan, year: int, with_strips: bool = True) -> str:
    symbol = SYMBOLS[c.outcome]
    pictures = strips(c) if with_strips else []
    lines = [_facts(c), *pictures, *campaign_lines(c)[2:]]  # [0] headline, [1] spec line
    body = "\n".join(_diff_line(line) for line in lines).replace("```", "'''")
    return (
        f"<details><summary><code>{html.escape(symbol)}</code> "
        f"<b>{html.escape(c.account)}/{html.escape(c.name)}</b>: "
        f"{html.escape(what_changes(c, year))}</summary>\n\n```diff\n{body}\n```\n\n</details>\n"
    )


_LEVELS = ((True, True), (False, True), (False, False))
"""(Gantt chart, 24-hour strips) tried in turn until the plan fits: charts go first, then the
strips, and only then are campaigns' details cut."""


def render_markdown(plan: Plan, *, limit: int = DEFAULT_LIMIT, header: bool = True) -> str:
    """The plan as GitHub-flavoured Markdown, never longer than ``limit`` characters.

    ``header=False`` leaves out the title and the status line, for the Action's comment and
    job summary, which have their own (one status line, not two)."""
    text = ""
    for chart, with_strips in _LEVELS:
        text, complete = _render(plan, limit, header, chart, with_strips)
        if complete:
            break
    return text


def _render(
    plan: Plan, limit: int, header: bool, chart: bool, with_strips: bool
) -> tuple[str, bool]:
    """The Markdown at one level of detail, and whether everything fitted."""
    out = "\n".join((_header(plan) if header else []) + _unmanaged(plan))
    out = out + "\n" if out else ""
    out += _rollouts(plan, limit)
    footer = "\n" + context_line(plan) + "\n"
    complete = True
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
            complete = False
            section.append(
                f"- ... and {len(refusals) - shown} more refusal(s) not shown here to keep this "
                "comment under GitHub's size limit; run `fota plan` to see them all."
            )
        out += "\n".join(section) + "\n\n"
    picture = gantt(plan)
    if picture is not None:
        out += "#### Schedules\n\n"
        out += picture if chart else _no_chart(with_strips)
        out += "\n"
    listed = [c for c in plan.campaigns if c.outcome is not Outcome.NO_OP]
    if listed:
        out += "#### Campaigns\n\n"
        if with_strips and any(strips(c) for c in listed):
            out += f"<sub>{STRIP_LEGEND}</sub>\n\n"
    left: list[CampaignPlan] = []
    for i, c in enumerate(listed):
        block = _details(c, plan.now.year, with_strips)
        if len(out) + len(block) + len(footer) + _NOTE_RESERVE > limit:
            left = listed[i:]
            break
        out += block
    if left:
        complete = False
        counts: dict[str, int] = {}
        for c in left:
            counts[VERBS[c.outcome]] = counts.get(VERBS[c.outcome], 0) + 1
        parts = ", ".join(f"{n} {verb}" for verb, n in counts.items())
        out += (
            f"\n> **Truncated:** {len(left)} more campaign(s) not shown ({parts}) to keep this "
            "comment under GitHub's size limit. Run `fota plan` (or read the plan.json "
            "artifact) for the full plan.\n"
        )
    return out + footer, complete


def _rollouts(plan: Plan, limit: int) -> str:
    """Each rollout's waves as a table; at most a quarter of the comment, cut with a note."""
    waves = rollout.markdown_lines(plan, _esc)
    if not waves:
        return ""
    text = "\n".join(waves) + "\n"
    if len(text) > limit // 4:
        cut = text[: limit // 4].rsplit("\n", 1)[0]
        text = (
            f"{cut}\n\n> **Truncated:** the rollouts do not fit in this comment; run "
            "`fota plan` or `fota status` to see every wave.\n\n"
        )
    return text


def _no_chart(with_strips: bool) -> str:
    what = "The schedule chart is" if with_strips else "The schedule chart and the hour strips are"
    return (
        f"> {what} left out to keep this comment under GitHub's size limit; the job summary "
        "has them.\n"
    )
