"""A deleted spec planned without --baseline-ref or --prune is not silently ignored: the plan
says how many live campaigns no spec describes, names them, and says how to take them down.
Against the embedded emulator, in a temporary directory."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reconciler.cli import main

ROOT = Path(__file__).resolve().parents[2]
PILOT = (ROOT / "examples" / "campaigns" / "gm01q-lwm2m-pilot.yaml").read_text("utf-8")
SECOND = (
    PILOT.replace("name: GM01Q SR1.2.0.0-10657 pilot", "name: second")
    .replace("354658090353977", "354658090354009")
    .replace("354658090353985", "354658090354017")
    .replace("354658090353993", "354658090354025")
)


@pytest.fixture
def deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    """Two specs applied, then one deleted (committed before and after, for --baseline-ref)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FOTA_API_URL", raising=False)
    specs = tmp_path / "campaigns"
    specs.mkdir()
    (specs / "pilot.yaml").write_text(PILOT, "utf-8")
    (specs / "second.yaml").write_text(SECOND, "utf-8")
    assert main(["apply", "campaigns", "--auto-approve"]) == 0
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    for args in (["init", "-q", "-b", "main"], ["add", "campaigns"], ["commit", "-qm", "two"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    (specs / "second.yaml").unlink()
    capsys.readouterr()
    return specs


def test_the_plan_names_the_live_campaign_no_spec_describes(
    deleted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "campaigns", "--detailed-exitcode"]) == 0  # nothing is planned...
    out = capsys.readouterr().out
    assert "1 live campaign has no spec (0402196254-00001/second (" in out  # ...but it is said
    assert "plan with --baseline-ref" in out and "--prune ACCOUNT:PREFIX" in out
    assert main(["plan", "campaigns", "-o", "markdown"]) == 0
    assert "> 1 live campaign has no spec" in capsys.readouterr().out
    assert main(["plan", "campaigns", "-o", "json"]) == 0
    (label,) = json.loads(capsys.readouterr().out)["unmanaged"]
    assert label.startswith("0402196254-00001/second (")


def test_with_a_baseline_the_deleted_spec_is_taken_down_instead(
    deleted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "campaigns", "--baseline-ref", "HEAD", "-o", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert "unmanaged" not in plan
    assert [c["outcome"] for c in plan["campaigns"] if c["name"] == "second"] == ["cancel"]


def test_a_saved_plan_that_mentions_it_still_applies(
    deleted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "campaigns", "--out", "plan.json"]) == 0
    assert json.loads(Path("plan.json").read_text("utf-8"))["unmanaged"]
    assert main(["apply", "plan.json"]) == 0
    assert "nothing to apply" in capsys.readouterr().out
