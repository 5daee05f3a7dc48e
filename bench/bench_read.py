"""Reading live state three ways, side by side in one run (prints figures, asserts nothing).

One served emulator (``fota sim serve`` in a child process) holds N campaigns x M devices,
statuses settled, with injected latency on every request (``fota sim faults add
latency:MS``). The same campaigns are then read:

(a) ``fota plan`` end to end (its own process: spec files -> login, identity listings, each
    campaign's GET and device report -> plan), ``--concurrency C``; its peak RSS is measured;
(b) a minimal asyncio + httpx reader doing the same requests, C in flight;
(c) Verizon's own Python SDK reading the same campaigns one after another (sequentially, as
    its synchronous controllers do). Install it for the benchmark only, never as a dependency
    of the project:  pip install sdksio-verizon-apis-sdk==2.0.0

Printed: each time, the request floor (latency x requests / concurrency), the ratios.

Run:  python bench/bench_read.py --campaigns 200 1000 [--devices 1000] [--latency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _support import bench_spec, served_emulator
from bench_plan import write_spec_files

from reconciler.lifecycle.statuses import LISTING_ORDER
from reconciler.sim.fleet import DEFAULT_ACCOUNT
from reconciler.thingspace import Credentials, ThingSpaceClient
from reconciler.thingspace.wire import encode_create

NOW = "2026-03-02T09:00:00+00:00"
CREDS = Credentials.demo()
ENV = {
    "FOTA_CLIENT_ID": CREDS.client_id,
    "FOTA_CLIENT_SECRET": CREDS.client_secret,
    "FOTA_USERNAME": CREDS.username,
    "FOTA_PASSWORD": CREDS.password,
}
LISTING = f"/api/fota/v3/reports/{DEFAULT_ACCOUNT}/firmware/campaigns"


def _fota(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )


def _received(url: str) -> int:
    counts = httpx.get(f"{url}/_sim/requests", timeout=30).json()["received"]
    return int(sum(counts.values()))


def _emulator_cpu(pid: int) -> float:
    """CPU seconds (user + system) the emulator process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def setup(url: str, campaigns: int, devices: int, folder: Path) -> None:
    specs = [bench_spec(i, devices) for i in range(campaigns)]
    with ThingSpaceClient(url, CREDS, concurrency=16, timeout=300) as client:
        client.map_concurrently(
            lambda s: client.create_campaign(s.account, s.kind, encode_create(s)), specs
        )
    write_spec_files(folder, specs)
    _fota("sim", "clock", "advance", "1h", "--url", url)  # every campaign settles (Scheduled)


# --- (a) fota plan ------------------------------------------------------------------------


# ``fota plan`` as ``python -m reconciler`` would run it, writing its own peak resident set
# (``VmHWM``) to the file named by argv[1] as it exits. Measured inside the process because a
# child's ``ru_maxrss`` starts from its parent's peak (Linux keeps it across fork and exec),
# so this script's own memory (the set-up's specs) used to hide the plan's figure.
_MEASURED = """
import atexit, sys
from pathlib import Path
def _peak(out=sys.argv.pop(1)):
    lines = Path("/proc/self/status").read_text().splitlines()
    Path(out).write_text(next(x for x in lines if x.startswith("VmHWM:")).split()[1])
atexit.register(_peak)
from reconciler.cli import main
sys.exit(main())
"""


def run_plan(url: str, folder: Path, concurrency: int) -> tuple[float, float, float, int]:
    """(seconds, peak RSS in MB, CPU seconds, exit code) of ``fota plan`` in its own process."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        argv = [sys.executable, "-c", _MEASURED, str(peak_file), "plan", str(folder)]
        argv += ["--api-url", url, "--concurrency", str(concurrency), "-o", "json", "--quiet"]
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **ENV})
        elapsed = time.perf_counter() - started
        peak = int(peak_file.read_text()) if peak_file.exists() else 0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    if done.returncode not in (0, 2):
        print("    fota plan failed: " + done.stderr.strip().replace("\n", "\n    "))
    return elapsed, peak / 1024, cpu, done.returncode


# --- (b) a minimal asyncio + httpx reader ------------------------------------------------


async def _minimal(url: str, concurrency: int) -> int:
    """Login, the 8 listings in order, then each campaign's GET and report pages; returns
    the number of devices read."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300) as http:
        token = (
            await http.post(
                "/api/ts/v1/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(CREDS.client_id, CREDS.client_secret),
            )
        ).json()["access_token"]
        session = (
            await http.post(
                "/api/m2m/v1/session/login",
                json={"username": CREDS.username, "password": CREDS.password},
                headers={"Authorization": f"Bearer {token}"},
            )
        ).json()["sessionToken"]
        headers = {"Authorization": f"Bearer {token}", "VZ-M2M-Token": session}
        ids: list[str] = []
        for status in LISTING_ORDER:
            params = {"campaignStatus": status}
            while True:
                page = (await http.get(LISTING, params=params, headers=headers)).json()
                ids += [str(c["id"]) for c in page.get("campaignList") or []]
                if not page.get("hasMoreData"):
                    break
                params = {
                    "campaignStatus": status,
                    "lastSeenCampaignId": page["lastSeenCampaignId"],
                }
        gate = asyncio.Semaphore(concurrency)

        async def get(path: str, params: dict[str, str] | None = None) -> Any:
            async with gate:
                return (await http.get(path, params=params, headers=headers)).json()

        async def report(cid: str) -> int:
            path = f"/api/fota/v3/reports/{DEFAULT_ACCOUNT}/campaigns/{cid}/devices"
            count, params = 0, None
            while True:
                page = await get(path, params)
                count += len(page.get("deviceList") or [])
                if not page.get("hasMoreData"):
                    return count
                params = {"lastSeenDeviceId": str(page["lastSeenDeviceId"])}

        async def one(cid: str) -> int:
            campaign = get(f"/api/fota/v3/campaigns/{DEFAULT_ACCOUNT}/{cid}")
            _, count = await asyncio.gather(campaign, report(cid))
            return count

        return sum(await asyncio.gather(*(one(cid) for cid in ids)))


