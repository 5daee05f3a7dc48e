"""Fault injection: rates are respected (seeded), ``before`` faults leave state untouched,
``after`` faults apply the write and lose the answer, and requests are counted per endpoint."""

from __future__ import annotations

import threading

import httpx
import pytest

from reconciler.sim.faults import FaultError, FaultRule, parse_fault, parse_latency
from reconciler.sim.testing import running_sim
from tests.sim.helpers import ACC, V3, Api, firmware_body

CREATE = f"{V3}/campaigns/firmware/{ACC}"
CREATE_KEY = "POST /api/fota/v3/campaigns/firmware/<acc>"
LISTING = f"{V3}/reports/{ACC}/firmware/campaigns"


def _pending_count(api: Api) -> int:
    page = api.get(LISTING, params={"campaignStatus": "CampaignRequestPending"}).json()
    return len(page["campaignList"])


def test_rate_is_respected_and_limited_to_the_matching_endpoint() -> None:
    rule = parse_fault(f"503:0.3@GET {LISTING}")
    with running_sim(faults=[rule], seed=11) as sim:
        api = Api(sim)
        codes = [
            api.get(LISTING, params={"campaignStatus": "CampaignEnded"}).status_code
            for _ in range(200)
        ]
        other = [api.get(f"{V3}/firmware/{ACC}?protocol=all").status_code for _ in range(20)]
    failures = codes.count(503)
    assert 35 <= failures <= 85, failures  # 0.3 * 200 = 60
    assert set(codes) == {200, 503}
    assert other == [200] * 20


def test_429_carries_retry_after_and_leaves_no_campaign() -> None:
    rule = FaultRule(kind="429", method="POST", path=CREATE, retry_after=7, times=1)
    with running_sim(faults=[rule]) as sim:
        api = Api(sim)
        first = api.post(CREATE, json=firmware_body())
        second = api.post(CREATE, json=firmware_body())
        assert first.status_code == 429 and first.headers["Retry-After"] == "7"
        assert second.status_code == 200
        assert _pending_count(api) == 1
        assert sim.emulator.request_counts()[CREATE_KEY] == 2
        assert sim.emulator.processed_counts()[CREATE_KEY] == 1


def test_after_phase_500_applies_the_write_then_fails() -> None:
    with running_sim() as sim:
        api = Api(sim)
        sim.emulator.add_fault(parse_fault(f"500:1:after@POST {CREATE}"))
        response = api.post(CREATE, json=firmware_body())
        assert response.status_code == 500
        assert _pending_count(api) == 1
        assert sim.emulator.processed_counts()[CREATE_KEY] == 1


def test_dropped_connection_before_and_after() -> None:
    with running_sim() as sim:
        api = Api(sim)
        sim.emulator.add_fault(FaultRule(kind="drop", method="POST", path=CREATE, times=1))
        with pytest.raises(httpx.TransportError):
            api.post(CREATE, json=firmware_body())
        assert _pending_count(api) == 0
        sim.emulator.add_fault(
            FaultRule(kind="drop", phase="after", method="POST", path=CREATE, times=1)
        )
        with pytest.raises(httpx.TransportError):
            api.post(CREATE, json=firmware_body())
        assert _pending_count(api) == 1
        assert api.post(CREATE, json=firmware_body()).status_code == 200
        assert _pending_count(api) == 2


def test_latency_is_added_to_matching_requests_only() -> None:
    rule = parse_latency(f"150@GET {V3}/firmware/*")
    with running_sim(faults=[rule]) as sim:
        waits: list[float] = []
        sim.emulator.sleep = waits.append  # record the latency instead of timing it
        api = Api(sim)
        assert api.get(f"{V3}/firmware/{ACC}?protocol=all").status_code == 200
        assert waits == [0.15]
        assert api.get(LISTING, params={"campaignStatus": "CampaignEnded"}).status_code == 200
        assert waits == [0.15]
        decision = sim.emulator.faults.decide("GET", LISTING)
        assert decision.latency_ms == 0 and decision.failure is None
        assert sim.emulator.faults.decide("GET", f"{V3}/firmware/{ACC}").latency_ms == 150


def test_admin_api_manages_faults_and_counters() -> None:
    with running_sim() as sim:
        api = Api(sim)
        added = api.http.post(
            "/_sim/faults",
            json={"kind": "503", "rate": 1.0, "method": "POST", "path": CREATE, "times": 2},
        )
        assert added.status_code == 200
        assert [api.post(CREATE, json=firmware_body()).status_code for _ in range(3)] == [
            503,
            503,
            200,
        ]
        counts = api.http.get("/_sim/requests").json()
        assert counts["received"][CREATE_KEY] == 3
        assert counts["processed"][CREATE_KEY] == 1
        assert counts["injected"][CREATE_KEY] == 2
        assert api.http.delete("/_sim/requests").status_code == 200
        assert api.http.get("/_sim/requests").json()["received"] == {}
        assert api.http.delete("/_sim/faults").json() == {"faults": []}
        bad = api.http.post("/_sim/faults", json={"kind": "418"})
        assert bad.status_code == 400 and "418" in bad.json()["errorMessage"]


