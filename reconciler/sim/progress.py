"""Device upgrade progress as a pure function of (campaign timeline, device, seed, now).

No background thread moves devices: a report computes each listed device's state on demand,
so paging a 100,000-device campaign costs only the page it returns and every answer is
reproducible from the state file and the seed.

Model: a device attempts its upgrade once per open window occurrence (UTC hours; no windows =
one occurrence per day), at a fixed, seed-derived fraction into the window. A fraction
``failure_rate`` of devices (chosen by hash) fail every attempt and give up after
``MAX_ATTEMPTS``; the others succeed on their first attempt. Attempts happen only while the
device is in a running campaign: from ``max(start 00:00Z, joined, settled)`` until the first of
the end, an abort or the device's removal.
"""

from __future__ import annotations

import functools
import hashlib
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from reconciler.sim.lifecycle import Window, midnight

MAX_ATTEMPTS = 3
PENDING = "UpgradePending"
SUCCESS = "UpgradeSuccess"
FAILURE = "upgradeFailure"
_FAILURE_REASONS = ("DownloadFailed", "InstallFailed", "DeviceNotResponding")
_INSTALL_TIME = timedelta(minutes=7)
ALL_DAY: tuple[Window, ...] = ((0, 24),)


@dataclass(frozen=True)
class Regime:
    """Windows in force from ``since`` until the next regime (windows added after the start
    apply from the moment they were added, never retroactively)."""

    since: datetime
    windows: tuple[Window, ...]


