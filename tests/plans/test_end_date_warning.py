"""A running campaign near its end: the plan says, while it can still be extended, until which
instant; once ended, the refusal names the last instant an extension was possible."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from reconciler.lifecycle import rules
from reconciler.model import Schedule, TimeWindow
from reconciler.plans.planner import plan_campaign
from reconciler.plans.types import Outcome
from tests.plans.plan_factory import fw_spec, live_of

END = date(2026, 12, 10)
ENDS = datetime(2026, 12, 10, tzinfo=UTC)  # the safe end: 00:00Z of the end date


def _running(end: date = END) -> tuple[object, object]:
    spec = fw_spec(
        "pilot", schedule=Schedule(date(2026, 12, 1), end, windows=(TimeWindow(18, 22),))
    )
    return spec, live_of(spec, "CampaignScheduled")


def test_a_campaign_ending_within_three_days_gets_a_note_naming_the_instant() -> None:
    spec, live = _running()
    entry = plan_campaign(spec, live, ENDS - timedelta(days=2))  # type: ignore[arg-type]
    assert entry.outcome is Outcome.NO_OP
    (note,) = entry.notes
    assert note.startswith("ends at 2026-12-10T00:00:00Z, the start of its end date 2026-12-10")
    assert "to extend it, set schedule.end to a later date and apply before that instant" in note


def test_no_note_far_from_the_end_before_the_start_or_when_the_spec_extends_it() -> None:
    spec, live = _running()
    assert plan_campaign(spec, live, ENDS - timedelta(days=4)).notes == ()  # type: ignore[arg-type]
    short = fw_spec("short", schedule=Schedule(date(2026, 12, 1), date(2026, 12, 2)))
    before_start = datetime(2026, 11, 30, tzinfo=UTC)  # ends within 3 days, not started
    assert rules.ends_soon(live_of(short), short.schedule.end, before_start) is None
    later = replace(spec, schedule=replace(spec.schedule, end=date(2026, 12, 20)))  # type: ignore[type-var]
    entry = plan_campaign(later, live, ENDS - timedelta(days=2))  # type: ignore[arg-type]
    assert entry.outcome is Outcome.CHANGE and entry.notes == ()


def test_after_the_end_the_refusal_names_the_last_instant_an_extension_was_possible() -> None:
    spec, live = _running()
    later = replace(spec, schedule=replace(spec.schedule, end=date(2026, 12, 20)))  # type: ignore[type-var]
    entry = plan_campaign(later, live, ENDS + timedelta(hours=1))  # type: ignore[arg-type]
    assert entry.outcome is Outcome.REFUSED
    (refusal,) = entry.refusals
    assert refusal.rule == "R-ENDED"
    assert "counts as ended from 2026-12-10T00:00:00Z" in refusal.instead
    assert "the last instant an extension was possible was 2026-12-09T23:59:59Z" in refusal.instead
    assert "safe reading of 'before it ends'" in refusal.instead


@given(st.integers(min_value=-10 * 24 * 60, max_value=10 * 24 * 60))
def test_the_note_appears_exactly_while_an_extension_is_still_possible_and_near(
    minutes: int,
) -> None:
    """Never after the end (it would promise what R-ENDED refuses), always in the last 3 days."""
    _spec, live = _running()
    now = ENDS + timedelta(minutes=minutes)
    if now < datetime(2026, 12, 1, tzinfo=UTC):
        return  # not started: the start-date rules apply, not this one
    noted = rules.ends_soon(live, END, now) is not None  # type: ignore[arg-type]
    assert noted == (ENDS - rules.END_SOON <= now < ENDS)
