"""The PR comment: marker, recorded SHA-256, summary of a plan, size limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import UserError
from reconciler.github.comment import (
    COMMENT_LIMIT,
    check_label,
    extract_plan_sha256,
    plan_marker,
    render_plan_comment,
)
from reconciler.github.plan_summary import PlanSummary, plan_sha256, summarize_plan
from reconciler.model import CampaignSpec, Kind, Package, Schedule, Source, TimeWindow
from reconciler.plans.planfile import load_plan, render_json
from reconciler.plans.planner import plan as plan_specs
from reconciler.plans.types import (
    Action,
    ActionType,
    CampaignPlan,
    FieldChange,
    Outcome,
    Plan,
    Refusal,
)

ACCOUNT = "0000000001-00001"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _campaign(name: str, outcome: Outcome, *actions: Action, **fields: Any) -> CampaignPlan:
    fields.setdefault("source", f"campaigns/{name}.yaml:1:1")
    return CampaignPlan(ACCOUNT, name, Kind.FIRMWARE, outcome=outcome, actions=actions, **fields)


PLAN = Plan(
    now=NOW,
    specs_digest="sha256:abc",
    campaigns=(
        _campaign("a", Outcome.CREATE, Action(ActionType.CREATE)),
        _campaign("b", Outcome.NO_OP),
        _campaign(
            "c",
            Outcome.REFUSED,
            refusals=(
                Refusal(
                    rule="R-START-LOCKED",
                    field="schedule.start",
                    live="2026-03-01",
                    desired="2026-03-05",
                    reason="The start date cannot change after the campaign started.",
                    instead="keep the start date",
                ),
            ),
        ),
    ),
)


def test_plan_sha256_ignores_now_and_key_order_but_not_content() -> None:
    base = plan_sha256(PLAN)
    later = replace(PLAN, now=datetime(2026, 3, 5, tzinfo=UTC))
    # The file's key order is the writer's; read back, the hash is the same. (Without the
    # create: the plan file requires a complete request body, which this sketch has not.)
    small = replace(PLAN, campaigns=PLAN.campaigns[1:])
    assert plan_sha256(later) == base
    assert plan_sha256(load_plan(render_json(small))) == plan_sha256(small)
    changed = replace(PLAN, specs_digest="sha256:def")
    assert plan_sha256(changed) != base


def test_plan_sha256_ignores_notes_for_people_but_not_decisions() -> None:
    """A note that follows the clock ("its end is near") must not fail the apply of a reviewed
    plan; a different refusal or action must."""
    base = plan_sha256(PLAN)
    first, *rest = PLAN.campaigns
    noted = replace(first, notes=("the end date is 2 days away: extend it before then",))
    assert plan_sha256(replace(PLAN, campaigns=(noted, *rest))) == base
    assert plan_sha256(replace(PLAN, unmanaged=("x",))) == base
    nothing = replace(first, actions=())
    assert plan_sha256(replace(PLAN, campaigns=(nothing, *rest))) != base
    no_op, refused = rest
    other = replace(refused.refusals[0], rule="R-END-MIN-24H")
    changed = replace(refused, refusals=(other,))
    assert plan_sha256(replace(PLAN, campaigns=(first, no_op, changed))) != base


def test_summary_counts_outcomes_and_lists_refusals_with_rule_and_source() -> None:
    summary = summarize_plan(PLAN, "MD")
    assert summary.counts["create"] == 1 and summary.counts["change"] == 0
    assert summary.has_changes and summary.refused == 1
    assert "**R-START-LOCKED**" in summary.refusals[0]
    assert "campaigns/c.yaml:1:1" in summary.refusals[0]
    assert summary.status_line().startswith("❌")


def test_a_garbage_plan_file_is_a_user_error() -> None:
    with pytest.raises(UserError, match="not JSON"):
        load_plan("{nope")  # the one plan.json reader; the summary takes what it returns


def test_comment_starts_with_the_marker_and_records_the_sha() -> None:
    summary = summarize_plan(PLAN, "| table |")
    body = render_plan_comment(summary, label="prod", commit="0123456789abcdef", run_url=None)
    assert body.split("\n", 1)[0] == "<!-- fota-reconciler:plan:prod -->"
    assert extract_plan_sha256(body) == summary.plan_sha256
    assert "`0123456789ab`" in body and "| table |" in body


def test_labels_are_checked() -> None:
    assert plan_marker("") == "<!-- fota-reconciler:plan:default -->"
    assert check_label("eu/staging") == "eu/staging"
    for bad in ("a -->", "x\ny", "-lead", "a" * 65):
        with pytest.raises(UserError, match="comment-label"):
            check_label(bad)


@given(st.integers(0, 3000), st.integers(0, 300))
def test_comment_never_exceeds_githubs_limit_and_keeps_details_balanced(
    blocks: int, width: int
) -> None:
    block = "<details><summary>c</summary>\n\n" + "x" * width + "\n</details>\n"
    markdown = "| summary |\n" + block * blocks
    summary = PlanSummary(
        counts={"create": 1}, has_changes=True, markdown=markdown, plan_sha256="0" * 64
    )
    body = render_plan_comment(summary, label="default", commit="abc", run_url="https://x/run/1")
    assert len(body) <= COMMENT_LIMIT
    assert body.count("<details>") == body.count("</details>")
    assert extract_plan_sha256(body) == "0" * 64
    assert body.rstrip().endswith("</sub>")


def test_aborts_are_counted_alone_and_as_a_replacements_first_step() -> None:
    def campaign(name: str, *actions: Action) -> CampaignPlan:
        return _campaign(name, Outcome.CHANGE, *actions)

    def replace_by(first: ActionType) -> Action:
        return Action(ActionType.REPLACE, steps=(Action(first), Action(ActionType.CREATE)))

    plan = replace(
        PLAN,
        campaigns=(
            campaign("a", Action(ActionType.ABORT)),
            campaign("b", replace_by(ActionType.ABORT)),
            campaign("c", replace_by(ActionType.CANCEL)),
            campaign("d", Action(ActionType.CANCEL)),
        ),
    )
    blocked = summarize_plan(plan)
    assert (blocked.aborts, blocked.blocked_aborts) == (2, 2)
    assert "aborts need allow-abort" in blocked.status_line()
    allowed = summarize_plan(plan, allow_abort=True)
    assert (allowed.aborts, allowed.blocked_aborts) == (2, 0)
    assert "changes to apply on merge" in allowed.status_line()
    assert "⛔" in render_plan_comment(blocked, label="x", commit="")
    assert "⚠️" in render_plan_comment(allowed, label="x", commit="")
    assert "abort" not in render_plan_comment(summarize_plan(PLAN), label="x", commit="")


def test_the_plan_hash_ignores_what_changes_no_decision() -> None:
    """Queued -> Scheduled on its own, or the baseline named by another sha, between the PR's
    plan and the merge must not block the apply; a new fingerprint or action must."""

    def plan(status: str, fingerprint: str = "sha256:" + "a" * 64, ref: str = "b1") -> Plan:
        change = FieldChange("status", status, "CampaignCancelled")
        entry = _campaign(
            "x",
            Outcome.CANCEL,
            Action(ActionType.CANCEL, (change,)),
            campaign_id="c-1",
            live_status=status,
            fingerprint=fingerprint,
        )
        return Plan(now=NOW, specs_digest="", campaigns=(entry,), baseline_ref=ref)

    queued = plan_sha256(plan("CampaignRequestQueued"))
    assert queued == plan_sha256(plan("CampaignScheduled", ref="b2"))
    assert queued != plan_sha256(plan("CampaignRequestQueued", fingerprint="sha256:" + "b" * 64))
    assert plan_sha256(load_plan(render_json(plan("CampaignScheduled")))) == queued


def test_a_planned_plan_hashes_the_same_in_memory_and_read_back_from_its_file() -> None:
    """The apply job compares an in-memory plan's hash with one recorded from an earlier run;
    the hash must not depend on whether the plan came from the planner or from plan.json."""
    spec = CampaignSpec(
        account="0000123456-00001",
        name="wave",
        kind=Kind.FIRMWARE,
        package=Package("FW_A_B", "A", "B", "LWM2M"),
        schedule=Schedule(date(2026, 3, 10), date(2026, 3, 20), windows=(TimeWindow(18, 22),)),
        devices=frozenset({"354658090353977", "354658090353985"}),
        source=Source("campaigns/wave.yaml", 1, 1),
    )
    planned = plan_specs([spec], {spec.key: None}, NOW, specs_digest="sha256:x")
    assert planned.has_changes
    assert plan_sha256(load_plan(render_json(planned))) == plan_sha256(planned)
