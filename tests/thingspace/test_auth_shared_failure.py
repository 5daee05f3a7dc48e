"""A failing login is tried once for every thread that waited for it: the waiting threads get
its error instead of each repeating the login (and its retries) one after another."""

from __future__ import annotations

import threading

import pytest

from reconciler.errors import UserError
from reconciler.thingspace._auth import Authenticator, Tokens

SAFETY = 10.0


def test_threads_waiting_for_a_failed_login_share_its_error() -> None:
    entered, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def login() -> Tokens:
        calls.append(1)
        entered.set()
        release.wait(timeout=SAFETY)  # hold the login until the second thread waits for it
        raise UserError("could not reach ThingSpace")

    auth = Authenticator(login, clock=lambda: 0.0)
    waiting = threading.Event()

    class Announcing:
        """The authenticator's lock, telling when a second thread starts waiting for it."""

        def __init__(self) -> None:
            self.lock = threading.Lock()

        def __enter__(self) -> None:
            if entered.is_set():
                waiting.set()
            self.lock.acquire()

        def __exit__(self, *exc: object) -> None:
            self.lock.release()

    auth._lock = Announcing()  # type: ignore[assignment]
    errors: list[str] = []

    def first() -> None:
        try:
            auth.current()
        except UserError as exc:
            errors.append(str(exc))

    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(timeout=SAFETY)
    waiter = threading.Thread(target=first)
    waiter.start()
    assert waiting.wait(timeout=SAFETY)  # the second thread waits for the first's login
    release.set()
    thread.join(SAFETY)
    waiter.join(SAFETY)
    assert errors == ["could not reach ThingSpace"] * 2
    assert len(calls) == 1

    # A later call (nothing in flight) logs in again.
    release.set()
    with pytest.raises(UserError):
        auth.current()
    assert len(calls) == 2
