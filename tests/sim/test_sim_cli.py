"""``fota sim``: the clock commands (embedded and remote) and an end-to-end run of
``fota sim serve`` as a subprocess, watched until its campaign ends."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.cli import main
from reconciler.sim.fleet import luhn_digit
from reconciler.sim.testing import running_sim
from tests.sim.helpers import ACC, V3, firmware_body

FOTA = [sys.executable, "-m", "reconciler"]


def test_clock_commands_on_the_embedded_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["sim", "clock", "set", "2026-05-01T10:00:00Z"]) == 0
    assert main(["sim", "clock", "freeze"]) == 0
    assert main(["sim", "clock", "advance", "1d12h"]) == 0
    out, err = capsys.readouterr()
    assert "target: embedded emulator (.fota/sim-state.db)" in err
    assert out.splitlines()[-1] == "now: 2026-05-02T22:00:00Z (frozen)"
    assert main(["sim", "clock", "unfreeze"]) == 0
    assert not capsys.readouterr().out.strip().endswith("(frozen)")
    assert (tmp_path / ".fota" / "sim-state.db").exists()


def test_bad_duration_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["sim", "clock", "advance", "3 weeks"]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "error: invalid duration '3 weeks': use a number and a unit, e.g. 3d, 12h, 90m"
    ]
    assert not (tmp_path / ".fota").exists()


def test_clock_commands_against_a_served_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    with running_sim() as sim:
        assert main(["sim", "clock", "advance", "90m", "--url", sim.url]) == 0
        assert sim.emulator.now() == datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
        assert main(["sim", "clock", "show", "--url", sim.url]) == 0
    out, err = capsys.readouterr()
    assert f"target: {sim.url}" in err
    assert out.splitlines()[-1] == "now: 2026-03-02T10:30:00Z (frozen)"


def test_unreachable_url_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "clock", "show", "--url", "http://127.0.0.1:9"]) == 1
    assert "cannot reach the emulator at http://127.0.0.1:9" in capsys.readouterr().err


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``fota sim serve`` in a subprocess on a free port; yields its URL."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            *FOTA,
            "sim",
            "serve",
            "--port",
            "0",
            "--frozen",
            "--now",
            "2026-03-02T09:00:00Z",
            "--devices",
            "50",
            "--seed",
            "4",
            "--failure-rate",
            "0.3",
            "--state",
            str(tmp_path / "state.json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "serving http://127.0.0.1:" in line, line + (
            process.stderr.read() if process.stderr else ""
        )
        yield line.split("serving ", 1)[1].split(" ", 1)[0]
    finally:
        process.terminate()
        process.wait(timeout=10)


def _advance(url: str, duration: str) -> None:
    result = subprocess.run(
        [*FOTA, "sim", "clock", "advance", duration, "--url", url],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("now: ")


def _login(http: httpx.Client) -> dict[str, str]:
    bearer = http.post(
        "/api/ts/v1/oauth2/token",
        auth=("demo-client", "demo-secret"),
        data={"grant_type": "client_credentials"},
    ).json()["access_token"]
    session = http.post(
        "/api/m2m/v1/session/login",
        headers={"Authorization": f"Bearer {bearer}"},
        json={"username": "demo", "password": "demo-password"},
    ).json()["sessionToken"]
    return {"Authorization": f"Bearer {bearer}", "VZ-M2M-Token": session}


def _statuses(http: httpx.Client, headers: dict[str, str], cid: str) -> dict[str, Any]:
    page = http.get(f"{V3}/reports/{ACC}/campaigns/{cid}/devices", headers=headers).json()
    return {d["deviceId"]: d["status"] for d in page["deviceList"]}


@pytest.mark.slow
def test_served_campaign_runs_to_its_end_as_the_clock_advances(served: str) -> None:
    devices = [b + luhn_digit(b) for b in (f"35{n:012d}" for n in range(500, 540))]
    with httpx.Client(base_url=served, timeout=10) as http:
        headers = _login(http)
        body = firmware_body(startDate="2026-03-03", endDate="2026-03-04", deviceList=devices)
        created = http.post(f"{V3}/campaigns/firmware/{ACC}", json=body, headers=headers)
        assert created.status_code == 200, created.text
        cid = created.json()["id"]
        history = [("created", _statuses(http, headers, cid))]
        for step in ("1d12h", "1d12h"):  # 03-03 21:00 (inside the 18-22 window), then 03-05 09:00
            _advance(served, step)
            headers = _login(http)
            status = http.get(f"{V3}/campaigns/{ACC}/{cid}", headers=headers).json()["status"]
            history.append((status, _statuses(http, headers, cid)))
        listing = http.get(f"{V3}/devices/{ACC}", headers=headers).json()["deviceList"]
    (_, start), (running, middle), (final, end_statuses) = history
    assert set(start.values()) == {"UpgradePending"}
    assert running == "CampaignScheduled"
    assert set(middle.values()) == {"UpgradePending", "UpgradeSuccess"}
    assert final == "CampaignEnded"
    assert set(end_statuses.values()) == {"UpgradeSuccess", "upgradeFailure"}
    firmware = {d["deviceId"]: d["firmware"] for d in listing}
    for imei, status in end_statuses.items():
        expected = body["firmwareTo"] if status == "UpgradeSuccess" else body["firmwareFrom"]
        assert firmware[imei] == expected


def test_faults_and_requests_commands(capsys: pytest.CaptureFixture[str]) -> None:
    create = f"{V3}/campaigns/firmware/{ACC}"
    with running_sim() as sim:
        rule = f"503:1@POST {create}"
        assert main(["sim", "faults", "add", rule, "--times", "1", "--url", sim.url]) == 0
        assert main(["sim", "faults", "add", "latency:5", "--url", sim.url]) == 0
        assert main(["sim", "faults", "list", "--url", sim.url]) == 0
        headers = sim.auth_headers()
        with httpx.Client(base_url=sim.url) as http:
            codes = [
                http.post(create, json=firmware_body(), headers=headers).status_code
                for _ in range(2)
            ]
        assert codes == [503, 200]
        assert main(["sim", "requests", "--reset", "--url", sim.url]) == 0
        assert sim.emulator.request_counts() == {}
        assert main(["sim", "faults", "clear", "--url", sim.url]) == 0
        assert sim.emulator.faults.rules == []
        assert main(["sim", "faults", "add", "503:x", "--url", sim.url]) == 1
    out, err = capsys.readouterr()
    assert f"POST {create}: 503 rate 1.0 before, fired 0/1" in out
    assert "* *: latency 5ms" in out
    assert "     2      1      1  POST /api/fota/v3/campaigns/firmware/<acc>" in out
    assert "error: invalid fault rate in '503:x'" in err
