"""The client's bound on requests in flight (``RequestGate``): never more than the limit, urgent
requests first, and no request left waiting while a slot is free."""

from __future__ import annotations

import random
import threading

from reconciler.thingspace._gate import RequestGate


def _run(gate: RequestGate, threads: int, per_thread: int, urgent_every: int) -> list[int]:
    """Each thread takes ``per_thread`` slots (every ``urgent_every``-th thread urgently);
    returns the number in flight seen inside each slot."""
    seen: list[int] = []
    inside = 0
    lock = threading.Lock()
    rng = random.Random(7)
    pauses = [rng.random() / 2000 for _ in range(threads * per_thread)]

    def work(n: int) -> None:
        nonlocal inside

        def once(k: int) -> None:
            nonlocal inside
            with gate.slot():
                with lock:
                    inside += 1
                    seen.append(inside)
                threading.Event().wait(pauses[n * per_thread + k])
                with lock:
                    inside -= 1

        for k in range(per_thread):
            if urgent_every and n % urgent_every == 0:
                with gate.urgent():
                    once(k)
            else:
                once(k)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
        assert not w.is_alive(), "a request waited forever while slots were free"
    return seen


def test_never_more_than_the_limit_and_every_request_runs() -> None:
    gate = RequestGate(4)
    seen = _run(gate, threads=24, per_thread=20, urgent_every=3)
    assert len(seen) == 24 * 20
    assert max(seen) <= 4
    assert max(seen) == 4  # the slots are used, not handed out one at a time


def test_a_limit_of_one_serialises() -> None:
    assert max(_run(RequestGate(1), threads=8, per_thread=10, urgent_every=2)) == 1


def test_waiting_urgent_requests_take_the_next_free_slot() -> None:
    gate = RequestGate(1)
    order: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with gate.slot():
            holding.set()
            release.wait(10)

    def request(name: str, urgent: bool, queued: threading.Event) -> None:
        if urgent:
            with gate.urgent():
                queued.set()
                with gate.slot():
                    order.append(name)
        else:
            queued.set()
            with gate.slot():
                order.append(name)

    first = threading.Thread(target=holder)
    first.start()
    assert holding.wait(10)
    threads = []
    for name, urgent in (("ordinary-1", False), ("ordinary-2", False), ("urgent", True)):
        queued = threading.Event()
        t = threading.Thread(target=request, args=(name, urgent, queued))
        t.start()
        assert queued.wait(10)
        threads.append(t)
    # Let the three reach their wait (they block on the gate's lock-protected condition).
    for _ in range(200):
        if gate._urgent_waiting == 1:
            break
        threading.Event().wait(0.005)
    assert gate._urgent_waiting == 1
    release.set()
    for t in [first, *threads]:
        t.join(10)
    assert order[0] == "urgent"
    assert sorted(order) == ["ordinary-1", "ordinary-2", "urgent"]
