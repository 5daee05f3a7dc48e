"""What apply tells the user: one line per action outcome, then a summary line.

The same lines go to the terminal and into the CI log, and tests pin them with golden files, so
they are deterministic: campaigns in plan order, never in the order the threads finished.
"""

from __future__ import annotations

from reconciler.applier.report import ApplyReport
from reconciler.applier.steps import StepOutcome
from reconciler.plans.types import ActionType
from reconciler.views.fields import spec_field

_SYMBOL = {
    ActionType.CREATE: "+",
    ActionType.UPDATE_SCHEDULE: "~",
    ActionType.ADD_DEVICES: "~",
    ActionType.REMOVE_DEVICES: "~",
    ActionType.CANCEL: "-",
    ActionType.ABORT: "-",
}


def report_lines(report: ApplyReport) -> list[str]:
    lines: list[str] = []
    for campaign in report.results:
        for result in campaign.results:
            step = result.step
            if result.outcome is StepOutcome.OK:
                lines.append(f"{_SYMBOL[step.kind]} {campaign.work.label}: {result.detail}")
            else:
                lines.append(
                    f"! {campaign.work.label}: {step.kind.value} {result.outcome.value}: "
                    f"{result.detail}"
                )
    for entry in report.refused:
        for refusal in entry.refusals:
            field = spec_field(refusal.field, entry.kind)
            lines.append(
                f"! {entry.account}/{entry.name}: refused by {refusal.rule} ({field}), "
                f"not executed: {refusal.instead}"
            )
    lines.append(summary_line(report))
    return lines


def summary_line(report: ApplyReport) -> str:
    counts = report.counts()
    parts = [
        f"{counts[StepOutcome.OK]} ok",
        f"{counts[StepOutcome.PARTIAL]} partial",
        f"{counts[StepOutcome.REFUSED]} refused",
        f"{counts[StepOutcome.FAILED]} failed",
        f"{counts[StepOutcome.SKIPPED]} skipped",
    ]
    tail = f"; {len(report.refused)} campaign(s) refused by the plan" if report.refused else ""
    return "apply: " + ", ".join(parts) + tail
