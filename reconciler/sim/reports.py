"""Device report pages, written straight to JSON text: the hot path of every plan.

A plan reads one 1,000-device page per 1,000 devices of every campaign, so the emulator's cost
per page bounds how fast any reader can go. Two things keep a page cheap while its bytes stay
exactly what ``json.dumps(body, separators=(",", ":"))`` of the plain item dictionaries gave:

- **No per-device objects.** Each item is one formatted string; strings shared by many devices
  (statuses, common reasons, join instants) are escaped and formatted once per page.
- **Integer time in the common case.** A running campaign whose windows have not changed since
  its start gives each device fixed times of day (one per window; with one window, one attempt
  a day). That case is computed in integer microseconds (``_hours_us`` rounds exactly as
  ``timedelta(hours=...)`` does) and formatted from cached minute prefixes, instead of through
  ``datetime`` objects. Cancelled or failed campaigns and window changes after the start go
  through ``progress.progress``.

``tests/sim/test_sim_report_render.py`` checks both paths against the plain reading for random
campaigns, devices and instants.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from reconciler.sim import progress
from reconciler.sim.clock import rfc3339
from reconciler.sim.progress import FAILURE, PENDING, SUCCESS, Timeline

escape: Callable[[str], str] = json.encoder.encode_basestring_ascii
_escape = escape
"""What ``json.dumps`` uses for a string (``ensure_ascii``): the same bytes, from C."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_HOUR_US = 3_600_000_000
_INSTALL_MINUTES = 7  # progress._INSTALL_TIME
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Row = tuple[str, datetime, datetime | None]
"""(IMEI, joined, left) of one member."""


class RawJson(str):
    """A response body that is already JSON text (sent as it is)."""


def _us(instant: datetime) -> int:
    return (instant - EPOCH) // _US


def _hours_us(hours: float) -> int:
    """``timedelta(hours=hours)`` in microseconds, rounded exactly as CPython rounds it (whole
    hours, then whole microseconds of the fraction, then the leftover rounded half-even)."""
    fraction, whole = math.modf(hours)
    micro_fraction, micro = math.modf(fraction * 3_600_000_000.0)
    return int(whole) * _HOUR_US + int(micro) + round(micro_fraction)


@functools.lru_cache(maxsize=4096)
def _day(day: int) -> tuple[str, str]:
    """(``2026-03-10T``, ``10 Mar 26 ``) for a day number since the epoch."""
    d = EPOCH + timedelta(days=day)
    return (
        f"{d.year:04d}-{d.month:02d}-{d.day:02d}T",
        f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year % 100:02d} ",
    )


_TWO_DIGITS = tuple(f"{n:02d}" for n in range(60))


@functools.lru_cache(maxsize=4096)
def _hour(hour: int) -> tuple[str, str]:
    """(``"2026-03-10T18:``, ``10 Mar 26 18:``) for an hour number since the epoch."""
    day, hour_of_day = divmod(hour, 24)
    stamp_day, estimate_day = _day(day)
    digits = _TWO_DIGITS[hour_of_day]
    return f'"{stamp_day}{digits}:', f"{estimate_day}{digits}:"


