"""The client against the real emulator over loopback HTTP: auth and token expiry on the sim's
clock, every endpoint, lifecycle refusals, paging 2,500 devices, and faults (reads always
complete, writes are never duplicated: counted by the emulator itself)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from reconciler.errors import ProblemsFound
from reconciler.model import CampaignSpec, Kind, Package, Schedule, Source, TimeWindow
from reconciler.sim.faults import FaultRule
from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.sim.fleet import luhn_digit
from reconciler.sim.testing import DEFAULT_NOW, RunningSim, running_sim
from reconciler.thingspace import (
    AmbiguousWriteError,
    ApiError,
    Credentials,
    NotFoundError,
    RetryPolicy,
    ThingSpaceClient,
    list_account_campaigns,
    read_live,
)
from reconciler.thingspace.wire import encode_create, encode_schedule
from tests.thingspace.fake_thingspace import report_devices

FW = ("SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657", "SR1.2.0.0-10512")
FW_TO = "SR1.2.0.0-10657"
START, END = date(2026, 3, 5), date(2026, 3, 20)
POST_V3 = "POST /api/fota/v3/campaigns/firmware/<acc>"
DELETE_V3 = "DELETE /api/fota/v3/campaigns/<acc>/<cid>"


def imeis(count: int, prefix: str = "3599") -> list[str]:
    bodies = [f"{prefix}{i:010d}" for i in range(count)]
    return [b + luhn_digit(b) for b in bodies]


def spec(name: str, devices: list[str], kind: Kind = Kind.FIRMWARE) -> CampaignSpec:
    if kind is Kind.FIRMWARE:
        package = Package(FW[0], FW[1], FW_TO, "LWM2M")
        schedule = Schedule(START, END, windows=(TimeWindow(18, 22),))
    else:
        package = Package("App_2", "1.0", "2.0", "HTTP")
        schedule = Schedule(START, END, download_windows=(TimeWindow(1, 3),))
    return CampaignSpec(
        account=ACC,
        name=name,
        kind=kind,
        package=package,
        schedule=schedule,
        devices=frozenset(devices),
        source=Source("specs/x.yaml", 1),
    )


@pytest.fixture
def sim() -> Iterator[RunningSim]:
    with running_sim() as running:
        yield running


def connect(sim: RunningSim, attempts: int = 5) -> ThingSpaceClient:
    retry = RetryPolicy(max_attempts=attempts, sleep=lambda s: None)
    return ThingSpaceClient(sim.url, Credentials.demo(), retry=retry, timeout=10)


@pytest.fixture
def client(sim: RunningSim) -> Iterator[ThingSpaceClient]:
    with connect(sim) as c:
        yield c


def create(client: ThingSpaceClient, s: CampaignSpec) -> dict[str, Any]:
    return client.create_campaign(s.account, s.kind, encode_create(s))


def test_login_reuse_and_refresh_when_the_sim_clock_passes_expiry(
    sim: RunningSim, client: ThingSpaceClient
) -> None:
    assert client.server_now() == DEFAULT_NOW
    for _ in range(3):
        list(client.list_campaigns(ACC, Kind.FIRMWARE, "CampaignScheduled"))
    assert client.logins == 1
    sim.emulator.advance(timedelta(hours=2))  # the sim's tokens live 1 h
    assert list(client.list_campaigns(ACC, Kind.FIRMWARE, "CampaignScheduled")) == []
    assert client.logins == 2
    assert client.server_now() == DEFAULT_NOW + timedelta(hours=2)
    counts = sim.emulator.request_counts()
    assert counts["POST /api/ts/v1/oauth2/token"] == 2
    assert counts["POST /api/m2m/v1/session/login"] == 2


def test_wrong_password_against_the_sim(sim: RunningSim) -> None:
    bad = Credentials("demo-client", "demo-secret", "demo", "nope")
    with ThingSpaceClient(sim.url, bad) as c, pytest.raises(ApiError) as caught:
        list(c.list_campaigns(ACC, Kind.FIRMWARE, "CampaignScheduled"))
    assert caught.value.error_code == "InvalidCredentials"
    assert "nope" not in caught.value.message


def test_every_firmware_endpoint(client: ThingSpaceClient) -> None:
    devices = imeis(3)
    s = spec("fw-all", devices[:2])
    created = create(client, s)
    cid = str(created["id"])
    assert created["status"] == "CampaignRequestPending"
    got = client.get_campaign(ACC, Kind.FIRMWARE, cid)
    assert got["campaignName"] == "fw-all" and got["autoAddDevicesFlag"] is False
    listed = [c["id"] for c in client.list_campaigns(ACC, Kind.FIRMWARE, got["status"])]
    assert cid in listed
    added = client.change_devices(ACC, Kind.FIRMWARE, cid, "append", devices[2:])
    assert [d["deviceId"] for d in added["deviceList"]] == devices[2:]
    removed = client.change_devices(ACC, Kind.FIRMWARE, cid, "remove", devices[:1])
    assert [d["deviceId"] for d in removed["deviceList"]] == devices[:1]
    report = {d["deviceId"] for d in report_devices(client, ACC, Kind.FIRMWARE, cid)}
    assert report == set(devices[1:])
    new = Schedule(START, END + timedelta(days=3), windows=(TimeWindow(1, 5), TimeWindow(18, 22)))
    changed = client.update_schedule(ACC, Kind.FIRMWARE, cid, encode_schedule(Kind.FIRMWARE, new))
    assert changed["endDate"] == (END + timedelta(days=3)).isoformat()
    assert client.delete_campaign(ACC, Kind.FIRMWARE, cid) == {"success": True}
    assert client.get_campaign(ACC, Kind.FIRMWARE, cid)["status"] == "CampaignCancelled"


def test_every_software_endpoint(client: ThingSpaceClient) -> None:
    devices = imeis(2, "3598")
    s = spec("sw-all", devices[:1], Kind.SOFTWARE)
    cid = str(create(client, s)["id"])
    got = client.get_campaign(ACC, Kind.SOFTWARE, cid)
    assert got["softwareName"] == "App_2"
    assert cid in [c["id"] for c in client.list_campaigns(ACC, Kind.SOFTWARE, got["status"])]
    client.change_devices(ACC, Kind.SOFTWARE, cid, "append", devices[1:])
    assert len(list(report_devices(client, ACC, Kind.SOFTWARE, cid))) == 2
    new = Schedule(START, END, download_windows=(TimeWindow(1, 3), TimeWindow(4, 6)))
    client.update_schedule(ACC, Kind.SOFTWARE, cid, encode_schedule(Kind.SOFTWARE, new))
    assert client.delete_campaign(ACC, Kind.SOFTWARE, cid) == {"success": True}
    with pytest.raises(NotFoundError):
        client.get_campaign(ACC, Kind.SOFTWARE, "no-such-campaign")


def test_lifecycle_refusals_surface_with_their_error_code(
    sim: RunningSim, client: ThingSpaceClient
) -> None:
    s = spec("started", imeis(2))
    cid = str(create(client, s)["id"])
    client.get_campaign(ACC, Kind.FIRMWARE, cid)
    sim.emulator.set_time(DEFAULT_NOW.replace(day=6))  # after the start date
    too_soon = Schedule(START, date(2026, 3, 6), windows=(TimeWindow(18, 22),))
    path = f"/api/fota/v3/campaigns/firmware/{ACC}/{cid}/dates"
    with pytest.raises(ApiError) as caught:
        client.update_schedule(ACC, Kind.FIRMWARE, cid, encode_schedule(Kind.FIRMWARE, too_soon))
    assert caught.value.status == 400
    assert caught.value.error_code == "EndDateTooSoon"
    assert caught.value.message.startswith(f"ThingSpace refused PUT {path}: 400 EndDateTooSoon: ")
    shrink = Schedule(START, END, windows=())
    with pytest.raises(ApiError) as caught:
        client.update_schedule(ACC, Kind.FIRMWARE, cid, encode_schedule(Kind.FIRMWARE, shrink))
    assert caught.value.error_code == "TimeWindowRemovalNotAllowed"


def test_paging_2500_devices_and_read_live(sim: RunningSim, client: ThingSpaceClient) -> None:
    devices = imeis(2500)
    s = spec("big", devices)
    create(client, s)
    pages = list(client.iter_campaign_device_pages(ACC, Kind.FIRMWARE, str(read_id(client, s))))
    assert [len(p["deviceList"]) for p in pages] == [1000, 1000, 500]
    state = read_live(client, [s])
    live = state.matches[s.key]
    assert live is not None and set(live.devices) == set(devices)
    assert state.now == DEFAULT_NOW


def read_id(client: ThingSpaceClient, s: CampaignSpec) -> str:
    live = read_live(client, [s]).matches[s.key]
    assert live is not None
    return live.id


def test_reads_complete_under_a_30_percent_fault_rate(sim: RunningSim) -> None:
    devices = imeis(2500)
    specs = [spec("big", devices), spec("small", imeis(5, "3597"))]
    with connect(sim) as setup:
        for s in specs:
            create(setup, s)
        # Each GET steps a new campaign (pending -> queued -> scheduled); settle first.
        for _ in range(3):
            expected = read_live(setup, specs)
    assert {live.status for live in expected.matches.values() if live} == {"CampaignScheduled"}
    sim.emulator.add_fault(FaultRule("503", rate=0.15, method="GET"))
    sim.emulator.add_fault(FaultRule("drop", rate=0.10, method="GET"))
    sim.emulator.add_fault(FaultRule("429", rate=0.05, method="GET", retry_after=0))
    sim.emulator.reset_counts()
    with connect(sim, attempts=12) as c:
        for _ in range(3):
            state = read_live(c, specs)
            assert state.matches == expected.matches
    received = sum(sim.emulator.request_counts().values())
    processed = sum(sim.emulator.processed_counts().values())
    assert received > processed  # faults did fire, and every read still completed


def test_writes_are_never_duplicated_under_faults(
    sim: RunningSim, client: ThingSpaceClient
) -> None:
    emulator = sim.emulator
    emulator.add_fault(
        FaultRule("503", rate=0.3, phase="after", method="POST", path="*/campaigns/*")
    )
    emulator.add_fault(
        FaultRule("drop", rate=0.2, phase="after", method="POST", path="*/campaigns/*")
    )
    emulator.add_fault(
        FaultRule("429", rate=0.2, method="POST", retry_after=0, path="*/campaigns/*")
    )
    emulator.reset_counts()
    ok = ambiguous = 0
    for i in range(20):
        try:
            create(client, spec(f"w{i}", imeis(1, f"35{i:02d}")))
            ok += 1
        except AmbiguousWriteError:
            ambiguous += 1
    processed = emulator.processed_counts()[POST_V3]
    assert ok + ambiguous == 20 and ambiguous > 0
    assert processed == 20  # each create reached the server exactly once
    assert emulator.request_counts()[POST_V3] > 20  # 429s were retried (not processed)
    names = [c.name for c in _all(client)]
    assert sorted(names) == sorted(f"w{i}" for i in range(20))


def test_an_ambiguous_delete_is_not_resent(sim: RunningSim, client: ThingSpaceClient) -> None:
    cid = str(create(client, spec("del", imeis(1)))["id"])
    sim.emulator.add_fault(FaultRule("503", rate=1.0, phase="after", method="DELETE", times=1))
    with pytest.raises(AmbiguousWriteError):
        client.delete_campaign(ACC, Kind.FIRMWARE, cid)
    assert sim.emulator.processed_counts()[DELETE_V3] == 1
    assert sim.emulator.request_counts()[DELETE_V3] == 1
    assert client.get_campaign(ACC, Kind.FIRMWARE, cid)["status"] == "CampaignCancelled"


def _all(client: ThingSpaceClient) -> list[Any]:
    return list_account_campaigns(client, ACC, Kind.FIRMWARE)


def test_read_live_identity_against_the_sim(client: ThingSpaceClient) -> None:
    dup, done = spec("dup", imeis(1, "3591")), spec("done", imeis(1, "3592"))
    create(client, dup)
    create(client, dup)
    done_id = str(create(client, done)["id"])
    client.delete_campaign(ACC, Kind.FIRMWARE, done_id)
    with pytest.raises(ProblemsFound, match="1 problem"):
        read_live(client, [dup])
    state = read_live(client, [done])
    finished = state.matches[done.key]
    assert finished is not None
    assert (finished.id, finished.status, dict(finished.devices)) == (
        done_id,
        "CampaignCancelled",
        {},
    )
    pinned = replace(dup, campaign_id=str(create(client, spec("x", imeis(1, "3593")))["id"]))
    live = read_live(client, [pinned]).matches[pinned.key]
    assert live is not None and live.name == "x"  # the pin wins; the planner sees the rename
