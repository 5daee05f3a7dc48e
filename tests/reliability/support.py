"""Shared set-up of the reliability suite: the CLI run in process against an emulator on a
loopback port (its clock frozen, driven by the test), in a fresh working directory."""

from __future__ import annotations

from pathlib import Path

from reconciler.lifecycle.statuses import LIVE_LISTING_ORDER
from reconciler.model import Kind
from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.sim.fleet import luhn_digit
from reconciler.sim.testing import RunningSim
from reconciler.thingspace import Credentials, ThingSpaceClient

FW_NAME = "SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657"
DEVICES = [f"3588{i:010d}" + luhn_digit(f"3588{i:010d}") for i in range(40)]
CREATE = "POST /api/fota/v3/campaigns/firmware/<acc>"
DEVICES_PUT = "PUT /api/fota/v3/campaigns/firmware/<acc>/<cid>"
LOCK = Path(".fota/locks") / f"{ACC}.lock"


def spec_yaml(
    name: str, devices: list[str], *, start: str = "2026-03-10", end: str = "2026-03-20"
) -> str:
    devs = "\n".join(f'  - "{d}"' for d in devices)
    return f"""apiVersion: fota.reconciler/v1
kind: FirmwareCampaign
account: "{ACC}"
name: {name}
firmware:
  name: {FW_NAME}
  from: SR1.2.0.0-10512
  to: SR1.2.0.0-10657
  protocol: LWM2M
schedule:
  start: {start}
  end: {end}
  windows:
    - {{start: 18, end: 22}}
devices:
{devs}
"""


def write_specs(root: Path, count: int, *, per: int = 2, extra: int = 0) -> None:
    """``count`` specs ``camp-NN`` with ``per`` devices each (+ ``extra`` more on each)."""
    (root / "specs").mkdir(exist_ok=True)
    for i in range(count):
        devices = DEVICES[i * per : (i + 1) * per]
        if extra:
            devices = devices + DEVICES[30 + i * extra : 30 + (i + 1) * extra]
        (root / "specs" / f"camp-{i:02d}.yaml").write_text(spec_yaml(f"camp-{i:02d}", devices))


def live_names(sim: RunningSim) -> list[str]:
    """Names of every live (listed) campaign of the account, one entry per campaign."""
    with ThingSpaceClient(sim.url, Credentials.demo()) as client:
        return sorted(
            str(c.get("campaignName"))
            for status in LIVE_LISTING_ORDER
            for c in client.list_campaigns(ACC, Kind.FIRMWARE, status)
        )


def one_line_error(err: str) -> str:
    """The single ``error:`` line of a failed command (asserting there is no traceback)."""
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, err
    return errors[0]
