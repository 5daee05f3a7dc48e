"""Identity while campaigns move: a campaign that advances (Pending -> Queued -> Scheduled)
while its account is being listed is still found, so the planner never creates a second one.

The listing is one query per status; the statuses of one (account, kind) are queried one after
another in lifecycle order, so a campaign leaving an already-queried status enters one that is
still to be queried."""

from __future__ import annotations

import threading
from dataclasses import replace

import httpx
import pytest

from reconciler.lifecycle.statuses import CAMPAIGN_STATUSES, LISTING_ORDER
from reconciler.model import Kind
from reconciler.thingspace import RetryPolicy, ThingSpaceClient, find_campaigns, read_live
from tests.thingspace.fake_thingspace import ACC, CREDS, FakeThingSpace, spec

FORWARD = {
    "CampaignRequestPending": "CampaignRequestQueued",
    "CampaignRequestQueued": "CampaignScheduled",
    "CampaignScheduled": "CampaignEnded",
}


class MovingServer:
    """Wraps the fake: after the ``move_after``-th listing request of the firmware listing
    (and after each one from then on, up to ``moves`` times) the campaign advances one status.
    Records the order of listing queries and how many ran at once."""

    def __init__(self, fake: FakeThingSpace, cid: str, move_after: int, moves: int) -> None:
        self.fake, self.cid, self.move_after, self.moves = fake, cid, move_after, moves
        self.listed: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        listing = request.url.path.endswith("/firmware/campaigns")
        if listing:
            with self._lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
        response = self.fake(request)
        if listing:
            with self._lock:
                self.in_flight -= 1
                if "lastSeenCampaignId" not in request.url.params:
                    self.listed.append(request.url.params["campaignStatus"])
                n = len(self.listed)
                if self.move_after <= n < self.move_after + self.moves:
                    body = self.fake.campaigns[self.cid]
                    body["status"] = FORWARD.get(body["status"], body["status"])
        return response


def _client(transport: httpx.BaseTransport) -> ThingSpaceClient:
    retry = RetryPolicy(max_attempts=2, base=0.0, cap=0.0, jitter=0.0, sleep=lambda _: None)
    return ThingSpaceClient(
        "http://ts.test", CREDS, transport=transport, retry=retry, concurrency=8
    )


def test_lifecycle_order_covers_every_listed_status() -> None:
    assert sorted(LISTING_ORDER) == sorted(s.name for s in CAMPAIGN_STATUSES if s.listed)
    assert LISTING_ORDER[:3] == (
        "CampaignRequestPending",
        "CampaignRequestQueued",
        "CampaignScheduled",
    )


@pytest.mark.parametrize("moves", [1, 2, 3])
@pytest.mark.parametrize("move_after", range(1, len(LISTING_ORDER) + 1))
def test_a_campaign_moving_forward_during_the_listing_is_found(
    fake: FakeThingSpace, move_after: int, moves: int
) -> None:
    fake.add("c-1", "spring", "CampaignRequestPending")
    server = MovingServer(fake, "c-1", move_after, moves)
    with _client(httpx.MockTransport(server)) as client:
        refs = find_campaigns(client, [spec("spring")])
    ref = refs[(ACC, "spring")]
    assert ref is not None, f"missed after {server.listed}"
    assert ref.id == "c-1"
    # Statuses of one (account, kind) are queried one at a time, in lifecycle order.
    assert server.listed == list(LISTING_ORDER)
    assert server.max_in_flight == 1


def test_accounts_and_kinds_are_still_listed_concurrently(fake: FakeThingSpace) -> None:
    """Two groups: their listings may overlap (each group is sequential on its own)."""
    started = {kind: threading.Event() for kind in Kind}
    overlapped: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "/reports/" in path and path.endswith("/campaigns"):
            kind = Kind.FIRMWARE if "/firmware/" in path else Kind.SOFTWARE
            other = Kind.SOFTWARE if kind is Kind.FIRMWARE else Kind.FIRMWARE
            started[kind].set()
            # Safety timeout only: with concurrent groups the other group starts at once.
            overlapped.append(started[other].wait(timeout=10))
        return fake(request)

    software = replace(spec("beta"), kind=Kind.SOFTWARE)
    with _client(httpx.MockTransport(handler)) as client:
        state = read_live(client, [spec("alpha"), software])
    assert state.matches == {(ACC, "alpha"): None, (ACC, "beta"): None}
    assert overlapped and all(overlapped)
