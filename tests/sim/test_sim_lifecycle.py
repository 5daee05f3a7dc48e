"""One test per lifecycle rule, each at its boundary instant (frozen clock, UTC).

Campaign under test: start 2026-03-03, end 2026-03-05 (inclusive), window 18-22. So it starts
at 2026-03-03T00:00:00Z and ends at 2026-03-06T00:00:00Z.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.sim.helpers import ACC, IMEI_A, IMEI_B, V3, Api, expect_error, firmware_body

START = datetime(2026, 3, 3, tzinfo=UTC)
END = datetime(2026, 3, 6, tzinfo=UTC)
TICK = timedelta(seconds=1)
WINDOW = [{"startTime": 18, "endTime": 22}]


def _dates(api: Api, cid: str, **overrides: Any) -> Any:
    body: dict[str, Any] = {
        "startDate": "2026-03-03",
        "endDate": "2026-03-05",
        "campaignTimeWindowList": WINDOW,
    }
    body.update(overrides)
    return api.put(f"{V3}/campaigns/firmware/{ACC}/{cid}/dates", json=body)


def _scheduled(api: Api) -> str:
    cid = str(api.create()["id"])
    assert api.settle(cid) == "CampaignScheduled"
    return cid


def _append(api: Api, cid: str) -> Any:
    return api.put(
        f"{V3}/campaigns/firmware/{ACC}/{cid}", json={"Type": "append", "deviceList": [IMEI_B]}
    )


# --- cancel / abort --------------------------------------------------------------------------


def test_delete_just_before_start_cancels(api: Api) -> None:
    cid = _scheduled(api)
    api.at(START - TICK)
    response = api.delete(f"{V3}/campaigns/{ACC}/{cid}")
    assert response.status_code == 200 and response.json() == {"success": True}
    assert api.campaign(cid)["status"] == "CampaignCancelled"


def test_delete_at_start_aborts(api: Api) -> None:
    cid = _scheduled(api)
    api.at(START)
    assert api.delete(f"{V3}/campaigns/{ACC}/{cid}").json() == {"success": True}
    assert api.campaign(cid)["status"] == "CampaignAborted"


def test_abort_stops_device_progress(api: Api) -> None:
    cid = _scheduled(api)
    api.at(START + timedelta(hours=1))
    api.delete(f"{V3}/campaigns/{ACC}/{cid}")
    api.at(START + timedelta(hours=23))
    statuses = {d["status"] for d in api.devices(cid).values()}
    assert statuses == {"upgradeFailure"}


def test_delete_at_end_is_refused_campaign_ended(api: Api) -> None:
    cid = _scheduled(api)
    api.at(END - TICK)
    assert api.campaign(cid)["status"] == "CampaignScheduled"
    api.at(END)
    assert api.campaign(cid)["status"] == "CampaignEnded"
    expect_error(api.delete(f"{V3}/campaigns/{ACC}/{cid}"), "CampaignEnded")


def test_delete_twice_is_refused_not_modifiable(api: Api) -> None:
    cid = _scheduled(api)
    api.delete(f"{V3}/campaigns/{ACC}/{cid}")
    expect_error(api.delete(f"{V3}/campaigns/{ACC}/{cid}"), "CampaignNotModifiable")


# --- dates and windows -----------------------------------------------------------------------


def test_before_start_anything_may_change(api: Api) -> None:
    cid = _scheduled(api)
    api.at(START - TICK)
    response = _dates(
        api,
        cid,
        startDate="2026-03-02",
        endDate="2026-03-09",
        campaignTimeWindowList=[{"startTime": 1, "endTime": 5}],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["startDate"], body["endDate"]) == ("2026-03-02", "2026-03-09")
    assert body["campaignTimeWindowList"] == [{"startTime": 1, "endTime": 5}]


def test_start_date_in_the_past_is_refused_before_start(api: Api) -> None:
    cid = _scheduled(api)  # now is 2026-03-02T09:00Z
    expect_error(_dates(api, cid, startDate="2026-03-01"), "StartDateInPast")
    assert _dates(api, cid, startDate="2026-03-02").status_code == 200


def test_end_before_start_is_refused(api: Api) -> None:
    cid = _scheduled(api)
    expect_error(_dates(api, cid, endDate="2026-03-02"), "EndDateBeforeStartDate")
    assert _dates(api, cid, endDate="2026-03-03").status_code == 200
    url = f"{V3}/campaigns/firmware/{ACC}"
    expect_error(api.post(url, json=firmware_body(endDate="2026-03-02")), "EndDateBeforeStartDate")


def test_start_date_change_refused_from_the_start_instant(api: Api) -> None:
    cid = _scheduled(api)
    api.at(START - TICK)
    assert _dates(api, cid, startDate="2026-03-04").status_code == 200
    assert _dates(api, cid, startDate="2026-03-03").status_code == 200
    api.at(START)
    expect_error(_dates(api, cid, startDate="2026-03-04"), "CampaignAlreadyStarted")


def test_window_removal_refused_after_start_adding_allowed(api: Api) -> None:
    cid = _scheduled(api)
    api.at(START - TICK)
    assert _dates(api, cid, campaignTimeWindowList=[]).status_code == 200
    assert _dates(api, cid).status_code == 200
    api.at(START)
    expect_error(_dates(api, cid, campaignTimeWindowList=[]), "TimeWindowRemovalNotAllowed")
    more = [*WINDOW, {"startTime": 2, "endTime": 6}]
    assert _dates(api, cid, campaignTimeWindowList=more).status_code == 200
    message = expect_error(_dates(api, cid), "TimeWindowRemovalNotAllowed")
    assert "2-6" in message


def test_new_end_date_at_least_24h_ahead_after_start(api: Api) -> None:
    cid = _scheduled(api)
    api.at(START)  # 2026-03-04 00:00Z is exactly now + 24h: accepted
    assert _dates(api, cid, endDate="2026-03-04").status_code == 200
    api.at(START + TICK)  # now + 24h is one second past 2026-03-04 00:00Z
    expect_error(_dates(api, cid, endDate="2026-03-03"), "EndDateTooSoon")
    assert _dates(api, cid, endDate="2026-03-05").status_code == 200


def test_resending_an_unchanged_end_date_is_not_a_change(api: Api) -> None:
    cid = _scheduled(api)
    api.at(datetime(2026, 3, 5, 12, tzinfo=UTC))  # end date 03-05 is < now + 24h
    assert _dates(api, cid).status_code == 200


def test_nothing_changes_after_the_end(api: Api) -> None:
    cid = _scheduled(api)
    api.at(END - TICK)
    assert _append(api, cid).status_code == 200
    api.at(END)
    expect_error(_dates(api, cid, endDate="2026-03-09"), "CampaignEnded")
    expect_error(_append(api, cid), "CampaignEnded")


def test_cancelled_campaign_cannot_change(api: Api) -> None:
    cid = _scheduled(api)
    api.delete(f"{V3}/campaigns/{ACC}/{cid}")
    expect_error(_dates(api, cid), "CampaignNotModifiable")
    expect_error(_append(api, cid), "CampaignNotModifiable")


@pytest.mark.parametrize(
    ("window", "code"),
    [
        ({"startTime": 24, "endTime": 24}, "InvalidTimeWindow"),
        ({"startTime": -1, "endTime": 4}, "InvalidTimeWindow"),
        ({"startTime": 20, "endTime": 25}, "InvalidTimeWindow"),
        ({"startTime": 10, "endTime": 10}, "InvalidTimeWindow"),
        ({"startTime": 10, "endTime": 8}, "InvalidTimeWindow"),
        ({"startTime": "1", "endTime": 8}, "InvalidTimeWindow"),
        ({"startTime": 10, "endTime": 13}, "TimeWindowTooShort"),
    ],
)
def test_invalid_firmware_windows_are_refused(api: Api, window: dict[str, Any], code: str) -> None:
    url = f"{V3}/campaigns/firmware/{ACC}"
    expect_error(api.post(url, json=firmware_body(campaignTimeWindowList=[window])), code)
    cid = _scheduled(api)
    expect_error(_dates(api, cid, campaignTimeWindowList=[window]), code)


def test_four_hour_windows_at_the_range_edges_are_accepted(api: Api) -> None:
    windows = [{"startTime": 0, "endTime": 4}, {"startTime": 20, "endTime": 24}]
    body = api.create(campaignTimeWindowList=windows)
    assert body["campaignTimeWindowList"] == windows


# --- async create checks ---------------------------------------------------------------------


def test_start_date_in_the_past_fails_asynchronously(api: Api) -> None:
    body = api.create(startDate="2026-03-01")
    assert body["status"] == "CampaignRequestPending"
    assert api.campaign(body["id"])["status"] == "CampaignRequestFailed"


def test_start_date_today_is_accepted_and_already_running(api: Api) -> None:
    cid = api.create(startDate="2026-03-02")["id"]
    assert api.settle(cid) == "CampaignScheduled"
    assert api.delete(f"{V3}/campaigns/{ACC}/{cid}").json() == {"success": True}
    assert api.campaign(cid)["status"] == "CampaignAborted"


def test_running_campaign_keeps_status_scheduled(api: Api) -> None:
    cid = _scheduled(api)
    api.at(START + timedelta(hours=19))
    assert api.campaign(cid)["status"] == "CampaignScheduled"


def test_devices_added_while_running_start_from_when_they_joined(api: Api) -> None:
    cid = str(api.create(deviceList=[IMEI_A])["id"])
    api.settle(cid)
    api.at(START + timedelta(hours=23))
    assert _append(api, cid).json()["deviceList"][0]["status"] == "AddDeviceSucceed"
    devices = api.devices(cid)
    assert devices[IMEI_A]["status"] == "UpgradeSuccess"
    assert devices[IMEI_B]["status"] == "UpgradePending"
    assert devices[IMEI_B]["nextAttemptTime"].startswith("2026-03-04T")
