"""Shared builders for the spec tests: a valid spec as text, and problem collection."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import Problem, ProblemsFound
from reconciler.specs import load_specs

VALID_FIRMWARE = """\
apiVersion: fota.reconciler/v1
kind: FirmwareCampaign
account: "0402196254-00001"
name: pilot
firmware:
  name: SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657
  from: SR1.2.0.0-10512
  to: SR1.2.0.0-10657
  protocol: LWM2M
schedule:
  start: 2027-03-01
  end: 2027-03-14
  windows:
    - {start: 18, end: 22}
devices:
  - "354658090353977"
"""

VALID_SOFTWARE = """\
apiVersion: fota.reconciler/v1
kind: SoftwareCampaign
account: "0402196254-00001"
name: software
software:
  name: FOTA_Verizon_Model-A_02To03_HF
  from: FOTA_Verizon_Model-A_00To01_HF
  to: FOTA_Verizon_Model-A_02To03_HF
  distributionType: HTTP
schedule:
  start: 2027-04-10
  end: 2027-04-30
  downloadAfter: 2027-04-10
  downloadWindows:
    - {start: 20, end: 23}
  installAfter: 2027-04-12
  installWindows:
    - {start: 2, end: 4}
devices:
  - "356938035643809"
"""


def problems_of(*paths: Path) -> list[Problem]:
    """The problems ``load_specs`` reports (the test fails if it reports none)."""
    with pytest.raises(ProblemsFound) as caught:
        load_specs([str(p) for p in paths])
    return caught.value.problems


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def replace(text: str, old: str, new: str) -> str:
    """``text`` with one exact line fragment replaced (fails loudly if it is not there)."""
    assert old in text, old
    return text.replace(old, new, 1)
