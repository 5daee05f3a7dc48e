"""Progress of long commands (plan, apply, status) on a terminal: count, rate and ETA.

Why click's progress bar: click is already the command line's library, its bar keeps one
line up to date, computes the ETA and sizes itself to the terminal; the only thing added here
is the rate (done per second, shown after the bar) and thread safety (pages of device
reports arrive from many threads).

Shown only when both stdout and stderr are terminals and ``--quiet`` is not given: a bar in a
redirected file or in a CI log is noise, and a pipe reader wants the data alone.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO, TypeVar

import click

QUIET_HELP = "No progress bar (it is shown only when stdout and stderr are terminals)."


F = TypeVar("F", bound=Callable[..., object])


def quiet_option(func: F) -> F:
    """``--quiet/-q`` for a long command."""
    return click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP)(func)


def wanted(quiet: bool, stdout: TextIO | None = None, stderr: TextIO | None = None) -> bool:
    """Whether a progress bar is shown: not ``--quiet`` and both streams are terminals."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    return not quiet and _isatty(out) and _isatty(err)


class Progress:
    """A thread-safe counter behind a click progress bar (or behind nothing when disabled)."""

    def __init__(self, label: str, total: int, unit: str, *, enabled: bool) -> None:
        self.enabled = enabled
        self._unit = unit
        self._lock = threading.Lock()
        self._done = 0
        self._shown = False  # drawn from the first advance, so earlier stderr lines stay clean
        self._started = time.monotonic()
        self._bar = (
            click.progressbar(
                length=total,
                label=label,
                file=sys.stderr,
                show_pos=True,
                show_eta=True,
                show_percent=True,
                item_show_func=lambda rate: rate,
            )
            if enabled
            else None
        )

    def advance(self, count: int = 1) -> None:
        """``count`` more done (called from any thread)."""
        if self._bar is None:
            return
        with self._lock:
            if not self._shown:
                self._shown = True
                self._bar.__enter__()
            self._done += count
            elapsed = max(time.monotonic() - self._started, 1e-6)
            self._bar.update(count, f"{self._done / elapsed:,.0f} {self._unit}/s")

    def grow(self, more: int) -> None:
        """The total turned out ``more`` larger (e.g. a report's first page states its size)."""
        if self._bar is None or not more:
            return
        with self._lock:
            self._bar.length = (self._bar.length or 0) + more
            self._bar.finished = self._bar.pos >= self._bar.length

    def page(self, count: int, new_total: int = 0) -> None:
        """A report page of ``count`` devices; ``new_total`` from a report's first page."""
        self.grow(new_total)
        self.advance(count)

    def open(self) -> None:
        """Start the clock (the bar itself is drawn from the first :meth:`advance`)."""
        self._started = time.monotonic()

    def close(self) -> None:
        if self._bar is not None:
            with self._lock:
                if self._shown:  # a bar never drawn (nothing was done) leaves no trace
                    self._bar.__exit__(None, None, None)
                self._bar = None


@contextmanager
def progress(label: str, total: int, unit: str, *, quiet: bool) -> Iterator[Progress]:
    """A :class:`Progress` shown while the block runs (see :func:`wanted`)."""
    bar = Progress(label, total, unit, enabled=wanted(quiet))
    bar.open()
    try:
        yield bar
    finally:
        bar.close()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


class Phases:
    """One bar at a time for a command of several phases (apply: re-read, then execute).

    :meth:`step` gives a callback that, on its first call, closes the previous phase's bar and
    opens its own; so code below the command line (``reconciler.applier``) only calls plain
    callbacks and never knows about bars. :meth:`close` ends the last bar.
    """

    def __init__(self, *, quiet: bool) -> None:
        self._quiet = quiet
        self._lock = threading.Lock()
        self._label: str | None = None
        self._bar: Progress | None = None

    def step(self, label: str, total: int, unit: str) -> Callable[[int], None]:
        def advance(count: int = 1) -> None:
            with self._lock:
                if self._label != label:
                    if self._bar is not None:
                        self._bar.close()
                    self._label = label
                    self._bar = Progress(label, total, unit, enabled=wanted(self._quiet))
                    self._bar.open()
                bar = self._bar
            assert bar is not None
            bar.advance(count)

        return advance

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()
            self._bar = None
