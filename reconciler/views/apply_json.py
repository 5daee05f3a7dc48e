"""``fota apply -o json``: what apply did, as one JSON document for scripts.

The same facts as the text report (``views.apply_report``), in the same order; keys in
snake_case like plan.json and every other document fota prints. A refused field is given both
ways: ``field`` as plan.json spells it (so a script can match a refusal with the plan's) and
``spec_field`` as the spec writes it.
"""

from __future__ import annotations

from typing import Any

from reconciler.applier.report import ApplyReport
from reconciler.applier.steps import StepOutcome, StepResult
from reconciler.views.fields import spec_field

APPLY_FORMAT_VERSION = 1
"""``format_version`` of the document; raised only for a change a reader must know of."""


def _step(result: StepResult) -> dict[str, Any]:
    return {
        "kind": result.step.kind.value,
        "outcome": result.outcome.value,
        "detail": result.detail,
        "campaign_id": result.campaign_id or result.step.campaign_id,
        "status": result.status,
        "failed_device_count": result.failed_device_count,
        "failed_devices": [
            {"imei": imei, "reason": reason} for imei, reason in result.failed_devices
        ],
    }


def apply_document(report: ApplyReport) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    counts = report.counts()
    return {
        "format_version": APPLY_FORMAT_VERSION,
        "ok": report.ok,
        "exit_code": report.exit_code,
        "counts": {outcome.value: counts[outcome] for outcome in StepOutcome},
        "campaigns": [
            {
                "account": c.work.account,
                "name": c.work.name,
                "ok": c.ok,
                "steps": [_step(r) for r in c.results],
            }
            for c in report.results
        ],
        "refused": [
            {
                "account": entry.account,
                "name": entry.name,
                "rule": refusal.rule,
                "field": refusal.field,
                "spec_field": spec_field(refusal.field, entry.kind),
                "reason": refusal.reason,
                "instead": refusal.instead,
            }
            for entry in report.refused
            for refusal in entry.refusals
        ],
    }
