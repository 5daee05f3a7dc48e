"""``fota sim``: run the ThingSpace emulator and control its clock.

``serve`` runs it on a loopback port; ``clock show|set|advance`` talk to a served emulator
(``--url``) or, without one, to the embedded emulator persisted in ``.fota/sim-state.db``
under the working directory (the one other commands use when no API URL is given).
``faults add|clear|list`` and ``requests`` need ``--url``: faults and counters live in a served
emulator's memory.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click
import httpx

from reconciler.errors import UserError
from reconciler.sim.app import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    Emulator,
    SimOptions,
)
from reconciler.sim.clock import ClockError, parse_duration, parse_instant
from reconciler.sim.embedded import EMBEDDED_STATE, open_embedded
from reconciler.sim.faults import FaultError, FaultRule, parse_fault, parse_latency
from reconciler.sim.fleet import FleetError
from reconciler.sim.outcomes import OutcomeError, PackageOutcomes, parse_revert
from reconciler.sim.server import make_sim_server
from reconciler.sim.store import StateError
from reconciler.thingspace.wire import error_message


@click.group("sim")
def sim() -> None:
    """Run the ThingSpace FOTA emulator and control its simulated clock."""


def _instant(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ClockError as exc:
        raise UserError(f"{option}: {exc}") from exc


def _rules(latency: tuple[str, ...], faults: tuple[str, ...]) -> list[FaultRule]:
    rules: list[FaultRule] = []
    try:
        rules.extend(parse_latency(text) for text in latency)
        rules.extend(parse_fault(text) for text in faults)
    except FaultError as exc:
        raise UserError(f"--latency/--fault-rate: {exc}") from exc
    return rules


@sim.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8900, show_default=True, type=int, help="0 picks a free port.")
@click.option("--now", "now_text", metavar="ISO", help="Start the clock at this instant (UTC).")
@click.option("--frozen", is_flag=True, help="Stop the clock (it moves only when told).")
@click.option(
    "--devices",
    default=100,
    show_default=True,
    type=click.IntRange(min=0),
    help="Generated devices.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for everything.")
@click.option("--fleet", "fleet_file", type=click.Path(path_type=Path), help="JSON/CSV fleet.")
@click.option("--state", "state_file", type=click.Path(path_type=Path), help="Persist here.")
@click.option(
    "--failure-rate", default=0.1, show_default=True, type=float, help="Devices that fail."
)
@click.option("--strict", is_flag=True, help="Refuse devices unknown to the fleet.")
@click.option(
    "--latency", multiple=True, metavar="MS[@[METHOD ]PATTERN]", help="Add latency (repeat)."
)
@click.option(
    "--fault-rate",
    "fault_rates",
    multiple=True,
    metavar="KIND:RATE[:PHASE][@[METHOD ]PATTERN]",
    help="Inject 429/500/503/drop faults (repeat), e.g. 503:0.2@POST /api/fota/v3/*.",
)
@click.option(
    "--page-size",
    default=50,
    show_default=True,
    type=click.IntRange(min=1),
    help="Campaign listing.",
)
@click.option(
    "--token-ttl", default=3600, show_default=True, type=click.IntRange(min=1), help="Seconds."
)
@click.option("--client-id", envvar="FOTA_SIM_CLIENT_ID", default=DEMO_CLIENT_ID)
@click.option(
    "--client-secret", envvar="FOTA_SIM_CLIENT_SECRET", default=DEMO_CLIENT_SECRET, hidden=True
)
@click.option("--username", envvar="FOTA_SIM_USERNAME", default=DEMO_USERNAME)
@click.option("--password", envvar="FOTA_SIM_PASSWORD", default=DEMO_PASSWORD, hidden=True)
@click.option(
    "--revert-package",
    "revert_packages",
    multiple=True,
    metavar="PACKAGE[=FRACTION]",
    help="Devices report UpgradeSuccess for this firmware package but come back on the old "
    "firmware (a fraction of them, by seed; * = every package). Repeat for more packages.",
)
@click.option(
    "--fail-package",
    "fail_packages",
    multiple=True,
    metavar="PACKAGE",
    help="Every device fails campaigns of this firmware package. Repeat for more packages.",
)
@click.option("--verbose", is_flag=True, help="Log every request.")
def serve(
    host: str,
    port: int,
    now_text: str | None,
    frozen: bool,
    devices: int,
    seed: int,
    fleet_file: Path | None,
    state_file: Path | None,
    failure_rate: float,
    strict: bool,
    latency: tuple[str, ...],
    fault_rates: tuple[str, ...],
    page_size: int,
    token_ttl: int,
    client_id: str,
    client_secret: str,
    username: str,
    password: str,
    revert_packages: tuple[str, ...],
    fail_packages: tuple[str, ...],
    verbose: bool,
) -> None:
    """Serve the emulator until interrupted (credentials: --client-id etc. or FOTA_SIM_*;
    defaults are the demo credentials demo-client/demo-secret, demo/demo-password)."""
    if not 0.0 <= failure_rate <= 1.0:
        raise UserError(f"--failure-rate {failure_rate} must be between 0 and 1")
    outcomes = _outcomes(revert_packages, fail_packages)
    options = SimOptions(
        now=_instant(now_text, "--now"),
        frozen=frozen,
        devices=devices,
        seed=seed,
        fleet_file=fleet_file,
        state_path=state_file,
        failure_rate=failure_rate,
        strict=strict,
        faults=_rules(latency, fault_rates),
        campaign_page_size=page_size,
        token_ttl=token_ttl,
        client_id=client_id,
        client_secret=client_secret,
        username=username,
        password=password,
        outcomes=outcomes if revert_packages or fail_packages else None,
    )
    resumed = state_file is not None and state_file.exists()
    emulator = _build(options)
    if resumed:
        click.echo(
            f"fota sim: resuming {state_file}: its clock, fleet, seed, failure rate and campaigns "
            "win over --now/--frozen/--devices/--seed/--fleet/--failure-rate/--strict; its "
            "misbehaving packages are kept unless --revert-package/--fail-package replace them",
            err=True,
        )
    for line in emulator.outcomes.describe():
        click.echo(f"fota sim: {line} (fota sim outcomes --clear --url URL clears)", err=True)
    try:
        server = make_sim_server(emulator, host, port, quiet=not verbose)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port} ({exc.strerror}); try --port 0") from exc
    clock = emulator.clock
    state = f", state {state_file}" if state_file else ", in memory"
    click.echo(
        f"fota sim: serving http://{host}:{server.server_port} "
        f"(clock {emulator.now().isoformat()}{' frozen' if clock.frozen else ''}{state})",
        err=False,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _outcomes(revert_packages: tuple[str, ...], fail_packages: tuple[str, ...]) -> PackageOutcomes:
    try:
        reverted = parse_revert(list(revert_packages))
    except OutcomeError as exc:
        raise UserError(str(exc)) from None
    return PackageOutcomes(reverted, frozenset(fail_packages))


def _build(options: SimOptions) -> Emulator:
    try:
        return Emulator(options)
    except (FleetError, StateError) as exc:
        raise UserError(str(exc)) from exc


# --- clock ------------------------------------------------------------------------------------


@sim.group("clock")
def clock() -> None:
    """Show, set, advance, freeze or unfreeze the emulator's simulated clock."""


