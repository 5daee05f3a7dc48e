"""The emulator's bulk member merge and per-(account, kind) listing index agree with the
plain definitions they replace: the sorted current members, and "every campaign of this
account and kind created after lastSeenCampaignId, oldest first"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.sim.clock import SimClock
from reconciler.sim.fleet import Fleet
from reconciler.sim.store import FIRMWARE, SOFTWARE, Campaign, State
from reconciler.sim.testing import bare_campaign

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IMEIS = [f"35000000000{n:04d}" for n in range(12)]


def _state() -> State:
    return State(
        clock=SimClock(NOW, frozen=True), fleet=Fleet.generate(0, 0), seed=0, failure_rate=0.0
    )


# Each step: add or remove one IMEI, optionally reading the order afterwards (a read merges
# what is buffered, so reads in between exercise every buffered/merged combination).
steps_st = st.lists(st.tuples(st.booleans(), st.sampled_from(IMEIS), st.booleans()), max_size=60)


@settings(max_examples=300, deadline=None)
@given(steps=steps_st)
def test_member_order_is_always_the_sorted_current_members(
    steps: list[tuple[bool, str, bool]],
) -> None:
    campaign = bare_campaign(1)
    current: set[str] = set()
    for tick, (add, imei, read) in enumerate(steps):
        now = NOW + timedelta(minutes=tick)
        if add and imei not in current:
            campaign.add_member(imei, now)
            current.add(imei)
        elif not add and imei in current:
            campaign.remove_member(imei, now)
            current.discard(imei)
        if read:
            assert campaign.imeis == sorted(current)
        assert campaign.is_member(imei) == (imei in current)
    assert campaign.imeis == sorted(current)
    reloaded = Campaign.from_json(campaign.to_json())
    assert reloaded.imeis == sorted(current)


def test_a_chunk_appended_before_and_after_existing_members_merges_in_order() -> None:
    campaign = bare_campaign(1)
    for imei in IMEIS[4:8]:
        campaign.add_member(imei, NOW)
    assert campaign.imeis == IMEIS[4:8]
    for imei in [IMEIS[11], IMEIS[0], IMEIS[9], IMEIS[2]]:
        campaign.add_member(imei, NOW)
    campaign.remove_member(IMEIS[5], NOW)
    assert campaign.imeis == [IMEIS[i] for i in (0, 2, 4, 6, 7, 9, 11)]


@settings(max_examples=200, deadline=None)
@given(
    owners=st.lists(
        st.tuples(st.sampled_from("AB"), st.sampled_from((FIRMWARE, SOFTWARE))), max_size=30
    ),
    after=st.integers(0, 31),
    shuffled=st.randoms(use_true_random=False),
)
def test_campaigns_after_matches_a_scan_in_creation_order(
    owners: list[tuple[str, str]], after: int, shuffled: object
) -> None:
    campaigns = [bare_campaign(seq, acc, kind) for seq, (acc, kind) in enumerate(owners, start=1)]
    in_order = _state()
    for c in campaigns:
        in_order.add_campaign(c)
    # a hand-edited state file may list campaigns out of creation order
    loaded = _state()
    mixed = list(campaigns)
    shuffled.shuffle(mixed)  # type: ignore[attr-defined]
    for c in mixed:
        loaded.add_campaign(c)
    for acc in "AB":
        for kind in (FIRMWARE, SOFTWARE):
            expected = [c.id for c in campaigns if (c.account, c.kind) == (acc, kind)]
            expected = [cid for cid in expected if int(cid[1:]) > after]
            assert [c.id for c in in_order.campaigns_after(acc, kind, after)] == expected
            assert [c.id for c in loaded.campaigns_after(acc, kind, after)] == expected
