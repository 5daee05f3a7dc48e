"""Emulator speed figures: creating and paging a 100,000-device campaign over loopback HTTP,
in memory and persisted to a state file. Prints figures; asserts nothing (not a test).

Run: python bench/sim_paging.py [--devices 100000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from reconciler.sim.fleet import DEFAULT_CATALOG, luhn_digit
from reconciler.sim.testing import running_sim

ACC = "0000123456-00001"
V3 = "/api/fota/v3"


def _imeis(count: int) -> list[str]:
    return [b + luhn_digit(b) for b in (f"35{n:012d}" for n in range(count))]


def run(count: int, state: Path | None) -> None:
    label = f"state file {state.name}" if state else "in memory"
    pkg = DEFAULT_CATALOG[0]
    devices = _imeis(count)
    with (
        running_sim(devices=10, state_path=state) as sim,
        httpx.Client(base_url=sim.url, timeout=120) as http,
    ):
        headers = sim.auth_headers()
        body = {
            "campaignName": "bench",
            "firmwareName": pkg.firmwareName,
            "firmwareFrom": pkg.firmwareFrom,
            "firmwareTo": pkg.firmwareTo,
            "protocol": "LWM2M",
            "startDate": "2026-03-02",
            "endDate": "2026-03-09",
            "campaignTimeWindowList": [{"startTime": 0, "endTime": 12}],
            "deviceList": devices,
        }
        begin = time.perf_counter()
        created = http.post(f"{V3}/campaigns/firmware/{ACC}", json=body, headers=headers)
        create_s = time.perf_counter() - begin
        cid = created.json()["id"]
        sim.emulator.advance("1d")
        headers = sim.auth_headers()
        begin = time.perf_counter()
        last, pages, seen = "0", 0, 0
        while True:
            page = http.get(
                f"{V3}/reports/{ACC}/campaigns/{cid}/devices",
                params={"lastSeenDeviceId": last},
                headers=headers,
            ).json()
            pages += 1
            seen += len(page["deviceList"])
            if not page["hasMoreData"]:
                break
            last = page["lastSeenDeviceId"]
        page_s = time.perf_counter() - begin
        begin = time.perf_counter()
        for _ in range(20):
            http.get(f"{V3}/campaigns/{ACC}/{cid}", headers=headers)
        get_s = (time.perf_counter() - begin) / 20
        size = f", state file {state.stat().st_size / 1e6:.1f} MB" if state else ""
    print(
        f"{label}: create {count} devices {create_s:.2f}s; "
        f"{pages} report pages ({seen} devices) {page_s:.2f}s = "
        f"{page_s / pages * 1000:.1f} ms/page; "
        f"GET campaign {get_s * 1000:.1f} ms{size}"
    )


def fleet(count: int) -> None:
    begin = time.perf_counter()
    with running_sim(devices=count) as sim, httpx.Client(base_url=sim.url, timeout=120) as http:
        started = time.perf_counter() - begin
        headers = sim.auth_headers()
        begin = time.perf_counter()
        last, pages = "0", 0
        while True:
            page = http.get(
                f"{V3}/devices/{ACC}", params={"lastSeenDeviceId": last}, headers=headers
            ).json()
            pages += 1
            if not page["hasMoreData"]:
                break
            last = page["lastSeenDeviceId"]
        listing = time.perf_counter() - begin
    print(
        f"generated fleet of {count}: start {started:.2f}s; GET /devices {pages} pages "
        f"{listing:.2f}s = {listing / pages * 1000:.1f} ms/page"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=100_000)
    args = parser.parse_args()
    fleet(args.devices)
    run(args.devices, None)
    with tempfile.TemporaryDirectory() as tmp:
        run(args.devices, Path(tmp) / "state.json")


if __name__ == "__main__":
    main()
