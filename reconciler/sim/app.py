"""The emulator as one WSGI application: routing, authentication, faults, persistence.

Every request runs under one lock (the store is small and handlers are fast, so one lock is
both simplest and safe under the threaded server). Every response carries the simulated time
in its ``Date`` header, so clients take "now" from the server as they would from ThingSpace.
Why one module of ~730 lines: it is the route table plus the request pipeline (auth, faults,
holds, the store's transaction) every route runs through; the handlers themselves are in
``handlers``, ``v1`` and ``upgrades``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import json
import os
import secrets
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from reconciler.sim import handlers, readback, v1
from reconciler.sim.apierror import ApiError
from reconciler.sim.clock import ClockError, SimClock, http_date, parse_duration, parse_instant
from reconciler.sim.faults import Decision, FaultError, FaultInjector, FaultRule, Hold
from reconciler.sim.fleet import DEFAULT_ACCOUNT, Device, Fleet, load_fleet_file
from reconciler.sim.handlers import Ctx
from reconciler.sim.outcomes import OutcomeError, PackageOutcomes
from reconciler.sim.reports import RawJson
from reconciler.sim.sqlstore import SqlStore
from reconciler.sim.store import SOFTWARE, State, StateError, token_digest

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"


class ConnectionDropped(ConnectionError):
    """Raised after shutting the socket down (fault ``drop`` over a real server); werkzeug
    treats it as a dropped connection and sends nothing. In process, ``httpx.RemoteProtocolError``
    is raised instead."""


@dataclass
class SimOptions:
    """How to start an emulator. With an existing ``state_path`` the file wins for the clock,
    fleet, seed, failure rate and campaigns (``outcomes``, when given, replace the file's);
    the other options apply to this run only."""

    now: datetime | None = None
    frozen: bool = False
    devices: int = 100
    seed: int = 0
    fleet_file: Path | None = None
    state_path: Path | None = None
    failure_rate: float = 0.1
    strict: bool = False
    account: str = DEFAULT_ACCOUNT
    faults: list[FaultRule] = field(default_factory=list)
    campaign_page_size: int = 50
    device_page_size: int = 1000
    token_ttl: int = 3600
    settle_seconds: int = 30
    client_id: str = DEMO_CLIENT_ID
    client_secret: str = field(default=DEMO_CLIENT_SECRET, repr=False)
    username: str = DEMO_USERNAME
    password: str = field(default=DEMO_PASSWORD, repr=False)
    real_time: Callable[[], float] = time.time
    import_from: Path | None = None
    """A JSON state of an earlier version to import into a new ``state_path`` (the embedded
    default's old ``sim-state.json``); a JSON file at ``state_path`` itself is always imported."""
    outcomes: PackageOutcomes | None = None
    """Misbehaving packages: given, they replace those the state file keeps (and are kept);
    None keeps the file's (a new state: every package behaves)."""


# (endpoint, method, rule); the rule string doubles as the request-counter key.
_FOTA_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("v3_create", "POST", "/api/fota/v3/campaigns/firmware/<acc>"),
    ("v3_devices", "PUT", "/api/fota/v3/campaigns/firmware/<acc>/<cid>"),
    ("v3_dates", "PUT", "/api/fota/v3/campaigns/firmware/<acc>/<cid>/dates"),
    ("v3_get", "GET", "/api/fota/v3/campaigns/<acc>/<cid>"),
    ("v3_delete", "DELETE", "/api/fota/v3/campaigns/<acc>/<cid>"),
    ("v3_listing", "GET", "/api/fota/v3/reports/<acc>/firmware/campaigns"),
    ("v3_report", "GET", "/api/fota/v3/reports/<acc>/campaigns/<cid>/devices"),
    ("v3_history", "GET", "/api/fota/v3/reports/<acc>/devices/<imei>"),
    ("v3_firmware", "GET", "/api/fota/v3/firmware/<acc>"),
    ("v3_account_devices", "GET", "/api/fota/v3/devices/<acc>"),
    ("v3_device_info", "POST", "/api/fota/v3/devices/<acc>"),
    ("v3_firmware_sync", "PUT", "/api/fota/v3/firmware/<acc>/devices"),
    ("v2_create", "POST", "/api/fota/v2/campaigns/<acc>"),
    ("v2_get", "GET", "/api/fota/v2/campaigns/<acc>/<cid>"),
    ("v2_devices", "PUT", "/api/fota/v2/campaigns/<acc>/<cid>"),
    ("v2_dates", "PUT", "/api/fota/v2/campaigns/<acc>/<cid>/dates"),
    ("v2_delete", "DELETE", "/api/fota/v2/campaigns/<acc>/<cid>"),
    ("v2_listing", "GET", "/api/fota/v2/reports/<acc>/campaigns"),
    ("v2_report", "GET", "/api/fota/v2/reports/<acc>/campaigns/<cid>/devices"),
    ("v2_history", "GET", "/api/fota/v2/reports/<acc>/devices/<imei>"),
    ("v2_account_devices", "GET", "/api/fota/v2/devices/<acc>"),
    ("v1_get", "GET", "/api/fota/v1/upgrades/<acc>/upgrade/<cid>"),
    ("v1_create", "POST", "/api/fota/v1/upgrades"),
    ("v1_devices", "PUT", "/api/fota/v1/upgrades/<acc>/upgrade/<cid>"),
    ("v1_cancel", "DELETE", "/api/fota/v1/upgrades/<acc>/upgrade/<cid>"),
    ("v1_listing", "GET", "/api/fota/v1/reports/<acc>/status/<status>/index/<index>"),
    ("v1_account_devices", "GET", "/api/fota/v1/devices/<acc>/index/<index>"),
    ("v1_firmware", "GET", "/api/fota/v1/firmware/<acc>"),
    ("v1_history", "GET", "/api/fota/v1/reports/<acc>/devices/<imei>"),
)
_AUTH_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("oauth_token", "POST", "/api/ts/v1/oauth2/token"),
    ("session_login", "POST", "/api/m2m/v1/session/login"),
    ("session_logout", "POST", "/api/m2m/v1/session/logout"),
)
_ADMIN_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("admin_clock", "GET", "/_sim/clock"),
    ("admin_clock_set", "POST", "/_sim/clock"),
    ("admin_revoke", "POST", "/_sim/tokens/revoke"),
    ("admin_requests", "GET", "/_sim/requests"),
    ("admin_requests_reset", "DELETE", "/_sim/requests"),
    ("admin_outcomes", "GET", "/_sim/outcomes"),
    ("admin_outcomes_set", "PUT", "/_sim/outcomes"),
    ("admin_outcomes_clear", "DELETE", "/_sim/outcomes"),
    ("admin_faults", "GET", "/_sim/faults"),
    ("admin_faults_add", "POST", "/_sim/faults"),
    ("admin_faults_clear", "DELETE", "/_sim/faults"),
    ("admin_fleet_add", "POST", "/_sim/fleet"),
    ("admin_holds", "GET", "/_sim/holds"),
    ("admin_holds_add", "POST", "/_sim/holds"),
    ("admin_holds_release", "DELETE", "/_sim/holds"),
    ("admin_health", "GET", "/_sim/health"),
)
_ROUTES = _FOTA_ROUTES + _AUTH_ROUTES + _ADMIN_ROUTES
_URL_MAP = Map(
    [Rule(rule, endpoint=f"{name}|{rule}", methods=[method]) for name, method, rule in _ROUTES],
    strict_slashes=False,
    merge_slashes=False,
)


