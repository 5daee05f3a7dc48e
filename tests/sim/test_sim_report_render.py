"""Report pages written straight to JSON text (``reports``) are byte for byte what the plain
reading gives: one ``progress.progress`` per device, one dictionary per item, ``json.dumps``.

Random campaigns (one window or several, window changes after the start, aborts, removals,
failure rates, instants to the microsecond), random pages of devices and random instants; both
the integer fast path and the general path are covered, firmware and software items."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reconciler.sim import progress
from reconciler.sim.clock import rfc3339
from reconciler.sim.progress import Regime, Timeline
from reconciler.sim.reports import _hours_us, page_items

BASE = datetime(2026, 3, 2, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

window_st = st.tuples(st.integers(0, 20), st.integers(1, 24)).filter(lambda w: w[0] < w[1])
windows_st = st.lists(window_st, max_size=3).map(lambda ws: tuple(sorted(set(ws))))
one_window_st = st.lists(window_st, max_size=1).map(tuple)
HOUR = 3_600 * 10**6
# Instants over twelve days, each to the microsecond (hours and a jitter within the hour, so
# that small values do not crowd out the days where attempts happen).
micros = st.builds(lambda h, us: h * HOUR + us, st.integers(0, 12 * 24), st.integers(0, HOUR - 1))
imei_st = st.from_regex(r"35[0-9]{13}", fullmatch=True)


def _at(us: int) -> datetime:
    return BASE + timedelta(microseconds=us)


def _reference_item(
    tl: Timeline, imei: str, joined: datetime, left: datetime | None, seed: int, now: datetime
) -> dict[str, Any]:
    """The report item as the emulator built it before it wrote JSON text itself."""
    p = progress.progress(tl, imei, joined, left, seed, now)
    item: dict[str, Any] = {"deviceId": imei, "status": p.status, "resultReason": p.reason}
    item["updatedTime"] = rfc3339(p.updated)
    if p.recent_attempt is not None:
        item["recentAttemptTime"] = rfc3339(p.recent_attempt)
    if p.next_attempt is not None:
        item["nextAttemptTime"] = rfc3339(p.next_attempt)
    return item


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    if draw(st.booleans()):  # the fast path's case: one regime (one window, or several)
        regimes = [Regime(EPOCH, draw(one_window_st if draw(st.booleans()) else windows_st))]
    else:
        changes = draw(st.lists(st.tuples(micros, windows_st), min_size=1, max_size=3))
        changes.sort()
        regimes = [Regime(EPOCH if i == 0 else _at(us), ws) for i, (us, ws) in enumerate(changes)]
    start = draw(micros)
    runnable = draw(st.booleans()) or draw(st.booleans())
    reason = draw(
        st.sampled_from(["", "Campaign aborted before the device was upgraded", 'quote " é'])
    )
    return Timeline(
        campaign_id=draw(st.text("abcdef0123456789-", min_size=1, max_size=36)),
        active_from=_at(start),
        active_until=_at(start) + timedelta(hours=draw(st.integers(0, 8 * 24))),
        regimes=regimes,
        failure_rate=draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
        runnable=runnable,
        closed_reason=reason if runnable else "Campaign cancelled before its start",
    )


@given(
    tl=timelines(),
    rows=st.lists(
        st.tuples(imei_st, micros, st.none() | micros),
        min_size=1,
        max_size=12,
        unique_by=lambda r: r[0],
    ),
    shared_join=st.booleans(),
    seed=st.integers(0, 10**6),
    now=micros,
    firmware=st.booleans(),
)
# Nested windows in one schedule (the fast path): on 3 Mar the device's slot in 00-24 (01:20)
# is listed before its slot in 01-02 (01:03), so at 01:10 a failing device has failed once
# although its first listed attempt is still ahead.
@example(
    tl=Timeline(
        campaign_id="00000101-429",
        active_from=_at(24 * HOUR),
        active_until=_at(72 * HOUR),
        regimes=[Regime(EPOCH, ((0, 24), (1, 2)))],
        failure_rate=0.1,
        runnable=True,
    ),
    rows=[("357121024403411", 0, None)],
    shared_join=False,
    seed=659,
    now=25 * HOUR + 10 * 60 * 10**6,
    firmware=True,
)
@settings(deadline=None, max_examples=1000)
def test_page_text_is_what_json_dumps_of_the_plain_items_gives(
    tl: Timeline,
    rows: list[tuple[str, int, int | None]],
    shared_join: bool,
    seed: int,
    now: int,
    firmware: bool,
) -> None:
    members = [
        (imei, _at(rows[0][1] if shared_join else joined), None if left is None else _at(left))
        for imei, joined, left in rows
    ]
    expected = []
    for imei, joined, left in members:
        item = _reference_item(tl, imei, joined, left, seed, _at(now))
        if not firmware:
            item = {k: item[k] for k in ("deviceId", "status", "resultReason")}
        expected.append(item)
    text = "[" + ",".join(page_items(tl, members, seed, _at(now), firmware=firmware)) + "]"
    assert text == json.dumps(expected, separators=(",", ":"))


@given(hours=st.floats(0, 24, allow_nan=False), whole=st.integers(0, 23))
@settings(max_examples=2000)
def test_hours_round_to_microseconds_exactly_as_timedelta(hours: float, whole: int) -> None:
    for value in (hours, whole + hours / 24):
        delta = timedelta(hours=value)
        assert (
            _hours_us(value) == (delta.days * 86_400 + delta.seconds) * 10**6 + delta.microseconds
        )
