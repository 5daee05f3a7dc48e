"""Paging streams every item exactly once and refuses to loop; the v3/v2 path quirks; device
changes are chunked and merged; the server's clock comes from its Date header."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.model import Kind
from reconciler.thingspace import PagingError, ThingSpaceClient, TransportError
from reconciler.thingspace._paging import walk_pages
from tests.thingspace.fake_thingspace import ACC, CREDS, NOW, FakeThingSpace, error, report_devices


@given(st.lists(st.integers(), max_size=60), st.integers(1, 7))
def test_walk_pages_yields_every_page_in_order(items: list[int], size: int) -> None:
    pages = [items[i : i + size] for i in range(0, len(items), size)] or [[]]

    def fetch(cursor: str | None) -> dict[str, Any]:
        index = 0 if cursor is None else int(cursor)
        return {
            "items": pages[index],
            "hasMoreData": index + 1 < len(pages),
            "cursor": str(index + 1),
        }

    got = [x for page in walk_pages(fetch, cursor_field="cursor", where="t") for x in page["items"]]
    assert got == items


@given(st.integers(1, 5), st.integers(0, 4))
def test_a_server_that_cycles_cursors_is_stopped(cycle: int, offset: int) -> None:
    calls = 0

    def fetch(cursor: str | None) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        assert calls < 50, "walk_pages looped"
        return {"hasMoreData": True, "cursor": str((calls + offset) % cycle)}

    with pytest.raises(PagingError, match="paging is stuck on t"):
        list(walk_pages(fetch, cursor_field="cursor", where="t"))


def test_more_data_without_a_cursor_is_an_error() -> None:
    with pytest.raises(PagingError, match="is missing"):
        list(walk_pages(lambda c: {"hasMoreData": True}, cursor_field="cursor", where="t"))


def test_campaign_listing_pages_by_status_and_last_seen_id(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    for i in range(5):
        fake.add(f"c-{i}", f"n{i}", "CampaignScheduled")
    fake.add("c-x", "other", "CampaignEnded")
    got = [c["id"] for c in client.list_campaigns(ACC, Kind.FIRMWARE, "CampaignScheduled")]
    assert got == [f"c-{i}" for i in range(5)]
    listing = [r for r in fake.requests if r.url.path.endswith("/campaigns") and r.method == "GET"]
    assert [r.url.path for r in listing] == [f"/api/fota/v3/reports/{ACC}/firmware/campaigns"] * 3
    assert [r.url.params.get("lastSeenCampaignId") for r in listing] == [None, "c-1", "c-3"]
    assert {r.url.params["campaignStatus"] for r in listing} == {"CampaignScheduled"}


def test_device_report_streams_2500_devices_in_pages_of_1000(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.add("c-1", "big", "CampaignScheduled")
    fake.devices["c-1"] = {f"35000000000{i:04d}": "UpgradePending" for i in range(2500)}
    stream = report_devices(client, ACC, Kind.FIRMWARE, "c-1")
    assert isinstance(stream, Iterator)
    first = next(stream)
    assert first["deviceId"] == "350000000000000"
    assert fake.count("GET", "/api/fota/v3/reports") == 1  # lazily: one page so far
    rest = list(stream)
    assert len(rest) == 2499 and len({d["deviceId"] for d in rest}) == 2499
    assert fake.count("GET", "/api/fota/v3/reports") == 3


def test_a_repeating_device_cursor_raises_instead_of_looping(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    page = {"hasMoreData": True, "lastSeenDeviceId": "350000000000001", "deviceList": []}
    fake.script("GET", "/api/fota/v3/reports", *[httpx.Response(200, json=page)] * 3)
    with pytest.raises(PagingError, match="a repeat of '350000000000001'"):
        list(report_devices(client, ACC, Kind.FIRMWARE, "c-1"))


def _paths(fake: FakeThingSpace) -> list[str]:
    return [f"{r.method} {r.url.path}" for r in fake.requests if r.url.path.startswith("/api/fota")]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            Kind.FIRMWARE,
            [
                f"POST /api/fota/v3/campaigns/firmware/{ACC}",
                f"GET /api/fota/v3/campaigns/{ACC}/c-1",
                f"PUT /api/fota/v3/campaigns/firmware/{ACC}/c-1/dates",
                f"PUT /api/fota/v3/campaigns/firmware/{ACC}/c-1",
                f"GET /api/fota/v3/reports/{ACC}/campaigns/c-1/devices",
                f"GET /api/fota/v3/reports/{ACC}/firmware/campaigns",
                f"DELETE /api/fota/v3/campaigns/{ACC}/c-1",
            ],
        ),
        (
            Kind.SOFTWARE,
            [
                f"POST /api/fota/v2/campaigns/{ACC}",
                f"GET /api/fota/v2/campaigns/{ACC}/c-1",
                f"PUT /api/fota/v2/campaigns/{ACC}/c-1/dates",
                f"PUT /api/fota/v2/campaigns/{ACC}/c-1",
                f"GET /api/fota/v2/reports/{ACC}/campaigns/c-1/devices",
                f"GET /api/fota/v2/reports/{ACC}/campaigns",
                f"DELETE /api/fota/v2/campaigns/{ACC}/c-1",
            ],
        ),
    ],
)
def test_each_kind_uses_its_own_paths(
    client: ThingSpaceClient, fake: FakeThingSpace, kind: Kind, expected: list[str]
) -> None:
    created = client.create_campaign(ACC, kind, {"campaignName": "n"})
    assert created["id"] == "c-1"
    client.get_campaign(ACC, kind, "c-1")
    client.update_schedule(ACC, kind, "c-1", {"startDate": "2026-05-10"})
    client.change_devices(ACC, kind, "c-1", "append", ["350000000000001"])
    list(report_devices(client, ACC, kind, "c-1"))
    list(client.list_campaigns(ACC, kind, "CampaignScheduled"))
    assert client.delete_campaign(ACC, kind, "c-1") == {"success": True}
    assert _paths(fake) == expected


def test_ids_cannot_change_the_path(client: ThingSpaceClient, fake: FakeThingSpace) -> None:
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the point is the path below
        client.get_campaign(ACC, Kind.FIRMWARE, "../../x?y=1")
    assert (
        fake.requests[-1]
        .url.raw_path.decode()
        .endswith("/campaigns/" + ACC + "/..%2F..%2Fx%3Fy%3D1")
    )


def test_device_changes_are_chunked_and_results_merged(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    imeis = [f"35000000000{i:04d}" for i in range(25)]
    result = client.change_devices(
        ACC, Kind.FIRMWARE, "c-1", "append", reversed(imeis), chunk_size=10
    )
    puts = [r for r in fake.requests if r.method == "PUT"]
    bodies = [json.loads(r.content) for r in puts]
    assert [len(b["deviceList"]) for b in bodies] == [10, 10, 5]
    assert {b["Type"] for b in bodies} == {"append"}
    assert [d["deviceId"] for d in result["deviceList"]] == imeis
    assert result["campaignId"] == "c-1"


def test_v2_device_changes_collect_request_ids(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    answers = [
        httpx.Response(200, json={"campaignId": "c-1", "requestId": f"r{i}"}) for i in (1, 2)
    ]
    fake.script("PUT", f"/api/fota/v2/campaigns/{ACC}/c-1", *answers)
    result = client.change_devices(
        ACC, Kind.SOFTWARE, "c-1", "remove", ["1", "2", "3"], chunk_size=2
    )
    assert result["requestIds"] == ["r1", "r2"]


def test_a_failing_later_chunk_says_how_far_it_got(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    path = f"/api/fota/v3/campaigns/firmware/{ACC}/c-1"
    fake.script("PUT", path, httpx.Response(200, json={"deviceList": []}), error(400, "Bad", "no"))
    with pytest.raises(Exception, match=r"\(after 2 of 3 devices were changed\)"):
        client.change_devices(ACC, Kind.FIRMWARE, "c-1", "append", ["1", "2", "3"], chunk_size=2)


def test_server_now_is_the_date_header_logging_in_if_needed(client: ThingSpaceClient) -> None:
    now = client.server_now()
    assert now == NOW and isinstance(now, datetime) and now.tzinfo is not None
    assert client.logins == 1


def test_server_now_without_any_date_header_is_a_clear_error(fake: FakeThingSpace) -> None:
    fake.send_date = False
    with (
        ThingSpaceClient("http://ts.test", CREDS, transport=httpx.MockTransport(fake)) as c,
        pytest.raises(TransportError, match=r"sends no Date header.*--now"),
    ):
        c.server_now()


def _heap_peak_while_streaming(client: ThingSpaceClient, fake: FakeThingSpace, pages: int) -> int:
    import gc
    import tracemalloc

    cid = f"c-{pages}"
    fake.add(cid, f"n{pages}", "CampaignScheduled")
    fake.devices[cid] = {f"35{i:013d}": "UpgradePending" for i in range(pages * 1000)}
    list(client.iter_campaign_device_pages(ACC, Kind.FIRMWARE, "c-1"))  # warm up the client
    gc.collect()
    gc.disable()  # only reference counting: what is not freed at once would pile up
    try:
        tracemalloc.start()
        seen = sum(1 for _ in report_devices(client, ACC, Kind.FIRMWARE, cid))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        gc.enable()
    assert seen == pages * 1000
    return peak


def test_streaming_memory_does_not_grow_with_the_number_of_pages(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.add("c-1", "warm", "CampaignScheduled")
    small = _heap_peak_while_streaming(client, fake, 2)
    large = _heap_peak_while_streaming(client, fake, 20)
    assert large < small * 1.5, (small, large)


@pytest.mark.parametrize(
    ("read", "path", "page", "why"),
    [
        (
            lambda c: list(c.list_campaigns(ACC, Kind.UPGRADE, "Queued")),
            f"/api/fota/v1/reports/{ACC}/status/Queued/index/",
            {"hasMoreFlag": True, "lastSeenUpgradeId": 7, "reportList": []},
            "hasMoreFlag is true but lastSeenUpgradeId is 7",
        ),
        (
            lambda c: list(c.iter_reported_firmware(ACC)),
            f"/api/fota/v1/devices/{ACC}/index/",
            {"hasMoreData": True, "lastSeenDeviceId": "350000000000001", "deviceList": []},
            "hasMoreData is true but lastSeenDeviceId is 350000000000001",
        ),
    ],
    ids=["v1 listing", "v1 device list"],
)
def test_v1_start_index_paging_that_repeats_an_index_raises_instead_of_looping(
    client: ThingSpaceClient, fake: FakeThingSpace, read: Any, path: str, page: Any, why: str
) -> None:
    fake.script("GET", path, *[httpx.Response(200, json=page)] * 3)
    with pytest.raises(PagingError, match=why):
        read(client)
    starts = [r.url.path.rsplit("/", 1)[1] for r in fake.requests if r.url.path.startswith(path)]
    assert starts[0] == "0" and len(starts) == len(set(starts))  # each index asked once
