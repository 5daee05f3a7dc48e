"""The one retry policy (``reconciler.retry``), shared by the ThingSpace and GitHub clients:
how long to wait, within what bounds, and what a server's ``Retry-After`` changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.retry import RetryPolicy, parse_http_date, parse_retry_after

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

_policies = st.builds(
    RetryPolicy,
    base=st.floats(0.01, 5),
    cap=st.floats(0.1, 60),
    jitter=st.floats(0, 1),
    max_retry_after=st.floats(0, 600),
    random=st.floats(0, 1, exclude_max=True).map(lambda r: lambda: r),
)


@given(
    base=st.floats(0.01, 5),
    cap=st.floats(0.1, 60),
    jitter=st.floats(0, 1),
    rand=st.floats(0, 1, exclude_max=True),
    attempt=st.integers(1, 30),
)
def test_backoff_stays_within_jitter_of_a_capped_exponential(
    base: float, cap: float, jitter: float, rand: float, attempt: int
) -> None:
    policy = RetryPolicy(base=base, cap=cap, jitter=jitter, random=lambda: rand)
    ceiling = min(cap, base * 2 ** (attempt - 1))
    assert ceiling * (1 - jitter) - 1e-9 <= policy.backoff(attempt) <= ceiling + 1e-9


@given(st.integers(1, 10))
def test_backoff_never_shrinks_without_jitter(attempt: int) -> None:
    policy = RetryPolicy(base=0.5, cap=10, jitter=0)
    assert policy.backoff(attempt + 1) >= policy.backoff(attempt)


@given(policy=_policies, attempt=st.integers(1, 30), retry_after=st.floats(0, 1000))
def test_a_retry_after_is_a_floor_up_to_the_limit_and_an_error_beyond(
    policy: RetryPolicy, attempt: int, retry_after: float
) -> None:
    delay = policy.delay(attempt, retry_after)
    if retry_after > policy.max_retry_after:
        assert delay is None  # fail now rather than hold the job for longer than allowed
    else:
        assert delay is not None
        assert delay >= retry_after
        assert delay == max(policy.backoff(attempt), retry_after)


@given(policy=_policies, attempt=st.integers(1, 30))
def test_without_retry_after_the_wait_is_the_backoff(policy: RetryPolicy, attempt: int) -> None:
    assert policy.delay(attempt, None) == policy.backoff(attempt)


@given(st.integers(0, 10**6))
def test_retry_after_delta_seconds(seconds: int) -> None:
    assert parse_retry_after(str(seconds), NOW) == float(seconds)
    assert parse_retry_after(f" {seconds} ", None) == float(seconds)  # no date needed


@given(st.integers(-(10**5), 10**5))
def test_retry_after_http_date_is_measured_on_the_servers_clock(offset: int) -> None:
    when = format_datetime(NOW + timedelta(seconds=offset), usegmt=True)
    assert parse_retry_after(when, NOW) == max(0.0, float(offset))
    # Without the server's Date the local clock would have to be trusted: ignored instead.
    assert parse_retry_after(when, None) is None


@given(st.text(max_size=40))
def test_retry_after_parser_never_crashes(value: str) -> None:
    result = parse_retry_after(value, NOW)
    assert result is None or result >= 0


def test_unreadable_retry_after_values_are_ignored() -> None:
    for value in (None, "", "soon", "-5", "1.5e3", "Mon, 99 Foo 2026 00:00:00 GMT"):
        assert parse_retry_after(value, NOW) is None, value


def test_http_dates_are_read_as_utc() -> None:
    assert parse_http_date("Fri, 01 May 2026 12:00:00 GMT") == NOW
    assert parse_http_date("Fri, 01 May 2026 14:00:00 +0200") == NOW
    assert parse_http_date(None) is None and parse_http_date("nope") is None


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)
