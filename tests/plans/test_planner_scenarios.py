"""The planner on the named scenarios: the outcome and rule a user sees for each situation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from reconciler.model import Lifecycle, LiveCampaign
from reconciler.plans.planner import fingerprint, plan
from reconciler.plans.types import ActionType, CampaignPlan, Outcome
from tests.plans.plan_factory import (
    NEW_PKG,
    NOW,
    PKG,
    REPLACE,
    STARTED,
    fw_spec,
    live_of,
    scenario_plan,
)

EXPECTED: dict[str, tuple[Outcome, tuple[str, ...]]] = {
    "a01-create": (Outcome.CREATE, ()),
    "a02-create-software": (Outcome.CREATE, ()),
    "a03-no-op": (Outcome.NO_OP, ()),
    "b01-move-dates-before-start": (Outcome.CHANGE, ()),
    "b02-remove-window-before-start": (Outcome.CHANGE, ()),
    "b03-add-devices": (Outcome.CHANGE, ()),
    "b04-remove-devices": (Outcome.CHANGE, ()),
    "c01-extend-end-running": (Outcome.CHANGE, ()),
    "c02-add-window-running": (Outcome.CHANGE, ()),
    "c03-software-add-install-window": (Outcome.CHANGE, ()),
    "d01-start-locked": (Outcome.REFUSED, ("R-START-LOCKED",)),
    "d02-end-too-soon": (Outcome.REFUSED, ("R-END-MIN-24H",)),
    "d03-window-removed-running": (Outcome.REFUSED, ("R-WINDOW-NO-REMOVE",)),
    "d04-after-date-locked": (Outcome.REFUSED, ("R-AFTER-DATE-LOCKED",)),
    "d05-ended": (Outcome.REFUSED, ("R-ENDED",)),
    "d06-pending-change": (Outcome.REFUSED, ("R-PENDING",)),
    "d07-unknown-status": (Outcome.REFUSED, ("R-STATUS-UNKNOWN",)),
    "d08-create-in-past": (Outcome.REFUSED, ("R-START-PAST",)),
    "d09-immutable-refused": (Outcome.REFUSED, ("R-IMMUTABLE",)),
    "d10-replace-needs-abort": (Outcome.REFUSED, ("R-ABORT-OPT-IN",)),
    "d11-remove-devices-opted-out": (Outcome.REFUSED, ("R-DEVICE-REMOVE-OPT-OUT",)),
    "d12-remove-upgraded": (Outcome.REFUSED, ("R-DEVICE-REMOVE-UPGRADED",)),
    "d13-pinned-missing": (Outcome.REFUSED, ("R-PINNED-MISSING",)),
    "d14-replace-pinned": (Outcome.REFUSED, ("R-REPLACE-PINNED",)),
    "e01-replace-before-start": (Outcome.REPLACE, ()),
    "e02-replace-running-abort": (Outcome.REPLACE, ()),
    "e03-protocol-alias-no-op": (Outcome.NO_OP, ()),
    "f01-drift-end-date": (Outcome.CHANGE, ()),
    "f02-drift-window-removed-running": (Outcome.REFUSED, ("R-WINDOW-NO-REMOVE",)),
    "g01-finished-cancelled": (Outcome.FINISHED, ()),
    "g02-finished-ended": (Outcome.FINISHED, ()),
    "g03-resume-cut-replacement": (Outcome.CREATE, ()),
    "g04-failed-not-resumed": (Outcome.FINISHED, ()),
    "g05-replacement-already-made": (Outcome.FINISHED, ()),
    "h01-deleted-cancel": (Outcome.CANCEL, ()),
    "h02-deleted-abort": (Outcome.ABORT, ()),
    "h03-deleted-running-refused": (Outcome.REFUSED, ("R-ABORT-OPT-IN",)),
    "p01-pruned-cancel": (Outcome.CANCEL, ()),
    "p02-pruned-running-refused": (Outcome.REFUSED, ("R-ABORT-OPT-IN",)),
}


def entries() -> dict[str, CampaignPlan]:
    return {c.name: c for c in scenario_plan().campaigns}


def test_every_scenario_is_planned() -> None:
    assert sorted(entries()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario_outcome_and_rules(name: str) -> None:
    entry = entries()[name]
    outcome, rule_ids = EXPECTED[name]
    assert entry.outcome is outcome
    assert tuple(r.rule for r in entry.refusals) == rule_ids
    if entry.refusals:
        assert not entry.actions
        assert all(r.instead and r.reason for r in entry.refusals)


def test_replacement_is_take_down_then_create_in_order() -> None:
    e = entries()
    (before,) = e["e01-replace-before-start"].actions
    assert [s.type for s in before.steps] == [ActionType.CANCEL, ActionType.CREATE]
    (running,) = e["e02-replace-running-abort"].actions
    assert [s.type for s in running.steps] == [ActionType.ABORT, ActionType.CREATE]
    assert running.steps[1].body is not None
    assert running.steps[1].body["protocol"] == "OMA"


def test_schedule_update_sends_the_full_dates_payload() -> None:
    (action,) = entries()["c02-add-window-running"].actions
    assert action.body == {
        "startDate": "2026-11-20",
        "endDate": "2026-12-10",
        "campaignTimeWindowList": [
            {"startTime": 2, "endTime": 6},
            {"startTime": 18, "endTime": 22},
        ],
    }
    (sw,) = entries()["c03-software-add-install-window"].actions
    assert sw.body is not None
    assert set(sw.body) == {
        "startDate",
        "endDate",
        "downloadAfterDate",
        "downloadTimeWindowList",
        "installAfterDate",
        "installTimeWindowList",
    }


def test_drift_is_labelled_only_where_git_did_not_change_the_field() -> None:
    e = entries()
    assert e["f01-drift-end-date"].drift
    assert e["f01-drift-end-date"].actions[0].changes[0].drift
    assert e["f02-drift-window-removed-running"].refusals[0].drift
    assert not e["c01-extend-end-running"].drift  # no baseline spec: a change made in git
    # A baseline that differs from the desired spec means git made the change: not drift.
    s = fw_spec("x")
    old = replace(s, schedule=replace(s.schedule, end=s.schedule.end - timedelta(days=1)))
    lv = live_of(old)
    p = plan([s], {s.key: lv}, NOW, baseline={s.key: old})
    assert p.campaigns[0].outcome is Outcome.CHANGE and not p.campaigns[0].drift


def test_auto_added_devices_are_not_removed() -> None:
    s = fw_spec("auto", auto_add_devices=True)
    lv = live_of(s, devices={**dict.fromkeys(s.devices, "UpgradePending"), "354658090009999": "x"})
    (entry,) = plan([s], {s.key: lv}, NOW).campaigns
    assert entry.outcome is Outcome.NO_OP
    assert entry.notes and "autoAddDevices" in entry.notes[0]


def test_each_entry_records_what_it_was_planned_against() -> None:
    e = entries()["c01-extend-end-running"]
    assert e.campaign_id == "c-c01-extend-end-running"
    assert e.source == "campaigns/c01-extend-end-running.yaml:1:1"
    assert e.fingerprint is not None and e.fingerprint.startswith("sha256:")
    assert entries()["a01-create"].fingerprint is None


def test_fingerprint_tracks_the_fields_that_matter_not_device_progress() -> None:
    s = fw_spec("fp")
    lv = live_of(s)
    same = fingerprint(lv, NOW)
    assert fingerprint(live_of(s, device_status="UpgradeSuccess"), NOW) == same
    # Statuses the rules read alike (queued, scheduled) do not make a saved plan stale ...
    for alike in ("CampaignRequestQueued", "CampaignQueued", "campaignscheduled"):
        assert fingerprint(replace(lv, status=alike), NOW) == same
    changed: list[LiveCampaign] = [
        replace(lv, status="CampaignRequestPending"),  # ... a change of status class does
        replace(lv, status="SomethingNew"),
        replace(lv, status="CampaignCancelled"),
        replace(lv, schedule=replace(lv.schedule, end=lv.schedule.end + timedelta(days=1))),
        replace(lv, package=replace(lv.package, to_version="9")),
        replace(lv, devices={**lv.devices, "354658090008888": "UpgradePending"}),
        replace(lv, auto_add_devices=True),
    ]
    for other in changed:
        assert fingerprint(other, NOW) != same
    # the phase is part of it: a plan made before start is stale once the campaign started
    assert fingerprint(lv, NOW) != fingerprint(lv, NOW + timedelta(days=30))
    # terminal statuses are told apart: a cancelled replacement is resumed, a failed one is not
    cancelled = fingerprint(replace(lv, status="CampaignCancelled"), NOW)
    assert cancelled != fingerprint(replace(lv, status="CampaignFailed"), NOW)
    assert cancelled != fingerprint(replace(lv, status="CampaignAborted"), NOW)


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError):
        plan([], {}, NOW.replace(tzinfo=None))


def test_campaign_filter_plans_only_the_named_specs_and_is_recorded() -> None:
    a, b, gone = fw_spec("a"), fw_spec("b"), fw_spec("gone")
    live = {a.key: None, b.key: None, gone.key: live_of(gone)}
    filtered = plan(
        [a, b],
        live,
        NOW,
        baseline={gone.key: gone},
        spec_paths=("campaigns", "more/x.yaml"),
        campaign_filter=["b", "b"],
    )
    assert [c.name for c in filtered.campaigns] == ["b"]  # not a, and gone is not taken down
    assert filtered.campaign_filter == ("b",)
    assert filtered.spec_paths == ("campaigns", "more/x.yaml")
    everything = plan([a, b], live, NOW, baseline={gone.key: gone})
    assert [c.name for c in everything.campaigns] == ["a", "b", "gone"]
    assert everything.campaign_filter == ()
    named_gone = plan([a, b], live, NOW, baseline={gone.key: gone}, campaign_filter=["gone"])
    assert [(c.name, c.outcome) for c in named_gone.campaigns] == [("gone", Outcome.CANCEL)]


@pytest.mark.parametrize(
    ("status", "lifecycle", "pinned", "history_known", "expected"),
    [
        ("CampaignCancelled", "replace", False, True, Outcome.CREATE),
        ("CampaignAborted", "replace", False, True, Outcome.CREATE),
        ("campaigncancelled", "replace", False, True, Outcome.CREATE),
        ("CampaignEnded", "replace", False, True, Outcome.FINISHED),
        ("CampaignFailed", "replace", False, True, Outcome.FINISHED),
        ("CampaignRequestFailed", "replace", False, True, Outcome.FINISHED),
        ("CampaignCancelled", "refuse", False, True, Outcome.FINISHED),
        ("CampaignCancelled", "replace", True, True, Outcome.FINISHED),
        ("CampaignCancelled", "replace", False, False, Outcome.FINISHED),
    ],
)
def test_only_a_cancelled_or_aborted_campaign_of_an_opted_in_spec_is_replaced_anew(
    status: str, lifecycle: str, pinned: bool, history_known: bool, expected: Outcome
) -> None:
    s = fw_spec(
        "cut",
        package=NEW_PKG,
        lifecycle=REPLACE if lifecycle == "replace" else Lifecycle(),
        campaign_id="c-cut" if pinned else None,
    )
    lv = live_of(s, status, cid="c-cut", package=PKG, devices={})
    result = plan([s], {s.key: lv}, NOW, namesakes={s.key: [lv]} if history_known else None)
    (entry,) = result.campaigns
    assert entry.outcome is expected
    if expected is Outcome.CREATE:
        assert entry.actions[0].type is ActionType.CREATE and entry.campaign_id == "c-cut"
        assert "R-RESUME-REPLACEMENT" in entry.notes[0] and "c-cut" in entry.notes[0]
    else:
        assert not entry.actions


def test_a_resumed_replacement_must_itself_be_creatable() -> None:
    s = fw_spec("late", package=NEW_PKG, lifecycle=REPLACE, schedule=STARTED)
    lv = live_of(s, "CampaignCancelled", package=PKG, devices={})
    (entry,) = plan([s], {s.key: lv}, NOW, namesakes={s.key: [lv]}).campaigns
    assert entry.outcome is Outcome.REFUSED and entry.refusals[0].rule == "R-START-PAST"
    assert "R-RESUME-REPLACEMENT" in entry.notes[0]
