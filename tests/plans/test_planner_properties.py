"""Property tests: over random live campaigns, specs and clocks, every planned action is one the
lifecycle allows. The allowed set is restated here from docs/RULES.md, independently
of reconciler.lifecycle.rules, so a bug in the rules module cannot hide itself.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

from reconciler.model import (
    CampaignSpec,
    Kind,
    Lifecycle,
    LiveCampaign,
    OnImmutableChange,
    Package,
    Schedule,
    TimeWindow,
    windows,
)
from reconciler.plans.planner import plan
from reconciler.plans.types import Action, ActionType, CampaignPlan, Outcome
from reconciler.views import load_plan, plan_schema, render_json

BASE = date(2026, 12, 1)
ACC = "0000000001-00001"
IMEIS = [f"35465809{i:07d}" for i in range(12)]
WINDOWS = [TimeWindow(0, 4), TimeWindow(2, 6), TimeWindow(18, 22), TimeWindow(20, 24)]
PACKAGES = [
    Package("p", "1", "2", "LWM2M"),
    Package("p", "1", "3", "LWM2M"),
    Package("p", "1", "2", "HTTP"),
]
STATUSES = [
    "CampaignRequestPending",
    "CampaignRequestQueued",
    "CampaignScheduled",
    "CampaignQueued",
    "CampaignEnded",
    "CampaignCancelled",
    "CampaignAborted",
    "CampaignFailed",
    "CampaignRequestFailed",
    "BrandNewStatus",
]
ACTIVE = {"CampaignRequestQueued", "CampaignScheduled", "CampaignQueued"}

days = st.integers(min_value=-6, max_value=6).map(lambda n: BASE + timedelta(days=n))
win_sets = st.lists(st.sampled_from(WINDOWS), max_size=3).map(windows)


@st.composite
def schedules(draw: st.DrawFn, kind: Kind) -> Schedule:
    start = draw(days)
    end = start + timedelta(days=draw(st.integers(0, 6)))
    if kind is Kind.FIRMWARE:
        return Schedule(start, end, windows=draw(win_sets))
    return Schedule(
        start,
        end,
        download_after=draw(st.none() | st.just(start)),
        download_windows=draw(win_sets),
        install_after=draw(st.none() | st.just(end)),
        install_windows=draw(win_sets),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[CampaignSpec, LiveCampaign | None, datetime]:
    # Campaigns only: v1 upgrades have their own statement (test_planner_v1_properties.py).
    kind = draw(st.sampled_from([Kind.FIRMWARE, Kind.SOFTWARE]))
    spec = CampaignSpec(
        account=ACC,
        name="camp",
        kind=kind,
        package=draw(st.sampled_from(PACKAGES)),
        schedule=draw(schedules(kind)),
        devices=draw(st.frozensets(st.sampled_from(IMEIS), max_size=6)),
        auto_assign_license=kind is Kind.FIRMWARE and draw(st.booleans()),
        auto_add_devices=kind is Kind.FIRMWARE and draw(st.booleans()),
        lifecycle=Lifecycle(
            on_immutable_change=draw(st.sampled_from(OnImmutableChange)),
            allow_abort=draw(st.booleans()),
            allow_device_removal=draw(st.booleans()),
        ),
    )
    live: LiveCampaign | None = None
    if draw(st.integers(0, 4)) != 0:
        similar = draw(st.integers(0, 3)) != 0  # often close to the spec, so changes are small
        live = LiveCampaign(
            id="c-1",
            account=ACC,
            name="camp",
            kind=kind,
            status=draw(st.sampled_from(STATUSES) | st.sampled_from(sorted(ACTIVE))),
            package=spec.package if similar else draw(st.sampled_from(PACKAGES)),
            schedule=draw(schedules(kind)),
            devices=draw(
                st.dictionaries(
                    st.sampled_from(IMEIS),
                    st.sampled_from(["UpgradePending", "UpgradeSuccess", "upgradeFailure"]),
                    max_size=6,
                )
            ),
            auto_assign_license=draw(st.none() | st.booleans()) if kind is Kind.FIRMWARE else None,
            auto_add_devices=draw(st.none() | st.booleans()) if kind is Kind.FIRMWARE else None,
        )
        if similar:
            near = dict.fromkeys(spec.devices, "UpgradePending") | dict(
                list(live.devices.items())[: draw(st.integers(0, 2))]
            )
            for imei in draw(st.lists(st.sampled_from(sorted(spec.devices) or IMEIS), max_size=2)):
                near.pop(imei, None)
            live = replace(live, schedule=_near(draw, spec.schedule), devices=near)
    minutes = draw(st.integers(min_value=-8 * 24 * 60, max_value=8 * 24 * 60))
    now = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    return spec, live, now


def _near(draw: st.DrawFn, s: Schedule) -> Schedule:
    """A schedule one edit away from ``s``."""
    edit = draw(st.sampled_from(["none", "start", "end", "windows"]))
    if edit == "start":
        return replace(s, start=s.start - timedelta(days=draw(st.integers(0, 3))))
    if edit == "end":
        return replace(s, end=s.end + timedelta(days=draw(st.integers(-2, 3))))
    if edit == "windows":
        return replace(s, windows=draw(win_sets))
    return s


# --- the independent statement of the rules ---------------------------------------------------


def midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def started(live: LiveCampaign, now: datetime) -> bool:
    return now >= midnight(live.schedule.start)


def ended(live: LiveCampaign, now: datetime) -> bool:
    # Safe reading: the end date is already over (never laxer than the emulator's end + 1 day).
    return now >= midnight(live.schedule.end)


def changeable(live: LiveCampaign, now: datetime) -> bool:
    return live.status in ACTIVE and not ended(live, now)


def wins(body: dict[str, Any], key: str) -> set[tuple[int, int]]:
    return {(w["startTime"], w["endTime"]) for w in body.get(key) or []}


def permitted(a: Action, spec: CampaignSpec, live: LiveCampaign | None, now: datetime) -> bool:
    if a.type is ActionType.CREATE:
        body = a.body or {}
        return (
            date.fromisoformat(body["startDate"]) >= now.date()
            and body["deviceList"] == sorted(spec.devices)
            and body["campaignName"] == spec.name
        )
    assert live is not None
    if a.type is ActionType.CANCEL:
        return live.status in ACTIVE and not started(live, now)
    if a.type is ActionType.ABORT:
        return changeable(live, now) and started(live, now) and spec.lifecycle.allow_abort
    if a.type is ActionType.REPLACE:
        first, second = a.steps
        return (
            spec.lifecycle.on_immutable_change is OnImmutableChange.REPLACE
            and spec.campaign_id is None
            and permitted(first, spec, live, now)
            and second.type is ActionType.CREATE
            and permitted(second, spec, live, now)
        )
    if not changeable(live, now):
        return False
    body = a.body or {}
    if a.type is ActionType.UPDATE_SCHEDULE:
        if not started(live, now):
            new_start = date.fromisoformat(body["startDate"])
            return new_start == live.schedule.start or new_start >= now.date()
        old = live.schedule
        end = date.fromisoformat(body["endDate"])
        return (
            body["startDate"] == old.start.isoformat()
            and (end == old.end or midnight(end) >= now + timedelta(hours=24))
            and wins(body, "campaignTimeWindowList") >= {(w.start, w.end) for w in old.windows}
            and wins(body, "downloadTimeWindowList")
            >= {(w.start, w.end) for w in old.download_windows}
            and wins(body, "installTimeWindowList")
            >= {(w.start, w.end) for w in old.install_windows}
            and body.get("downloadAfterDate")
            == (old.download_after.isoformat() if old.download_after else None)
            and body.get("installAfterDate")
            == (old.install_after.isoformat() if old.install_after else None)
        )
    if a.type is ActionType.ADD_DEVICES:
        devices = set(body["deviceList"])
        return body["Type"] == "append" and not devices & set(live.devices)
    if a.type is ActionType.REMOVE_DEVICES:
        devices = set(body["deviceList"])
        return (
            body["Type"] == "remove"
            and spec.lifecycle.allow_device_removal
            and not spec.auto_add_devices
            and devices <= set(live.devices)
            and not devices & spec.devices
            and all(live.devices[d] != "UpgradeSuccess" for d in devices)
        )
    return False


def converges(entry: CampaignPlan, spec: CampaignSpec, live: LiveCampaign) -> bool:
    """Applying a change's actions to ``live`` yields the spec's schedule and devices."""
    devices = set(live.devices)
    schedule_body = None
    for a in entry.actions:
        body = a.body or {}
        if a.type is ActionType.UPDATE_SCHEDULE:
            schedule_body = body
        elif a.type is ActionType.ADD_DEVICES:
            devices |= set(body["deviceList"])
        elif a.type is ActionType.REMOVE_DEVICES:
            devices -= set(body["deviceList"])
    if schedule_body is not None and schedule_body["endDate"] != spec.schedule.end.isoformat():
        return False
    if spec.auto_add_devices:
        return devices >= spec.devices
    return devices == spec.devices


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_planned_action_is_permitted(
    case: tuple[CampaignSpec, LiveCampaign | None, datetime],
) -> None:
    spec, live, now = case
    result = plan([spec], {spec.key: live}, now)
    (entry,) = result.campaigns
    event(f"{entry.outcome.value} " + ",".join(a.type.value for a in entry.actions))
    for refusal in entry.refusals:
        event(refusal.rule)
    for action in entry.actions:
        assert permitted(action, spec, live, now), (entry.outcome, action.type)
    if entry.refusals:
        assert entry.outcome is Outcome.REFUSED and not entry.actions
    if live is not None and live.status not in ACTIVE and live.status != "CampaignRequestPending":
        assert not entry.actions  # terminal or unknown: never touched
    if live is not None and live.status in {"CampaignEnded", "CampaignCancelled"}:
        assert entry.outcome is Outcome.FINISHED
    if live is None and entry.outcome is not Outcome.REFUSED:
        assert entry.outcome is Outcome.CREATE
    if entry.outcome is Outcome.CHANGE:
        assert live is not None and converges(entry, spec, live)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cases(), min_size=1, max_size=4))
def test_plans_are_deterministic_valid_and_round_trip(
    items: list[tuple[CampaignSpec, LiveCampaign | None, datetime]],
) -> None:
    specs = [replace(s, name=f"camp-{i}") for i, (s, _, _) in enumerate(items)]
    live = {
        s.key: (replace(lv, name=s.name) if lv is not None else None)
        for s, (_, lv, _) in zip(specs, items, strict=True)
    }
    now = items[0][2]
    first = render_json(plan(specs, live, now, specs_digest="d"))
    again = render_json(
        plan(list(reversed(specs)), dict(reversed(live.items())), now, specs_digest="d")
    )
    assert first == again
    Draft202012Validator(plan_schema()).validate(json.loads(first))
    loaded = load_plan(first)
    assert loaded == plan(specs, live, now, specs_digest="d")
    assert render_json(loaded) == first
