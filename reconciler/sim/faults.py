"""Fault injection and request counting, per endpoint, seeded for determinism.

A rule matches a method (``*`` = any) and an fnmatch pattern over the request path. Kinds:
``latency`` (sleep ``latency_ms`` real milliseconds), ``429`` (with ``Retry-After``), ``500``,
``503`` and ``drop`` (the connection is closed without a response). The phase says whether the
request is processed first: ``before`` (nothing happens, the fault is the answer) or ``after``
(the request takes effect, then its response is lost or replaced), which is how a client's
handling of an ambiguous create is tested. ``times`` caps how often a rule fires.
A ``Hold`` (tests) keeps matching requests waiting until the test releases them.

Text form (CLI ``--fault-rate``/``--latency``): ``KIND:RATE[:PHASE][@[METHOD ]PATTERN]``, e.g.
``503:0.2``, ``drop:1:after@POST /api/fota/v3/campaigns/firmware/*``; latency:
``MS[@[METHOD ]PATTERN]``, e.g. ``250@GET /api/fota/v3/reports/*``.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Any

KINDS = ("latency", "429", "500", "503", "drop")
PHASES = ("before", "after")


class FaultError(ValueError):
    """A fault rule the emulator cannot read (message shows the accepted form)."""


@dataclass
class FaultRule:
    kind: str
    rate: float = 1.0
    phase: str = "before"
    method: str = "*"
    path: str = "*"
    latency_ms: int = 0
    retry_after: int = 1
    times: int | None = None  # fire at most this many times (None: unlimited)
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultError(f"unknown fault kind {self.kind!r}: use one of {', '.join(KINDS)}")
        if self.phase not in PHASES:
            raise FaultError(f"unknown fault phase {self.phase!r}: use before or after")
        if not 0.0 <= self.rate <= 1.0:
            raise FaultError(f"fault rate {self.rate} is not between 0 and 1")
        self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        return (self.method in ("*", method)) and fnmatchcase(path, self.path)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        allowed = {"kind", "rate", "phase", "method", "path", "latency_ms", "retry_after", "times"}
        unknown = set(data) - allowed
        if unknown:
            raise FaultError(f"unknown fault field(s) {sorted(unknown)}: use {sorted(allowed)}")
        if "kind" not in data:
            raise FaultError("a fault needs a kind: one of " + ", ".join(KINDS))
        try:
            return cls(**{k: v for k, v in data.items()})
        except TypeError as exc:
            raise FaultError(f"invalid fault {data!r}: {exc}") from exc


def _split_target(text: str) -> tuple[str, str, str]:
    head, _, target = text.partition("@")
    method, path = "*", "*"
    target = target.strip()
    if target:
        first, _, rest = target.partition(" ")
        if rest.strip():
            method, path = first, rest.strip()
        elif first.startswith("/") or first == "*":
            path = first
        else:
            method = first
    return head.strip(), method, path


def parse_fault(text: str) -> FaultRule:
    head, method, path = _split_target(text)
    parts = head.split(":")
    form = "KIND:RATE[:PHASE][@[METHOD ]PATTERN], e.g. 503:0.2@POST /api/fota/v3/*"
    if len(parts) not in (2, 3) or parts[0] == "latency":
        raise FaultError(f"invalid fault {text!r}: use {form}")
    try:
        rate = float(parts[1])
    except ValueError as exc:
        raise FaultError(f"invalid fault rate in {text!r}: use {form}") from exc
    phase = parts[2] if len(parts) == 3 else "before"
    return FaultRule(kind=parts[0], rate=rate, phase=phase, method=method, path=path)


def parse_latency(text: str) -> FaultRule:
    head, method, path = _split_target(text)
    try:
        millis = int(head)
    except ValueError as exc:
        raise FaultError(
            f"invalid latency {text!r}: use MS[@[METHOD ]PATTERN], e.g. 250@GET /api/*"
        ) from exc
    return FaultRule(kind="latency", latency_ms=millis, method=method, path=path)


@dataclass(frozen=True)
class Decision:
    """What to do to one request: real latency to add, and at most one failure with its phase."""

    latency_ms: int = 0
    failure: FaultRule | None = None


class FaultInjector:
    """Rules plus a seeded RNG; callers hold the emulator lock while deciding."""

    def __init__(self, rules: list[FaultRule] | None = None, seed: int = 0) -> None:
        self.rules: list[FaultRule] = list(rules or [])
        self._rng = random.Random(f"faults:{seed}")
        self.received: Counter[str] = Counter()
        self.processed: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()

    def decide(self, method: str, path: str) -> Decision:
        latency = 0
        failure: FaultRule | None = None
        for rule in self.rules:
            if not rule.matches(method, path):
                continue
            if self._rng.random() >= rule.rate:
                continue
            if rule.kind == "latency":
                latency += rule.latency_ms
                rule.fired += 1
            elif failure is None:
                failure = rule
                rule.fired += 1
        return Decision(latency, failure)

    def reset_counters(self) -> None:
        self.received.clear()
        self.processed.clear()
        self.injected.clear()


class Hold:
    """A test hook: matching requests wait in the emulator, before they are processed, until
    the test lets them through, so a test sets up a race or a kill point on an event instead
    of on a real latency and a wall-clock poll.

    ``method`` is ``*``, one method or several joined by ``,`` (``POST,PUT,DELETE``); ``path``
    is an fnmatch pattern over the request path. Requests are numbered as they arrive (1, 2,
    ...); ``release_one`` lets the next held one through, ``release`` lets every one through
    (``drop=True``: they are answered by a dropped connection and never processed, as if the
    client had died while they were in flight). With ``times`` only the first ``times``
    matching requests are held; later ones pass straight through. With ``phase="after"`` the
    request is processed first and its answer is what waits (and is lost on a drop).
    """

    def __init__(
        self,
        hold_id: int,
        method: str,
        path: str,
        times: int | None = None,
        phase: str = "before",
    ) -> None:
        if phase not in PHASES:
            raise FaultError(f"unknown hold phase {phase!r}: use before or after")
        self.id = hold_id
        self.methods = frozenset(m.strip().upper() for m in method.split(",") if m.strip())
        if not self.methods:
            raise FaultError(f"invalid hold method {method!r}: use *, GET or POST,PUT,DELETE")
        self.method = ",".join(sorted(self.methods))
        self.path = path
        self.phase = phase  # after: processed, then its answer is held (and dropped on drop)
        self.times = times  # hold only the first ``times`` matching requests (None: all)
        self._cond = threading.Condition()
        self.reached = 0  # requests that arrived (held or let through)
        self._allowed = 0  # requests numbered <= this go on
        self._released = False
        self._drop = False

    def matches(self, method: str, path: str) -> bool:
        return ("*" in self.methods or method in self.methods) and fnmatchcase(path, self.path)

    def arrive(self) -> bool:
        """Called by the emulator for a matching request: blocks while it is held. True: go
        on and process it; False: drop it unprocessed."""
        with self._cond:
            self.reached += 1
            number = self.reached
            self._cond.notify_all()
            if self.times is not None and number > self.times:
                return True
            self._cond.wait_for(lambda: self._released or number <= self._allowed)
            return not (self._drop and number > self._allowed)

    def wait_reached(self, timeout: float, count: int = 1) -> bool:
        """Block until ``count`` matching requests have arrived (True) or ``timeout`` seconds
        passed without it (False: the test should fail, not carry on)."""
        with self._cond:
            return self._cond.wait_for(lambda: self.reached >= count, timeout)

    def release_one(self) -> None:
        """Let the next held request (in arrival order) through; later ones stay held."""
        with self._cond:
            self._allowed += 1
            self._cond.notify_all()

    def release(self, *, drop: bool = False) -> None:
        """Stop holding: requests waiting now and arriving later go on (or, with ``drop``,
        are dropped unprocessed)."""
        with self._cond:
            if not self._released:  # the first release decides (a later one cannot undo a drop)
                self._released, self._drop = True, drop
            self._cond.notify_all()

    def to_json(self) -> dict[str, Any]:
        with self._cond:
            return {
                "id": self.id,
                "method": self.method,
                "path": self.path,
                "times": self.times,
                "phase": self.phase,
                "reached": self.reached,
                "released": self._released,
            }