_URL = click.option(
    "--url",
    "--api-url",
    "url",
    metavar="URL",
    help="A served emulator (fota sim serve); default: the embedded one in .fota/.",
)


def _print_clock(body: dict[str, Any]) -> None:
    now = parse_instant(str(body["now"])).strftime("%Y-%m-%dT%H:%M:%SZ")
    click.echo(f"now: {now}{' (frozen)' if body.get('frozen') else ''}")


def _remote(url: str, payload: dict[str, Any] | None) -> dict[str, Any]:
    base = url.rstrip("/")
    click.echo(f"target: {base}", err=True)
    try:
        with httpx.Client(base_url=base, timeout=10.0) as client:
            if payload is None:
                response = client.get("/_sim/clock")
            else:
                response = client.post("/_sim/clock", json=payload)
    except httpx.HTTPError as exc:
        raise UserError(
            f"cannot reach the emulator at {base} ({exc}); is fota sim serve running?"
        ) from exc
    if response.status_code != 200:
        raise UserError(
            f"{base}/_sim/clock answered HTTP {response.status_code}: is {base} a fota sim serve?"
        )
    body = response.json()
    if not isinstance(body, dict):
        raise UserError(f"{base}/_sim/clock answered something that is not a clock")
    return body


def _embedded(action: str, value: str | None) -> dict[str, Any]:
    path = EMBEDDED_STATE
    click.echo(f"target: embedded emulator ({path})", err=True)
    try:
        emulator = open_embedded(Path.cwd() / path)
        if action == "set" and value is not None:
            emulator.set_time(parse_instant(value))
        elif action == "advance" and value is not None:
            emulator.advance(parse_duration(value))
        elif action in ("freeze", "unfreeze"):
            emulator.freeze(action == "freeze")
    except (ClockError, StateError) as exc:
        raise UserError(str(exc)) from exc
    now = emulator.now()
    return {"now": now.isoformat().replace("+00:00", "Z"), "frozen": emulator.clock.frozen}