def _utf8(text: str) -> bytes:
    """Credentials are bytes on the wire (Basic is base64 of UTF-8, JSON is UTF-8): compare
    them as UTF-8 bytes, so any Unicode works. ``surrogatepass``: a lone surrogate (from a
    JSON ``\\ud800`` escape or an undecodable environment variable) is refused, never raised."""
    return text.encode("utf-8", "surrogatepass")


def _same(given: bytes, expected: str) -> bool:
    """Constant-time comparison of a credential sent with the configured one
    (``secrets.compare_digest`` accepts ``str`` only when it is ASCII; bytes always work)."""
    return secrets.compare_digest(given, _utf8(expected))


def _json_response(status: int, body: object, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body if isinstance(body, RawJson) else json.dumps(body, separators=(",", ":")),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


class Emulator:
    """A ThingSpace FOTA emulator. ``wsgi_app`` is the WSGI callable (serve it with werkzeug or
    mount it with ``httpx.WSGITransport``); the methods below are the in-process control API
    that ``/_sim/`` exposes over HTTP."""

    def __init__(self, options: SimOptions | None = None) -> None:
        self.options = options or SimOptions()
        opts = self.options
        self._lock = threading.RLock()
        self.state_path = opts.state_path
        self._store: SqlStore | None = None
        self._memory: State | None = None
        if opts.state_path is not None:
            self._store = SqlStore.open(
                opts.state_path,
                functools.partial(_fresh_state, opts),
                real=opts.real_time,
                import_from=opts.import_from,
            )
        else:
            self._memory = _fresh_state(opts)
        if opts.outcomes is not None and self.state.outcomes != opts.outcomes:
            self.set_outcomes(opts.outcomes)
        self.faults = FaultInjector(opts.faults, seed=self.state.seed)
        self._holds: list[Hold] = []
        self._next_hold = 1
        self.sleep: Callable[[float], None] = time.sleep
        """How latency faults wait (real seconds); a test may substitute a recorder."""
        self.settle = timedelta(seconds=opts.settle_seconds)

    @property
    def state(self) -> State:
        """The emulator's state (persisted: the store's cache, current inside ``_tx``)."""
        if self._store is not None:
            return self._store.state
        assert self._memory is not None
        return self._memory

    @contextlib.contextmanager
    def _tx(self, *, durable: bool = True) -> Iterator[State]:
        """One transaction per request or control call (a no-op in memory): the persisted
        store is brought up to date first and what changed is written at the end; an
        exception writes nothing. Call with ``self._lock`` held. ``durable=False``: the caller
        calls ``_durable()`` after releasing the lock, before answering (group commit)."""
        if self._store is None:
            yield self.state
            return
        with self._store.transaction() as state:
            yield state
        if durable:
            self._store.durable()

    def _durable(self) -> None:
        """Block until what this process wrote (or read) is on disk; see ``SqlStore.durable``."""
        if self._store is not None:
            self._store.durable()

    def close(self) -> None:
        """Close the persisted store (in memory: nothing to do)."""
        with self._lock:
            if self._store is not None:
                self._store.close()

    # --- in-process control API (what /_sim/ exposes) ----------------------------------------

    @property
    def clock(self) -> SimClock:
        return self.state.clock

    def now(self) -> datetime:
        return self.state.clock.now()

    def set_time(self, instant: datetime) -> datetime:
        with self._lock, self._tx() as state:
            return state.clock.set(instant)

    def advance(self, delta: timedelta | str) -> datetime:
        if isinstance(delta, str):
            delta = parse_duration(delta)
        with self._lock, self._tx() as state:
            return state.clock.advance(delta)

    def set_outcomes(self, outcomes: PackageOutcomes) -> None:
        """Replace the misbehaving packages (kept in the state file; an empty one clears)."""
        with self._lock, self._tx() as state:
            state.outcomes = outcomes

    @property
    def outcomes(self) -> PackageOutcomes:
        with self._lock, self._tx() as state:
            return state.outcomes

    def freeze(self, frozen: bool = True) -> None:
        with self._lock, self._tx() as state:
            state.clock.freeze(frozen)

    def issue_tokens(self) -> tuple[str, str]:
        """A fresh (bearer, session) token pair, as the token and login calls would give."""
        with self._lock, self._tx() as state:
            now = self.now()
            expiry = now + timedelta(seconds=self.options.token_ttl)
            bearer, session = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            state.access_tokens[token_digest(bearer)] = expiry
            state.session_tokens[token_digest(session)] = expiry
            return bearer, session

    def revoke_tokens(self) -> None:
        with self._lock, self._tx() as state:
            state.access_tokens.clear()
            state.session_tokens.clear()

    def add_fault(self, rule: FaultRule) -> None:
        with self._lock:
            self.faults.rules.append(rule)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.rules.clear()

    def hold(
        self, method: str, pattern: str, *, times: int | None = None, phase: str = "before"
    ) -> Hold:
        """Hold matching requests (``method``: ``*``, ``POST`` or ``POST,PUT,DELETE``;
        ``pattern``: fnmatch over the path) before they are processed, until the returned
        ``Hold`` releases them (``times``: only the first so many). See
        ``Hold.wait_reached``/``release_one``/``release``."""
        with self._lock:
            hold = Hold(self._next_hold, method, pattern, times, phase)
            self._next_hold += 1
            self._holds.append(hold)
            return hold

    def holds(self) -> list[Hold]:
        with self._lock:
            return list(self._holds)

    def release_holds(self) -> None:
        """Release and forget every hold (held requests go on and are processed)."""
        with self._lock:
            holds, self._holds = self._holds, []
        for hold in holds:
            hold.release()

    def add_device(self, device: Device) -> None:
        with self._lock, self._tx() as state:
            state.fleet.add(device)

    def request_counts(self) -> dict[str, int]:
        """Requests received per endpoint (``METHOD /rule``), faulted ones included."""
        with self._lock:
            return dict(self.faults.received)

    def processed_counts(self) -> dict[str, int]:
        """Requests that reached their handler per endpoint: the "no duplicate writes" count."""
        with self._lock:
            return dict(self.faults.processed)

    def reset_counts(self) -> None:
        with self._lock:
            self.faults.reset_counters()

    def campaign_status(self, campaign_id: str) -> str:
        """The status a listing would report now (does not step the campaign)."""
        with self._lock, self._tx() as state:
            return state.campaigns[campaign_id].status(self.now(), self.settle)

    # --- WSGI --------------------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self._dispatch(request, environ)
        except ConnectionDropped:
            if isinstance(environ.get("werkzeug.socket"), socket.socket):
                raise
            # In process (httpx.WSGITransport) there is no socket: raise what httpx raises when
            # a server closes the connection without answering, so clients see the same error.
            import httpx

            raise httpx.RemoteProtocolError("fault injection: connection dropped") from None
        except StateError as exc:  # the disk refused a write: nothing of the request was kept
            if not isinstance(environ.get("werkzeug.socket"), socket.socket):
                raise  # in process: the caller (the CLI) reports it in one line
            print(f"fota sim: {exc}", file=sys.stderr)
            body = {"errorCode": "EmulatorStateError", "errorMessage": str(exc)}
            response = _json_response(503, body)
        except Exception:  # an emulator bug: still answer in the API's shape, with a Date
            traceback.print_exc(file=sys.stderr)
            body = {"errorCode": "InternalError", "errorMessage": "emulator error (see its log)"}
            response = _json_response(500, body)
        response.headers["Date"] = http_date(self.now())
        return response(environ, start_response)

    def _dispatch(self, request: Request, environ: WSGIEnvironment) -> Response:
        adapter = _URL_MAP.bind_to_environ(environ)
        method = request.method.upper()
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return _json_response(404, ApiError("NotFound", f"no such path {request.path}").body())
        except MethodNotAllowed:
            body = ApiError("MethodNotAllowed", f"{method} is not allowed on {request.path}")
            return _json_response(405, body.body())
        except HTTPException as exc:  # e.g. a redirect for a trailing slash
            return _json_response(exc.code or 400, {"errorCode": "InvalidRequest"})
        name, rule = str(endpoint).split("|", 1)
        if name.startswith("admin_"):
            with self._lock:
                try:
                    with self._tx(durable=False):
                        answer = self._admin(name, request)
                except (ApiError, ClockError, FaultError, ValueError, TypeError) as exc:
                    message = exc.message if isinstance(exc, ApiError) else str(exc)
                    return _json_response(
                        400, {"errorCode": "InvalidRequest", "errorMessage": message}
                    )
            self._durable()
            return answer
        key = f"{method} {rule}"
        with self._lock:
            self.faults.received[key] += 1
            holds = [h for h in self._holds if h.matches(method, request.path)]
            decision = self.faults.decide(method, request.path)
        for hold in holds:  # outside the lock: the rest of the emulator keeps serving
            if hold.phase == "before" and not hold.arrive():
                with self._lock:
                    self.faults.injected[key] += 1
                return self._fault_response(Decision(0, FaultRule("drop")), environ)
        if decision.latency_ms:
            self.sleep(decision.latency_ms / 1000.0)
        if decision.failure is not None and decision.failure.phase == "before":
            with self._lock:
                self.faults.injected[key] += 1
            return self._fault_response(decision, environ)
        with self._lock:
            self.faults.processed[key] += 1
            with self._tx(durable=False):
                response = self._handle(name, request, args)
        self._durable()  # outside the lock: requests committed meanwhile share one fsync
        for hold in holds:
            if hold.phase == "after" and not hold.arrive():
                with self._lock:
                    self.faults.injected[key] += 1
                return self._fault_response(Decision(0, FaultRule("drop")), environ)
        if decision.failure is not None:
            with self._lock:
                self.faults.injected[key] += 1
            return self._fault_response(decision, environ)
        return response

    def _fault_response(self, decision: Decision, environ: WSGIEnvironment) -> Response:
        rule = decision.failure
        assert rule is not None
        if rule.kind == "drop":
            sock = environ.get("werkzeug.socket")
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            raise ConnectionDropped("fault injection: connection dropped")
        status = int(rule.kind)
        headers = {"Retry-After": str(rule.retry_after)} if status == 429 else None
        body = {"errorCode": f"Http{status}", "errorMessage": f"fault injection: HTTP {status}"}
        return _json_response(status, body, headers)

    def _handle(self, name: str, request: Request, args: Mapping[str, Any]) -> Response:
        now = self.now()
        ctx = Ctx(
            state=self.state,
            now=now,
            settle=self.settle,
            campaign_page_size=self.options.campaign_page_size,
            device_page_size=self.options.device_page_size,
            outcomes=self.state.outcomes,
        )
        try:
            if name == "oauth_token":
                return self._oauth_token(request, now)
            self._require_bearer(request, now)
            if name == "session_login":
                return self._session_login(request, now)
            self._require_session(request, now)
            if name == "session_logout":
                token = request.headers.get("VZ-M2M-Token", "")
                self.state.session_tokens.pop(token_digest(token), None)
                return _json_response(200, {"sessionToken": token})
            body = self._fota(name, ctx, request, args)
        except ApiError as exc:  # an answer like any other: what the handler changed is kept
            return _json_response(exc.status, exc.body())
        return _json_response(200, body)

    def _fota(self, name: str, ctx: Ctx, request: Request, a: Mapping[str, Any]) -> object:
        q = request.args
        if name in ("v3_device_info", "v3_firmware_sync"):
            return readback.answer(name, ctx, a["acc"], self._json_body(request))
        if name in ("v3_create", "v2_create", "v3_devices", "v2_devices", "v3_dates", "v2_dates"):
            payload = self._json_body(request)
        if name == "v3_create":
            return handlers.v3_create(ctx, a["acc"], payload)
        if name == "v2_create":
            return handlers.v2_create(ctx, a["acc"], payload)
        if name == "v3_get":
            return handlers.v3_get(ctx, a["acc"], a["cid"])
        if name == "v2_get":
            return handlers.v2_get(ctx, a["acc"], a["cid"])
        if name.startswith("v1_"):
            return self._v1(name, ctx, request, a)
        if name == "v3_devices":
            return handlers.v3_devices(ctx, a["acc"], a["cid"], payload)
        if name == "v2_devices":
            return handlers.v2_devices(ctx, a["acc"], a["cid"], payload)
        if name == "v3_dates":
            return handlers.v3_dates(ctx, a["acc"], a["cid"], payload)
        if name == "v2_dates":
            return handlers.v2_dates(ctx, a["acc"], a["cid"], payload)
        if name in ("v3_delete", "v2_delete"):
            kind = "firmware" if name == "v3_delete" else SOFTWARE
            return handlers.delete(ctx, a["acc"], a["cid"], kind)
        if name == "v3_listing":
            return handlers.v3_listing(
                ctx, a["acc"], q.get("campaignStatus"), q.get("lastSeenCampaignId")
            )
        if name == "v2_listing":
            return handlers.v2_listing(
                ctx, a["acc"], q.get("campaignStatus"), q.get("lastSeenCampaignId")
            )
        if name in ("v3_report", "v2_report"):
            kind = "firmware" if name == "v3_report" else SOFTWARE
            return handlers.device_report(ctx, a["acc"], a["cid"], q.get("lastSeenDeviceId"), kind)
        if name in ("v3_history", "v2_history"):
            kind = "firmware" if name == "v3_history" else SOFTWARE
            return handlers.device_history(ctx, a["acc"], a["imei"], kind)
        if name == "v3_firmware":
            return handlers.firmware_list(q.get("protocol"))
        if name in ("v3_account_devices", "v2_account_devices"):
            software = name == "v2_account_devices"
            protocol = q.get("distributionType" if software else "protocol")
            return handlers.account_devices(
                ctx, a["acc"], q.get("lastSeenDeviceId"), protocol, software=software
            )
        raise ApiError("NotFound", f"no handler for {name}", status=404)

    def _v1(self, name: str, ctx: Ctx, request: Request, a: Mapping[str, Any]) -> object:
        """The v1 upgrade endpoints (``reconciler.sim.v1``)."""
        if name == "v1_get":
            return v1.get(ctx, a["acc"], a["cid"])
        if name == "v1_create":
            return v1.create(ctx, self._json_body(request))
        if name == "v1_devices":
            return v1.change_devices(ctx, a["acc"], a["cid"], self._json_body(request))
        if name == "v1_cancel":
            return v1.cancel(ctx, a["acc"], a["cid"])
        if name == "v1_listing":
            return v1.listing(ctx, a["acc"], a["status"], a["index"])
        if name == "v1_firmware":
            return v1.firmware(a["acc"])
        if name == "v1_history":
            return v1.device_history(ctx, a["acc"], a["imei"])
        return v1.account_devices(ctx, a["acc"], a["index"])

    @staticmethod
    def _json_body(request: Request) -> object:
        try:
            return json.loads(request.get_data(as_text=True) or "null")
        except json.JSONDecodeError as exc:
            raise ApiError("InvalidRequest", f"the request body is not JSON ({exc.msg})") from exc

    # --- authentication ----------------------------------------------------------------------

    def _oauth_token(self, request: Request, now: datetime) -> Response:
        header = request.headers.get("Authorization", "")
        client_id: bytes | None = None
        client_secret = b""
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:], validate=True)
                client_id, _, client_secret = decoded.partition(b":")
            except (binascii.Error, ValueError):
                client_id = None
        if (
            client_id is None
            or not _same(client_id, self.options.client_id)
            or not _same(client_secret, self.options.client_secret)
        ):
            return _json_response(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "client authentication failed (Basic client_id:secret)",
                },
            )
        if request.form.get("grant_type") != "client_credentials":
            return _json_response(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant_type must be client_credentials",
                },
            )
        token = secrets.token_urlsafe(32)
        ttl = self.options.token_ttl
        self.state.access_tokens[token_digest(token)] = now + timedelta(seconds=ttl)
        self._prune(now)
        body: dict[str, object] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ttl,
        }
        scope = request.form.get("scope")
        if scope:
            body["scope"] = scope
        return _json_response(200, body)

    def _prune(self, now: datetime) -> None:
        for table in (self.state.access_tokens, self.state.session_tokens):
            for digest in [d for d, expiry in table.items() if expiry <= now]:
                del table[digest]

    def _require_bearer(self, request: Request, now: datetime) -> None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise ApiError("UnAuthorized", "missing Authorization: Bearer token", status=401)
        expiry = self.state.access_tokens.get(token_digest(header[7:].strip()))
        if expiry is None:
            raise ApiError("UnAuthorized", "invalid or revoked bearer token", status=401)
        if expiry <= now:
            raise ApiError("UnAuthorized", "expired bearer token", status=401)

    def _require_session(self, request: Request, now: datetime) -> None:
        token = request.headers.get("VZ-M2M-Token", "").strip()
        if not token:
            raise ApiError("UnAuthorized", "missing VZ-M2M-Token header", status=401)
        expiry = self.state.session_tokens.get(token_digest(token))
        if expiry is None:
            raise ApiError("UnAuthorized", "invalid or revoked VZ-M2M-Token", status=401)
        if expiry <= now:
            raise ApiError("UnAuthorized", "expired VZ-M2M-Token", status=401)

    def _session_login(self, request: Request, now: datetime) -> Response:
        data = self._json_body(request)
        if not isinstance(data, dict):
            raise ApiError("InvalidRequest", "the body must be {username, password}")
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise ApiError("InvalidRequest", "username and password are required strings")
        if not (
            _same(_utf8(username), self.options.username)
            and _same(_utf8(password), self.options.password)
        ):
            raise ApiError("InvalidCredentials", "invalid username or password")
        token = secrets.token_urlsafe(32)
        self.state.session_tokens[token_digest(token)] = now + timedelta(
            seconds=self.options.token_ttl
        )
        return _json_response(200, {"sessionToken": token})

    # --- admin API ---------------------------------------------------------------------------

    def _admin(self, name: str, request: Request) -> Response:
        if name == "admin_health":
            return _json_response(200, {"ok": True})
        if name == "admin_clock":
            return _json_response(200, self._clock_body())
        if name == "admin_clock_set":
            data = self._json_body(request) or {}
            if not isinstance(data, dict):
                raise ApiError("InvalidRequest", "body must be {now?, advance?, frozen?}")
            if "frozen" in data:
                self.state.clock.freeze(bool(data["frozen"]))
            if data.get("now"):
                self.state.clock.set(parse_instant(str(data["now"])))
            if data.get("advance"):
                self.state.clock.advance(parse_duration(str(data["advance"])))
            return _json_response(200, self._clock_body())
        if name == "admin_revoke":
            self.state.access_tokens.clear()
            self.state.session_tokens.clear()
            return _json_response(200, {"revoked": True})
        if name == "admin_requests":
            return _json_response(
                200,
                {
                    "received": dict(self.faults.received),
                    "processed": dict(self.faults.processed),
                    "injected": dict(self.faults.injected),
                },
            )
        if name == "admin_requests_reset":
            self.faults.reset_counters()
            return _json_response(200, {"reset": True})
        if name in ("admin_outcomes", "admin_outcomes_set", "admin_outcomes_clear"):
            if name != "admin_outcomes":
                data = self._json_body(request) if name == "admin_outcomes_set" else {}
                try:  # within the request's transaction: kept in the state file
                    self.state.outcomes = PackageOutcomes.from_json(data)
                except OutcomeError as exc:
                    raise ApiError("InvalidRequest", str(exc)) from None
            return _json_response(200, self.state.outcomes.to_json())
        if name == "admin_faults":
            return _json_response(200, {"faults": [r.to_json() for r in self.faults.rules]})
        if name == "admin_faults_add":
            data = self._json_body(request)
            items = data if isinstance(data, list) else [data]
            rules = []
            for item in items:
                if not isinstance(item, dict):
                    raise ApiError("InvalidRequest", "a fault is a JSON object")
                rules.append(FaultRule.from_json(item))
            self.faults.rules.extend(rules)
            return _json_response(200, {"faults": [r.to_json() for r in self.faults.rules]})
        if name == "admin_faults_clear":
            self.faults.rules.clear()
            return _json_response(200, {"faults": []})
        if name == "admin_fleet_add":
            data = self._json_body(request)
            raw = data.get("devices") if isinstance(data, dict) else data
            if not isinstance(raw, list):
                raise ApiError("InvalidRequest", "body must be {devices: [...]} ")
            for item in raw:
                if not isinstance(item, dict):
                    raise ApiError("InvalidRequest", "a device is a JSON object")
                self.state.fleet.add(Device(**item))
            return _json_response(200, {"devices": len(self.state.fleet.devices)})
        if name == "admin_holds":
            return _json_response(200, {"holds": [h.to_json() for h in self._holds]})
        if name == "admin_holds_add":
            data = self._json_body(request)
            if not isinstance(data, dict) or not isinstance(data.get("path"), str):
                raise ApiError("InvalidRequest", "body must be {method?, path}")
            times = data.get("times")
            if times is not None and (not isinstance(times, int) or times < 1):
                raise ApiError("InvalidRequest", "times must be a positive integer")
            phase = str(data.get("phase", "before"))
            hold = self.hold(str(data.get("method", "*")), data["path"], times=times, phase=phase)
            return _json_response(200, hold.to_json())
        if name == "admin_holds_release":
            self.release_holds()
            return _json_response(200, {"holds": []})
        raise ApiError("NotFound", f"no admin handler {name}", status=404)

    def _clock_body(self) -> dict[str, object]:
        now = self.now()
        return {
            "now": now.isoformat().replace("+00:00", "Z"),
            "frozen": self.state.clock.frozen,
            "state": str(self.state_path) if self.state_path else None,
        }


