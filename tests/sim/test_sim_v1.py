"""The emulator's v1 upgrade endpoints: their own shapes, quirks and checks, driven by raw HTTP
(the reconciler's client is not used here) and by Verizon's Python SDK."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.sim.fleet import luhn_digit
from reconciler.sim.testing import RunningSim, running_sim

V1 = "/api/fota/v1"
DEVICES = [f"3581{i:010d}" + luhn_digit(f"3581{i:010d}") for i in range(4)]


@pytest.fixture
def sim() -> Iterator[RunningSim]:
    # Tokens that outlive the clock jumps below (a month of simulated time).
    with running_sim(failure_rate=0.0, campaign_page_size=2, token_ttl=40 * 86400) as running:
        yield running


@pytest.fixture
def http(sim: RunningSim) -> Iterator[httpx.Client]:
    bearer, session = sim.emulator.issue_tokens()
    headers = {"Authorization": f"Bearer {bearer}", "VZ-M2M-Token": session}
    with httpx.Client(base_url=sim.url, headers=headers) as client:
        yield client


def create(http: httpx.Client, start: str = "2026-03-10", **extra: Any) -> dict[str, Any]:
    body = {
        "accountName": ACC,
        "firmwareName": "FOTA_Verizon_Model-A_01To02_HF",
        "firmwareTo": "VerizonFirmwareVersion-02",
        "startDate": start,
        "endDate": "2026-03-14",
        "deviceList": DEVICES[:2],
        **extra,
    }
    answer = http.post(f"{V1}/upgrades", json=body)
    assert answer.status_code == 200, answer.text
    created: dict[str, Any] = answer.json()
    return created


def test_create_answers_without_an_end_date_and_with_device_items(http: httpx.Client) -> None:
    created = create(http)
    assert "endDate" not in created and created["status"] == "RequestPending"
    assert [d["deviceId"] for d in created["deviceList"]] == DEVICES[:2]
    assert {d["status"] for d in created["deviceList"]} == {"Request Pending"}
    got = http.get(f"{V1}/upgrades/{ACC}/upgrade/{created['id']}").json()
    assert got["endDate"] == "2026-03-14" and got["status"] in ("RequestPending", "Queued")


def test_missing_field_and_bad_dates_are_refused(http: httpx.Client) -> None:
    answer = http.post(f"{V1}/upgrades", json={"accountName": ACC, "deviceList": DEVICES})
    assert answer.status_code == 400 and answer.json()["errorCode"] == "InvalidRequest"
    answer = http.post(
        f"{V1}/upgrades",
        json={
            "accountName": ACC,
            "firmwareName": "F",
            "firmwareTo": "T",
            "startDate": "2026-03-10",
            "endDate": "2026-03-09",
            "deviceList": DEVICES,
        },
    )
    assert answer.json()["errorCode"] == "EndDateBeforeStartDate"


def test_device_change_needs_the_lower_case_type_and_answers_reason(http: httpx.Client) -> None:
    upgrade = create(http)["id"]
    path = f"{V1}/upgrades/{ACC}/upgrade/{upgrade}"
    wrong = http.put(path, json={"Type": "append", "deviceList": [DEVICES[2]]})
    assert wrong.status_code == 400
    assert wrong.json()["errorCode"] == "InvalidDeviceChangeType"
    assert "lower-case" in wrong.json()["errorMessage"]
    answer = http.put(path, json={"type": "append", "deviceList": [DEVICES[2], DEVICES[0]]})
    items = {d["deviceId"]: d for d in answer.json()["deviceList"]}
    assert items[DEVICES[2]] == {
        "deviceId": DEVICES[2],
        "status": "AddDeviceSucceed",
        "Reason": "success",
    }
    assert items[DEVICES[0]]["status"] == "AddDeviceFailed"
    removed = http.put(path, json={"type": "remove", "deviceList": [DEVICES[1]]}).json()
    assert removed["deviceList"][0]["status"] == "RemoveDeviceSucceed"
    listed = http.get(path).json()["deviceList"]
    assert sorted(d["deviceId"] for d in listed) == [DEVICES[0], DEVICES[2]]


def test_after_the_start_devices_and_cancel_are_refused(
    sim: RunningSim, http: httpx.Client
) -> None:
    upgrade = create(http)["id"]
    path = f"{V1}/upgrades/{ACC}/upgrade/{upgrade}"
    sim.emulator.set_time(datetime(2026, 3, 10, tzinfo=UTC))
    assert http.get(path).json()["status"] == "InProgress"
    answer = http.put(path, json={"type": "append", "deviceList": [DEVICES[3]]})
    assert answer.json()["errorCode"] == "UpgradeAlreadyStarted"
    assert http.delete(path).json()["errorCode"] == "UpgradeAlreadyStarted"


def test_cancel_before_the_start_leaves_every_listing(http: httpx.Client) -> None:
    upgrade = create(http)["id"]
    path = f"{V1}/upgrades/{ACC}/upgrade/{upgrade}"
    assert http.delete(path).json() == {"accountName": ACC, "id": upgrade, "status": "Cancelled"}
    assert http.get(path).json()["status"] == "Cancelled"
    for status in ("RequestPending", "Queued", "InProgress", "Finished"):
        page = http.get(f"{V1}/reports/{ACC}/status/{status}/index/0").json()
        assert page["reportList"] == []
    assert http.delete(path).json()["errorCode"] == "UpgradeNotModifiable"


def test_listing_pages_by_start_index_with_an_integer_last_seen(
    sim: RunningSim, http: httpx.Client
) -> None:
    ids = [create(http, start=f"2026-03-1{i}")["id"] for i in range(5)]
    sim.emulator.advance("1m")  # settled: every one is Queued
    found: list[str] = []
    index: object = 0
    pages = 0
    while True:
        page = http.get(f"{V1}/reports/{ACC}/status/Queued/index/{index}").json()
        pages += 1
        assert isinstance(page["lastSeenUpgradeId"], int)
        found += [item["id"] for item in page["reportList"]]
        if not page["hasMoreFlag"]:
            break
        index = page["lastSeenUpgradeId"]
    assert found == ids and pages == 3  # page size 2
    bad = http.get(f"{V1}/reports/{ACC}/status/CampaignScheduled/index/0")
    assert bad.json()["errorCode"] == "InvalidUpgradeStatus"
    assert http.get(f"{V1}/reports/{ACC}/status/Queued/index/x").status_code == 400


def test_devices_may_upgrade_after_the_end_date(sim: RunningSim, http: httpx.Client) -> None:
    devices = [f"3582{i:010d}" + luhn_digit(f"3582{i:010d}") for i in range(10)]
    upgrade = create(http, deviceList=devices)["id"]
    sim.emulator.set_time(datetime(2026, 3, 20, tzinfo=UTC))
    got = http.get(f"{V1}/upgrades/{ACC}/upgrade/{upgrade}").json()
    assert got["status"] == "Finished"
    queued = {d["deviceId"] for d in got["deviceList"] if d["status"] == "Device Accepted"}
    reported: dict[str, str] = {}
    index: object = 0
    while True:
        page = http.get(f"{V1}/devices/{ACC}/index/{index}").json()
        reported |= {d["deviceId"]: d["firmware"] for d in page["deviceList"]}
        if not page["hasMoreData"]:
            break
        index = page["lastSeenDeviceId"]
    late = {i for i in queued if reported[i] == "VerizonFirmwareVersion-02"}
    assert late, "an OMA-DM device upgraded after the end date while the upgrade says accepted"


def test_firmware_catalog_and_device_history_in_v1_words(
    sim: RunningSim, http: httpx.Client
) -> None:
    catalog = http.get(f"{V1}/firmware/{ACC}").json()
    assert catalog and {"fromVersion", "toVersion", "participantName"} <= set(catalog[0])
    upgrade = create(http)["id"]
    sim.emulator.set_time(datetime(2026, 3, 20, tzinfo=UTC))
    history = http.get(f"{V1}/reports/{ACC}/devices/{DEVICES[0]}").json()
    (item,) = history
    assert item["id"] == upgrade and item["firmwareTo"] == "VerizonFirmwareVersion-02"
    assert item["status"] in ("Upgrade Success", "Device Accepted")
    unknown = http.get(f"{V1}/reports/{ACC}/devices/000000000000000")
    assert unknown.status_code == 404


def test_verizon_sdk_drives_the_v1_endpoints(sim: RunningSim) -> None:
    """Verizon's own Python SDK (test-only dependency) schedules, reads, changes and cancels
    a v1 upgrade on the emulator: the shapes are the ones the SDK expects."""
    from verizon.configuration import Environment, Server
    from verizon.http.auth.thingspace_oauth import ThingspaceOauthCredentials
    from verizon.http.auth.vz_m2m_token import VZM2mTokenCredentials
    from verizon.models.firmware_upgrade_change_request import FirmwareUpgradeChangeRequest
    from verizon.models.firmware_upgrade_request import FirmwareUpgradeRequest
    from verizon.verizon_client import VerizonClient

    _, session = sim.emulator.issue_tokens()
    client = VerizonClient(
        thingspace_oauth_credentials=ThingspaceOauthCredentials(
            oauth_client_id="demo-client", oauth_client_secret="demo-secret"
        ),
        vz_m2m_token_credentials=VZM2mTokenCredentials(vz_m2m_token=session),
        environment=Environment.PRODUCTION,
    )
    # Point every server of the SDK at the emulator (its environments are fixed URLs).
    urls = dict(client.config.environments[Environment.PRODUCTION])
    urls[Server.OAUTH_SERVER] = f"{sim.url}/api/ts/v1"
    urls[Server.SOFTWARE_MANAGEMENT_V1] = f"{sim.url}/api/fota/v1"
    client.config.environments = {Environment.PRODUCTION: urls}
    client.thingspace_oauth.fetch_token()  # the OAuth client-credentials call, to the emulator

    v1 = client.firmware_v1
    created = v1.schedule_firmware_upgrade(
        FirmwareUpgradeRequest(
            account_name=ACC,
            firmware_name="FOTA_Verizon_Model-A_01To02_HF",
            firmware_to="VerizonFirmwareVersion-02",
            start_date="2026-03-10",
            end_date="2026-03-14",
            device_list=DEVICES[:2],
        )
    )
    assert created.status_code == 200, created.text
    upgrade = created.body.id
    got = v1.list_firmware_upgrade_details(ACC, upgrade)
    assert got.status_code == 200 and got.body.firmware_to == "VerizonFirmwareVersion-02"
    assert {d.device_id for d in got.body.device_list} == set(DEVICES[:2])
    changed = v1.update_firmware_upgrade_devices(
        ACC, upgrade, FirmwareUpgradeChangeRequest(mtype="append", device_list=[DEVICES[3]])
    )
    assert changed.status_code == 200, changed.text
    assert DEVICES[3] in {d["deviceId"] for d in sim_get(sim, upgrade)["deviceList"]}
    reports = client.software_management_reports_v1
    listed = reports.list_upgrades_for_specified_status(ACC, "Queued", "0")
    assert listed.status_code == 200, listed.text
    assert listed.body.has_more_flag is False
    assert [u.id for u in listed.body.report_list] == [upgrade]
    devices = reports.list_account_devices(ACC, "0")
    assert devices.status_code == 200, devices.text
    history = reports.get_device_firmware_upgrade_history(ACC, DEVICES[0])
    assert history.status_code == 200, history.text
    cancelled = v1.cancel_scheduled_firmware_upgrade(ACC, upgrade)
    assert cancelled.status_code == 200, cancelled.text
    assert sim_get(sim, upgrade)["status"] == "Cancelled"


def sim_get(sim: RunningSim, upgrade: str) -> dict[str, Any]:
    bearer, session = sim.emulator.issue_tokens()
    headers = {"Authorization": f"Bearer {bearer}", "VZ-M2M-Token": session}
    answer = httpx.get(f"{sim.url}{V1}/upgrades/{ACC}/upgrade/{upgrade}", headers=headers)
    body: dict[str, Any] = answer.json()
    return body
