"""--prune in the planner: only undescribed, live campaigns under a prefix are ever taken down,
with the same rules as any take-down, and the plan records what it was pruned with."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import UserError
from reconciler.lifecycle.statuses import CAMPAIGN_STATUSES, is_terminal
from reconciler.model import LiveCampaign
from reconciler.plans.planner import plan
from reconciler.plans.prune import Prune, PruneRule, candidates, make_prune, parse_prune
from reconciler.plans.types import ActionType, Outcome
from reconciler.views import load_plan, render_json
from tests.plans.plan_factory import ACC, NOW, STARTED, fw_spec, live_of

OTHER = "0000000002-00001"
STATUSES = [
    "CampaignScheduled",
    "CampaignRequestQueued",
    "CampaignRequestPending",
    "campaignscheduled",
    "SomethingNew",
    *(s.name for s in CAMPAIGN_STATUSES if s.terminal),
]
NAMES = ["team-a", "team-b", "team", "teamx", "other", "Team-c", "team-"]


def listed(name: str, status: str, started: bool, cid: str, account: str) -> LiveCampaign:
    spec = fw_spec(name, schedule=STARTED) if started else fw_spec(name)
    return live_of(spec, status, cid=cid, devices={}, account=account)


campaign = st.builds(
    listed,
    st.sampled_from(NAMES),
    st.sampled_from(STATUSES),
    st.booleans(),
    st.uuids().map(str),
    st.sampled_from([ACC, OTHER]),
)


def under_prefix(c: LiveCampaign) -> bool:
    return c.account == ACC and c.name.startswith("team-")


@given(
    st.lists(campaign, max_size=12, unique_by=lambda c: c.id),
    st.sets(st.sampled_from(NAMES), max_size=3),
    st.booleans(),
)
def test_only_undescribed_live_campaigns_under_the_prefix_are_ever_planned(
    listing: list[LiveCampaign], described: set[str], allow_abort: bool
) -> None:
    prune = Prune((PruneRule(ACC, "team-"),), allow_abort)
    specs = [fw_spec(n) for n in sorted(described)]
    result = plan(
        specs, dict.fromkeys((s.key for s in specs), None), NOW, prune=prune, prune_live=listing
    )
    pruned = [c for c in result.campaigns if c.source.startswith("--prune")]
    expected = {
        c.id
        for c in listing
        if under_prefix(c) and c.name not in described and not is_terminal(c.status)
    }
    assert {c.campaign_id for c in pruned} == expected
    assert {c.campaign_id for c in pruned} == {c.id for c, _ in candidates(prune, specs, listing)}
    for entry in pruned:
        assert entry.account == ACC and entry.name.startswith("team-")
        takes_down = {a.type for a in entry.actions}
        if ActionType.ABORT in takes_down:
            assert allow_abort
        assert takes_down <= {ActionType.CANCEL, ActionType.ABORT}
        assert entry.actions or entry.refusals
    # Campaigns outside the prefix (or account) appear nowhere in the plan.
    outside = {c.id for c in listing if not under_prefix(c)}
    assert not outside & {c.campaign_id for c in result.campaigns}
    assert result.prune_rules == prune.rules and result.prune_allow_abort is allow_abort


def test_cancel_before_start_abort_only_when_allowed_refuse_while_pending() -> None:
    listing = [
        listed("team-a", "CampaignScheduled", False, "1", ACC),
        listed("team-b", "CampaignScheduled", True, "2", ACC),
        listed("team-c", "CampaignRequestPending", False, "3", ACC),
    ]
    rule = PruneRule(ACC, "team-")
    refused = {
        c.name: c for c in plan([], {}, NOW, prune=Prune((rule,)), prune_live=listing).campaigns
    }
    assert refused["team-a"].outcome is Outcome.CANCEL
    assert refused["team-a"].actions[0].type is ActionType.CANCEL
    assert refused["team-b"].outcome is Outcome.REFUSED
    (why,) = refused["team-b"].refusals
    assert why.rule == "R-ABORT-OPT-IN" and "--allow-abort" in why.instead
    assert f"--prune {rule}" in why.instead
    assert refused["team-c"].refusals[0].rule == "R-PENDING"
    assert refused["team-a"].source == f"--prune {ACC}:team-" and refused["team-a"].fingerprint
    allowed = {
        c.name: c
        for c in plan([], {}, NOW, prune=Prune((rule,), True), prune_live=listing).campaigns
    }
    assert allowed["team-b"].outcome is Outcome.ABORT
    assert allowed["team-b"].actions[0].type is ActionType.ABORT


def test_a_pinned_spec_describes_its_campaign_whatever_its_name() -> None:
    listing = [listed("team-renamed", "CampaignScheduled", False, "c-77", ACC)]
    pinned = fw_spec("team-pinned", campaign_id="c-77")
    result = plan(
        [pinned],
        {pinned.key: replace(listing[0], name="team-pinned")},
        NOW,
        prune=Prune((PruneRule(ACC, "team-"),)),
        prune_live=listing,
    )
    assert [c.name for c in result.campaigns] == ["team-pinned"]


def test_a_deleted_spec_under_the_prefix_is_planned_once() -> None:
    gone = fw_spec("team-gone")
    result = plan(
        [],
        {gone.key: live_of(gone)},
        NOW,
        baseline={gone.key: gone},
        prune=Prune((PruneRule(ACC, "team-"),)),
        prune_live=[live_of(gone, devices={})],
    )
    (entry,) = result.campaigns
    assert entry.outcome is Outcome.CANCEL and entry.notes == ("spec deleted since the baseline",)


def test_a_campaign_filter_does_not_make_the_other_specs_campaigns_prunable() -> None:
    keep, other = fw_spec("team-keep"), fw_spec("team-other")
    result = plan(
        [keep, other],
        {keep.key: None},
        NOW,
        campaign_filter=["team-keep"],
        prune=Prune((PruneRule(ACC, "team-"),)),
        prune_live=[live_of(other, devices={})],
    )
    assert [c.name for c in result.campaigns] == ["team-keep"]


def test_prune_rules_and_allow_abort_round_trip_through_plan_json() -> None:
    listing = [listed("team-b", "CampaignScheduled", True, "2", ACC)]
    prune = Prune((PruneRule(ACC, "team-"), PruneRule(OTHER, "x:y")), True)
    made = plan([], {}, NOW, prune=prune, prune_live=listing)
    loaded = load_plan(render_json(made))
    assert loaded == made and loaded.prune == prune


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("team-", "expected ACCOUNT:PREFIX"),
        (f"{ACC}:", "prefix is empty"),
        (f"{ACC}:  ", "prefix is empty"),
        ("12:x", "account like"),
    ],
)
def test_a_prune_rule_names_an_account_and_a_non_empty_prefix(value: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_prune(value)


def test_make_prune_sorts_and_deduplicates() -> None:
    made = make_prune([f"{ACC}:b", f"{ACC}:a", f"{ACC}:b"], allow_abort=False)
    assert made is not None and [r.prefix for r in made.rules] == ["a", "b"]
    assert make_prune([], allow_abort=True) is None
    assert parse_prune(f"{ACC}:fw:x") == PruneRule(ACC, "fw:x")
