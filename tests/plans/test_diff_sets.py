"""Diffs between specs and live campaigns: no false diffs, device lists as sets, fast."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from reconciler.model import (
    CampaignSpec,
    Kind,
    LiveCampaign,
    Package,
    Schedule,
    TimeWindow,
    windows,
)
from reconciler.plans.diff import DiffItem, canonical_protocol, diff_campaign, diff_devices

IMEIS = [f"35465809{i:07d}" for i in range(40)]
WINDOWS = [TimeWindow(s, e) for s, e in ((0, 4), (2, 6), (18, 22), (20, 24), (8, 12))]


def spec(**kw: object) -> CampaignSpec:
    base = CampaignSpec(
        account="0000000001-00001",
        name="n",
        kind=Kind.FIRMWARE,
        package=Package("p", "1", "2", "LWM2M"),
        schedule=Schedule(date(2026, 12, 1), date(2026, 12, 9), windows=(TimeWindow(18, 22),)),
        devices=frozenset(IMEIS[:3]),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def live_of(s: CampaignSpec, **kw: object) -> LiveCampaign:
    base = LiveCampaign(
        id="c1",
        account=s.account,
        name=s.name,
        kind=s.kind,
        status="CampaignScheduled",
        package=s.package,
        schedule=s.schedule,
        devices=dict.fromkeys(s.devices, "UpgradePending"),
        auto_assign_license=s.auto_assign_license,
        auto_add_devices=s.auto_add_devices,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


@given(
    st.lists(st.sampled_from(WINDOWS), max_size=5),
    st.lists(st.sampled_from(IMEIS), max_size=20),
    st.randoms(),
)
def test_order_and_duplicates_never_make_a_diff(
    wins: list[TimeWindow], devices: list[str], rnd: random.Random
) -> None:
    s = spec(
        schedule=replace(spec().schedule, windows=windows(wins)),
        devices=frozenset(devices),
    )
    shuffled_w = list(wins) * 2
    rnd.shuffle(shuffled_w)
    shuffled_d = list(devices)
    rnd.shuffle(shuffled_d)
    lv = live_of(
        s,
        schedule=replace(s.schedule, windows=windows(shuffled_w)),
        devices={d: rnd.choice(["UpgradePending", "UpgradeSuccess"]) for d in shuffled_d},
    )
    assert diff_campaign(s, lv).empty


@given(st.frozensets(st.sampled_from(IMEIS)), st.frozensets(st.sampled_from(IMEIS)))
def test_devices_are_set_differences(desired: frozenset[str], live: frozenset[str]) -> None:
    added, removed = diff_devices(desired, dict.fromkeys(live, "UpgradePending"))
    assert added == desired - live
    assert removed == live - desired


def test_protocol_spellings_the_api_mixes_compare_equal() -> None:
    for a in ("OMA", "OMADM", "OMD-DM", "oma-dm"):
        assert canonical_protocol(a) == canonical_protocol("OMA")
    assert canonical_protocol("LWM2M") != canonical_protocol("HTTP")
    s = spec(package=Package("p", "1", "2", "OMA"))
    assert diff_campaign(s, live_of(s, package=Package("p", "1", "2", "OMD-DM"))).empty


def test_fields_the_api_did_not_report_are_not_compared() -> None:
    s = spec(auto_assign_license=True)
    lv = live_of(
        s,
        package=Package("", "", "", ""),
        auto_assign_license=None,
        auto_add_devices=None,
    )
    assert diff_campaign(s, lv).empty


def test_immutable_differences_are_items_with_verbatim_values() -> None:
    s = spec(package=Package("p", "1", "3", "HTTP"), auto_add_devices=True)
    d = diff_campaign(s, live_of(spec()))
    assert d.immutable == (
        DiffItem("change", "auto_add_devices", False, True),
        DiffItem("change", "package.protocol", "LWM2M", "HTTP"),
        DiffItem("change", "package.to_version", "2", "3"),
    )


def test_name_is_compared_only_when_the_id_is_pinned() -> None:
    renamed = live_of(spec(), name="old-name")
    assert diff_campaign(spec(), renamed).empty
    pinned = spec(campaign_id="c1")
    assert diff_campaign(pinned, renamed).immutable == (
        DiffItem("change", "name", "old-name", "n"),
    )


def test_schedule_items_per_field_and_per_window() -> None:
    old = Schedule(date(2026, 12, 1), date(2026, 12, 9), windows=(TimeWindow(18, 22),))
    new = Schedule(date(2026, 12, 1), date(2026, 12, 12), windows=(TimeWindow(0, 4),))
    d = diff_campaign(spec(schedule=new), live_of(spec(schedule=old)))
    assert d.schedule == (
        DiffItem("change", "schedule.end", "2026-12-09", "2026-12-12"),
        DiffItem("remove", "schedule.windows", {"start": 18, "end": 22}, None),
        DiffItem("add", "schedule.windows", None, {"start": 0, "end": 4}),
    )
    assert d.schedule_fields == ("schedule.end", "schedule.windows")


def test_software_after_date_added_and_removed() -> None:
    base = Schedule(date(2026, 12, 1), date(2026, 12, 9), download_after=date(2026, 12, 2))
    s = spec(
        kind=Kind.SOFTWARE,
        schedule=replace(base, download_after=None, install_after=date(2026, 12, 3)),
    )
    d = diff_campaign(s, live_of(spec(kind=Kind.SOFTWARE, schedule=base)))
    assert d.schedule == (
        DiffItem("remove", "schedule.download_after", "2026-12-02", None),
        DiffItem("add", "schedule.install_after", None, "2026-12-03"),
    )
