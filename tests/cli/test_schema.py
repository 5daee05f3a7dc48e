"""``fota schema``: the schemas the installed package validates with, printed or written."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.specs.schema import schema

ROOT = Path(__file__).resolve().parents[2]


def test_prints_the_spec_schema_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == schema()


def test_writes_the_plan_schema_creating_directories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "a" / "b" / "plan.schema.json"
    assert main(["schema", "plan", "--out", str(out)]) == 0
    assert out.read_bytes() == (ROOT / "reconciler" / "schemas" / "plan.schema.json").read_bytes()
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert capsys.readouterr().out == ""  # stdout stays clean for pipes


def test_an_unwritable_path_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["schema", "--out", str(blocker / "schema.json")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: --out {blocker / 'schema.json'}: cannot write the schema")
    assert len(err.splitlines()) == 1


def test_the_new_spec_snippets_validate_when_filled_with_their_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without an editor: the snippet bodies, placeholders at their defaults, are valid specs."""
    import re

    import yaml

    snippets = schema()["defaultSnippets"]
    assert {s["label"] for s in snippets} == {
        "FirmwareCampaign",
        "SoftwareCampaign",
        "FirmwareUpgrade",
    }
    for snippet in snippets:
        text = yaml.safe_dump(snippet["body"], sort_keys=False)
        text = re.sub(r"\$\{\d+:([^}]*)\}", r"\1", text).replace("'\"", '"').replace("\"'", '"')
        path = tmp_path / f"{snippet['label']}.yaml"
        path.write_text(text, "utf-8")
        assert main(["validate", str(path)]) == 0, capsys.readouterr().err


def test_defaults_in_the_schema_are_the_model_defaults() -> None:
    from reconciler.model import Lifecycle

    loaded = schema()
    lifecycle = loaded["$defs"]["lifecycle"]["properties"]
    default = Lifecycle()
    assert lifecycle["allowAbort"]["default"] is default.allow_abort
    assert lifecycle["allowDeviceRemoval"]["default"] is default.allow_device_removal
    assert lifecycle["onImmutableChange"]["default"] == default.on_immutable_change.value
