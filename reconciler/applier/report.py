"""What apply tells the user: one line per action outcome, then a summary line.

Why its own module: the same lines go to the terminal and into the CI log, and tests pin them
with golden files, so they must be deterministic (campaigns in plan order, never in the order
the threads happened to finish).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.applier.steps import CampaignResult, Outcome
from reconciler.plans.types import ActionType, CampaignPlan

_SYMBOL = {
    ActionType.CREATE: "+",
    ActionType.UPDATE_SCHEDULE: "~",
    ActionType.ADD_DEVICES: "~",
    ActionType.REMOVE_DEVICES: "~",
    ActionType.CANCEL: "-",
    ActionType.ABORT: "-",
}


@dataclass(frozen=True)
class ApplyReport:
    """Everything apply did (``results``) and everything the plan held back (``refused``)."""

    results: tuple[CampaignResult, ...]
    refused: tuple[CampaignPlan, ...]

    def counts(self) -> Counter[Outcome]:
        return Counter(r.outcome for c in self.results for r in c.results)

    @property
    def ok(self) -> bool:
        return not self.refused and all(c.ok for c in self.results)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def report_lines(report: ApplyReport) -> list[str]:
    lines: list[str] = []
    for campaign in report.results:
        for result in campaign.results:
            step = result.step
            if result.outcome is Outcome.OK:
                lines.append(f"{_SYMBOL[step.kind]} {campaign.work.label}: {result.detail}")
            else:
                lines.append(
                    f"! {campaign.work.label}: {step.kind.value} {result.outcome.value}: "
                    f"{result.detail}"
                )
    for entry in report.refused:
        for refusal in entry.refusals:
            lines.append(
                f"! {entry.account}/{entry.name}: refused by {refusal.rule} ({refusal.field}), "
                f"not executed: {refusal.instead}"
            )
    lines.append(summary_line(report))
    return lines


def summary_line(report: ApplyReport) -> str:
    counts = report.counts()
    parts = [
        f"{counts[Outcome.OK]} ok",
        f"{counts[Outcome.PARTIAL]} partial",
        f"{counts[Outcome.REFUSED]} refused",
        f"{counts[Outcome.FAILED]} failed",
        f"{counts[Outcome.SKIPPED]} skipped",
    ]
    tail = f"; {len(report.refused)} campaign(s) refused by the plan" if report.refused else ""
    return "apply: " + ", ".join(parts) + tail


def make_report(
    results: Sequence[CampaignResult], campaigns: Sequence[CampaignPlan]
) -> ApplyReport:
    refused = tuple(c for c in campaigns if c.refusals)
    return ApplyReport(tuple(results), refused)
