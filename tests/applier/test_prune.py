"""Prune selection: never a campaign outside the prefix, described by a spec, or finished."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from reconciler.applier.prune import PruneRule, candidates, prune_entry
from reconciler.model import TERMINAL_STATUSES, Kind, LiveCampaign, Schedule
from reconciler.planner import ActionType, Outcome
from tests.applier.support import ACCOUNT, FW, spec

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
STATUSES = [
    "CampaignScheduled",
    "CampaignRequestQueued",
    "CampaignRequestPending",
    *TERMINAL_STATUSES,
]
NAMES = ["team-a", "team-b", "team", "teamx", "other", "Team-c", "team-"]


def live(name: str, status: str, start: date, cid: str, account: str = ACCOUNT) -> LiveCampaign:
    return LiveCampaign(
        id=cid,
        account=account,
        name=name,
        kind=Kind.FIRMWARE,
        status=status,
        package=FW,
        schedule=Schedule(start, date(2026, 3, 30)),
        devices={},
    )


campaign = st.builds(
    live,
    st.sampled_from(NAMES),
    st.sampled_from(STATUSES),
    st.sampled_from([date(2026, 3, 1), date(2026, 3, 10)]),
    st.uuids().map(str),
    st.sampled_from([ACCOUNT, "0000000002-00001"]),
)


@given(st.lists(campaign, max_size=12), st.sets(st.sampled_from(NAMES), max_size=3))
def test_only_undescribed_live_campaigns_under_the_prefix(
    lives: list[LiveCampaign], described: set[str]
) -> None:
    rules = [PruneRule(ACCOUNT, "team-")]
    specs = [spec(n) for n in described]

    def listing(account: str, kind: Kind) -> list[LiveCampaign]:
        return [c for c in lives if c.account == account and c.kind is kind]

    chosen = candidates(rules, specs, listing)
    for c in chosen:
        assert c.account == ACCOUNT and c.name.startswith("team-")
        assert c.name not in described and not c.terminal
    expected = {
        c.id
        for c in lives
        if c.account == ACCOUNT
        and c.name.startswith("team-")
        and c.name not in described
        and not c.terminal
    }
    assert {c.id for c in chosen} == expected


def test_cancel_before_start_abort_after_refuse_while_pending() -> None:
    rule = PruneRule(ACCOUNT, "team-")
    before = prune_entry(live("team-a", "CampaignScheduled", date(2026, 3, 10), "1"), rule, NOW)
    after = prune_entry(live("team-b", "CampaignScheduled", date(2026, 3, 1), "2"), rule, NOW)
    pending = prune_entry(
        live("team-c", "CampaignRequestPending", date(2026, 3, 10), "3"), rule, NOW
    )
    assert before.outcome is Outcome.CANCEL and before.actions[0].type is ActionType.CANCEL
    assert after.outcome is Outcome.ABORT and after.actions[0].type is ActionType.ABORT
    assert pending.outcome is Outcome.REFUSED and pending.refusals[0].rule == "R-PENDING"
    assert before.source == f"--prune {ACCOUNT}:team-" and before.fingerprint