@dataclass(frozen=True)
class Timeline:
    """What progress needs to know about a campaign."""

    campaign_id: str
    active_from: datetime  # start 00:00Z, or settle time if later
    active_until: datetime  # end+1d 00:00Z, or abort time
    regimes: Sequence[Regime]
    failure_rate: float
    runnable: bool  # False for cancelled / failed campaigns: nothing ever happens
    closed_reason: str = ""
    # Derived once per timeline (a report page reuses one timeline for 1,000 devices).
    candidates: tuple[Window, ...] = field(init=False, repr=False, compare=False)
    sinces: tuple[datetime, ...] = field(init=False, repr=False, compare=False)
    # (window, start hour, length in hours) per candidate: what each device's slot needs.
    spans: tuple[tuple[Window, int, int], ...] = field(init=False, repr=False, compare=False)
    # Per regime, the windows in force as a set (membership tests in ``attempts``).
    in_force: tuple[frozenset[Window], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        windows = sorted({w for r in self.regimes for w in (r.windows or ALL_DAY)})
        object.__setattr__(self, "candidates", tuple(windows))
        object.__setattr__(self, "sinces", tuple(r.since for r in self.regimes))
        object.__setattr__(self, "spans", tuple((w, w[0], w[1] - w[0]) for w in windows))
        in_force = tuple(frozenset(r.windows or ALL_DAY) for r in self.regimes)
        object.__setattr__(self, "in_force", in_force)


class Progress(NamedTuple):
    """Where one device stands (a tuple: a report page builds a thousand of these)."""

    status: str
    reason: str
    updated: datetime
    recent_attempt: datetime | None
    next_attempt: datetime | None
    success_at: datetime | None


_SCALE = 2.0**64


def unit(seed: int, *parts: str) -> float:
    """A deterministic number in [0, 1) from the seed and the parts.

    Stable across releases on purpose: other tests' golden files depend on which devices fail.
    """
    digest = hashlib.blake2b("\x1f".join((str(seed), *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


@functools.lru_cache(maxsize=4096)
def _prefix(seed: int, campaign_id: str) -> str:
    return f"{seed}\x1f{campaign_id}\x1f"


def _unit(prefix: str, imei: str, tag: str) -> float:
    """``unit(seed, campaign_id, imei, tag)`` with the first two parts joined once per
    campaign (``prefix``): the same bytes are hashed, so the same number comes out."""
    data = (prefix + imei + tag).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big") / _SCALE


_ONE_DAY = timedelta(days=1)


@functools.lru_cache(maxsize=1024)
def _day_start(instant: datetime) -> datetime:
    """Midnight (UTC) of ``instant``'s day; cached, as a page's devices mostly share it."""
    return midnight(instant.date())


def _offsets(timeline: Timeline, fraction: float) -> list[tuple[Window, timedelta]]:
    """Each candidate window with the device's slot in it (time since midnight), in the
    windows' sorted order: the order ``attempts`` tries them in within a day."""
    return [
        (window, timedelta(hours=start + fraction * length))
        for window, start, length in timeline.spans
    ]


def _listed_in_time_order(timeline: Timeline, fraction: float) -> bool:
    """Whether ``attempts`` lists this device's instants in time order.

    Within a day it goes through the windows in their sorted order, not in the order of the
    slots: a slot a fraction into a long early window can come after the slot in a shorter
    later one (01:20 in 00-24 is listed before 01:03 in 01-02). Days follow in order, and a
    regime only leaves windows out, so slots that do not decrease in window order are enough.
    """
    if len(timeline.spans) == 1:
        return True
    slots = [offset for _, offset in _offsets(timeline, fraction)]
    return slots == sorted(slots)


def attempts(
    timeline: Timeline, begin: datetime, until: datetime, fraction: float, limit: int
) -> list[datetime]:
    """The first ``limit`` attempt instants in ``[begin, until)``."""
    regimes = timeline.regimes
    if begin >= until or not regimes:
        return []
    single = len(regimes) == 1
    if single and len(timeline.spans) == 1:  # one window all along: one instant a day
        _, start, length = timeline.spans[0]
        instant = _day_start(begin) + timedelta(hours=start + fraction * length)
        if instant < begin:
            instant += _ONE_DAY
        found: list[datetime] = []
        while instant < until and len(found) < limit:
            found.append(instant)
            instant += _ONE_DAY
        return found
    offsets = _offsets(timeline, fraction)
    out: list[datetime] = []
    day = _day_start(begin)
    while day < until:
        for window, offset in offsets:
            instant = day + offset
            if instant < begin or instant >= until:
                continue
            if not single:
                index = max(bisect_right(timeline.sinces, instant) - 1, 0)
                if window not in timeline.in_force[index]:
                    continue
            out.append(instant)
            if len(out) == limit:
                return out
        day += _ONE_DAY
    return out


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _estimate(instant: datetime) -> str:
    """``10 Mar 26 18:32 UTC`` (``%d %b %y %H:%M UTC`` in the C locale, without strftime's
    cost or its dependence on the process locale)."""
    return (
        f"{instant.day:02d} {_MONTHS[instant.month - 1]} {instant.year % 100:02d} "
        f"{instant.hour:02d}:{instant.minute:02d} UTC"
    )


def progress(
    timeline: Timeline,
    imei: str,
    joined: datetime,
    left: datetime | None,
    seed: int,
    now: datetime,
) -> Progress:
    """Where one device stands at ``now``."""
    if not timeline.runnable:
        return Progress(FAILURE, timeline.closed_reason, joined, None, None, None)
    begin = max(timeline.active_from, joined)
    until = timeline.active_until if left is None else min(timeline.active_until, left)
    prefix = _prefix(seed, timeline.campaign_id)
    fraction = _unit(prefix, imei, "\x1fslot")
    first = attempts(timeline, begin, until, fraction, 1)
    if not first or (first[0] > now and _listed_in_time_order(timeline, fraction)):
        # Nothing has happened yet (the common case before and early in a campaign): whether
        # the device will fail does not matter, only its first attempt does. That holds only
        # if no later-listed attempt is earlier than the first one; otherwise a failing
        # device's second or third listed attempt may already be past.
        fails = False
        done: list[datetime] = []
        ahead = first
    else:
        fails = _unit(prefix, imei, "\x1ffail") < timeline.failure_rate
        planned = attempts(timeline, begin, until, fraction, MAX_ATTEMPTS) if fails else first
        done = [a for a in planned if a <= now]
        ahead = [a for a in planned if a > now]
    if not done:
        if now >= until:
            reason = timeline.closed_reason or "Campaign ended before the device was upgraded"
            return Progress(FAILURE, reason, until, None, None, None)
        if ahead:
            reason = (
                "Upgrade pending, the device upgrade is estimated to be scheduled for "
                f"{_estimate(ahead[0])}"
            )
        else:
            reason = "Upgrade pending, no upgrade window before the campaign end"
        return Progress(PENDING, reason, joined, None, ahead[0] if ahead else None, None)
    last = done[-1]
    if not fails:
        finished = last + _INSTALL_TIME
        return Progress(SUCCESS, "DownloadInstallSucceeded", finished, last, None, last)
    why = _unit(prefix, imei, "\x1fwhy")
    code = _FAILURE_REASONS[int(why * len(_FAILURE_REASONS))]
    if len(done) >= MAX_ATTEMPTS or (not ahead and now >= until):
        return Progress(FAILURE, code, last, last, None, None)
    if ahead:
        reason = (
            f"Upgrade attempt {len(done)} failed ({code}); the device upgrade is estimated to be "
            f"retried at {_estimate(ahead[0])}"
        )
        return Progress(PENDING, reason, last, last, ahead[0], None)
    reason = f"Upgrade attempt {len(done)} failed ({code}); no upgrade window before the end"
    return Progress(PENDING, reason, last, last, None, None)
