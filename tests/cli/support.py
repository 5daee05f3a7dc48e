"""Spec text and live-campaign look-ups shared by the CLI end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import main
from reconciler.lifecycle.statuses import LISTING_ORDER
from reconciler.model import Kind
from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.sim.fleet import luhn_digit
from reconciler.sim.testing import RunningSim, running_sim
from reconciler.thingspace import Credentials, ThingSpaceClient

FW_NAME = "SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657"
DEVICES = [f"3577{i:010d}" + luhn_digit(f"3577{i:010d}") for i in range(6)]
CREATE = "POST /api/fota/v3/campaigns/firmware/<acc>"
DATES = "PUT /api/fota/v3/campaigns/firmware/<acc>/<cid>/dates"
DELETE = "DELETE /api/fota/v3/campaigns/<acc>/<cid>"


def spec_yaml(
    name: str,
    *,
    start: str = "2026-03-10",
    end: str = "2026-03-20",
    windows: tuple[tuple[int, int], ...] = ((18, 22),),
    devices: list[str] | None = None,
    to: str = "SR1.2.0.0-10657",
    on_immutable_change: str = "refuse",
    allow_abort: bool = False,
) -> str:
    wins = "\n".join(f"    - {{start: {a}, end: {b}}}" for a, b in windows) or "    []"
    devs = "\n".join(f'  - "{d}"' for d in (devices or DEVICES[:3]))
    return f"""apiVersion: fota.reconciler/v1
kind: FirmwareCampaign
account: "{ACC}"
name: {name}
firmware:
  name: {FW_NAME}
  from: SR1.2.0.0-10512
  to: {to}
  protocol: LWM2M
schedule:
  start: {start}
  end: {end}
  windows:
{wins}
lifecycle:
  onImmutableChange: {on_immutable_change}
  allowAbort: {"true" if allow_abort else "false"}
devices:
{devs}
"""


def campaigns(sim: RunningSim, name: str) -> list[dict[str, Any]]:
    with ThingSpaceClient(sim.url, Credentials.demo()) as client:
        found: list[dict[str, Any]] = []
        for status in LISTING_ORDER:
            found += [
                c
                for c in client.list_campaigns(ACC, Kind.FIRMWARE, status)
                if c.get("campaignName") == name
            ]
        return found


@contextmanager
def served(root: Path, monkeypatch: pytest.MonkeyPatch, **options: Any) -> Iterator[RunningSim]:
    """An emulator on loopback, the CLI pointed at it, ``root`` the working directory."""
    options.setdefault("failure_rate", 1.0)  # devices never upgrade: states stay put
    with running_sim(**options) as sim:
        monkeypatch.chdir(root)
        monkeypatch.setenv("FOTA_API_URL", sim.url)
        monkeypatch.setenv("FOTA_CLIENT_ID", "demo-client")
        monkeypatch.setenv("FOTA_CLIENT_SECRET", "demo-secret")
        monkeypatch.setenv("FOTA_USERNAME", "demo")
        monkeypatch.setenv("FOTA_PASSWORD", "demo-password")
        yield sim


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def writes(sim: RunningSim) -> dict[str, int]:
    """Write requests the emulator processed, per endpoint."""
    return {
        k: v
        for k, v in sim.emulator.processed_counts().items()
        if k.split(" ")[0] in ("POST", "PUT", "DELETE") and "/api/fota/" in k and v
    }
