"""One pool of requests for a plan's reading: --concurrency bounds the requests in flight
overall, a campaign's GET runs beside its device report, and a campaign named in a listing is
read before the listing of its group has finished (identity is still decided on all of it)."""

from __future__ import annotations

import threading

import httpx

from reconciler.lifecycle.statuses import LISTING_ORDER
from reconciler.thingspace import RetryPolicy, ThingSpaceClient, read_live
from reconciler.thingspace.ahead import ReadAhead
from tests.thingspace.fake_thingspace import ACC, CREDS, FakeThingSpace, spec

SAFETY = 10.0  # seconds; only reached when the behaviour under test is missing


def _client(transport: httpx.BaseTransport, concurrency: int) -> ThingSpaceClient:
    retry = RetryPolicy(max_attempts=2, base=0.0, cap=0.0, jitter=0.0, sleep=lambda _: None)
    return ThingSpaceClient(
        "http://ts.test", CREDS, transport=transport, retry=retry, concurrency=concurrency
    )


def test_concurrency_bounds_every_request_in_flight(fake: FakeThingSpace) -> None:
    fake.page_size = 2
    for i in range(12):
        fake.add(f"c-{i}", f"n{i}", "CampaignScheduled")
        fake.devices[f"c-{i}"] = {f"35000000000{i:02d}{d:02d}": "UpgradePending" for d in range(5)}
    lock = threading.Lock()
    active = peak = 0
    full = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            if active == 3:
                full.set()
        if "/reports/" in request.url.path and request.url.path.endswith("/devices"):
            full.wait(timeout=SAFETY)  # hold report pages until the gate is full
        try:
            return fake(request)
        finally:
            with lock:
                active -= 1

    with _client(httpx.MockTransport(handler), concurrency=3) as client:
        state = read_live(client, [spec(f"n{i}") for i in range(12)])
    assert all(len(m.devices) == 5 for m in state.matches.values() if m is not None)
    assert peak == 3


def test_a_campaigns_get_runs_beside_its_device_report(fake: FakeThingSpace) -> None:
    fake.add("c-1", "spring", "CampaignScheduled")
    fake.devices["c-1"] = {"350000000000001": "UpgradePending"}
    arrived = {"get": threading.Event(), "report": threading.Event()}
    overlapped: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/campaigns/" + ACC + "/c-1"):
            arrived["get"].set()
            overlapped.append(arrived["report"].wait(timeout=SAFETY))
        elif path.endswith("/c-1/devices"):
            arrived["report"].set()
            overlapped.append(arrived["get"].wait(timeout=SAFETY))
        return fake(request)

    with _client(httpx.MockTransport(handler), concurrency=4) as client:
        live = read_live(client, [spec("spring")]).matches[(ACC, "spring")]
    assert live is not None and dict(live.devices) == {"350000000000001": "UpgradePending"}
    assert overlapped == [True, True]


def test_a_listed_campaign_is_read_while_later_statuses_are_listed(fake: FakeThingSpace) -> None:
    fake.add("c-1", "spring", "CampaignRequestPending")
    got = threading.Event()
    early: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/c-1"):
            got.set()
        last = request.url.params.get("campaignStatus") == LISTING_ORDER[-1]
        if path.endswith("/firmware/campaigns") and last:
            early.append(got.wait(timeout=SAFETY))
        return fake(request)

    with _client(httpx.MockTransport(handler), concurrency=4) as client:
        live = read_live(client, [spec("spring")]).matches[(ACC, "spring")]
    assert live is not None and live.id == "c-1"
    assert early == [True]
    assert fake.count("GET", f"/api/fota/v3/campaigns/{ACC}/c-1") == 1


def test_read_ahead_reads_a_wanted_spec_before_planning_asks(fake: FakeThingSpace) -> None:
    """A spec handed over while the others still load starts its listing and its campaign's
    read; a campaign no spec names is never read; read_live then reads nothing twice."""
    fake.add("c-1", "spring", "CampaignScheduled")
    fake.add("c-2", "summer", "CampaignScheduled")
    got = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/c-1/devices"):
            got.set()
        return fake(request)

    with (
        _client(httpx.MockTransport(handler), concurrency=4) as client,
        ReadAhead(client) as ahead,
    ):
        ahead.want(spec("spring"))
        assert got.wait(timeout=SAFETY)  # read before read_live was called
        state = read_live(client, [spec("spring")], listings=ahead.listings, loads=ahead.loads)
    assert state.matches[(ACC, "spring")] is not None
    assert fake.count("GET", f"/api/fota/v3/campaigns/{ACC}/c-1") == 1
    assert fake.count("GET", f"/api/fota/v3/campaigns/{ACC}/c-2") == 0
    assert fake.count("GET", f"/api/fota/v3/reports/{ACC}/firmware/campaigns") == len(LISTING_ORDER)
