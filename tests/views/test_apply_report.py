"""apply's output lines, pinned by a golden file (regenerate with UPDATE_GOLDEN=1)."""

from __future__ import annotations

from pathlib import Path

from reconciler.applier import CampaignResult, CampaignWork, Step, StepOutcome, StepResult
from reconciler.applier.report import make_report
from reconciler.model import Kind
from reconciler.plans.types import ActionType, CampaignPlan, Refusal
from reconciler.plans.types import Outcome as PlanOutcome
from reconciler.views.apply_report import report_lines
from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "apply_report.txt"
ACC = "0402196254-00001"


def step(
    kind: ActionType, name: str, cid: str | None = "c-1", body: dict[str, object] | None = None
) -> Step:
    return Step(kind, ACC, Kind.FIRMWARE, name, cid, body)


def scenario() -> list[str]:
    devices = {"Type": "append", "deviceList": ["354658090353977", "354658090353985"]}
    results = [
        CampaignResult(
            CampaignWork(ACC, "new", (step(ActionType.CREATE, "new", None),)),
            (
                StepResult(
                    step(ActionType.CREATE, "new", None),
                    StepOutcome.OK,
                    "created: id c-9 (CampaignRequestPending)",
                    "c-9",
                ),
            ),
        ),
        CampaignResult(
            CampaignWork(ACC, "changed", (step(ActionType.UPDATE_SCHEDULE, "changed"),)),
            (
                StepResult(
                    step(ActionType.UPDATE_SCHEDULE, "changed"),
                    StepOutcome.OK,
                    "schedule updated (CampaignScheduled)",
                ),
                StepResult(
                    step(ActionType.ADD_DEVICES, "changed", body=devices),
                    StepOutcome.PARTIAL,
                    "1 added, 1 failed: 354658090353985 (Device is already in the campaign); "
                    "the failed ones are planned again next time",
                    failed_devices=(("354658090353985", "Device is already in the campaign"),),
                    failed_device_count=1,
                ),
            ),
        ),
        CampaignResult(
            CampaignWork(ACC, "replaced", ()),
            (
                StepResult(
                    step(ActionType.ABORT, "replaced"),
                    StepOutcome.REFUSED,
                    "abort needs --allow-abort: the campaign has started and some devices may "
                    "already be upgrading; not executed",
                ),
                StepResult(
                    step(ActionType.CREATE, "replaced", None),
                    StepOutcome.SKIPPED,
                    "not attempted: the abort before it did not succeed",
                ),
            ),
        ),
        CampaignResult(
            CampaignWork(ACC, "gone", ()),
            (
                StepResult(
                    step(ActionType.CANCEL, "gone"), StepOutcome.OK, "cancelled (CampaignCancelled)"
                ),
            ),
        ),
    ]
    refused = CampaignPlan(
        account=ACC,
        name="late",
        kind=Kind.FIRMWARE,
        source="specs/late.yaml:1:1",
        outcome=PlanOutcome.REFUSED,
        refusals=(
            Refusal(
                "R-WINDOW-REMOVE",
                "schedule.windows",
                "18-22h",
                "",
                "windows may not be removed after the start",
                "keep the window",
            ),
        ),
    )
    report = make_report(results, [refused])
    assert report.exit_code == 1
    return report_lines(report)


def test_report_lines_match_the_golden_file() -> None:
    assert_golden(GOLDEN, "\n".join(scenario()) + "\n")


def test_a_clean_run_exits_zero() -> None:
    ok = CampaignResult(
        CampaignWork(ACC, "x", ()),
        (
            StepResult(
                step(ActionType.CANCEL, "x"), StepOutcome.OK, "cancelled (CampaignCancelled)"
            ),
        ),
    )
    report = make_report([ok], [])
    assert report.ok and report.exit_code == 0
    assert report_lines(report)[-1] == "apply: 1 ok, 0 partial, 0 refused, 0 failed, 0 skipped"
