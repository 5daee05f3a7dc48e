"""A scriptable in-memory ThingSpace behind ``httpx.MockTransport``, for the client's unit tests.

(A uniquely named module rather than conftest, so test files can import it unambiguously.)

It speaks just enough of the API (login, campaigns, listing by status, device report paging)
to exercise the client's own logic: retries, auth, paging, identity. Faults are scripted per
request (``fake.script(method, path_prefix, responses...)``); every request is recorded.
The real emulator (``reconciler.sim``) is used by the integration tests.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any

import httpx

from reconciler.model import CampaignSpec, Kind, Package, Schedule, Source, TimeWindow
from reconciler.thingspace import Credentials, ThingSpaceClient

JsonObject = dict[str, Any]
ACC = "0000123456-00001"
CREDS = Credentials("cid", "s3cr3t-client", "user", "pa55word")
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response]


def error(status: int, code: str = "", message: str = "", **headers: str) -> httpx.Response:
    body = {"errorCode": code, "errorMessage": message} if code else None
    return httpx.Response(status, json=body, headers=headers)


def raiser(exc_type: type[Exception], text: str = "boom") -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc_type(text, request=request)  # type: ignore[call-arg]

    return handle


def _fold(status: str) -> str:
    return "".join(status.split()).casefold()


@dataclass
class FakeThingSpace:
    """The server side. ``campaigns`` maps id -> GET body; ``devices`` id -> {imei: status}."""

    token_lifetime: int | None = 3600
    page_size: int = 1000
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    devices: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    scripted: list[tuple[str, str, list[Handler | httpx.Response]]] = field(default_factory=list)
    valid_access: set[str] = field(default_factory=set)
    valid_sessions: set[str] = field(default_factory=set)
    issued: int = 0
    send_date: bool = True

    def script(self, method: str, prefix: str, *responses: Handler | httpx.Response) -> None:
        """The next requests matching (method, path prefix) get these answers, in order."""
        self.scripted.append((method, prefix, list(responses)))

    def count(self, method: str, prefix: str = "/api/fota") -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path.startswith(prefix))

    def expire_tokens(self) -> None:
        self.valid_access.clear()
        self.valid_sessions.clear()

    def add(self, cid: str, name: str, status: str, **fields: Any) -> None:
        body = {
            "id": cid,
            "accountName": ACC,
            "campaignName": name,
            "firmwareName": "FW",
            "firmwareFrom": "1.0",
            "firmwareTo": "2.0",
            "protocol": "LWM2M",
            "make": "Acme",
            "model": "M1",
            "startDate": "2026-05-10",
            "endDate": "2026-05-20",
            "campaignTimeWindowList": [{"startTime": 18, "endTime": 22}],
            "status": status,
            "autoAssignLicenseFlag": False,
            "autoAddDevicesFlag": False,
        }
        body.update(fields)
        self.campaigns[cid] = body

    # --- transport ---------------------------------------------------------------------------

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for i, (method, prefix, answers) in enumerate(self.scripted):
            if request.method == method and request.url.path.startswith(prefix) and answers:
                answer = answers.pop(0)
                if not answers:
                    del self.scripted[i]
                response = answer(request) if callable(answer) else answer
                return self._dated(response)
        return self._dated(self._route(request))

    def _dated(self, response: httpx.Response) -> httpx.Response:
        if self.send_date:
            response.headers["Date"] = format_datetime(NOW, usegmt=True)
        return response

    def _route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/ts/v1/oauth2/token":
            return self._token(request)
        if path == "/api/m2m/v1/session/login":
            return self._login(request)
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.valid_access or (
            request.headers.get("VZ-M2M-Token") not in self.valid_sessions
        ):
            return error(401, "UnAuthorized", "token expired")
        parts = path.split("/")[3:]  # after /api/fota
        version, rest = parts[0], parts[1:]
        if rest[:1] == ["reports"] and rest[-1] == "devices" and "campaigns" in rest:
            return self._device_report(rest[3], request)
        if rest[:1] == ["reports"] and rest[-1] == "campaigns":
            return self._listing(version, request)
        if rest[:1] == ["campaigns"] and request.method in ("GET", "DELETE") and len(rest) == 3:
            body = self.campaigns.get(rest[2])
            if body is None:
                return error(404, "CampaignNotFound", f"no campaign {rest[2]}")
            if request.method == "DELETE":
                body["status"] = "CampaignCancelled"
                return httpx.Response(200, json={"success": True})
            return httpx.Response(200, json=body)
        if request.method == "PUT":
            payload = json.loads(request.content)
            return httpx.Response(
                200,
                json={
                    "accountName": ACC,
                    "campaignId": rest[-1],
                    "deviceList": [
                        {"deviceId": d, "status": "AddDeviceSucceed"}
                        for d in payload.get("deviceList", [])
                    ],
                },
            )
        if request.method == "POST":
            payload = json.loads(request.content)
            cid = f"c-{len(self.campaigns) + 1}"
            self.add(cid, payload.get("campaignName", ""), "CampaignRequestPending")
            return httpx.Response(200, json=self.campaigns[cid])
        return error(404, "NotFound", path)

    def _token(self, request: httpx.Request) -> httpx.Response:
        basic = base64.b64encode(f"{CREDS.client_id}:{CREDS.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {basic}":
            return httpx.Response(
                401, json={"error": "invalid_client", "error_description": "bad client"}
            )
        if request.content != b"grant_type=client_credentials":
            return httpx.Response(400, json={"error": "unsupported_grant_type"})
        self.issued += 1
        token = f"access-{self.issued}"
        self.valid_access.add(token)
        body: dict[str, Any] = {"access_token": token, "token_type": "bearer"}
        if self.token_lifetime is not None:
            body["expires_in"] = self.token_lifetime
        return httpx.Response(200, json=body)

    def _login(self, request: httpx.Request) -> httpx.Response:
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        payload = json.loads(request.content)
        if bearer not in self.valid_access:
            return error(401, "UnAuthorized", "bad bearer")
        if payload != {"username": CREDS.username, "password": CREDS.password}:
            return error(400, "LoginFailed", "bad username or password")
        token = f"session-{self.issued}"
        self.valid_sessions.add(token)
        return httpx.Response(200, json={"sessionToken": token})

    def _listing(self, version: str, request: httpx.Request) -> httpx.Response:
        status = request.url.params["campaignStatus"]
        after = request.url.params.get("lastSeenCampaignId")
        # Listed by the formal enum value, whatever spelling the item itself carries.
        ids = sorted(c for c, b in self.campaigns.items() if _fold(b["status"]) == _fold(status))
        if after is not None:
            ids = [c for c in ids if c > after]
        page, more = ids[:2], len(ids) > 2  # tiny pages so paging is always exercised
        items = [
            {k: v for k, v in self.campaigns[c].items() if not k.startswith("auto")} for c in page
        ]
        return httpx.Response(
            200,
            json={
                "hasMoreData": more,
                "lastSeenCampaignId": page[-1] if more else None,
                "campaignList": items,
            },
        )

    def _device_report(self, cid: str, request: httpx.Request) -> httpx.Response:
        devices = self.devices.get(cid, {})
        after = request.url.params.get("lastSeenDeviceId")
        imeis = sorted(d for d in devices if after is None or d > after)
        page = imeis[: self.page_size]
        more = len(imeis) > self.page_size
        return httpx.Response(
            200,
            json={
                "totalDevice": len(devices),
                "hasMoreData": more,
                "lastSeenDeviceId": page[-1] if more else "0",
                "maxPageSize": self.page_size,
                "deviceList": [
                    {"deviceId": d, "status": devices[d], "resultReason": f"reason {d[-3:]}"}
                    for d in page
                ],
            },
        )


@dataclass
class Clock:
    """A monotonic clock the test moves by hand."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def spec(name: str, *, campaign_id: str | None = None, line: int = 1) -> CampaignSpec:
    return CampaignSpec(
        account=ACC,
        name=name,
        kind=Kind.FIRMWARE,
        package=Package("FW", "1.0", "2.0", "LWM2M"),
        schedule=Schedule(date(2026, 5, 10), date(2026, 5, 20), windows=(TimeWindow(18, 22),)),
        devices=frozenset({"350000000000001"}),
        campaign_id=campaign_id,
        source=Source("campaigns/a.yaml", line, 3),
    )


def report_devices(
    client: ThingSpaceClient, account: str, kind: Kind, campaign_id: str
) -> Iterator[JsonObject]:
    """Each device item of a campaign's status report, streamed page by page."""
    for page in client.iter_campaign_device_pages(account, kind, campaign_id):
        yield from page.get("deviceList") or []