@clock.command("show")
@_URL
def clock_show(url: str | None) -> None:
    """Print the simulated time."""
    _print_clock(_remote(url, None) if url else _embedded("show", None))


@clock.command("set")
@click.argument("instant")
@_URL
def clock_set(instant: str, url: str | None) -> None:
    """Set the simulated time to INSTANT (ISO 8601, UTC if no offset)."""
    try:
        parse_instant(instant)
    except ClockError as exc:
        raise UserError(str(exc)) from exc
    _print_clock(_remote(url, {"now": instant}) if url else _embedded("set", instant))


@clock.command("advance")
@click.argument("duration")
@_URL
def clock_advance(duration: str, url: str | None) -> None:
    """Move the simulated time forward by DURATION (e.g. 3d, 12h, 90m, 1d12h)."""
    try:
        parse_duration(duration)
    except ClockError as exc:
        raise UserError(str(exc)) from exc
    _print_clock(_remote(url, {"advance": duration}) if url else _embedded("advance", duration))


@clock.command("freeze")
@_URL
def clock_freeze(url: str | None) -> None:
    """Stop the clock: it then moves only with set/advance."""
    _print_clock(_remote(url, {"frozen": True}) if url else _embedded("freeze", None))


@clock.command("unfreeze")
@_URL
def clock_unfreeze(url: str | None) -> None:
    """Let the clock tick with real time again, from its current instant."""
    _print_clock(_remote(url, {"frozen": False}) if url else _embedded("unfreeze", None))


# --- misbehaving packages (kept in the state: served or embedded) -----------------------------


@sim.command("outcomes")
@click.option(
    "--revert-package",
    "revert_packages",
    multiple=True,
    metavar="PACKAGE[=FRACTION]",
    help="As fota sim serve --revert-package. Given with --fail-package or alone, the two "
    "replace every misbehaving package set before.",
)
@click.option(
    "--fail-package",
    "fail_packages",
    multiple=True,
    metavar="PACKAGE",
    help="As fota sim serve --fail-package.",
)
@click.option("--clear", is_flag=True, help="Every package behaves again.")
@_URL
def outcomes(
    revert_packages: tuple[str, ...], fail_packages: tuple[str, ...], clear: bool, url: str | None
) -> None:
    """Show or replace the firmware packages that misbehave on purpose (reverted after boot,
    failing), for a served emulator (--url) or the embedded one in .fota/. They are kept in
    the emulator's state: a restart with the same --state keeps them."""
    if clear and (revert_packages or fail_packages):
        raise UserError("fota sim outcomes: give --clear alone, or the packages that replace")
    wanted: PackageOutcomes | None = None
    if clear or revert_packages or fail_packages:
        wanted = _outcomes(revert_packages, fail_packages)
    if url:
        if wanted is None:
            body = _admin(url, "GET", "/_sim/outcomes")
        else:
            body = _admin(url, "PUT", "/_sim/outcomes", wanted.to_json())
        current = PackageOutcomes.from_json(body)
    else:
        click.echo(f"target: embedded emulator ({EMBEDDED_STATE})", err=True)
        try:
            emulator = open_embedded(Path.cwd() / EMBEDDED_STATE)
            if wanted is not None:
                emulator.set_outcomes(wanted)
            current = emulator.outcomes
            emulator.close()
        except StateError as exc:
            raise UserError(str(exc)) from exc
    for line in current.describe() or ["every package behaves"]:
        click.echo(line)


