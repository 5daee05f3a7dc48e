"""Which API a command talks to: a real server (``--api-url``) or the embedded emulator.

Shared by ``status``, ``plan`` and ``apply`` so they choose, describe and connect to their
target identically::

    @click.command()
    @target_options
    def status(target: TargetOptions, ...) -> None:
        with open_target(target) as t:      # prints "target: ..." on stderr
            t.client.get_campaign(...)

Without a URL the embedded emulator (state in ``.fota/sim-state.db``) answers in process
through ``httpx.WSGITransport``, so every command works without an account. With a URL the
four credentials come from the environment only (never from flags: flags end up in shell
history and CI logs).
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import httpx

from reconciler.errors import UserError
from reconciler.thingspace import Credentials, RetryPolicy, ThingSpaceClient, api_base_url

EMBEDDED_URL = "http://embedded.fota"
EMBEDDED_STATE = Path(".fota") / "sim-state.db"
CREDENTIAL_VARIABLES = ("FOTA_CLIENT_ID", "FOTA_CLIENT_SECRET", "FOTA_USERNAME", "FOTA_PASSWORD")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class TargetOptions:
    """What the user asked for; ``open_target`` turns it into a connected client."""

    api_url: str | None = None
    concurrency: int = 8
    timeout: float = 30.0


@dataclass(frozen=True)
class Target:
    client: ThingSpaceClient
    description: str  # "embedded emulator (.fota/sim-state.db)" or the URL
    embedded: bool


def target_options(func: F) -> F:
    """Add ``--api-url``, ``--concurrency`` and ``--timeout``; pass them as ``target=``."""

    @click.option(
        "--api-url",
        envvar="FOTA_API_URL",
        metavar="URL",
        default=None,
        help="ThingSpace server root, e.g. https://thingspace.verizon.com (env FOTA_API_URL; "
        "credentials from FOTA_CLIENT_ID, FOTA_CLIENT_SECRET, FOTA_USERNAME, FOTA_PASSWORD). "
        "Default: the embedded emulator in .fota/.",
    )
    @click.option(
        "--concurrency",
        type=click.IntRange(1, 64),
        default=8,
        show_default=True,
        help="Requests in flight at once when reading; campaigns written at once by apply.",
    )
    @click.option(
        "--timeout",
        type=click.FloatRange(min=0.1),
        default=30.0,
        show_default=True,
        metavar="SECONDS",
        help="Timeout of each API request.",
    )
    @functools.wraps(func)
    def wrapper(
        *args: Any, api_url: str | None, concurrency: int, timeout: float, **kw: Any
    ) -> Any:
        options = TargetOptions(api_url or None, concurrency, timeout)
        return func(*args, target=options, **kw)

    return wrapper  # type: ignore[return-value]


def credentials_from_env(env: Mapping[str, str], url: str) -> Credentials:
    missing = [name for name in CREDENTIAL_VARIABLES if not env.get(name)]
    if missing:
        raise UserError(
            f"--api-url {url} needs the credentials in the environment: set "
            f"{', '.join(missing)} (or drop --api-url/FOTA_API_URL to use the embedded emulator)"
        )
    return Credentials(
        env["FOTA_CLIENT_ID"], env["FOTA_CLIENT_SECRET"], env["FOTA_USERNAME"], env["FOTA_PASSWORD"]
    )


@contextmanager
def open_target(
    options: TargetOptions,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    announce: bool = True,
    retry: RetryPolicy | None = None,
) -> Iterator[Target]:
    """Connect to the chosen target; print ``target: ...`` on stderr unless ``announce=False``."""
    source = os.environ if env is None else env
    if options.api_url:
        # Only scheme://host[:port][/path] is kept, printed and used (see api_base_url).
        url = api_base_url(options.api_url)
        creds = credentials_from_env(source, url)
        target_text, transport, base, embedded = url, None, url, False
    else:
        transport, creds = _embedded_transport(cwd or Path.cwd(), source)
        target_text, base, embedded = f"embedded emulator ({EMBEDDED_STATE})", EMBEDDED_URL, True
    if announce:
        click.echo(f"target: {target_text}", err=True)
    client = ThingSpaceClient(
        base,
        creds,
        transport=transport,
        timeout=options.timeout,
        concurrency=options.concurrency,
        retry=retry,
    )
    with client:
        yield Target(client, target_text, embedded)


def _embedded_transport(
    cwd: Path, env: Mapping[str, str]
) -> tuple[httpx.BaseTransport, Credentials]:
    # Imported here: only the embedded path needs the emulator (and its start-up cost).
    from reconciler.sim.app import env_credentials
    from reconciler.sim.embedded import open_embedded
    from reconciler.sim.store import StateError

    _check_writable(cwd / EMBEDDED_STATE.parent, EMBEDDED_STATE.parent)
    try:
        emulator = open_embedded(cwd / EMBEDDED_STATE)
    except StateError as exc:  # its message names the file and the fix
        raise UserError(f"embedded emulator: {exc}") from None
    sim_creds = env_credentials(dict(env))
    creds = Credentials(
        sim_creds["client_id"],
        sim_creds["client_secret"],
        sim_creds["username"],
        sim_creds["password"],
    )
    return _EmbeddedTransport(app=emulator.wsgi_app), creds


class _EmbeddedTransport(httpx.WSGITransport):
    """In process, the emulator raises its ``StateError`` (a full disk, a read-only
    ``.fota``) instead of answering: shown as one line naming the file and the fix, never as
    an HTTP or a credentials error."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        from reconciler.sim.store import StateError

        try:
            return super().handle_request(request)
        except StateError as exc:
            raise UserError(f"embedded emulator: {exc}") from None


def _check_writable(directory: Path, shown: Path) -> None:
    """Refuse up front when the embedded emulator could not save its state.

    It saves on every write, logging in included, and a save that fails inside it is only a
    500 to the client, which would be misread as refused credentials. A temporary file
    created and removed in the directory is the one test that also holds for root.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UserError(
            f"cannot write in {shown}/ (the embedded emulator keeps its state there): {reason}; "
            "make it writable, run from a writable directory, or use --api-url"
        ) from None
