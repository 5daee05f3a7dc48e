"""The wire format round-trips: what the planner encodes is what the live reader decodes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.model import CampaignSpec, Kind, Package, Schedule, TimeWindow, windows
from reconciler.thingspace.wire import (
    WireError,
    decode_campaign,
    encode_create,
    encode_device_change,
    encode_schedule,
)

window_st = st.builds(
    lambda s, length: TimeWindow(s, min(24, s + length)),
    st.integers(0, 20),
    st.integers(4, 24),
)
dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def schedules(draw: st.DrawFn, kind: Kind) -> Schedule:
    start = draw(dates)
    end = draw(st.dates(min_value=start, max_value=date(2031, 12, 31)))
    if kind is Kind.FIRMWARE:
        return Schedule(start, end, windows=windows(draw(st.lists(window_st, max_size=4))))
    if kind is Kind.UPGRADE:  # v1: dates only
        return Schedule(start, end)
    return Schedule(
        start,
        end,
        download_after=draw(st.none() | st.just(start)),
        download_windows=windows(draw(st.lists(window_st, max_size=3))),
        install_after=draw(st.none() | st.just(end)),
        install_windows=windows(draw(st.lists(window_st, max_size=3))),
    )


@given(st.sampled_from(list(Kind)).flatmap(lambda k: st.tuples(st.just(k), schedules(k))))
def test_schedule_round_trips_through_a_campaign_body(case: tuple[Kind, Schedule]) -> None:
    kind, schedule = case
    body = {"id": "c-1", "status": "CampaignScheduled", **encode_schedule(kind, schedule)}
    assert decode_campaign(kind, body).schedule == schedule


def test_create_body_uses_the_kinds_wire_names_and_sorted_devices() -> None:
    spec = CampaignSpec(
        account="0000123456-00001",
        name="fw",
        kind=Kind.FIRMWARE,
        package=Package("pkg", "1.0", "2.0", "LWM2M"),
        schedule=Schedule(date(2027, 1, 1), date(2027, 1, 5), windows=(TimeWindow(18, 22),)),
        devices=frozenset({"354658090353977", "000000000000000"}),
    )
    body = encode_create(spec)
    assert body["firmwareName"] == "pkg" and body["protocol"] == "LWM2M"
    assert body["campaignTimeWindowList"] == [{"startTime": 18, "endTime": 22}]
    assert body["deviceList"] == ["000000000000000", "354658090353977"]
    assert body["autoAssignLicenseFlag"] is False and body["autoAddDevicesFlag"] is False
    assert "downloadTimeWindowList" not in body


def test_software_body_sends_after_dates_even_when_null() -> None:
    body = encode_schedule(Kind.SOFTWARE, Schedule(date(2027, 1, 1), date(2027, 1, 2)))
    assert body["downloadAfterDate"] is None and body["installAfterDate"] is None
    assert body["downloadTimeWindowList"] == [] and body["installTimeWindowList"] == []


def test_device_change_spells_type_with_a_capital() -> None:
    body = encode_device_change("remove", ["2", "1"])
    assert body == {"Type": "remove", "deviceList": ["1", "2"]}


@pytest.mark.parametrize(
    "body",
    [
        {"status": "x", "startDate": "2027-01-01", "endDate": "2027-01-02"},
        {"id": "1", "startDate": "soon", "endDate": "2027-01-02"},
        {"id": "1", "startDate": "2027-01-01"},
        {
            "id": "1",
            "startDate": "2027-01-01",
            "endDate": "2027-01-02",
            "campaignTimeWindowList": [{"startTime": "x"}],
        },
    ],
)
def test_unreadable_responses_raise_wire_errors(body: dict[str, object]) -> None:
    with pytest.raises(WireError):
        decode_campaign(Kind.FIRMWARE, body)