def run_minimal(url: str, concurrency: int) -> tuple[float, int]:
    started = time.perf_counter()
    devices = asyncio.run(_minimal(url, concurrency))
    return time.perf_counter() - started, devices


# --- (c) Verizon's SDK, sequential --------------------------------------------------------


_SDK_SERVERS: dict[str, dict[Any, str]] = {}


def run_sdk(url: str) -> tuple[float, int] | None:
    try:
        from verizon.configuration import Configuration, Environment, Server
        from verizon.http.auth.thingspace_oauth import ThingspaceOauthCredentials
        from verizon.http.auth.vz_m2m_token import VZM2mTokenCredentials
        from verizon.models.log_in_request import LogInRequest
        from verizon.verizon_client import VerizonClient
    except ImportError:
        return None
    # Point the SDK's production servers at the emulator (from the SDK's own URLs, kept the
    # first time: a second size runs against another emulator).
    servers = Configuration.environments[Environment.PRODUCTION]
    original = _SDK_SERVERS.setdefault("production", dict(servers))
    for server, address in original.items():
        servers[server] = address.replace("https://thingspace.verizon.com", url)
    servers[Server.OAUTH_SERVER] = f"{url}/api/ts/v1"
    started = time.perf_counter()
    oauth = ThingspaceOauthCredentials(
        oauth_client_id=CREDS.client_id, oauth_client_secret=CREDS.client_secret
    )
    client = VerizonClient(thingspace_oauth_credentials=oauth, timeout=300)
    login = client.session_management.start_connectivity_management_session(
        LogInRequest(username=CREDS.username, password=CREDS.password)
    )
    token = login.body.session_token
    client = VerizonClient(
        thingspace_oauth_credentials=oauth,
        vz_m2m_token_credentials=VZM2mTokenCredentials(vz_m2m_token=token),
        timeout=300,
    )
    reports = client.software_management_reports_v3
    campaigns = client.campaigns_v3
    ids: list[str] = []
    for status in LISTING_ORDER:
        last: str | None = None
        while True:
            page = reports.get_campaign_history_by_status(DEFAULT_ACCOUNT, status, last).body
            ids += [c.id for c in page.campaign_list or []]
            if not page.has_more_data:
                break
            last = page.last_seen_campaign_id
    devices = 0
    for cid in ids:
        campaigns.get_campaign_information(DEFAULT_ACCOUNT, cid)
        seen: str | None = None
        while True:
            page = reports.get_campaign_device_status(DEFAULT_ACCOUNT, cid, seen).body
            devices += len(page.device_list or [])
            if not page.has_more_data:
                break
            seen = str(page.last_seen_device_id)
    return time.perf_counter() - started, devices


# --- the run --------------------------------------------------------------------------------


def bench(campaigns: int, devices: int, latency: int, concurrency: int, sdk: bool) -> None:
    print(
        f"== {campaigns:,} campaigns x {devices:,} devices, latency {latency} ms, "
        f"concurrency {concurrency}"
    )
    with served_emulator(NOW) as (url, pid), tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "specs"
        folder.mkdir()
        started = time.perf_counter()
        setup(url, campaigns, devices, folder)
        print(f"   set-up (create, settle): {time.perf_counter() - started:.1f} s")
        _fota("sim", "faults", "add", f"latency:{latency}", "--url", url)

        before, cpu = _received(url), _emulator_cpu(pid)
        t_plan, rss, cpu_client, code = run_plan(url, folder, concurrency)
        requests = _received(url) - before
        cpu_plan = _emulator_cpu(pid) - cpu
        floor = latency / 1000 * requests / concurrency

        before, cpu = _received(url), _emulator_cpu(pid)
        t_min, read = run_minimal(url, concurrency)
        min_requests = _received(url) - before
        cpu_min = _emulator_cpu(pid) - cpu

        print(
            f"   request floor: {floor:.2f} s ({requests:,} requests x {latency} ms / "
            f"{concurrency}); the minimal reader sent {min_requests:,} requests"
        )
        print(
            f"   (a) fota plan:      {t_plan:6.2f} s  = {t_plan / t_min:.2f}x minimal, "
            f"{t_plan / floor:.2f}x floor; peak RSS {rss:.0f} MB; exit {code}; "
            f"its own CPU {cpu_client:.1f} s, the emulator's {cpu_plan:.1f} s"
        )
        print(
            f"   (b) minimal reader: {t_min:6.2f} s  = {t_min / floor:.2f}x floor "
            f"({read:,} devices); emulator CPU {cpu_min:.1f} s"
        )
        if not sdk:
            print("   (c) SDK: skipped (--no-sdk)")
            return
        result = run_sdk(url)
        if result is None:
            print(
                "   (c) SDK: skipped: not installed "
                "(pip install sdksio-verizon-apis-sdk==2.0.0, for the benchmark only)"
            )
            return
        t_sdk, sdk_devices = result
        print(
            f"   (c) SDK sequential: {t_sdk:6.2f} s  ({sdk_devices:,} devices); fota plan is "
            f"{t_sdk / t_plan:.1f}x faster"
        )


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--latency", type=int, default=50, help="milliseconds per request")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--no-sdk", action="store_true", help="skip (c)")
    args = parser.parse_args()
    for campaigns in args.campaigns:
        bench(campaigns, args.devices, args.latency, args.concurrency, not args.no_sdk)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(cli())
