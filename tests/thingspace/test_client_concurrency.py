"""Bounded fan-out: results in input order, never more than ``concurrency`` calls in flight, and
the first failure reaches the caller unchanged (a UserError stays a one-line message)."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.errors import UserError
from reconciler.thingspace import map_concurrently


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(), max_size=40), st.integers(1, 6))
def test_results_keep_input_order(items: list[int], concurrency: int) -> None:
    assert map_concurrently(lambda x: x * 2, items, concurrency=concurrency) == [
        x * 2 for x in items
    ]


@pytest.mark.parametrize("concurrency", [1, 3, 8])
def test_never_more_than_concurrency_in_flight(concurrency: int) -> None:
    lock = threading.Lock()
    active = peak = 0
    full = threading.Event()

    def work(_: int) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            if active == concurrency:
                full.set()
        full.wait(timeout=5)  # hold the slot until the pool is full, so overlap is certain
        with lock:
            active -= 1

    map_concurrently(work, range(30), concurrency=concurrency)
    assert peak == concurrency


def test_the_first_failure_is_raised_as_is() -> None:
    def work(x: int) -> int:
        if x == 5:
            raise UserError("campaign 5 is broken")
        return x

    with pytest.raises(UserError, match=r"^campaign 5 is broken$"):
        map_concurrently(work, range(20), concurrency=4)
