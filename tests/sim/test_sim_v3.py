"""Every v3 endpoint, over loopback HTTP, with the API's exact paths and payload shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from reconciler.sim.fleet import DEFAULT_CATALOG
from reconciler.sim.testing import DEFAULT_NOW, running_sim
from tests.sim.helpers import ACC, IMEI_A, IMEI_B, PKG, V3, Api, expect_error, firmware_body

CREATE_KEYS = {
    "id", "accountName", "campaignName", "firmwareName", "firmwareFrom", "firmwareTo",
    "protocol", "make", "model", "startDate", "endDate", "campaignTimeWindowList", "status",
}  # fmt: skip


def test_create_answers_the_firmware_campaign_shape_pending(api: Api) -> None:
    body = api.create()
    assert set(body) == CREATE_KEYS
    assert body["status"] == "CampaignRequestPending"
    assert body["accountName"] == ACC
    assert (body["make"], body["model"]) == (PKG.make, PKG.model)
    assert body["campaignTimeWindowList"] == [{"startTime": 18, "endTime": 22}]
    assert (body["startDate"], body["endDate"]) == ("2026-03-03", "2026-03-05")


def test_get_drops_firmware_segment_reports_flags_and_steps_to_scheduled(api: Api) -> None:
    cid = api.create(autoAddDevicesFlag=True)["id"]
    first = api.campaign(cid)
    second = api.campaign(cid)
    assert first["status"] == "CampaignRequestQueued"
    assert second["status"] == "CampaignScheduled"
    assert second["autoAddDevicesFlag"] is True
    assert second["autoAssignLicenseFlag"] is False
    assert set(second) == CREATE_KEYS | {"autoAddDevicesFlag", "autoAssignLicenseFlag"}
    expect_error(api.get(f"{V3}/campaigns/firmware/{ACC}/{cid}"), "MethodNotAllowed", 405)


def test_pending_campaign_settles_once_the_clock_moves(api: Api) -> None:
    cid = api.create()["id"]
    api.sim.emulator.advance("30s")
    assert api.campaign(cid)["status"] == "CampaignScheduled"


def test_listing_observes_without_stepping_so_enumeration_is_stable(api: Api) -> None:
    cid = api.create()["id"]
    url = f"{V3}/reports/{ACC}/firmware/campaigns"
    for _ in range(3):
        page = api.get(url, params={"campaignStatus": "CampaignRequestPending"}).json()
        assert [c["id"] for c in page["campaignList"]] == [cid]
    item = page["campaignList"][0]
    assert "autoAddDevicesFlag" not in item and "deviceList" not in item


def test_listing_pages_with_last_seen_campaign_id() -> None:
    with running_sim(campaign_page_size=2) as sim:
        api = Api(sim)
        ids = [api.create(campaignName=f"c{i}")["id"] for i in range(5)]
        seen: list[str] = []
        params = {"campaignStatus": "CampaignRequestPending"}
        pages = 0
        while True:
            page = api.get(f"{V3}/reports/{ACC}/firmware/campaigns", params=params).json()
            pages += 1
            seen += [c["id"] for c in page["campaignList"]]
            if not page["hasMoreData"]:
                break
            params["lastSeenCampaignId"] = page["lastSeenCampaignId"]
        assert seen == ids
        assert pages == 3


def test_listing_requires_a_known_status(api: Api) -> None:
    url = f"{V3}/reports/{ACC}/firmware/campaigns"
    expect_error(api.get(url), "InvalidCampaignStatus")
    expect_error(api.get(url, params={"campaignStatus": "Running"}), "InvalidCampaignStatus")
    bad_last = {"campaignStatus": "CampaignEnded", "lastSeenCampaignId": "nope"}
    expect_error(api.get(url, params=bad_last), "InvalidLastSeenCampaignId")


def test_add_and_remove_devices_report_per_device_results(api: Api) -> None:
    cid = api.create(deviceList=[IMEI_A])["id"]
    url = f"{V3}/campaigns/firmware/{ACC}/{cid}"
    added = api.put(url, json={"Type": "append", "deviceList": [IMEI_B, IMEI_A, "123"]}).json()
    assert added["accountName"] == ACC and added["campaignId"] == cid
    results = {d["deviceId"]: d for d in added["deviceList"]}
    assert results[IMEI_B] == {
        "deviceId": IMEI_B,
        "status": "AddDeviceSucceed",
        "Reason": "Device added Successfully",
    }
    assert results[IMEI_A]["status"] == "AddDeviceFailed"
    assert results["123"]["status"] == "AddDeviceFailed"
    removed = api.put(url, json={"Type": "remove", "deviceList": [IMEI_A, IMEI_A[:-1] + "0"]})
    statuses = [d["status"] for d in removed.json()["deviceList"]]
    assert statuses == ["RemoveDeviceSucceed", "RemoveDeviceFailed"]
    assert set(api.devices(cid)) == {IMEI_B}


def test_device_change_needs_capital_type(api: Api) -> None:
    cid = api.create()["id"]
    url = f"{V3}/campaigns/firmware/{ACC}/{cid}"
    message = expect_error(
        api.put(url, json={"type": "append", "deviceList": [IMEI_A]}), "InvalidDeviceChangeType"
    )
    assert "capital T" in message


def test_device_of_wrong_firmware_is_not_eligible() -> None:
    with running_sim(devices=5, seed=3) as sim:
        api = Api(sim)
        fleet = sim.emulator.state.fleet.devices.values()
        other = next(d for d in fleet if d.firmware != PKG.firmwareFrom)
        cid = api.create(deviceList=[IMEI_A])["id"]
        url = f"{V3}/campaigns/firmware/{ACC}/{cid}"
        result = api.put(url, json={"Type": "append", "deviceList": [other.imei]}).json()
        (item,) = result["deviceList"]
        assert item["status"] == "AddDeviceFailed"
        assert other.firmware in item["Reason"]


def test_strict_mode_refuses_devices_unknown_to_the_fleet() -> None:
    with running_sim(strict=True, devices=3) as sim:
        api = Api(sim)
        cid = api.create(deviceList=[IMEI_A])["id"]
        assert api.settle(cid) == "CampaignRequestFailed"
        url = f"{V3}/campaigns/firmware/{ACC}/{cid}"
        expect_error(
            api.put(url, json={"Type": "append", "deviceList": [IMEI_B]}), "CampaignNotModifiable"
        )


def test_strict_mode_appends_report_unknown_devices() -> None:
    with running_sim(strict=True, devices=30, seed=1) as sim:
        api = Api(sim)
        fleet = sim.emulator.state.fleet.devices.values()
        eligible = [d.imei for d in fleet if d.firmware == PKG.firmwareFrom]
        cid = api.create(deviceList=eligible[:1])["id"]
        assert api.settle(cid) == "CampaignScheduled"
        url = f"{V3}/campaigns/firmware/{ACC}/{cid}"
        (item,) = api.put(url, json={"Type": "append", "deviceList": [IMEI_B]}).json()["deviceList"]
        assert item["status"] == "AddDeviceFailed"
        assert "not found" in item["Reason"]


def test_device_report_shape_and_progress_inside_windows(api: Api) -> None:
    cid = api.create()["id"]
    api.settle(cid)
    before = api.devices(cid)
    assert {d["status"] for d in before.values()} == {"UpgradePending"}
    assert all("nextAttemptTime" in d for d in before.values())
    api.at(datetime(2026, 3, 3, 17, 59, tzinfo=UTC))  # started, window 18-22 not open yet
    assert {d["status"] for d in api.devices(cid).values()} == {"UpgradePending"}
    api.at(datetime(2026, 3, 3, 22, 0, tzinfo=UTC))  # the whole window has passed
    after = api.devices(cid)
    assert {d["status"] for d in after.values()} == {"UpgradeSuccess"}
    for item in after.values():
        attempt = datetime.fromisoformat(item["recentAttemptTime"].replace("Z", "+00:00"))
        assert 18 <= attempt.hour < 22
        assert item["resultReason"] == "DownloadInstallSucceeded"
    page = api.get(f"{V3}/reports/{ACC}/campaigns/{cid}/devices").json()
    assert page["totalDevice"] == 2 and page["maxPageSize"] == 1000
    assert page["hasMoreData"] is False and page["lastSeenDeviceId"] == "0"


def test_success_changes_the_firmware_the_device_reports(api: Api) -> None:
    cid = api.create(deviceList=[IMEI_A])["id"]
    api.settle(cid)

    def firmware() -> str:
        listing = api.get(f"{V3}/devices/{ACC}").json()
        (item,) = [d for d in listing["deviceList"] if d["deviceId"] == IMEI_A]
        return str(item["firmware"])

    assert firmware() == PKG.firmwareFrom
    api.at(datetime(2026, 3, 4, 0, 0, tzinfo=UTC))
    assert firmware() == PKG.firmwareTo


def test_account_devices_listing_pages_and_has_device_fields() -> None:
    with running_sim(devices=1500, seed=2) as sim:
        api = Api(sim)
        first = api.get(f"{V3}/devices/{ACC}").json()
        assert first["hasMoreData"] is True and first["maxPageSize"] == 1000
        assert len(first["deviceList"]) == 1000
        second = api.get(
            f"{V3}/devices/{ACC}", params={"lastSeenDeviceId": first["lastSeenDeviceId"]}
        ).json()
        assert len(second["deviceList"]) == 500 and second["hasMoreData"] is False
        item = first["deviceList"][0]
        assert {"deviceId", "mdn", "model", "make", "firmware", "fotaEligible", "status",
                "licenseAssigned", "protocol", "softwareList"} <= set(item)  # fmt: skip
        ids = [d["deviceId"] for d in first["deviceList"] + second["deviceList"]]
        assert ids == sorted(ids) and len(set(ids)) == 1500


def test_device_history_lists_each_campaign_of_the_device(api: Api) -> None:
    cid = api.create(deviceList=[IMEI_A])["id"]
    history = api.get(f"{V3}/reports/{ACC}/devices/{IMEI_A}").json()
    assert [h["campaignId"] for h in history] == [cid]
    assert set(history[0]) == {
        "deviceId", "campaignId", "accountName", "startDate", "status", "reason",
        "firmwareName", "firmwareFrom", "firmwareTo", "reportUpdatedTime",
    }  # fmt: skip
    assert history[0]["reportUpdatedTime"].endswith("+0000 UTC")
    assert api.get(f"{V3}/reports/{ACC}/devices/999999999999999").status_code == 404


def test_firmware_catalog_by_protocol(api: Api) -> None:
    everything = api.get(f"{V3}/firmware/{ACC}", params={"protocol": "all"}).json()
    assert len(everything) == len(DEFAULT_CATALOG)
    lwm2m = api.get(f"{V3}/firmware/{ACC}", params={"protocol": "LWM2M"}).json()
    assert {p["protocol"] for p in lwm2m} == {"LWM2M"}
    assert set(lwm2m[0]) == {"firmwareName", "firmwareFrom", "firmwareTo", "launchDate",
                             "releaseNote", "model", "make", "protocol"}  # fmt: skip
    expect_error(api.get(f"{V3}/firmware/{ACC}"), "InvalidProtocol")


def test_unknown_ids_and_paths_are_404(api: Api) -> None:
    expect_error(api.get(f"{V3}/campaigns/{ACC}/nope"), "NotFound", 404)
    cid = api.create()["id"]
    expect_error(api.get(f"{V3}/campaigns/0000000000-00000/{cid}"), "NotFound", 404)
    expect_error(api.get(f"{V3}/nothing/here"), "NotFound", 404)
    assert api.get(f"{V3}/reports/{ACC}/campaigns/nope/devices").status_code == 404


def test_create_validates_synchronously(api: Api) -> None:
    url = f"{V3}/campaigns/firmware/{ACC}"
    expect_error(api.post(url, json=firmware_body(firmwareTo="")), "InvalidRequest")
    expect_error(api.post(url, json=firmware_body(protocol="FTP")), "InvalidProtocol")
    expect_error(api.post(url, json=firmware_body(startDate="3/3/2026")), "InvalidDate")
    expect_error(api.post(url, json=firmware_body(deviceList=["12"])), "InvalidDeviceId")
    expect_error(api.post(url, json=firmware_body(deviceList=[])), "InvalidRequest")
    expect_error(api.post(url, content=b"{not json"), "InvalidRequest")
    assert api.sim.emulator.processed_counts()[f"POST {V3}/campaigns/firmware/<acc>"] == 6
    assert api.sim.emulator.state.campaigns == {}


def test_names_are_not_unique(api: Api) -> None:
    first, second = api.create()["id"], api.create()["id"]
    assert first != second


def test_every_response_carries_the_simulated_date(api: Api) -> None:
    for response in (
        api.get(f"{V3}/campaigns/{ACC}/nope"),
        api.http.get("/_sim/clock"),
        api.http.post("/api/ts/v1/oauth2/token"),
    ):
        assert parsedate_to_datetime(response.headers["Date"]) == DEFAULT_NOW
    api.sim.emulator.advance(timedelta(hours=5))
    date = api.get(f"{V3}/campaigns/{ACC}/nope").headers["Date"]
    assert parsedate_to_datetime(date) == DEFAULT_NOW + timedelta(hours=5)


def test_v1_upgrade_shows_seed_001_shape(api: Api) -> None:
    cid = api.create()["id"]
    body = api.get(f"/api/fota/v1/upgrades/{ACC}/upgrade/{cid}").json()
    assert set(body) == {"id", "accountName", "firmwareName", "firmwareTo", "startDate",
                         "endDate", "status", "deviceList"}  # fmt: skip
    assert body["status"] == "Queued"
    assert {d["deviceId"] for d in body["deviceList"]} == {IMEI_A, IMEI_B}
    assert {d["status"] for d in body["deviceList"]} == {"Device Accepted"}


def test_auto_add_devices_brings_matching_fleet_devices() -> None:
    with running_sim(devices=40, seed=5) as sim:
        api = Api(sim)
        fleet = sim.emulator.state.fleet.devices.values()
        matching = {
            d.imei
            for d in fleet
            if (d.make, d.model, d.firmware) == (PKG.make, PKG.model, PKG.firmwareFrom)
        }
        assert matching
        cid = api.create(deviceList=[IMEI_A], autoAddDevicesFlag=True)["id"]
        assert set(api.devices(cid)) == matching | {IMEI_A}
        plain = api.create(deviceList=[IMEI_A])["id"]
        assert set(api.devices(plain)) == {IMEI_A}
