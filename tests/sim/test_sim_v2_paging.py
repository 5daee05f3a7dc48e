"""v2 software campaigns (their own vocabulary and answers) and device-report paging."""

from __future__ import annotations

from datetime import UTC, datetime

from reconciler.sim.fleet import luhn_digit
from reconciler.sim.testing import running_sim
from tests.sim.helpers import ACC, IMEI_A, IMEI_B, V2, V3, Api, expect_error, software_body


def _imeis(count: int) -> list[str]:
    bodies = (f"35{n:012d}" for n in range(10_000, 10_000 + count * 7, 7))
    return [b + luhn_digit(b) for b in bodies]


def test_device_report_pages_2500_devices_in_imei_order(api: Api) -> None:
    devices = _imeis(2500)
    cid = api.create(deviceList=list(reversed(devices)))["id"]
    url = f"{V3}/reports/{ACC}/campaigns/{cid}/devices"
    seen: list[str] = []
    sizes: list[int] = []
    last = "0"
    while True:
        page = api.get(url, params={"lastSeenDeviceId": last}).json()
        assert page["totalDevice"] == 2500 and page["maxPageSize"] == 1000
        ids = [d["deviceId"] for d in page["deviceList"]]
        sizes.append(len(ids))
        seen += ids
        if not page["hasMoreData"]:
            assert page["lastSeenDeviceId"] == "0"
            break
        assert page["lastSeenDeviceId"] == ids[-1]
        last = page["lastSeenDeviceId"]
    assert sizes == [1000, 1000, 500]
    assert seen == sorted(devices)


def test_v2_campaign_create_get_and_listing(api: Api) -> None:
    created = api.post(f"{V2}/campaigns/{ACC}", json=software_body())
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["status"] == "CampaignRequestPending"
    assert body["distributionType"] == "HTTP"
    assert body["downloadTimeWindowList"] == [{"startTime": 3, "endTime": 4}]
    assert body["installAfterDate"] is None
    cid = body["id"]
    assert api.get(f"{V2}/campaigns/{ACC}/{cid}").json()["status"] == "CampaignRequestQueued"
    assert api.get(f"{V3}/campaigns/{ACC}/{cid}").status_code == 404  # v3 sees firmware only
    listing = api.get(
        f"{V2}/reports/{ACC}/campaigns", params={"campaignStatus": "CampaignRequestQueued"}
    )
    assert [c["id"] for c in listing.json()["campaignList"]] == [cid]
    v3_listing = api.get(
        f"{V3}/reports/{ACC}/firmware/campaigns", params={"campaignStatus": "CampaignRequestQueued"}
    )
    assert v3_listing.json()["campaignList"] == []


def test_v2_device_change_answers_only_a_request_id(api: Api) -> None:
    cid = api.post(f"{V2}/campaigns/{ACC}", json=software_body(deviceList=[IMEI_A])).json()["id"]
    response = api.put(
        f"{V2}/campaigns/{ACC}/{cid}", json={"Type": "append", "deviceList": [IMEI_B]}
    )
    body = response.json()
    assert set(body) == {"accountName", "campaignId", "requestId"}
    report = api.get(f"{V2}/reports/{ACC}/campaigns/{cid}/devices").json()
    assert {d["deviceId"] for d in report["deviceList"]} == {IMEI_A, IMEI_B}
    assert set(report["deviceList"][0]) == {"deviceId", "status", "resultReason"}


def test_v2_dates_rules_cover_both_window_lists_and_after_dates(api: Api) -> None:
    cid = api.post(f"{V2}/campaigns/{ACC}", json=software_body()).json()["id"]
    url = f"{V2}/campaigns/{ACC}/{cid}/dates"
    body = software_body()
    del body["deviceList"], body["campaignName"]
    for key in ("softwareName", "softwareFrom", "softwareTo", "distributionType"):
        del body[key]
    api.at(datetime(2026, 3, 3, tzinfo=UTC))
    assert api.put(url, json=body).status_code == 200
    fewer = {**body, "installTimeWindowList": []}
    message = expect_error(api.put(url, json=fewer), "TimeWindowRemovalNotAllowed")
    assert "installTimeWindowList" in message
    moved = {**body, "downloadAfterDate": "2026-03-04"}
    expect_error(api.put(url, json=moved), "CampaignAlreadyStarted")
    more = {
        **body,
        "installTimeWindowList": [{"startTime": 5, "endTime": 6}, {"startTime": 6, "endTime": 7}],
    }
    answer = api.put(url, json=more).json()
    assert len(answer["installTimeWindowList"]) == 2


def test_v2_delete_and_device_history(api: Api) -> None:
    cid = api.post(f"{V2}/campaigns/{ACC}", json=software_body()).json()["id"]
    history = api.get(f"{V2}/reports/{ACC}/devices/{IMEI_A}").json()
    assert [h["id"] for h in history] == [cid]
    assert api.delete(f"{V2}/campaigns/{ACC}/{cid}").json() == {"success": True}
    assert api.get(f"{V2}/campaigns/{ACC}/{cid}").json()["status"] == "CampaignCancelled"


def test_v2_success_shows_in_the_software_list() -> None:
    with running_sim(failure_rate=0.0) as sim:
        api = Api(sim)
        api.post(f"{V2}/campaigns/{ACC}", json=software_body(deviceList=[IMEI_A]))
        api.at(datetime(2026, 3, 4, tzinfo=UTC))
        listing = api.get(f"{V2}/devices/{ACC}").json()
        (item,) = [d for d in listing["deviceList"] if d["deviceId"] == IMEI_A]
        assert [s["version"] for s in item["softwareList"]] == [software_body()["softwareTo"]]