# --- faults and request counters (served emulators only: they live in the server's memory) ---


def _admin(url: str, method: str, path: str, payload: object | None = None) -> Any:
    base = url.rstrip("/")
    click.echo(f"target: {base}", err=True)
    try:
        with httpx.Client(base_url=base, timeout=10.0) as client:
            response = client.request(method, path, json=payload)
    except httpx.HTTPError as exc:
        raise UserError(
            f"cannot reach the emulator at {base} ({exc}); is fota sim serve running?"
        ) from exc
    if response.status_code == 400:
        raise UserError(f"{base}{path}: {error_message(response.json()) or response.text}")
    if response.status_code != 200:
        raise UserError(f"{base}{path} answered HTTP {response.status_code}: not a fota sim?")
    return response.json()


_URL_REQUIRED = click.option(
    "--url", "--api-url", "url", required=True, metavar="URL", help="A served emulator."
)


@sim.group("faults")
def faults() -> None:
    """Inject faults into a served emulator (429/500/503/drop/latency, per endpoint)."""


@faults.command("add")
@click.argument("rule")
@click.option("--times", type=int, help="Fire at most this many times.")
@click.option("--retry-after", type=int, default=1, show_default=True, help="For 429.")
@_URL_REQUIRED
def faults_add(rule: str, times: int | None, retry_after: int, url: str) -> None:
    """Add RULE: KIND:RATE[:PHASE][@[METHOD ]PATTERN] or latency:MS[@[METHOD ]PATTERN]."""
    try:
        parsed = (
            parse_latency(rule.split(":", 1)[1])
            if rule.startswith("latency:")
            else parse_fault(rule)
        )
    except FaultError as exc:
        raise UserError(str(exc)) from exc
    payload = parsed.to_json()
    del payload["fired"]
    payload.update({"times": times, "retry_after": retry_after})
    body = _admin(url, "POST", "/_sim/faults", payload)
    click.echo(f"{len(body['faults'])} fault rule(s) active")


@faults.command("clear")
@_URL_REQUIRED
def faults_clear(url: str) -> None:
    """Remove every fault rule."""
    _admin(url, "DELETE", "/_sim/faults")
    click.echo("0 fault rule(s) active")


@faults.command("list")
@_URL_REQUIRED
def faults_list(url: str) -> None:
    """Show the active fault rules."""
    for rule in _admin(url, "GET", "/_sim/faults")["faults"]:
        target = f"{rule['method']} {rule['path']}"
        what = (
            f"latency {rule['latency_ms']}ms"
            if rule["kind"] == "latency"
            else f"{rule['kind']} rate {rule['rate']} {rule['phase']}"
        )
        limit = f", fired {rule['fired']}/{rule['times']}" if rule["times"] else ""
        click.echo(f"{target}: {what}{limit}")


@sim.command("requests")
@click.option("--reset", is_flag=True, help="Zero the counters after printing them.")
@_URL_REQUIRED
def requests(reset: bool, url: str) -> None:
    """Requests per endpoint: received, processed (reached the handler) and faulted."""
    body = _admin(url, "GET", "/_sim/requests")
    received: dict[str, int] = body["received"]
    for key in sorted(received):
        processed = body["processed"].get(key, 0)
        injected = body["injected"].get(key, 0)
        click.echo(f"{received[key]:6d} {processed:6d} {injected:6d}  {key}")
    if reset:
        _admin(url, "DELETE", "/_sim/requests")