def _fresh_state(opts: SimOptions) -> State:
    """A new emulator's state from its options (a generated fleet plus any fleet file)."""
    fleet = Fleet.generate(opts.devices, opts.seed, opts.account)
    if opts.fleet_file is not None:
        for device in load_fleet_file(opts.fleet_file):
            fleet.add(device)
    return State(
        clock=SimClock(opts.now, frozen=opts.frozen, real=opts.real_time),
        fleet=fleet,
        seed=opts.seed,
        failure_rate=opts.failure_rate,
        strict=opts.strict,
        outcomes=opts.outcomes or PackageOutcomes(),
    )


def env_credentials(env: dict[str, str] | None = None) -> dict[str, str]:
    """Emulator credentials from ``FOTA_SIM_CLIENT_ID``/``_CLIENT_SECRET``/``_USERNAME``/
    ``_PASSWORD`` (defaults: the documented demo credentials)."""
    source = os.environ if env is None else env
    return {
        "client_id": source.get("FOTA_SIM_CLIENT_ID", DEMO_CLIENT_ID),
        "client_secret": source.get("FOTA_SIM_CLIENT_SECRET", DEMO_CLIENT_SECRET),
        "username": source.get("FOTA_SIM_USERNAME", DEMO_USERNAME),
        "password": source.get("FOTA_SIM_PASSWORD", DEMO_PASSWORD),
    }
