"""The PR comment: marker, recorded SHA-256, digest of a plan.json, size limit."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import UserError
from reconciler.github.comment import (
    COMMENT_LIMIT,
    PlanDigest,
    check_label,
    extract_plan_sha256,
    plan_marker,
    plan_sha256,
    render_plan_comment,
)
from reconciler.github.digest import digest_plan

PLAN = {
    "format": "fota-plan",
    "format_version": 1,
    "now": "2026-03-02T09:00:00Z",
    "specs_digest": "sha256:abc",
    "campaigns": [
        {"account": "0000000001-00001", "name": "a", "outcome": "create", "actions": [{}]},
        {"account": "0000000001-00001", "name": "b", "outcome": "no-op", "actions": []},
        {
            "account": "0000000001-00001",
            "name": "c",
            "outcome": "refused",
            "source": "campaigns/c.yaml:1:1",
            "actions": [],
            "refusals": [
                {
                    "rule": "R-START-LOCKED",
                    "field": "schedule.start",
                    "reason": "The start date cannot change after the campaign started.",
                    "instead": "keep the start date",
                }
            ],
        },
    ],
}


def test_plan_sha256_ignores_now_and_key_order_but_not_content() -> None:
    base = plan_sha256(json.dumps(PLAN))
    later = dict(PLAN, now="2026-03-05T00:00:00Z")
    reordered = dict(reversed(list(PLAN.items())))
    assert plan_sha256(json.dumps(later, indent=2)) == base
    assert plan_sha256(json.dumps(reordered)) == base
    changed = dict(PLAN, specs_digest="sha256:def")
    assert plan_sha256(json.dumps(changed)) != base


def test_digest_counts_outcomes_and_lists_refusals_with_rule_and_source() -> None:
    digest = digest_plan(json.dumps(PLAN), "MD")
    assert digest.counts["create"] == 1 and digest.counts["change"] == 0
    assert digest.has_changes and digest.refused == 1
    assert "**R-START-LOCKED**" in digest.refusals[0]
    assert "campaigns/c.yaml:1:1" in digest.refusals[0]
    assert digest.status_line().startswith("❌")


def test_digest_of_garbage_is_a_user_error() -> None:
    with pytest.raises(UserError, match="not JSON"):
        digest_plan("{nope")


def test_comment_starts_with_the_marker_and_records_the_sha() -> None:
    digest = digest_plan(json.dumps(PLAN), "| table |")
    body = render_plan_comment(digest, label="prod", commit="0123456789abcdef", run_url=None)
    assert body.split("\n", 1)[0] == "<!-- fota-reconciler:plan:prod -->"
    assert extract_plan_sha256(body) == digest.sha256
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
    digest = PlanDigest(counts={"create": 1}, has_changes=True, markdown=markdown, sha256="0" * 64)
    body = render_plan_comment(digest, label="default", commit="abc", run_url="https://x/run/1")
    assert len(body) <= COMMENT_LIMIT
    assert body.count("<details>") == body.count("</details>")
    assert extract_plan_sha256(body) == "0" * 64
    assert body.rstrip().endswith("</sub>")


def test_aborts_are_counted_alone_and_as_a_replacements_first_step() -> None:
    def campaign(name: str, actions: list[object]) -> dict[str, object]:
        return {"account": "0000000001-00001", "name": name, "outcome": "x", "actions": actions}

    plan = dict(PLAN) | {
        "campaigns": [
            campaign("a", [{"type": "abort", "steps": []}]),
            campaign("b", [{"type": "replace", "steps": [{"type": "abort"}, {"type": "create"}]}]),
            campaign("c", [{"type": "replace", "steps": [{"type": "cancel"}, {"type": "create"}]}]),
            campaign("d", [{"type": "cancel", "steps": []}]),
        ]
    }
    blocked = digest_plan(json.dumps(plan))
    assert (blocked.aborts, blocked.blocked_aborts) == (2, 2)
    assert "aborts need allow-abort" in blocked.status_line()
    allowed = digest_plan(json.dumps(plan), allow_abort=True)
    assert (allowed.aborts, allowed.blocked_aborts) == (2, 0)
    assert "changes to apply on merge" in allowed.status_line()
    assert "⛔" in render_plan_comment(blocked, label="x", commit="")
    assert "⚠️" in render_plan_comment(allowed, label="x", commit="")
    assert "abort" not in render_plan_comment(digest_plan(json.dumps(PLAN)), label="x", commit="")


def test_the_plan_hash_ignores_what_changes_no_decision() -> None:
    """Queued -> Scheduled on its own, or the baseline named by another sha, between the PR's
    plan and the merge must not block the apply; a new fingerprint or action must."""

    def plan(status: str, fingerprint: str = "sha256:aa", ref: str = "b1") -> dict[str, object]:
        change = {"field": "status", "before": status, "after": "CampaignCancelled"}
        entry = {
            "name": "x",
            "outcome": "cancel",
            "live_status": status,
            "fingerprint": fingerprint,
            "actions": [{"type": "cancel", "changes": [change], "body": None, "steps": []}],
        }
        return {"now": "2026-01-01T00:00:00Z", "baseline_ref": ref, "campaigns": [entry]}

    queued = plan_sha256(plan("CampaignRequestQueued"))
    assert queued == plan_sha256(plan("CampaignScheduled", ref="b2"))
    assert queued != plan_sha256(plan("CampaignRequestQueued", fingerprint="sha256:bb"))
    assert plan_sha256(json.dumps(plan("CampaignScheduled"))) == queued
