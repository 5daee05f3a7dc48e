"""Bounded fan-out over a thread pool.

Reading fifty campaigns one after the other is fifty round-trip latencies; reading them all at
once can trip the API's rate limits. A small fixed pool (``--concurrency``, default 8) is the
compromise. The first failure cancels what has not started yet and is re-raised as is, so a
``UserError`` from a worker reaches the CLI unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_concurrently(fn: Callable[[T], R], items: Iterable[T], *, concurrency: int = 8) -> list[R]:
    """``[fn(x) for x in items]`` with at most ``concurrency`` calls in flight; results in order."""
    work = list(items)
    if not work:
        return []
    if concurrency <= 1 or len(work) == 1:
        return [fn(item) for item in work]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(work))) as pool:
        futures: list[Future[R]] = [pool.submit(fn, item) for item in work]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            error = future.exception() if future in done else None
            if error is not None:
                for other in futures:
                    other.cancel()
                raise error
        return [future.result() for future in futures]
