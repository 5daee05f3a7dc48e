"""The emulator's controllable clock: simulated time that ticks with real time or stands still.

Lifecycle rules, token expiry and device progress all read this clock and nothing else, so a test
(or an operator) can jump three days ahead in one call instead of waiting. The real-time source
is injected so the clock itself is testable without sleeping.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(d|h|m|s)\s*$")
_DURATIONS = re.compile(r"\s*(?:-?\d+(?:\.\d+)?\s*[dhms]\s*)+")
_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


class ClockError(ValueError):
    """A duration or instant the clock cannot understand (message says what is accepted)."""


def parse_duration(text: str) -> timedelta:
    """``3d``, ``12h``, ``90m``, ``30s`` (one number, one unit; may be combined: ``1d12h``)."""
    if not _DURATIONS.fullmatch(text):
        raise ClockError(f"invalid duration {text!r}: use a number and a unit, e.g. 3d, 12h, 90m")
    parts = re.findall(r"-?\d+(?:\.\d+)?\s*[dhms]", text)
    seconds = 0.0
    for part in parts:
        match = _DURATION.match(part)
        assert match is not None
        seconds += float(match.group(1)) * _UNITS[match.group(2)]
    return timedelta(seconds=seconds)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant; a naive value or a bare date is read as UTC."""
    raw = text.strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ClockError(
            f"invalid instant {text!r}: use ISO 8601, e.g. 2026-01-15T09:00:00Z"
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def http_date(instant: datetime) -> str:
    """The ``Date`` header form (RFC 9110 IMF-fixdate)."""
    return format_datetime(instant.astimezone(UTC).replace(microsecond=0), usegmt=True)


def rfc3339(instant: datetime) -> str:
    """``2022-10-05T21:05:01.190Z``: the API's timestamp form for report fields."""
    if instant.tzinfo is not UTC:
        instant = instant.astimezone(UTC)
    return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def legacy_timestamp(instant: datetime) -> str:
    """``2022-01-26 03:45:01.608 +0000 UTC``: the API's other timestamp form (device records)."""
    text = instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return f"{text[:-3]} +0000 UTC"


class SimClock:
    """Simulated time = real time + offset (ticking), or a fixed instant (frozen).

    Thread-safe; ``real`` returns POSIX seconds and defaults to ``time.time``.
    """

    def __init__(
        self,
        start: datetime | None = None,
        *,
        frozen: bool = False,
        real: Callable[[], float] = time.time,
    ) -> None:
        self._real = real
        self._lock = threading.Lock()
        begin = start if start is not None else datetime.fromtimestamp(real(), UTC)
        self._frozen = frozen
        self._instant = begin.astimezone(UTC)
        self._offset = begin.timestamp() - real()

    @property
    def frozen(self) -> bool:
        return self._frozen

    def now(self) -> datetime:
        with self._lock:
            if self._frozen:
                return self._instant
            return datetime.fromtimestamp(self._real() + self._offset, UTC)

    def set(self, instant: datetime) -> datetime:
        with self._lock:
            self._instant = instant.astimezone(UTC)
            self._offset = self._instant.timestamp() - self._real()
            return self._instant

    def advance(self, delta: timedelta) -> datetime:
        return self.set(self.now() + delta)

    def freeze(self, frozen: bool) -> None:
        current = self.now()
        with self._lock:
            self._frozen = frozen
        self.set(current)

    def to_json(self) -> dict[str, object]:
        """Frozen: the instant; ticking: the offset from real time (so it keeps ticking while
        the process is down, as a real server's clock would)."""
        now = self.now()
        return {"frozen": self._frozen, "now": rfc3339(now), "offsetSeconds": self._offset}

    def persisted(self) -> dict[str, object]:
        """What a store keeps: the instant when frozen, only the offset when ticking (so the
        value changes when the clock is set, advanced or frozen, not as time passes)."""
        with self._lock:
            if self._frozen:
                return {"frozen": True, "now": rfc3339(self._instant)}
            return {"frozen": False, "offsetSeconds": self._offset}

    @classmethod
    def from_json(
        cls, data: dict[str, object], *, real: Callable[[], float] = time.time
    ) -> SimClock:
        frozen = bool(data.get("frozen", False))
        if frozen:
            return cls(parse_instant(str(data["now"])), frozen=True, real=real)
        offset = data.get("offsetSeconds")
        if isinstance(offset, (int, float)):
            clock = cls(datetime.fromtimestamp(real() + float(offset), UTC), real=real)
            clock._offset = float(offset)  # exactly as saved, not re-derived through a datetime
            return clock
        return cls(parse_instant(str(data["now"])), real=real)
