"""``fota validate`` as users run it: all problems of a directory at once, three output formats,
exit status 1 on problems and 0 with a one-line summary otherwise.

Golden files live in tests/cli/golden/validate_*; regenerate with UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli import main
from tests.golden import assert_golden

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "specs" / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"


def _golden(name: str, actual: str) -> None:
    assert_golden(GOLDEN / name, actual)


def _run(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.chdir(FIXTURES)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)  # set when CI itself is a workflow
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_broken_directory_text(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(["validate", "broken"], capsys, monkeypatch)
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[-1] == f"error: {len(lines) - 1} problem(s) found"
    assert all(line.startswith("broken/") for line in lines[:-1])
    # every fixture file with a mistake is reported (the name clash is reported on 05-*)
    reported = {line.split(":", 1)[0] for line in lines[:-1]}
    expected = {f"broken/{p.name}" for p in (FIXTURES / "broken").glob("*.yaml")}
    assert expected - {"broken/04-duplicates-a.yaml"} <= reported
    _golden("validate_broken.txt", err)


def test_broken_directory_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(["validate", "broken", "--output", "json"], capsys, monkeypatch)
    assert (code, err) == (1, "")
    document = json.loads(out)
    assert document["ok"] is False
    assert set(document) == {
        "format_version",
        "ok",
        "problems",
        "warnings",
        "files",
        "campaigns",
        "devices",
    }
    assert document["format_version"] == 1
    assert document["files"] == 9
    assert document["campaigns"] == 2  # 04-* and 05-* are each valid, only together they clash
    assert all(set(p) == {"path", "line", "col", "message"} for p in document["problems"])
    _golden("validate_broken.json", out)


def test_broken_directory_github(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(["validate", "broken", "-o", "github"], capsys, monkeypatch)
    assert code == 1
    assert all(line.startswith("::error file=broken/") for line in out.splitlines())
    assert err.endswith("problem(s) found\n")
    _golden("validate_broken_github.txt", out)


def test_examples_pass_with_a_summary(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(["validate", str(ROOT / "examples" / "campaigns")], capsys, monkeypatch)
    assert (code, err) == (0, "")
    assert out == "ok: 5 files, 5 campaigns, 12,013 devices\n"
    code, out, _ = _run(
        ["validate", str(ROOT / "examples" / "campaigns"), "-o", "json"], capsys, monkeypatch
    )
    assert code == 0
    assert json.loads(out) == {
        "format_version": 1,
        "ok": True,
        "problems": [],
        "warnings": [],
        "files": 5,
        "campaigns": 5,
        "devices": 12_013,
    }


def test_github_annotation_paths_are_relative_to_the_workspace(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a workflow step with working-directory set, the paths must still name the file from
    the repository root, or GitHub drops the annotation from the pull request's diff."""
    monkeypatch.chdir(FIXTURES)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(ROOT))
    code = main(["validate", "broken", "-o", "github"])
    out, _ = capsys.readouterr()
    assert code == 1
    prefix = "::error file=tests/specs/fixtures/broken/"
    assert out.splitlines() and all(line.startswith(prefix) for line in out.splitlines())
    # the same annotations as without a workspace, only the path differs
    plain = (GOLDEN / "validate_broken_github.txt").read_text(encoding="utf-8")
    assert out == plain.replace("::error file=broken/", prefix)


def test_github_annotations_escape_newlines_and_commas() -> None:
    from reconciler.errors import Problem
    from reconciler.github.workflow import annotation

    line = annotation(Problem("a,b:c.yaml", 3, 4, "50% wrong\r\nnext"), environ={})
    assert line == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=fota validate::50%25 wrong%0D%0Anext"
    )


def test_missing_path_is_a_problem_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(["validate", "does-not-exist.yaml"], capsys, monkeypatch)
    assert (code, out) == (1, "")
    assert err == (
        "does-not-exist.yaml:1:1: no such file or directory; check the path\n"
        "error: 1 problem(s) found\n"
    )


@pytest.mark.slow
def test_subprocess_run_exit_codes(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", str(ROOT / "examples" / "campaigns")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert (ok.returncode, ok.stdout) == (0, "ok: 5 files, 5 campaigns, 12,013 devices\n")
    bad = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", "broken"],
        capture_output=True,
        text=True,
        env=env,
        cwd=FIXTURES,
        check=False,
    )
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert bad.stderr == (GOLDEN / "validate_broken.txt").read_text(encoding="utf-8")
