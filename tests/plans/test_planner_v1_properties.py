"""Property tests for v1 upgrades: over random live upgrades, specs and clocks, every planned
action is one the v1 API and the v1 rules allow. The allowed set is restated here from
docs/RULES.md (section "Legacy v1 upgrades"), independently of reconciler.lifecycle.rules.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reconciler.model import (
    CampaignSpec,
    Kind,
    Lifecycle,
    LiveCampaign,
    OnImmutableChange,
    Package,
    Schedule,
)
from reconciler.plans.planner import plan
from reconciler.plans.types import Action, ActionType, Outcome

BASE = date(2026, 12, 1)
ACC = "0000000001-00001"
IMEIS = [f"35465809{i:07d}" for i in range(10)]
PACKAGES = [
    Package("fw-a", "", "2", ""),
    Package("fw-a", "", "3", ""),
    Package("fw-b", "", "2", ""),
]
V1_STATUSES = [
    "RequestPending",
    "Queued",
    "InProgress",
    "Finished",
    "RequestFailed",
    "UpgradeFailed",
    "Cancelled",
    "SomethingNew",
]
V1_ACTIVE = {"Queued", "InProgress"}
DEVICE_STATUSES = ["Request Pending", "Device Accepted", "Upgrade Success", "Upgrade Failed"]
CREATE_KEYS = {"accountName", "firmwareName", "firmwareTo", "startDate", "endDate", "deviceList"}

days = st.integers(min_value=-6, max_value=6).map(lambda n: BASE + timedelta(days=n))


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    start = draw(days)
    return Schedule(start, start + timedelta(days=draw(st.integers(0, 6))))


@st.composite
def cases(draw: st.DrawFn) -> tuple[CampaignSpec, LiveCampaign | None, datetime]:
    spec = CampaignSpec(
        account=ACC,
        name="v1 wave",
        kind=Kind.UPGRADE,
        package=draw(st.sampled_from(PACKAGES)),
        schedule=draw(schedules()),
        devices=draw(st.frozensets(st.sampled_from(IMEIS), max_size=5)),
        lifecycle=Lifecycle(
            on_immutable_change=draw(st.sampled_from(OnImmutableChange)),
            allow_device_removal=draw(st.booleans()),
        ),
    )
    live: LiveCampaign | None = None
    if draw(st.integers(0, 4)) != 0:
        same = draw(st.integers(0, 3)) != 0  # mostly the spec's upgrade, so changes are small
        live = LiveCampaign(
            id="u-1",
            account=ACC,
            name="",
            kind=Kind.UPGRADE,
            status=draw(st.sampled_from(V1_STATUSES) | st.sampled_from(sorted(V1_ACTIVE))),
            package=spec.package if same else draw(st.sampled_from(PACKAGES)),
            schedule=spec.schedule if same else draw(schedules()),
            devices=draw(
                st.dictionaries(
                    st.sampled_from(IMEIS), st.sampled_from(DEVICE_STATUSES), max_size=5
                )
            ),
        )
        if same and draw(st.booleans()):
            live = replace(live, devices=dict.fromkeys(spec.devices, "Device Accepted"))
    minutes = draw(st.integers(min_value=-8 * 24 * 60, max_value=8 * 24 * 60))
    return spec, live, datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=minutes)


def started(live: LiveCampaign, now: datetime) -> bool:
    start = live.schedule.start
    return now >= datetime(start.year, start.month, start.day, tzinfo=UTC)


def permitted(a: Action, spec: CampaignSpec, live: LiveCampaign | None, now: datetime) -> bool:
    body = a.body or {}
    if a.type is ActionType.CREATE:
        return (
            set(body) == CREATE_KEYS
            and body["accountName"] == spec.account
            and date.fromisoformat(body["startDate"]) >= now.date()
            and body["endDate"] >= body["startDate"]
            and body["deviceList"] == sorted(spec.devices)
            and bool(body["deviceList"])
        )
    assert live is not None
    before_start = live.status in V1_ACTIVE and not started(live, now)
    if a.type is ActionType.CANCEL:
        return before_start
    if a.type is ActionType.REPLACE:
        first, second = a.steps
        return (
            spec.lifecycle.on_immutable_change is OnImmutableChange.REPLACE
            and spec.campaign_id is None
            and first.type is ActionType.CANCEL
            and permitted(first, spec, live, now)
            and permitted(second, spec, live, now)
        )
    if a.type in (ActionType.ADD_DEVICES, ActionType.REMOVE_DEVICES):
        op = "append" if a.type is ActionType.ADD_DEVICES else "remove"
        devices = set(body["deviceList"])
        same_upgrade = (
            live.package.name,
            live.package.to_version,
            live.schedule,
        ) == (spec.package.name, spec.package.to_version, spec.schedule)
        ok = before_start and same_upgrade and set(body) == {"type", "deviceList"}
        if op == "append":
            return ok and body["type"] == op and not devices & set(live.devices)
        return (
            ok
            and body["type"] == op
            and spec.lifecycle.allow_device_removal
            and not devices & spec.devices
            and all(live.devices[d] != "Upgrade Success" for d in devices)
        )
    return False  # no dates change, no abort: the v1 API has neither


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_planned_v1_action_is_permitted(
    case: tuple[CampaignSpec, LiveCampaign | None, datetime],
) -> None:
    spec, live, now = case
    (entry,) = plan([spec], {spec.key: live}, now).campaigns
    event(f"{entry.outcome.value} " + ",".join(a.type.value for a in entry.actions))
    for refusal in entry.refusals:
        event(refusal.rule)
    for action in entry.actions:
        assert permitted(action, spec, live, now), (entry.outcome, action.type)
    if entry.refusals:
        assert entry.outcome is Outcome.REFUSED and not entry.actions
    if live is not None and live.status not in V1_ACTIVE:
        assert not entry.actions  # pending, finished, failed, cancelled or unknown
    if live is not None and live.status in {"Finished", "Cancelled", "UpgradeFailed"}:
        assert entry.outcome is Outcome.FINISHED
