"""Machine output: ``-o/--output json`` on every command that reports (validate, plan, apply,
status, show), each a single document with a ``format_version`` and snake_case keys, and
``fota show`` printing a saved plan as text, JSON or Markdown without contacting ThingSpace."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import main
from reconciler.sim.testing import RunningSim, running_sim
from tests.cli.support import spec_yaml

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
DATA_MAPS = {"by_status", "body"}
"""Keys whose value is data keyed by what ThingSpace says (device statuses, the request body
apply sends, verbatim): their keys are not fota's."""


@pytest.fixture
def sim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSim]:
    with running_sim(failure_rate=0.0) as running:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("FOTA_API_URL", running.url)
        monkeypatch.setenv("FOTA_CLIENT_ID", "demo-client")
        monkeypatch.setenv("FOTA_CLIENT_SECRET", "demo-secret")
        monkeypatch.setenv("FOTA_USERNAME", "demo")
        monkeypatch.setenv("FOTA_PASSWORD", "demo-password")
        (tmp_path / "specs").mkdir()
        (tmp_path / "specs" / "pilot.yaml").write_text(spec_yaml("pilot"))
        yield running


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, json.loads(out), err  # exactly one document, or this raises


def _keys(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield where, key
            if key not in DATA_MAPS:
                yield from _keys(value, f"{where}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item, where)


def test_every_reporting_command_prints_one_versioned_snake_case_document(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    documents = {}
    code, documents["validate"], _ = _run(capsys, "validate", "specs", "-o", "json")
    assert code == 0
    code, documents["plan"], _ = _run(capsys, "plan", "specs", "-o", "json", "--out", "p.json")
    assert code == 0
    code, documents["show"], _ = _run(capsys, "show", "p.json", "-o", "json")
    assert code == 0
    code, documents["apply"], err = _run(capsys, "apply", "p.json", "-o", "json")
    assert code == 0, err
    code, documents["status"], _ = _run(capsys, "status", "specs", "-o", "json")
    assert code == 0
    for name, document in documents.items():
        assert isinstance(document.get("format_version"), int), name
        bad = [(where, key) for where, key in _keys(document) if not SNAKE.match(key)]
        assert not bad, (name, bad)
    assert documents["show"] == documents["plan"]
    assert documents["apply"]["ok"] is True and documents["apply"]["exit_code"] == 0
    (applied,) = documents["apply"]["campaigns"]
    assert applied["name"] == "pilot" and applied["steps"][0]["kind"] == "create"
    assert applied["steps"][0]["outcome"] == "ok" and applied["steps"][0]["campaign_id"]
    assert documents["status"]["campaigns"][0]["devices"]["by_status"]


def test_apply_json_keeps_the_plan_off_stdout_and_lists_refusals(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "specs", "--auto-approve"]) == 0
    capsys.readouterr()
    Path("specs/pilot.yaml").write_text(spec_yaml("pilot", to="SR9.9"))
    code, document, err = _run(capsys, "apply", "specs", "--auto-approve", "-o", "json")
    assert "refused" in err  # the plan, for the person watching, on stderr
    assert code == 1 and document["ok"] is False
    (refusal,) = document["refused"]
    assert refusal["rule"] == "R-IMMUTABLE"
    assert refusal["field"] == "package.to_version" and refusal["spec_field"] == "firmware.to"


def test_show_prints_a_saved_plan_as_text_and_markdown(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "specs", "--out", "p.json"]) == 0
    planned = capsys.readouterr().out
    assert main(["show", "p.json"]) == 0
    shown = capsys.readouterr()
    assert shown.out == planned and "target:" not in shown.err  # no API involved
    assert main(["show", "p.json", "-o", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("### fota plan\n\n**Plan: 1 to create")
    assert "```mermaid" in markdown


def test_show_refuses_what_is_not_a_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("notes.json").write_text("{}")
    assert main(["show", "notes.json"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        "error: notes.json: not a fota plan file; write one with `fota plan --out`"
    )
    assert main(["show", "missing.json", "-o", "json"]) == 1
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert document["ok"] is False and "cannot read the plan file missing.json" in err
