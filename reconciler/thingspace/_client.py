"""``ThingSpaceClient``: one object per target API, shared by every thread of a run.

What it guarantees, so that callers need not think about it:

- every FOTA call carries both tokens; the login happens once and is renewed before expiry or
  after one 401 (then the call is retried once);
- GET and PUT are retried with jittered backoff on 408/429/5xx and on transport failures
  (both are idempotent here: the dates PUT is a full replacement, a device-list PUT converges);
- POST and DELETE are never re-sent when they may have reached the server. They are retried
  only when the server provably did not process them: a 429 (rate limiting refuses a request
  before it is processed, and says when to come back) or a failure to connect (nothing was
  sent). A 5xx, a timeout or a broken connection after sending raises ``AmbiguousWriteError``;
- answers that are errors become typed exceptions carrying status, errorCode and errorMessage;
- nothing it raises or logs contains the client secret, the password or a token.

Why one module of ~700 lines: these guarantees are one state machine around one
``httpx.Client`` (tokens, the server's clock from ``Date``, retry decisions that depend on the
method and on whether the request left the host); split, each part would reach into the others'
private state. Paths are in :mod:`reconciler.thingspace.paths`, bodies in ``wire``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar

import httpx

from reconciler.model import Kind
from reconciler.redaction import Redactor
from reconciler.retry import RetryPolicy, parse_http_date, parse_retry_after
from reconciler.thingspace import paths
from reconciler.thingspace._auth import Authenticator, Tokens
from reconciler.thingspace._concurrency import map_concurrently
from reconciler.thingspace._credentials import Credentials
from reconciler.thingspace._errors import (
    AmbiguousWriteError,
    ApiError,
    AuthError,
    NotFoundError,
    PagingError,
    ThingSpaceError,
    TransportError,
)
from reconciler.thingspace._gate import RequestGate
from reconciler.thingspace._paging import JsonObject, page_items, walk_pages
from reconciler.thingspace._url import api_base_url
from reconciler.thingspace.wire import (
    DeviceOp,
    ReportedDevice,
    decode_account_device_page,
    decode_upgrade_page,
    encode_device_change,
)

log = logging.getLogger("reconciler.thingspace")

T = TypeVar("T")
R = TypeVar("R")


class _IndexedPage(Protocol):
    """A v1 page: whether another follows, and the index it starts at."""

    @property
    def more(self) -> bool: ...

    @property
    def next_index(self) -> str | None: ...


P = TypeVar("P", bound=_IndexedPage)

TOKEN_PATH = "/api/ts/v1/oauth2/token"
LOGIN_PATH = "/api/m2m/v1/session/login"
_RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504, 521, 522, 524})
_IDEMPOTENT = frozenset({"GET", "PUT"})
_LOGIN_CODE_CHARS = 60
_LOGIN_MESSAGE_CHARS = 120
DEVICE_CHUNK = 10_000
READBACK_CHUNK = 1000
"""Devices per device-information read-back request (POST /devices/{acc}). ThingSpace documents
no limit for it; 1,000 is the emulator's own stated limit (``TooManyDevices`` beyond it) and the
size of a report page, so a wave's read-back costs one request per report page, not ten."""
"""Devices per add/remove PUT: large lists are split so no single request is huge."""


class _Failed:
    """A request that got no HTTP answer; ``sent`` is False only when nothing left the host."""

    def __init__(self, exc: Exception, *, sent: bool) -> None:
        self.description = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        self.sent = sent


