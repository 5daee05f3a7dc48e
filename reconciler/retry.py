"""When and how long to wait before trying a request again: the one retry policy of the code
base, used by the ThingSpace client and the GitHub client alike.

Which requests may be retried at all is decided by each client (it knows which of its calls are
idempotent, and which refusals mean "not processed"); this module only answers "how long":
jittered exponential backoff, but never less than the server's ``Retry-After`` (delta-seconds or
an HTTP date, read against the server's own ``Date``), and no wait at all, but an error, when the
server asks for longer than ``max_retry_after``. The sleep function and the random source are
injectable so tests run without touching the wall clock.

Lowest layer (stdlib only): both clients import it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """Retry budget for one logical request.

    ``max_attempts`` counts the first try. The n-th wait (n = 1, 2, ...) is
    ``min(cap, base * 2**(n-1))`` reduced by up to ``jitter`` (a fraction) at random, so that
    many threads rate-limited together do not come back together; a ``Retry-After`` longer
    than that wins, up to ``max_retry_after`` (a server asking for an hour is treated as an
    error rather than a hang).
    """

    max_attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    jitter: float = 0.5
    max_retry_after: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("RetryPolicy.jitter must be between 0 and 1")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.cap, self.base * (2 ** (attempt - 1)))
        return float(ceiling * (1.0 - self.jitter * self.random()))

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """The wait before the next attempt, or ``None`` when the server asks for too long."""
        wait = self.backoff(attempt)
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            wait = max(wait, retry_after)
        return wait


def parse_retry_after(value: str | None, server_date: datetime | None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date.

    An HTTP date is measured against the same response's ``Date`` header (the server's clock),
    never the local one, so a skewed local clock cannot turn it into a zero or a day-long wait.
    Unreadable values are ignored (plain backoff applies).
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if server_date is None or when.tzinfo is None:
        return None
    return max(0.0, (when - server_date).total_seconds())


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP date header (``Date``, ``Retry-After``) as an aware UTC instant; None if absent
    or unreadable. A date without a zone is read as UTC (HTTP dates are GMT)."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