class _Clock:
    """Formats instants (integer microseconds) for one page. Devices of a campaign attempt
    within the same few window hours, so the minute part (``2026-03-10T18:32:`` and
    ``10 Mar 26 18:32 UTC``) is formatted once per minute and only seconds are per device.
    ``heads`` and ``estimates`` are plain dicts so the page loop can look them up inline;
    each is filled only for the minutes that need it (successes need no estimate text)."""

    def __init__(self) -> None:
        self.heads: dict[int, str] = {}
        self.estimates: dict[int, str] = {}

    def minute(self, minute: int) -> str:
        """Cache and return the head of a minute number since the epoch."""
        hour, rest = divmod(minute, 60)
        head = self.heads[minute] = f"{_hour(hour)[0]}{_TWO_DIGITS[rest]}:"
        return head

    def minute_estimate(self, minute: int) -> str:
        """Cache and return the estimate text of a minute number since the epoch."""
        hour, rest = divmod(minute, 60)
        text = self.estimates[minute] = f"{_hour(hour)[1]}{_TWO_DIGITS[rest]} UTC"
        return text

    def stamp(self, us: int) -> str:
        """``rfc3339`` of the instant, quoted for JSON (milliseconds truncated, as
        ``isoformat(timespec="milliseconds")`` does)."""
        minute, rest = divmod(us, 60_000_000)
        head = self.heads.get(minute) or self.minute(minute)
        seconds, ms = divmod(rest // 1000, 1000)
        return f'{head}{_TWO_DIGITS[seconds]}.{ms:03d}Z"'

    def estimate(self, us: int) -> str:
        """``progress._estimate`` of the instant: ``10 Mar 26 18:32 UTC``."""
        minute = us // 60_000_000
        return self.estimates.get(minute) or self.minute_estimate(minute)


def page_items(
    timeline: Timeline, rows: Iterable[Row], seed: int, now: datetime, *, firmware: bool
) -> list[str]:
    """The JSON text of each row's report item (firmware items carry the timestamps)."""
    if timeline.runnable and len(timeline.regimes) == 1:
        return _daily_items(timeline, rows, seed, now, firmware)
    return _general_items(timeline, rows, seed, now, firmware)


def _attempts(offsets: list[int], day0: int, begin: int, until: int, limit: int) -> list[int]:
    """``progress.attempts`` for one regime, in microseconds: each day from ``day0``, the
    windows in their (sorted) order, the first ``limit`` instants in ``[begin, until)``."""
    out: list[int] = []
    day = day0
    while day < until:
        for offset in offsets:
            instant = day + offset
            if begin <= instant < until:
                out.append(instant)
                if len(out) == limit:
                    return out
        day += _DAY_US
    return out


def _general_items(
    timeline: Timeline, rows: Iterable[Row], seed: int, now: datetime, firmware: bool
) -> list[str]:
    out: list[str] = []
    stamps: dict[datetime, str] = {}
    reasons: dict[str, str] = {}

    def stamp(instant: datetime) -> str:
        text = stamps.get(instant)
        if text is None:
            text = stamps[instant] = _escape(rfc3339(instant))
        return text

    compute = progress.progress
    for imei, joined, left in rows:
        p = compute(timeline, imei, joined, left, seed, now)
        reason = reasons.get(p.reason)
        if reason is None:
            reason = reasons[p.reason] = _escape(p.reason)
        head = f'{{"deviceId":{_escape(imei)},"status":"{p.status}","resultReason":{reason}'
        if not firmware:
            out.append(head + "}")
            continue
        tail = f',"updatedTime":{stamp(p.updated)}'
        if p.recent_attempt is not None:
            tail += f',"recentAttemptTime":{stamp(p.recent_attempt)}'
        if p.next_attempt is not None:
            tail += f',"nextAttemptTime":{stamp(p.next_attempt)}'
        out.append(head + tail + "}")
    return out


def _daily_items(
    timeline: Timeline, rows: Iterable[Row], seed: int, now: datetime, firmware: bool
) -> list[str]:
    """Fixed times of day per device (one regime): ``progress.progress`` specialised (same
    branches, same order), in integer microseconds."""
    spans = timeline.spans
    single = len(spans) == 1
    (_, start_hour, length) = spans[0]
    prefix = progress._prefix(seed, timeline.campaign_id)
    rate = timeline.failure_rate
    codes = progress._FAILURE_REASONS
    max_attempts = progress.MAX_ATTEMPTS
    from_bytes, modf = int.from_bytes, math.modf
    # progress._unit hashes prefix + IMEI + tag: the prefix is hashed once per page and each
    # device continues from a copy of that state (the same bytes, so the same digest).
    hashed_prefix = hashlib.blake2b(prefix.encode(), digest_size=8)
    copy = hashed_prefix.copy

    def unit_of(text: str) -> int:
        state = copy()
        state.update(text.encode())
        return from_bytes(state.digest(), "big")

    scale, slot, fail = progress._SCALE, "\x1fslot", "\x1ffail"
    pairs = [(start, size) for _, start, size in spans]  # (start hour, length) per window
    clock = _Clock()
    stamp, estimate = clock.stamp, clock.estimate
    heads, estimates, new_minute = clock.heads, clock.estimates, clock.minute
    new_estimate = clock.minute_estimate
    two_digits = _TWO_DIGITS
    now_us = _us(now)
    active_from, active_until = _us(timeline.active_from), _us(timeline.active_until)
    ended_reason = _escape(
        timeline.closed_reason or "Campaign ended before the device was upgraded"
    )
    no_window = _escape("Upgrade pending, no upgrade window before the campaign end")
    joins: dict[tuple[datetime, datetime | None], tuple[int, int, int, str]] = {}
    succeeded = f'{SUCCESS}","resultReason":"DownloadInstallSucceeded"'
    scheduled = (
        f'{PENDING}","resultReason":"Upgrade pending, the device upgrade is estimated to be '
        "scheduled for "
    )
    hour_us, day_us, install = _HOUR_US, _DAY_US, _INSTALL_MINUTES  # locals in the loop
    out: list[str] = []
    append = out.append
    last_joined: object = None
    last_left: object = None
    span = (0, 0, 0, "")
    for imei, joined, left in rows:
        if joined is not last_joined or left is not last_left:  # members mostly share both
            last_joined, last_left = joined, left
            known = joins.get((joined, left))
            if known is None:
                joined_us = _us(joined)
                begin = max(active_from, joined_us)
                until = active_until if left is None else min(active_until, _us(left))
                day0 = begin - begin % day_us
                known = joins[(joined, left)] = (begin, until, day0, stamp(joined_us))
            span = known
        begin, until, day0, joined_text = span
        device = f'{{"deviceId":"{imei}","status":"' if imei.isascii() and imei.isdigit() else None
        if device is None:  # not an IMEI: escape it (members are IMEIs; stay exact anyway)
            device = f'{{"deviceId":{_escape(imei)},"status":"'
        first = -1
        offsets: list[int] = []
        in_order = True
        if begin < until:
            state = copy()
            state.update((imei + slot).encode())
            slot_unit = from_bytes(state.digest(), "big") / scale
            if single:  # progress._unit and _hours_us, inlined (per device)
                fraction, whole = modf(start_hour + length * slot_unit)
                micro_fraction, micro = modf(fraction * 3_600_000_000.0)
                first = day0 + int(whole) * hour_us + int(micro) + round(micro_fraction)
                if first < begin:
                    first += day_us
                if first >= until:
                    first = -1
            else:  # _hours_us inlined per window; note whether the slots are in window order
                previous = -1
                for start, size in pairs:
                    fraction, whole = modf(start + slot_unit * size)
                    micro_fraction, micro = modf(fraction * 3_600_000_000.0)
                    offset = int(whole) * hour_us + int(micro) + round(micro_fraction)
                    if offset < previous:
                        in_order = False
                    offsets.append(offset)
                    previous = offset
                # _attempts(offsets, day0, begin, until, 1), inlined: the first listed instant
                # is on ``day0`` or else on the next day (every later-day instant is after
                # ``begin``; if none of the next day's is before ``until``, none later is).
                for offset in offsets:
                    if begin <= day0 + offset < until:
                        first = day0 + offset
                        break
                else:
                    for offset in offsets:
                        if day0 + day_us + offset < until:
                            first = day0 + day_us + offset
                            break
        happened = 0 <= first <= now_us
        fails = False
        planned: list[int]  # a failing device's attempts (set with ``fails``)
        done: list[int]
        if first >= 0 and (happened or (not in_order and begin <= now_us)):
            # Slots out of window order (progress._listed_in_time_order): a failing device's
            # later-listed attempt can be past while its first listed one is ahead. (Every
            # listed attempt is at ``begin`` or later, so none is past while ``begin`` is ahead.)
            state = copy()  # unit_of(imei + fail), inlined (nearly every device, once running)
            state.update((imei + fail).encode())
            fails = from_bytes(state.digest(), "big") / scale < rate
            if fails:
                if single:
                    planned = [first + n * day_us for n in range(max_attempts)]
                    planned = [a for a in planned if a < until]
                else:
                    planned = _attempts(offsets, day0, begin, until, max_attempts)
                done = [a for a in planned if a <= now_us]
                happened = bool(done)
        if not happened:  # nothing has happened yet (a failing device's planned[0] is first)
            if now_us >= until:
                item = f'{device}{FAILURE}","resultReason":{ended_reason}'
                if firmware:
                    item += f',"updatedTime":{stamp(until)}'
            elif first >= 0:  # clock.estimate and clock.stamp, inlined (one minute lookup)
                minute, rest = divmod(first, 60_000_000)
                text = estimates.get(minute) or new_estimate(minute)
                item = f'{device}{scheduled}{text}"'
                if firmware:
                    attempted = heads.get(minute) or new_minute(minute)
                    whole_seconds, ms = divmod(rest // 1000, 1000)
                    item += (
                        f',"updatedTime":{joined_text},"nextAttemptTime":{attempted}'
                        f'{two_digits[whole_seconds]}.{ms:03d}Z"'
                    )
            else:
                item = f'{device}{PENDING}","resultReason":{no_window}'
                if firmware:
                    item += f',"updatedTime":{joined_text}'
            append(item + "}")
            continue
        if not fails:
            if not firmware:
                append(f"{device}{succeeded}}}")
                continue
            # Installed 7 minutes (whole minutes) after the attempt: the same seconds.
            minute, rest = divmod(first, 60_000_000)
            whole_seconds, ms = divmod(rest // 1000, 1000)
            seconds = f'{two_digits[whole_seconds]}.{ms:03d}Z"'
            installed = heads.get(minute + install) or new_minute(minute + install)
            attempted = heads.get(minute) or new_minute(minute)
            append(
                f'{device}{succeeded},"updatedTime":{installed}{seconds},'
                f'"recentAttemptTime":{attempted}{seconds}}}'
            )
            continue
        ahead = [a for a in planned if a > now_us]
        code = codes[int(unit_of(imei + "\x1fwhy") / scale * len(codes))]
        last = stamp(done[-1])
        if len(done) >= max_attempts or (not ahead and now_us >= until):
            item = f'{device}{FAILURE}","resultReason":"{code}"'
            if firmware:
                item += f',"updatedTime":{last},"recentAttemptTime":{last}'
        elif ahead:
            item = (
                f'{device}{PENDING}","resultReason":"Upgrade attempt {len(done)} failed '
                f"({code}); the device upgrade is estimated to be retried at "
                f'{estimate(ahead[0])}"'
            )
            if firmware:
                item += (
                    f',"updatedTime":{last},"recentAttemptTime":{last},'
                    f'"nextAttemptTime":{stamp(ahead[0])}'
                )
        else:
            item = (
                f'{device}{PENDING}","resultReason":"Upgrade attempt {len(done)} failed '
                f'({code}); no upgrade window before the end"'
            )
            if firmware:
                item += f',"updatedTime":{last},"recentAttemptTime":{last}'
        append(item + "}")
    return out
