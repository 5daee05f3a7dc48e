"""Sharding by account from the command line: ``fota accounts`` lists them, ``--account``
restricts plan and apply to one shard, and the filter travels in plan.json so a saved shard
plan is re-checked (and locked) alone. Against the embedded emulator, in a temporary directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.plans.planfile import load_plan

ROOT = Path(__file__).resolve().parents[2]
PILOT = (ROOT / "examples" / "campaigns" / "gm01q-lwm2m-pilot.yaml").read_text("utf-8")
A, B = "0402196254-00001", "0402196254-00002"


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("FOTA_API_URL", "FOTA_ACCOUNT", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "campaigns"
    root.mkdir()
    (root / "a.yaml").write_text(PILOT, "utf-8")
    other = PILOT.replace(A, B).replace("name: GM01Q SR1.2.0.0-10657 pilot", "name: other")
    (root / "b.yaml").write_text(other, "utf-8")
    return root


def test_accounts_lists_each_account_once_in_three_formats(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["accounts", "campaigns"]) == 0
    assert capsys.readouterr().out == f"{A}\n{B}\n"
    assert main(["accounts", "campaigns", "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [A, B]
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    assert main(["accounts", "campaigns", "-o", "github"]) == 0
    capsys.readouterr()
    assert output.read_text() == f"accounts={json.dumps([A, B])}\n"


def test_a_shard_plan_holds_only_its_account_and_records_the_filter(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "campaigns", "--account", B, "--out", "b.json", "-o", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["account_filter"] == [B]
    assert [c["account"] for c in printed["campaigns"]] == [B]
    assert load_plan(Path("b.json").read_text("utf-8")).account_filter == (B,)  # schema-valid
    assert main(["plan", "campaigns", "-o", "json"]) == 0
    assert "account_filter" not in json.loads(capsys.readouterr().out)  # unchanged without it


def test_applying_a_saved_shard_plan_writes_only_that_account(
    specs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOTA_ACCOUNT", B)  # as the Action passes its `account` input
    assert main(["plan", "campaigns", "--out", "b.json"]) == 0
    assert main(["apply", "b.json"]) == 0  # re-planned with the same filter: not stale
    out = capsys.readouterr().out
    assert f"{B}/other: created" in out and A not in out
    assert sorted(p.name for p in Path(".fota/locks").glob("*")) == []  # released
    monkeypatch.delenv("FOTA_ACCOUNT")
    assert main(["plan", "campaigns", "--detailed-exitcode"]) == 2  # account A still to do
    assert f"+ create {A}/" in capsys.readouterr().out


def test_apply_paths_with_account_creates_only_that_shard(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "campaigns", "--account", A, "--auto-approve"]) == 0
    out = capsys.readouterr().out
    assert f"{A}/GM01Q SR1.2.0.0-10657 pilot: created" in out and B not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plan", "campaigns", "--account", "0402196254-00009"], "no spec in campaigns is on"),
        (["plan", "campaigns", "--account", A, "--prune", f"{B}:fw-"], "is outside --account"),
        (
            ["apply", "campaigns", "--account", A, "--prune", f"{B}:fw-", "--auto-approve"],
            "is outside",
        ),
        (["plan", "campaigns", "--account", "12345"], "is not an account name"),
    ],
)
def test_a_wrong_account_is_one_line_and_exit_1(
    specs: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_a_saved_plan_keeps_its_own_filter(specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "campaigns", "--account", B, "--out", "b.json"]) == 0
    assert main(["apply", "b.json", "--account", A]) == 1
    assert "b.json was planned for 0402196254-00002" in capsys.readouterr().err
