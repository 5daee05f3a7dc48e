"""The bound on requests in flight, shared by every thread of one client.

``--concurrency`` promises the API at most that many requests at once. Reading a plan runs
more threads than that (a campaign's GET beside its report pages, listings beside campaign
reads), so the bound is kept here, around each request, rather than by the number of threads.

Identity listings are on the critical path (the 8 statuses of a group are read one after
another, see ``live._list_group``), so a thread may mark its requests urgent: waiting urgent
requests take the next free slot before waiting ordinary ones.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RequestGate:
    """At most ``limit`` requests in flight; urgent waiters first.

    A freed slot wakes one waiter (an urgent one if any waits), not every waiter: a plan's
    read pool has about twice ``--concurrency`` threads, and waking them all on each of a few
    thousand requests was thousands of needless thread switches, each taking the interpreter
    lock from the thread decoding a page. Whoever takes a slot wakes the next waiter while
    slots are still free, so a wake-up that went to a thread which no longer needs it is
    never lost.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._busy = 0
        self._urgent_waiting = 0
        self._lock = threading.Lock()
        self._urgent = threading.Condition(self._lock)
        self._ordinary = threading.Condition(self._lock)
        self._local = threading.local()

    @contextmanager
    def urgent(self) -> Iterator[None]:
        """Requests this thread makes inside the block go before waiting ordinary ones."""
        before = getattr(self._local, "urgent", False)
        self._local.urgent = True
        try:
            yield
        finally:
            self._local.urgent = before

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the ``limit`` slots for the duration of one request."""
        urgent = getattr(self._local, "urgent", False)
        with self._lock:
            try:
                if urgent:
                    self._urgent_waiting += 1
                    try:
                        while self._busy >= self.limit:
                            self._urgent.wait()
                    finally:
                        self._urgent_waiting -= 1
                else:
                    while self._busy >= self.limit or self._urgent_waiting:
                        self._ordinary.wait()
                self._busy += 1
            finally:
                self._wake_next()
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1
                self._wake_next()

    def _wake_next(self) -> None:
        """Wake one waiter if a slot is free (the lock is held)."""
        if self._busy < self.limit:
            if self._urgent_waiting:
                self._urgent.notify()
            else:
                self._ordinary.notify()
