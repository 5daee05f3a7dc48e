"""State survives a restart (a SQLite database), holds no secret, and the embedded default
works in process through ``httpx.WSGITransport``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx

from reconciler.sim.app import Emulator, SimOptions
from reconciler.sim.embedded import open_embedded
from reconciler.sim.testing import DEFAULT_NOW, running_sim
from tests.sim.helpers import ACC, IMEI_A, V3, Api, firmware_body


def test_restart_loses_nothing(tmp_path: Path) -> None:
    state = tmp_path / "sim.json"
    with running_sim(state_path=state, failure_rate=0.0) as sim:
        api = Api(sim)
        cid = api.create()["id"]
        api.settle(cid)
        api.at(datetime(2026, 3, 3, 22, tzinfo=UTC))
        before = api.devices(cid)
        headers = api.headers
    assert not list(tmp_path.glob("*.tmp"))
    with running_sim(state_path=state, now=DEFAULT_NOW) as sim:
        api = Api(sim)
        api.headers = headers  # the tokens issued before the restart still work
        assert sim.emulator.now() == datetime(2026, 3, 3, 22, tzinfo=UTC)  # file wins over now=
        assert api.campaign(cid)["status"] == "CampaignScheduled"
        assert api.devices(cid) == before
        assert {d["status"] for d in before.values()} == {"UpgradeSuccess"}


def test_state_file_holds_no_token_or_password(tmp_path: Path) -> None:
    state = tmp_path / "sim.json"
    with running_sim(state_path=state) as sim:
        api = Api(sim)
        assert api.create()["id"]
        # The database and its write-ahead log, as they are on disk while the emulator runs.
        data = b"".join(p.read_bytes() for p in tmp_path.glob("sim.json*"))
    assert state.read_bytes().startswith(b"SQLite format 3\x00")
    for secret in (api.headers["Authorization"][7:], api.headers["VZ-M2M-Token"]):
        assert secret.encode() not in data
    assert b"demo-secret" not in data and b"demo-password" not in data


def test_embedded_emulator_persists_between_opens(tmp_path: Path) -> None:
    path = tmp_path / "work" / ".fota" / "sim-state.db"
    emulator = open_embedded(path)
    assert path.exists()
    transport = httpx.WSGITransport(app=emulator.wsgi_app)
    with httpx.Client(transport=transport, base_url="http://sim") as http:
        token = http.post(
            "/api/ts/v1/oauth2/token",
            auth=("demo-client", "demo-secret"),
            data={"grant_type": "client_credentials"},
        ).json()["access_token"]
        session = http.post(
            "/api/m2m/v1/session/login",
            headers={"Authorization": f"Bearer {token}"},
            json={"username": "demo", "password": "demo-password"},
        ).json()["sessionToken"]
        headers = {"Authorization": f"Bearer {token}", "VZ-M2M-Token": session}
        today = emulator.now().date().isoformat()
        body = firmware_body(startDate=today, endDate=today, deviceList=[IMEI_A])
        created = http.post(f"{V3}/campaigns/firmware/{ACC}", json=body, headers=headers)
        assert created.status_code == 200, created.text
        assert "Date" in created.headers
    again = open_embedded(path)
    assert created.json()["id"] in again.state.campaigns
    assert not again.clock.frozen


def test_concurrent_creates_are_neither_lost_nor_duplicated(tmp_path: Path) -> None:
    with running_sim(state_path=tmp_path / "s.json", campaign_page_size=500) as sim:
        headers = sim.auth_headers()

        def create(n: int) -> str:
            with httpx.Client(base_url=sim.url, timeout=30) as http:
                body = firmware_body(campaignName=f"c{n}")
                response = http.post(f"{V3}/campaigns/firmware/{ACC}", json=body, headers=headers)
                assert response.status_code == 200, response.text
                return str(response.json()["id"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = list(pool.map(create, range(40)))
        listing = (
            Api(sim)
            .get(
                f"{V3}/reports/{ACC}/firmware/campaigns",
                params={"campaignStatus": "CampaignRequestPending"},
            )
            .json()["campaignList"]
        )
    assert len(set(ids)) == 40
    assert sorted(c["id"] for c in listing) == sorted(ids)
    reopened = Emulator(SimOptions(state_path=tmp_path / "s.json"))
    assert sorted(reopened.state.campaigns) == sorted(ids)
