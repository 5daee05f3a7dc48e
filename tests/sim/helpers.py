"""Helpers for the emulator's tests: request bodies and a plain httpx client (deliberately not
the reconciler's client, which is itself tested against this emulator)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from reconciler.sim.fleet import DEFAULT_CATALOG
from reconciler.sim.testing import RunningSim

ACC = "0000123456-00001"
PKG = DEFAULT_CATALOG[0]
V3 = "/api/fota/v3"
V2 = "/api/fota/v2"
IMEI_A = "354658090353977"
IMEI_B = "354658090353985"


def firmware_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "campaignName": "spring rollout",
        "firmwareName": PKG.firmwareName,
        "firmwareFrom": PKG.firmwareFrom,
        "firmwareTo": PKG.firmwareTo,
        "protocol": "LWM2M",
        "startDate": "2026-03-03",
        "endDate": "2026-03-05",
        "campaignTimeWindowList": [{"startTime": 18, "endTime": 22}],
        "deviceList": [IMEI_A, IMEI_B],
        "autoAssignLicenseFlag": False,
        "autoAddDevicesFlag": False,
    }
    body.update(overrides)
    return body


def software_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "campaignName": "app update",
        "softwareName": "FOTA_Verizon_Model-A_02To03_HF",
        "softwareFrom": "FOTA_Verizon_Model-A_00To01_HF",
        "softwareTo": "FOTA_Verizon_Model-A_02To03_HF",
        "distributionType": "HTTP",
        "startDate": "2026-03-03",
        "endDate": "2026-03-05",
        "downloadAfterDate": "2026-03-03",
        "downloadTimeWindowList": [{"startTime": 3, "endTime": 4}],
        "installAfterDate": None,
        "installTimeWindowList": [{"startTime": 5, "endTime": 6}],
        "deviceList": [IMEI_A, IMEI_B],
    }
    body.update(overrides)
    return body


class Api:
    """httpx against the emulator with valid tokens; ``relogin`` after the clock jumps."""

    def __init__(self, sim: RunningSim) -> None:
        self.sim = sim
        self.http = httpx.Client(base_url=sim.url, timeout=10.0)
        self.headers = sim.auth_headers()

    def relogin(self) -> None:
        self.headers = self.sim.auth_headers()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def create(self, **overrides: Any) -> dict[str, Any]:
        response = self.post(f"{V3}/campaigns/firmware/{ACC}", json=firmware_body(**overrides))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def campaign(self, cid: str) -> dict[str, Any]:
        response = self.get(f"{V3}/campaigns/{ACC}/{cid}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def settle(self, cid: str) -> str:
        """Two GETs move a new campaign to its settled status."""
        self.campaign(cid)
        return str(self.campaign(cid)["status"])

    def devices(self, cid: str) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        last = "0"
        while True:
            response = self.get(
                f"{V3}/reports/{ACC}/campaigns/{cid}/devices", params={"lastSeenDeviceId": last}
            )
            assert response.status_code == 200, response.text
            page = response.json()
            out.update({d["deviceId"]: d for d in page["deviceList"]})
            if not page["hasMoreData"]:
                return out
            last = page["lastSeenDeviceId"]

    def at(self, instant: datetime) -> None:
        """Set the emulator's clock and log in again (tokens may have expired)."""
        self.sim.emulator.set_time(instant)
        self.relogin()


def expect_error(response: httpx.Response, code: str, status: int = 400) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errorCode", "errorMessage"}, body
    assert body["errorCode"] == code, body
    return str(body["errorMessage"])