class ThingSpaceClient:
    """Synchronous, thread-safe client for the ThingSpace Software Management API.

    ``base_url`` is the server root (``https://thingspace.verizon.com``, or
    ``http://127.0.0.1:8900`` for an emulator): paths carry ``/api/...`` themselves.
    Use it as a context manager so the connection pool is closed.
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        concurrency: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        # Validated once: no userinfo, query or fragment (they would leak or break every path).
        self.base_url = api_base_url(base_url)
        self.concurrency = concurrency
        self.retry = retry if retry is not None else RetryPolicy()
        self._credentials = credentials
        self._redactor = Redactor(credentials.secrets(), user=credentials.client_id)
        pool = max(10, 2 * concurrency)
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
            headers={"accept": "application/json"},
            follow_redirects=False,
        )
        self._auth = Authenticator(self._login, clock=clock)
        self._gate = RequestGate(concurrency)
        self._last_date: datetime | None = None

    def __repr__(self) -> str:
        return f"ThingSpaceClient({self.base_url!r}, {self._credentials!r})"

    # --- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> ThingSpaceClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def logins(self) -> int:
        """How many two-step logins this client has done (token reuse is observable)."""
        return self._auth.logins

    # --- concurrency and clock --------------------------------------------------------------

    def map_concurrently(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(x) for x in items]`` on at most ``concurrency`` threads, results in order."""
        return map_concurrently(fn, items, concurrency=self.concurrency)

    def urgent(self) -> AbstractContextManager[None]:
        """Requests this thread makes inside the block take the next free slot first (the
        identity listings: every campaign read waits for them)."""
        return self._gate.urgent()

    def login(self) -> None:
        """Log in now unless logged in (every call does it when needed; this only starts it
        early, e.g. while spec files are still being read)."""
        self._auth.current()

    def server_now(self) -> datetime:
        """The API's clock: the ``Date`` header of the last response (logging in if none yet).

        The planner's "now" must be the server's, not this machine's: the server decides
        whether a campaign has started.
        """
        if self._last_date is None:
            self._auth.current()
        if self._last_date is None:
            raise TransportError(
                f"ThingSpace at {self.base_url} sends no Date header, so its clock is unknown; "
                "pass --now to plan against an explicit time"
            )
        return self._last_date

    # --- campaigns --------------------------------------------------------------------------

    def list_campaigns(self, account: str, kind: Kind, status: str) -> Iterator[JsonObject]:
        """Every campaign of ``account`` in ``status`` (one status per query, as the API wants)."""
        for page in self.list_campaign_pages(account, kind, status):
            yield from page

    def list_campaign_pages(
        self, account: str, kind: Kind, status: str
    ) -> Iterator[list[JsonObject]]:
        """``list_campaigns`` a page at a time: what a caller may act on before the next page
        (one round trip later) arrives."""
        if kind is Kind.UPGRADE:
            yield list(self._list_upgrades(account, status))
            return
        path = paths.listing(account, kind)

        def fetch(cursor: str | None) -> JsonObject:
            params = {"campaignStatus": status}
            if cursor is not None:
                params["lastSeenCampaignId"] = cursor
            return self._object("GET", path, params=params)

        for page in walk_pages(fetch, cursor_field="lastSeenCampaignId", where=f"GET {path}"):
            yield list(page_items(page, "campaignList"))

    def _list_upgrades(self, account: str, status: str) -> Iterator[JsonObject]:
        """The v1 listing: ``startIndex`` in the path (0, then each page's integer
        ``lastSeenUpgradeId``) while ``hasMoreFlag``."""
        for page in self._index_pages(
            lambda index: paths.upgrade_listing(account, status, index),
            decode_upgrade_page,
            "hasMoreFlag is true but lastSeenUpgradeId is {index}; the server's listing is "
            "inconsistent, try again later",
        ):
            yield from page.items

    def iter_reported_firmware(self, account: str) -> Iterator[ReportedDevice]:
        """Every device of the account with the firmware it reports now (v1 device list,
        ``startIndex`` paging as the v1 listing): how a v1 upgrade really ended, since
        OMA-DM upgrades may complete after the end date."""
        for page in self._index_pages(
            lambda index: paths.upgrade_devices(account, index),
            decode_account_device_page,
            "hasMoreData is true but lastSeenDeviceId is {index}",
        ):
            yield from page.devices

    def _index_pages(
        self, path_at: Callable[[str], str], decode: Callable[[JsonObject], P], stuck: str
    ) -> Iterator[P]:
        """v1 paging: ``startIndex`` in the path, 0 first, then each page's ``next_index``
        while it says there is more; a missing or repeated index is a stuck listing (``stuck``
        says why, with ``{index}``), never a loop."""
        index, seen = "0", {"0"}
        while True:
            path = path_at(index)
            page = decode(self._object("GET", path))
            yield page
            if not page.more:
                return
            if not page.next_index or page.next_index in seen:
                raise PagingError(
                    f"ThingSpace paging is stuck on GET {path}: "
                    + stuck.format(index=page.next_index or "missing"),
                    path=path,
                )
            seen.add(page.next_index)
            index = page.next_index

    def get_campaign(self, account: str, kind: Kind, campaign_id: str) -> JsonObject:
        return self._object("GET", paths.one(account, kind, campaign_id))

    def iter_campaign_device_pages(
        self, account: str, kind: Kind, campaign_id: str
    ) -> Iterator[JsonObject]:
        """The device-status report page by page (each page keeps ``totalDevice`` etc.).

        The first request carries no ``lastSeenDeviceId``: the API facts make it optional,
        whereas ThingSpace's "Get Device Status in a Campaign" page sends ``0``; omitting it is
        the wire format the SDK uses.
        A v1 upgrade has no device report: its GET lists every device (``deviceId``,
        ``status``, ``resultReason``, the report's item shape), so it is the one page.
        """
        if kind is Kind.UPGRADE:
            yield self.get_campaign(account, kind, campaign_id)
            return
        path = paths.device_report(account, kind, campaign_id)

        def fetch(cursor: str | None) -> JsonObject:
            params = {} if cursor is None else {"lastSeenDeviceId": cursor}
            return self._object("GET", path, params=params)

        yield from walk_pages(fetch, cursor_field="lastSeenDeviceId", where=f"GET {path}")

    # --- devices (firmware read-back) ---------------------------------------------------

    def device_information(self, account: str, imeis: Sequence[str]) -> JsonObject:
        """Information (firmware included) on at most ``READBACK_CHUNK`` given devices (POST,
        a read: retried like a GET)."""
        if len(imeis) > READBACK_CHUNK:
            raise ValueError(f"at most {READBACK_CHUNK} devices per request")
        body = {"deviceList": list(imeis)}
        return self._object("POST", paths.account_devices(account), json_body=body, read=True)

    def create_campaign(self, account: str, kind: Kind, body: JsonObject) -> JsonObject:
        """POST a new campaign. Never re-sent after it may have arrived (AmbiguousWriteError)."""
        return self._object("POST", paths.create(account, kind), json_body=body)

    def update_schedule(
        self, account: str, kind: Kind, campaign_id: str, body: JsonObject
    ) -> JsonObject:
        """PUT the full dates-and-windows body (``reconciler.thingspace.wire.encode_schedule``)."""
        path = paths.dates(account, kind, campaign_id)
        return self._object("PUT", path, json_body=body)

    def change_devices(
        self,
        account: str,
        kind: Kind,
        campaign_id: str,
        op: DeviceOp,
        imeis: Iterable[str],
        *,
        chunk_size: int = DEVICE_CHUNK,
    ) -> JsonObject:
        """Append or remove devices, ``chunk_size`` per PUT, per-device results merged.

        The merged answer is the first chunk's answer with ``deviceList`` the concatenation of
        every chunk's per-device results (v3) and ``requestIds`` every chunk's ``requestId``
        (v2). If a later chunk fails, earlier chunks stay applied; the error says how far it
        got, and re-reading live state shows the rest still to do.
        """
        ordered = sorted(set(imeis))
        path = paths.modify(account, kind, campaign_id)
        merged: JsonObject = {}
        results: list[Any] = []
        request_ids: list[str] = []
        for start in range(0, len(ordered), chunk_size):
            chunk = ordered[start : start + chunk_size]
            try:
                answer = self._object("PUT", path, json_body=encode_device_change(op, chunk, kind))
            except ThingSpaceError as exc:
                if start:
                    exc.args = (
                        f"{exc.message} (after {start} of {len(ordered)} devices were changed)",
                    )
                raise
            if not merged:
                merged = dict(answer)
            if isinstance(answer.get("deviceList"), list):
                results.extend(answer["deviceList"])
            if answer.get("requestId") is not None:
                request_ids.append(str(answer["requestId"]))
        if results or "deviceList" in merged:
            merged["deviceList"] = results
        if request_ids:
            merged["requestIds"] = request_ids
        return merged

    def delete_campaign(self, account: str, kind: Kind, campaign_id: str) -> JsonObject:
        """DELETE (cancel before start, abort after). Never re-sent after it may have arrived."""
        return self._object("DELETE", paths.one(account, kind, campaign_id))

    # --- the request machinery --------------------------------------------------------------

    def _object(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: JsonObject | None = None,
        read: bool = False,
    ) -> JsonObject:
        body = self._call(method, path, params=params, json_body=json_body, read=read)
        if not isinstance(body, dict):
            raise self._unreadable(method, path, "a JSON object was expected")
        return body

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: JsonObject | None = None,
        read: bool = False,
    ) -> Any:
        """One logical API call: auth, retries, error mapping. Returns the decoded JSON body.

        ``read``: the call changes nothing although its method is not idempotent (a POST that
        asks a question), so it is retried like a GET.
        """
        idempotent = read or method in _IDEMPOTENT
        attempt = 0
        reauthenticated = False
        while True:
            attempt += 1
            session = self._auth.current()
            outcome = self._send(method, path, session.headers(), params=params, json=json_body)
            if isinstance(outcome, _Failed):
                if idempotent or not outcome.sent:
                    if attempt < self.retry.max_attempts:
                        self._wait(attempt, None, f"{method} {path}: {outcome.description}")
                        continue
                    raise TransportError(
                        self._redact(
                            f"could not reach ThingSpace at {self.base_url} ({method} {path}): "
                            f"{outcome.description}, after {attempt} attempt(s); check "
                            "--api-url/FOTA_API_URL and the network, or raise --timeout"
                        ),
                        method=method,
                        path=path,
                    )
                raise AmbiguousWriteError(
                    self._redact(
                        f"ThingSpace may or may not have applied {method} {path}: "
                        f"{outcome.description}; it was not re-sent, look the campaign up "
                        "(fota status / fota plan) before trying again"
                    ),
                    method=method,
                    path=path,
                )
            response = outcome
            status = response.status_code
            if status == 401 and not reauthenticated:
                # The token or the session expired early (or was revoked): log in again, once.
                reauthenticated = True
                self._auth.invalidate(session.generation)
                attempt -= 1
                continue
            if 200 <= status < 300:
                return self._decode(method, path, response)
            if status in _RETRYABLE_STATUS or status >= 500:
                may_retry = idempotent or status == 429
                if may_retry and attempt < self.retry.max_attempts:
                    retry_after = parse_retry_after(
                        response.headers.get("Retry-After"), self._date_of(response)
                    )
                    if self._wait(attempt, retry_after, f"{method} {path}: {status}"):
                        continue
                if not idempotent and status >= 500:
                    raise self._error(AmbiguousWriteError, method, path, response, ambiguous=True)
            raise self._refusal(method, path, response, attempt)

    def _send(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        *,
        params: dict[str, str] | None = None,
        json: JsonObject | None = None,
        data: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> httpx.Response | _Failed:
        try:
            with self._gate.slot():
                response = self._http.request(
                    method, path, headers=headers, params=params, json=json, data=data, auth=auth
                )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            log.debug("%s %s: not sent (%s)", method, path, type(exc).__name__)
            return _Failed(exc, sent=False)
        except httpx.UnsupportedProtocol:
            pass  # a configuration error, reported below
        except httpx.TransportError as exc:
            log.debug("%s %s: failed after sending (%s)", method, path, type(exc).__name__)
            return _Failed(exc, sent=True)
        else:
            log.debug("%s %s -> %s", method, path, response.status_code)
            date = self._date_of(response)
            if date is not None:
                self._last_date = date
            # httpx binds the response to its (already read and closed) stream and the stream to
            # the response: a cycle only the garbage collector frees. Breaking it frees each page
            # (~250 KB for 1,000 devices) as soon as it is decoded, keeping paging memory flat.
            response.stream = httpx.ByteStream(b"")
            return response
        # Raised outside the except block, so no httpx exception (whose request holds the
        # tokens) hangs on as __context__.
        raise TransportError(
            f"cannot talk to ThingSpace at {self.base_url}: --api-url needs http:// or https://",
            method=method,
            path=path,
        )

    def _wait(self, attempt: int, retry_after: float | None, why: str) -> bool:
        delay = self.retry.delay(attempt, retry_after)
        if delay is None:
            return False
        log.debug("retrying %s in %.2fs", self._redact(why), delay)
        self.retry.sleep(delay)
        return True

    @staticmethod
    def _date_of(response: httpx.Response) -> datetime | None:
        return parse_http_date(response.headers.get("Date"))

    def _decode(self, method: str, path: str, response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            if method not in _IDEMPOTENT:
                raise AmbiguousWriteError(
                    f"ThingSpace accepted {method} {path} ({response.status_code}) but its "
                    "answer is unreadable; look the campaign up (fota status / fota plan) "
                    "before trying again",
                    method=method,
                    path=path,
                    status=response.status_code,
                ) from None
            raise self._unreadable(method, path, "the body is not JSON") from None

    def _unreadable(self, method: str, path: str, why: str) -> TransportError:
        return TransportError(
            f"ThingSpace sent an unreadable answer to {method} {path}: {why}",
            method=method,
            path=path,
        )

    def _refusal(
        self, method: str, path: str, response: httpx.Response, attempts: int
    ) -> ThingSpaceError:
        status = response.status_code
        if status == 404:
            return self._error(NotFoundError, method, path, response)
        if status in (401, 403):
            return self._error(AuthError, method, path, response)
        suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
        return self._error(ApiError, method, path, response, suffix=suffix)

    def _error(
        self,
        cls: type[ThingSpaceError],
        method: str,
        path: str,
        response: httpx.Response,
        *,
        ambiguous: bool = False,
        suffix: str = "",
    ) -> ThingSpaceError:
        code, text, _ = _error_fields(response, self._redact)
        detail = " ".join(part for part in (str(response.status_code), code) if part)
        if text:
            detail += f": {text}"
        if ambiguous:
            message = (
                f"ThingSpace may or may not have applied {method} {path}: {detail}; it was not "
                "re-sent, look the campaign up (fota status / fota plan) before trying again"
            )
        elif cls is AuthError:
            message = (
                f"ThingSpace refused the credentials on {method} {path}: {detail}; check "
                "FOTA_CLIENT_ID, FOTA_CLIENT_SECRET, FOTA_USERNAME and FOTA_PASSWORD"
            )
        else:
            message = f"ThingSpace refused {method} {path}: {detail}{suffix}"
        return cls(
            self._redact(message),
            method=method,
            path=path,
            status=response.status_code,
            error_code=code or None,
            error_message=text or None,
        )

    def _redact(self, text: str) -> str:
        """Every form (verbatim, JSON, URL, base64 Basic) of the credentials and of the tokens
        of this and earlier logins (``Redactor``)."""
        self._redactor.remember(*self._auth.secrets())
        return self._redactor(text)

    # --- login ------------------------------------------------------------------------------

    def _login(self) -> Tokens:
        """Both steps: OAuth client-credentials token, then the M2M session login."""
        creds = self._credentials
        token_body = self._auth_call(
            TOKEN_PATH,
            headers={},
            data={"grant_type": "client_credentials"},
            basic=(creds.client_id, creds.client_secret),
            what="OAuth token (check FOTA_CLIENT_ID and FOTA_CLIENT_SECRET)",
        )
        access = token_body.get("access_token")
        if not isinstance(access, str) or not access:
            raise self._unreadable("POST", TOKEN_PATH, "no access_token")
        if not _header_safe(access):
            raise self._unreadable("POST", TOKEN_PATH, "the access_token is not printable ASCII")
        self._redactor.remember(access)
        expires_in = token_body.get("expires_in")
        lifetime: float | None = None
        if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool):
            lifetime = float(expires_in)
        elif isinstance(expires_in, str) and expires_in.isascii() and expires_in.isdigit():
            lifetime = float(expires_in)  # some gateways send numbers as strings
        login_body = self._auth_call(
            LOGIN_PATH,
            headers={"Authorization": f"Bearer {access}"},
            json_body={"username": creds.username, "password": creds.password},
            what="M2M session login (check FOTA_USERNAME and FOTA_PASSWORD)",
            extra_secrets=(access,),
        )
        session = login_body.get("sessionToken")
        if not isinstance(session, str) or not session:
            raise self._unreadable("POST", LOGIN_PATH, "no sessionToken")
        if not _header_safe(session):
            raise self._unreadable("POST", LOGIN_PATH, "the sessionToken is not printable ASCII")
        self._redactor.remember(session)
        return Tokens(access, session, lifetime)

    def _auth_call(
        self,
        path: str,
        *,
        headers: dict[str, str],
        what: str,
        data: dict[str, str] | None = None,
        json_body: JsonObject | None = None,
        basic: tuple[str, str] | None = None,
        extra_secrets: Sequence[str] = (),
    ) -> JsonObject:
        """A login POST. Logging in has no side effect worth protecting, so it is retried like
        a GET (transport failures, 429, 5xx)."""

        self._redactor.remember(*extra_secrets)
        redact = self._redact

        attempt = 0
        while True:
            attempt += 1
            outcome = self._send("POST", path, headers, json=json_body, data=data, auth=basic)
            if isinstance(outcome, _Failed):
                if attempt < self.retry.max_attempts:
                    self._wait(attempt, None, f"POST {path}: {outcome.description}")
                    continue
                raise TransportError(
                    redact(
                        f"could not reach ThingSpace at {self.base_url} (POST {path}): "
                        f"{outcome.description}, after {attempt} attempt(s); check "
                        "--api-url/FOTA_API_URL and the network"
                    ),
                    method="POST",
                    path=path,
                )
            status = outcome.status_code
            if (status in _RETRYABLE_STATUS or status >= 500) and attempt < (
                self.retry.max_attempts
            ):
                retry_after = parse_retry_after(
                    outcome.headers.get("Retry-After"), self._date_of(outcome)
                )
                if self._wait(attempt, retry_after, f"POST {path}: {status}"):
                    continue
            if 200 <= status < 300:
                body = self._decode("GET", path, outcome)
                if not isinstance(body, dict):
                    raise self._unreadable("POST", path, "a JSON object was expected")
                return body
            if status == 404:
                raise ApiError(
                    f"there is no ThingSpace login endpoint at {self.base_url}{path} (404); "
                    "check --api-url/FOTA_API_URL (the server root, without /api/...)",
                    method="POST",
                    path=path,
                    status=status,
                )
            # Only the status, the error code and a short errorMessage: a login endpoint that
            # reflects the request would otherwise hand back the credentials in some encoding.
            code, text, structured = _error_fields(outcome, redact)
            code = code[:_LOGIN_CODE_CHARS]
            text = _shorten(text, _LOGIN_MESSAGE_CHARS) if structured else ""
            detail = " ".join(part for part in (str(status), code) if part)
            if text:
                detail += f": {text}"
            cls: type[ThingSpaceError] = AuthError if status < 500 else ApiError
            message = f"ThingSpace refused the {what}: {detail}"
            if status >= 500:  # the server failed: not a verdict on the credentials
                step = what.split(" (check", 1)[0]
                message = f"ThingSpace failed to answer the {step} (a server error): {detail}"
            raise cls(
                redact(message),
                method="POST",
                path=path,
                status=status,
                error_code=code or None,
                error_message=text or None,
            )


def _error_fields(response: httpx.Response, redact: Callable[[str], str]) -> tuple[str, str, bool]:
    """(errorCode, errorMessage, structured) of an error answer: the FOTA shape, the OAuth shape
    (structured), or the body as text.

    Secrets are redacted before whitespace is folded or text is cut: folding could break up a
    secret containing spaces, cutting could leave half of one.
    """
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        code = body.get("errorCode") or body.get("error") or ""
        text = body.get("errorMessage") or body.get("error_description") or ""
        if code or text:
            return _one_line(redact(str(code))), _one_line(redact(str(text))), True
    text = response.text if response.content else ""
    return "", _shorten(_one_line(redact(text)), 200), False


def _header_safe(token: str) -> bool:
    """Tokens go into headers; anything else would fail inside httpx with the token attached."""
    return all(" " <= ch <= "~" for ch in token)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
