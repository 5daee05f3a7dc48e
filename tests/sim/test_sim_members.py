"""A campaign's members joining in bulk (``Campaign.add_members``, what a create uses) ends in
exactly the state the same devices joining one at a time (``add_member``) reaches, whatever
joined, left and rejoined before, and whether or not the order was read in between."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from reconciler.sim.store import Campaign
from reconciler.sim.testing import bare_campaign

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
IMEIS = [f"35{n:012d}9" for n in range(12)]

step = st.tuples(st.sampled_from(["add", "remove", "read"]), st.sampled_from(IMEIS))


def _replay(history: list[tuple[str, str]]) -> Campaign:
    campaign = bare_campaign(1)
    for k, (op, imei) in enumerate(history):
        at = T0 + timedelta(minutes=k)
        if op == "add":
            campaign.add_member(imei, at)
        elif op == "remove" and campaign.is_member(imei):
            campaign.remove_member(imei, at)
        elif op == "read":
            _ = campaign.imeis
    return campaign


def _state(c: Campaign) -> tuple[object, ...]:
    return (dict(c.members), set(c.changed), list(c.imeis))


@given(st.lists(step, max_size=30), st.lists(st.sampled_from(IMEIS), unique=True, max_size=12))
def test_bulk_join_matches_one_at_a_time(
    history: list[tuple[str, str]], joining: list[str]
) -> None:
    bulk = _replay(history)
    single = copy.deepcopy(bulk)
    at = T0 + timedelta(hours=1)
    bulk.add_members(sorted(joining), at)
    for imei in sorted(joining):
        single.add_member(imei, at)
    assert _state(bulk) == _state(single)
    assert all(bulk.is_member(i) for i in joining)
    assert bulk.imeis == sorted(i for i, m in bulk.members.items() if m.left is None)