def test_faults_are_deterministic_for_a_seed() -> None:
    def run() -> list[int]:
        with running_sim(faults=[parse_fault("500:0.5@GET *")], seed=5) as sim:
            api = Api(sim)
            return [
                api.get(LISTING, params={"campaignStatus": "CampaignEnded"}).status_code
                for _ in range(40)
            ]

    assert run() == run()


@pytest.mark.parametrize(
    "text", ["503", "503:x", "teapot:0.5", "500:2", "500:0.5:sometime", "latency:1"]
)
def test_bad_fault_text_is_refused_with_the_form(text: str) -> None:
    with pytest.raises(FaultError):
        parse_fault(text)


def test_fault_text_forms() -> None:
    rule = parse_fault("drop:1:after@POST /api/fota/v3/campaigns/firmware/*")
    assert (rule.kind, rule.rate, rule.phase, rule.method) == ("drop", 1.0, "after", "POST")
    assert rule.matches("POST", "/api/fota/v3/campaigns/firmware/0000123456-00001")
    assert not rule.matches("GET", "/api/fota/v3/campaigns/firmware/0000123456-00001")
    assert parse_fault("429:0.5@GET").method == "GET"
    assert parse_latency("250").latency_ms == 250


def _create_in_thread(api: Api, out: dict[str, object]) -> threading.Thread:
    def post() -> None:
        try:
            out["status"] = api.post(CREATE, json=firmware_body()).status_code
        except httpx.TransportError as exc:
            out["error"] = exc

    thread = threading.Thread(target=post)
    thread.start()
    return thread


def test_hold_keeps_a_request_unprocessed_until_released() -> None:
    with running_sim() as sim:
        api, other = Api(sim), Api(sim)
        hold = sim.emulator.hold("POST", f"{V3}/campaigns/*")
        out: dict[str, object] = {}
        thread = _create_in_thread(api, out)
        assert hold.wait_reached(timeout=30)
        # Held before processing: nothing created, and the rest of the emulator still answers.
        assert sim.emulator.processed_counts().get(CREATE_KEY, 0) == 0
        assert _pending_count(other) == 0
        hold.release()
        thread.join(timeout=30)
        assert out == {"status": 200}
        assert sim.emulator.processed_counts()[CREATE_KEY] == 1
        assert _pending_count(other) == 1


def test_hold_steps_one_request_at_a_time_and_drops_the_rest() -> None:
    with running_sim() as sim:
        hold = sim.emulator.hold("POST,PUT", f"{V3}/campaigns/*")
        first: dict[str, object] = {}
        thread = _create_in_thread(Api(sim), first)
        assert hold.wait_reached(timeout=30, count=1)
        hold.release_one()
        thread.join(timeout=30)
        assert first == {"status": 200}
        second: dict[str, object] = {}
        thread = _create_in_thread(Api(sim), second)
        assert hold.wait_reached(timeout=30, count=2)
        hold.release(drop=True)
        thread.join(timeout=30)
        assert isinstance(second.get("error"), httpx.TransportError)
        assert sim.emulator.processed_counts()[CREATE_KEY] == 1
        assert sim.emulator.request_counts()[CREATE_KEY] == 2
        assert not hold.wait_reached(timeout=0, count=3)


def test_hold_with_times_lets_later_requests_through() -> None:
    with running_sim() as sim:
        hold = sim.emulator.hold("POST", f"{V3}/campaigns/*", times=1)
        held: dict[str, object] = {}
        thread = _create_in_thread(Api(sim), held)
        assert hold.wait_reached(timeout=30)
        assert Api(sim).post(CREATE, json=firmware_body()).status_code == 200
        assert sim.emulator.processed_counts()[CREATE_KEY] == 1 and held == {}
        hold.release()
        thread.join(timeout=30)
        assert held == {"status": 200}


def test_hold_admin_api() -> None:
    with running_sim() as sim:
        http = Api(sim).http
        added = http.post("/_sim/holds", json={"method": "post", "path": "/api/fota/*"}).json()
        assert added == {
            "id": 1,
            "method": "POST",
            "path": "/api/fota/*",
            "times": None,
            "phase": "before",
            "reached": 0,
            "released": False,
        }
        assert http.get("/_sim/holds").json()["holds"] == [added]
        assert http.post("/_sim/holds", json={"method": "GET"}).status_code == 400
        bad_phase = {"path": "*", "phase": "during"}
        assert http.post("/_sim/holds", json=bad_phase).status_code == 400
        assert http.delete("/_sim/holds").json() == {"holds": []}
        assert sim.emulator.holds() == []


def test_after_hold_processes_the_request_and_holds_its_answer() -> None:
    with running_sim() as sim:
        hold = sim.emulator.hold("POST", f"{V3}/campaigns/*", phase="after")
        out: dict[str, object] = {}
        thread = _create_in_thread(Api(sim), out)
        assert hold.wait_reached(timeout=30)
        assert sim.emulator.processed_counts()[CREATE_KEY] == 1 and out == {}
        assert _pending_count(Api(sim)) == 1
        hold.release(drop=True)
        thread.join(timeout=30)
        assert isinstance(out.get("error"), httpx.TransportError)
