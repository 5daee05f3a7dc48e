"""Talking to a remote API while the spec files are still being read.

Why: reading a thousand spec files takes seconds, and so does reading their campaigns; one
after the other they add up. For a remote target the login starts at once, and each spec, as
soon as the loader has built it, starts its group's identity listing and the read of its live
campaign (:mod:`reconciler.thingspace.ahead`); the complete spec set still decides what is
planned, so a spec the ``--campaign`` or ``--account`` filter leaves out is not read, and a
read started for a spec that turns out invalid is wasted, never used.

The embedded emulator answers in process with no round trip to hide (its work competes with
the loader for the same interpreter), so it is opened as before, after the specs. Errors keep
their order: a spec error is reported before a target error (missing credentials, say), and
the ``target: ...`` line is printed once the specs are read, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import click

from reconciler.cli.target import Target, TargetOptions, open_target
from reconciler.errors import UserError
from reconciler.model import CampaignSpec
from reconciler.thingspace import ThingSpaceClient
from reconciler.thingspace.ahead import ReadAhead


@dataclass
class EarlyTarget:
    """The target being connected; :meth:`ready` hands it over once the specs are read."""

    options: TargetOptions
    stack: ExitStack
    names: frozenset[str]  # the --campaign filter (empty: every spec)
    accounts: frozenset[str]  # the --account filter (empty: every account)
    grow: Callable[[int], None]  # the progress bar's total grows by each spec's devices
    target: Target | None = None
    error: UserError | None = None
    ahead: ReadAhead | None = None
    login: threading.Thread | None = None
    login_error: UserError | None = None

    def on_spec(self, spec: CampaignSpec) -> None:
        """The loader built ``spec``: start reading its live campaign (if it is planned)."""
        if (self.names and spec.name not in self.names) or (
            self.accounts and spec.account not in self.accounts
        ):
            return
        self.grow(len(spec.devices))
        if self.ahead is not None:
            self.ahead.want(spec)

    def ready(self) -> tuple[Target, ReadAhead | None]:
        """The connected target (announced now) and the reads started early, if any."""
        if self.error is not None:
            raise self.error
        if self.target is None:
            self.target = self.stack.enter_context(open_target(self.options))
            return self.target, None
        click.echo(f"target: {self.target.description}", err=True)
        if self.login is not None:
            # Every request waits for this login anyway; a failed one is reported as is
            # rather than tried all over again (an unreachable server, say).
            self.login.join()
            if self.login_error is not None:
                raise self.login_error
        return self.target, self.ahead


@contextmanager
def connect_early(
    options: TargetOptions,
    campaign_filter: Sequence[str],
    account_filter: Sequence[str],
    progress: Callable[[int], None],
    grow: Callable[[int], None],
) -> Iterator[EarlyTarget]:
    """Connect to a remote target and log in while the caller reads the specs (passing
    ``EarlyTarget.on_spec`` to the loader); ``progress`` is told of every device read."""
    with ExitStack() as stack:
        names, accounts = frozenset(campaign_filter), frozenset(account_filter)
        early = EarlyTarget(options, stack, names, accounts, grow)
        if options.api_url:
            try:
                early.target = stack.enter_context(open_target(options, announce=False))
            except UserError as exc:
                early.error = exc
            else:
                client = early.target.client
                early.ahead = stack.enter_context(ReadAhead(client, progress))
                threading.Thread(target=_login, args=(client,), daemon=True).start()
        yield early


def _login(client: ThingSpaceClient) -> None:
    try:
        client.login()
    except Exception:
        return
