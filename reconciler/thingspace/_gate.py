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
    """At most ``limit`` requests in flight; urgent waiters first."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._busy = 0
        self._urgent_waiting = 0
        self._cond = threading.Condition()
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
        with self._cond:
            if urgent:
                self._urgent_waiting += 1
                try:
                    while self._busy >= self.limit:
                        self._cond.wait()
                finally:
                    self._urgent_waiting -= 1
            else:
                while self._busy >= self.limit or self._urgent_waiting:
                    self._cond.wait()
            self._busy += 1
            if urgent:
                self._cond.notify_all()  # a slot may still be free for an ordinary waiter
        try:
            yield
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()
