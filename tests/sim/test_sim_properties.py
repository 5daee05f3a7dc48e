"""Properties of the emulator's pure parts: device progress, date rules, parsers, IMEIs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.sim import lifecycle, progress
from reconciler.sim.apierror import ApiError
from reconciler.sim.clock import ClockError, SimClock, parse_duration
from reconciler.sim.fleet import Fleet, luhn_digit, luhn_valid
from reconciler.sim.progress import Regime, Timeline

BASE = datetime(2026, 3, 2, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

windows_st = st.lists(
    st.tuples(st.integers(0, 20), st.integers(4, 24)).filter(lambda w: w[1] - w[0] >= 4),
    max_size=3,
).map(lambda ws: tuple(sorted(set(ws))))
imei_st = st.from_regex(r"35[0-9]{13}", fullmatch=True)


def _timeline(windows: tuple[tuple[int, int], ...], days: int, rate: float) -> Timeline:
    return Timeline(
        campaign_id="c",
        active_from=BASE,
        active_until=BASE + timedelta(days=days),
        regimes=[Regime(EPOCH, windows)],
        failure_rate=rate,
        runnable=True,
    )


@given(
    windows=windows_st,
    days=st.integers(1, 5),
    rate=st.floats(0, 1),
    imei=imei_st,
    seed=st.integers(0, 1000),
    t1=st.integers(0, 7 * 24 * 60),
    t2=st.integers(0, 7 * 24 * 60),
)
@settings(deadline=None)
def test_progress_is_monotonic_and_success_is_final(
    windows: tuple[tuple[int, int], ...],
    days: int,
    rate: float,
    imei: str,
    seed: int,
    t1: int,
    t2: int,
) -> None:
    early, late = sorted((BASE + timedelta(minutes=t1), BASE + timedelta(minutes=t2)))
    tl = _timeline(windows, days, rate)
    a = progress.progress(tl, imei, BASE, None, seed, early)
    b = progress.progress(tl, imei, BASE, None, seed, late)
    if a.status == progress.SUCCESS:
        assert b.status == progress.SUCCESS and b.success_at == a.success_at
    if a.status == progress.FAILURE:
        assert b.status == progress.FAILURE
    if b.success_at is not None:
        assert b.success_at <= late
        allowed = windows or progress.ALL_DAY
        hour = b.success_at.hour + b.success_at.minute / 60
        assert any(s <= hour < e for s, e in allowed)
        assert BASE <= b.success_at < tl.active_until
    if b.next_attempt is not None:
        assert late < b.next_attempt < tl.active_until


@given(imei=imei_st, seed=st.integers(0, 100))
@settings(deadline=None)
def test_failure_rate_zero_and_one_are_absolute(imei: str, seed: int) -> None:
    after = BASE + timedelta(days=6)
    assert progress.progress(_timeline((), 5, 0.0), imei, BASE, None, seed, after).status == (
        progress.SUCCESS
    )
    assert progress.progress(_timeline((), 5, 1.0), imei, BASE, None, seed, after).status == (
        progress.FAILURE
    )


def test_failure_rate_is_respected_over_a_fleet() -> None:
    fleet = Fleet.generate(4000, seed=1)
    after = BASE + timedelta(days=6)
    tl = _timeline((), 5, 0.25)
    failed = sum(
        progress.progress(tl, imei, BASE, None, 1, after).status == progress.FAILURE
        for imei in fleet.devices
    )
    assert 0.22 < failed / 4000 < 0.28


@given(
    start_offset=st.integers(-3, 3),
    minutes=st.integers(0, 6 * 24 * 60),
    new_end_offset=st.integers(-2, 6),
    old=windows_st,
    added=windows_st,
)
@settings(max_examples=300, deadline=None)
def test_dates_rules_after_start(
    start_offset: int,
    minutes: int,
    new_end_offset: int,
    old: tuple[tuple[int, int], ...],
    added: tuple[tuple[int, int], ...],
) -> None:
    """After the start: same start, superset windows and an end >= now+24h are accepted;
    anything else is refused with the rule's code."""
    start = date(2026, 3, 5) + timedelta(days=start_offset)
    end = start + timedelta(days=3)
    now = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=minutes)
    new_end = end + timedelta(days=new_end_offset)
    new_windows = tuple(sorted(set(old) | set(added)))
    kwargs = {
        "old_start": start,
        "old_end": end,
        "old_windows": [("w", old)],
        "old_after": [],
        "new_start": start,
        "new_end": new_end,
        "new_windows": [("w", new_windows)],
        "new_after": [],
        "now": now,
    }
    expected: str | None = None
    if new_end < start:
        expected = "EndDateBeforeStartDate"
    elif not lifecycle.started(start, now):
        expected = "StartDateInPast" if start < now.date() else None
    elif new_end != end and lifecycle.midnight(new_end) < now + timedelta(hours=24):
        expected = "EndDateTooSoon"
    try:
        lifecycle.check_dates_change(**kwargs)  # type: ignore[arg-type]
        code = None
    except ApiError as exc:
        code = exc.code
    assert code == expected
    if lifecycle.started(start, now) and old and new_end >= start:
        kwargs["new_windows"] = [("w", old[1:])]
        with pytest.raises(ApiError) as info:
            lifecycle.check_dates_change(**kwargs)  # type: ignore[arg-type]
        assert info.value.code in ("TimeWindowRemovalNotAllowed",)


@given(st.integers(0, 23), st.integers(1, 24))
@settings(deadline=None)
def test_window_parsing_accepts_exactly_ranged_four_hour_windows(start: int, end: int) -> None:
    raw = [{"startTime": start, "endTime": end}]
    if end - start >= 4:
        assert lifecycle.parse_windows(raw, "w", min_hours=4) == ((start, end),)
    else:
        with pytest.raises(ApiError):
            lifecycle.parse_windows(raw, "w", min_hours=4)


@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99))
@settings(deadline=None)
def test_durations_parse(days: int, hours: int, minutes: int) -> None:
    text = f"{days}d{hours}h{minutes}m"
    assert parse_duration(text) == timedelta(days=days, hours=hours, minutes=minutes)
    assert parse_duration(f"{minutes}m") == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["", "3", "d", "3w", "3 weeks", "1d-", "h12"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ClockError):
        parse_duration(text)


@given(st.from_regex(r"[0-9]{14}", fullmatch=True), st.integers(1, 9))
@settings(deadline=None)
def test_luhn_digit_makes_valid_and_any_change_invalid(body: str, bump: int) -> None:
    imei = body + luhn_digit(body)
    assert luhn_valid(imei)
    changed = imei[:-1] + str((int(imei[-1]) + bump) % 10)
    assert not luhn_valid(changed)


def test_generated_fleet_is_reproducible_and_valid() -> None:
    one, two = Fleet.generate(500, seed=9), Fleet.generate(500, seed=9)
    assert list(one.devices) == list(two.devices)
    assert all(luhn_valid(i) and len(i) == 15 for i in one.devices)
    assert list(Fleet.generate(500, seed=10).devices) != list(one.devices)


def test_clock_ticks_with_injected_real_time_unless_frozen() -> None:
    real = [1000.0]
    clock = SimClock(BASE, real=lambda: real[0])
    real[0] += 90
    assert clock.now() == BASE + timedelta(seconds=90)
    clock.freeze(True)
    real[0] += 90
    assert clock.now() == BASE + timedelta(seconds=90)
    clock.advance(timedelta(days=3))
    assert clock.now() == BASE + timedelta(days=3, seconds=90)
    restored = SimClock.from_json(clock.to_json(), real=lambda: real[0])
    assert restored.now() == clock.now() and restored.frozen
