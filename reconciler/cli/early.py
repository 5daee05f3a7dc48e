"""Talking to a remote API while the spec files are still being read.

Why: reading a thousand spec files takes seconds, and the first requests of a plan (the
two-step login, then the identity listings, 8 round trips one after another per account and
kind) do not need the specs, only their accounts and kinds. So, for a remote target, the
listing of the (account, kind) of the first spec file (a cheap read of one file) starts at
once, logging in with its first request; the full spec set decides what is
actually listed and read (``Listings.groups`` lists what the guess missed, and a wrong guess
costs only its unused listing).

The embedded emulator answers in process with no round trip to hide, so it is opened as
before, after the specs. Errors keep their order: a spec error is reported before a target
error (missing credentials, say), and the ``target: ...`` line is printed once the specs are
read, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import click

from reconciler.cli.target import Target, TargetOptions, open_target
from reconciler.errors import UserError
from reconciler.model import Kind
from reconciler.specs import load_specs
from reconciler.specs.loader import spec_files
from reconciler.thingspace import Listings


@dataclass
class EarlyTarget:
    """The target being connected; :meth:`ready` hands it over once the specs are read."""

    options: TargetOptions
    stack: ExitStack
    target: Target | None = None
    error: UserError | None = None
    listings: Listings | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)

    def ready(self) -> tuple[Target, Listings | None]:
        """The connected target (announced now) and its early listings, if any."""
        if self.error is not None:
            raise self.error
        if self.target is None:
            self.target = self.stack.enter_context(open_target(self.options))
            return self.target, None
        click.echo(f"target: {self.target.description}", err=True)
        return self.target, self.listings


def guess_groups(paths: Sequence[str]) -> set[tuple[str, Kind]]:
    """The (account, kind) of the first spec file under ``paths`` (nothing when unreadable)."""
    files, _ = spec_files(paths)
    if not files:
        return set()
    try:
        return {(s.account, s.kind) for s in load_specs([files[0]]).specs}
    except UserError:
        return set()


@contextmanager
def connect_early(options: TargetOptions, paths: Sequence[str]) -> Iterator[EarlyTarget]:
    """Start logging in and listing for a remote target while the caller reads the specs."""
    with ExitStack() as stack:
        early = EarlyTarget(options, stack)
        if options.api_url:
            try:
                early.target = stack.enter_context(open_target(options, announce=False))
            except UserError as exc:
                early.error = exc
            else:
                early.listings = Listings(early.target.client)
                thread = threading.Thread(
                    target=_warm_up, args=(early, paths), name="fota-early", daemon=True
                )
                thread.start()
        yield early


def _warm_up(early: EarlyTarget, paths: Sequence[str]) -> None:
    assert early.target is not None and early.listings is not None
    try:
        groups = guess_groups(paths)
        if groups:
            early.listings.start(groups)  # its first request logs in
        early.target.client.login()
    except Exception:
        return
