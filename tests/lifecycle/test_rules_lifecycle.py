"""The lifecycle rules at their boundary instants, and the rule table users read."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from reconciler.lifecycle import clock, rules
from reconciler.lifecycle.statuses import Phase, is_taken_down
from reconciler.model import (
    CampaignSpec,
    Kind,
    Lifecycle,
    LiveCampaign,
    Package,
    Schedule,
    TimeWindow,
)

ROOT = Path(__file__).resolve().parents[2]
US = timedelta(microseconds=1)
START, END = date(2026, 12, 1), date(2026, 12, 10)


def live(status: str = "CampaignScheduled", **kw: object) -> LiveCampaign:
    base = LiveCampaign(
        id="c1",
        account="0000000001-00001",
        name="n",
        kind=Kind.FIRMWARE,
        status=status,
        package=Package("p", "1", "2", "LWM2M"),
        schedule=Schedule(START, END, windows=(TimeWindow(18, 22),)),
        devices={"354658090000001": "UpgradeSuccess", "354658090000002": "UpgradePending"},
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def spec(**kw: object) -> CampaignSpec:
    base = CampaignSpec(
        account="0000000001-00001",
        name="n",
        kind=Kind.FIRMWARE,
        package=Package("p", "1", "2", "LWM2M"),
        schedule=Schedule(START, END, windows=(TimeWindow(18, 22),)),
        devices=frozenset({"354658090000001"}),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def ids(violations: list[rules.Violation]) -> list[str]:
    return [v.rule.id for v in violations]


# --- the table --------------------------------------------------------------------------------


def test_rule_ids_are_stable_unique_and_cite_a_public_source() -> None:
    seen = [r.id for r in rules.RULES]
    assert len(seen) == len(set(seen))
    for rule in rules.RULES:
        assert re.fullmatch(r"R-[A-Z0-9]+(-[A-Z0-9]+)*", rule.id), rule.id
        assert rule.sentence.endswith("."), rule.id
        assert "ThingSpace" in rule.source, rule.id
        assert "seed" not in rule.source.casefold() and "../shared" not in rule.source, rule.id


def test_every_rule_is_documented_for_users() -> None:
    doc = (ROOT / "docs" / "RULES.md").read_text()
    rows = doc.splitlines()
    for rule in rules.RULES:
        assert f"`{rule.id}`" in doc, f"docs/RULES.md does not list {rule.id}"
        row = f"| `{rule.id}` | {rule.sentence} | {rule.source} | {rule.reading} |"
        assert row in rows, f"docs/RULES.md's row for {rule.id} is not the text in rules.py"


def test_only_cancelled_or_aborted_campaigns_count_as_taken_down() -> None:
    taken = {"CampaignCancelled", "CampaignAborted", "campaigncancelled"}
    for status in [*taken, "CampaignEnded", "CampaignFailed", "CampaignRequestFailed", "x"]:
        assert is_taken_down(status) is (status in taken)


# --- phases and boundary instants -------------------------------------------------------------


def test_started_at_midnight_utc_of_the_start_date() -> None:
    assert not clock.has_started(START, at(START) - US)
    assert clock.has_started(START, at(START))
    assert clock.phase(live(), at(START) - US) is Phase.BEFORE_START
    assert clock.phase(live(), at(START)) is Phase.RUNNING


def test_safe_end_is_the_start_of_the_end_date() -> None:
    assert clock.phase(live(), at(END) - US) is Phase.RUNNING
    assert clock.phase(live(), at(END)) is Phase.ENDED
    assert rules.frozen_rule(live(), at(END)) == rules.R_ENDED


@given(st.datetimes(min_value=datetime(2026, 11, 1), max_value=datetime(2027, 1, 1)))
def test_never_laxer_than_the_emulator(naive: datetime) -> None:
    now = naive.replace(tzinfo=UTC)
    emulator_started = now >= at(START)
    emulator_ended = now >= at(END + timedelta(days=1))
    assert clock.has_started(START, now) == emulator_started
    if emulator_ended:
        assert clock.has_ended(END, now)


def test_statuses_are_read_conservatively() -> None:
    now = at(START) - US
    assert clock.phase(live("CampaignRequestPending"), now) is Phase.PENDING
    assert rules.frozen_rule(live("CampaignRequestPending"), now) == rules.R_PENDING
    assert clock.phase(live("SomethingNew"), now) is Phase.PENDING
    assert rules.frozen_rule(live("SomethingNew"), now) == rules.R_STATUS_UNKNOWN
    assert clock.phase(live(""), now) is Phase.PENDING
    assert clock.phase(live("campaignscheduled"), now) is Phase.BEFORE_START
    assert clock.phase(live("CampaignQueued"), now) is Phase.BEFORE_START
    assert clock.phase(live("CampaignCancelled"), now) is Phase.FINISHED
    assert clock.phase(live("CampaignEnded"), now) is Phase.ENDED
    assert rules.frozen_rule(live("CampaignAborted"), now) == rules.R_FINISHED
    assert rules.frozen_rule(live(), now) is None


# --- schedule changes -------------------------------------------------------------------------


def test_before_start_every_date_and_window_change_is_allowed() -> None:
    now = at(START) - US
    desired = Schedule(date(2026, 12, 3), date(2026, 12, 4), windows=(TimeWindow(0, 4),))
    assert rules.check_schedule(live(), desired, now) == []


def test_before_start_a_new_start_in_the_past_is_refused() -> None:
    now = datetime(2026, 11, 22, 10, tzinfo=UTC)
    assert ids(
        rules.check_schedule(live(), replace(live().schedule, start=date(2026, 11, 21)), now)
    ) == ["R-START-PAST"]
    assert (
        rules.check_schedule(live(), replace(live().schedule, start=date(2026, 11, 22)), now) == []
    )


def test_after_start_the_start_date_is_locked() -> None:
    now = at(START)
    desired = replace(live().schedule, start=date(2026, 12, 2))
    assert ids(rules.check_schedule(live(), desired, now)) == ["R-START-LOCKED"]


def test_after_start_the_end_date_must_be_24h_away_exactly_at_the_boundary() -> None:
    new_end = date(2026, 12, 5)
    desired = replace(live().schedule, end=new_end)
    boundary = at(new_end) - timedelta(hours=24)  # new end 00:00Z == now + 24h: allowed
    assert rules.check_schedule(live(), desired, boundary) == []
    violations = rules.check_schedule(live(), desired, boundary + US)
    assert ids(violations) == ["R-END-MIN-24H"]
    assert "2026-12-06" in violations[0].instead  # the earliest end that would be accepted


def test_after_start_windows_may_be_added_not_removed() -> None:
    now = at(START) + timedelta(days=1)
    added = replace(live().schedule, windows=(TimeWindow(0, 4), TimeWindow(18, 22)))
    assert rules.check_schedule(live(), added, now) == []
    moved = replace(live().schedule, windows=(TimeWindow(17, 22),))
    assert ids(rules.check_schedule(live(), moved, now)) == ["R-WINDOW-NO-REMOVE"]


def test_after_start_software_after_dates_and_windows() -> None:
    sw = live(
        kind=Kind.SOFTWARE,
        schedule=Schedule(
            START,
            END,
            download_after=START,
            download_windows=(TimeWindow(1, 5),),
            install_after=START,
            install_windows=(TimeWindow(2, 6),),
        ),
    )
    now = at(START) + timedelta(hours=1)
    desired = replace(sw.schedule, install_after=date(2026, 12, 3), download_windows=())
    assert sorted(ids(rules.check_schedule(sw, desired, now))) == [
        "R-AFTER-DATE-LOCKED",
        "R-WINDOW-NO-REMOVE",
    ]


# --- creation, devices, take-down -------------------------------------------------------------


def test_create_with_start_today_is_allowed_yesterday_refused() -> None:
    now = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)
    assert rules.check_create(spec(), now) == []
    assert ids(rules.check_create(spec(), now + timedelta(minutes=1))) == ["R-START-PAST"]


def test_device_removal_rules() -> None:
    pending = frozenset({"354658090000002"})
    upgraded = frozenset({"354658090000001"})
    assert rules.check_device_removal(live(), spec(), pending) == []
    assert ids(rules.check_device_removal(live(), spec(), upgraded)) == ["R-DEVICE-REMOVE-UPGRADED"]
    opted_out = spec(lifecycle=Lifecycle(allow_device_removal=False))
    assert ids(rules.check_device_removal(live(), opted_out, pending)) == [
        "R-DEVICE-REMOVE-OPT-OUT"
    ]


def test_cancel_before_start_abort_after_start_only_when_allowed() -> None:
    assert rules.removal_step(live(), False, at(START) - US) == "cancel"
    refused = rules.removal_step(live(), False, at(START))
    assert isinstance(refused, rules.Violation) and refused.rule.id == "R-ABORT-OPT-IN"
    assert rules.removal_step(live(), True, at(START)) == "abort"
    ended = rules.removal_step(live(), True, at(END))
    assert isinstance(ended, rules.Violation) and ended.rule.id == "R-ENDED"
    pending = rules.removal_step(live("CampaignRequestPending"), True, at(START) - US)
    assert isinstance(pending, rules.Violation) and pending.rule.id == "R-PENDING"
