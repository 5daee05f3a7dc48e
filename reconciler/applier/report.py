"""What apply did: every step's result, in plan order, and the campaigns the plan refused.

Rendered by :mod:`reconciler.views.apply_report`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.applier.steps import CampaignResult, StepOutcome
from reconciler.plans.types import CampaignPlan


@dataclass(frozen=True)
class ApplyReport:
    """Everything apply did (``results``) and everything the plan held back (``refused``)."""

    results: tuple[CampaignResult, ...]
    refused: tuple[CampaignPlan, ...]

    def counts(self) -> Counter[StepOutcome]:
        return Counter(r.outcome for c in self.results for r in c.results)

    @property
    def ok(self) -> bool:
        return not self.refused and all(c.ok for c in self.results)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def make_report(
    results: Sequence[CampaignResult], campaigns: Sequence[CampaignPlan]
) -> ApplyReport:
    refused = tuple(c for c in campaigns if c.refusals)
    return ApplyReport(tuple(results), refused)
