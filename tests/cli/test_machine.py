"""What a script reading ``fota`` relies on: exit codes, ``-o json`` on failure, colour control,
shell completion. docs/EXIT-CODES.md documents what these tests hold."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli import main

ROOT = Path(__file__).resolve().parents[2]
PILOT = ROOT / "examples" / "campaigns" / "gm01q-lwm2m-pilot.yaml"
FOTA = str(Path(sys.executable).with_name("fota"))


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the embedded emulator keeps its state under ./.fota
    for name in ("FOTA_API_URL", "NO_COLOR", "GITHUB_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    "argv",
    [
        ["plan", str(PILOT), "--detailed-exitcod"],  # a typo of the flag scripts test for
        ["plan", "--detailed-exitcode"],  # no paths
        ["plan", str(PILOT), "--concurrency", "0", "--detailed-exitcode"],
        ["validate", str(PILOT), "--output", "yaml"],
        ["no-such-command"],
        [],
    ],
)
def test_usage_errors_exit_1_never_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    assert "Usage:" in capsys.readouterr().err


def test_detailed_exitcode_2_still_means_changes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(PILOT), "--detailed-exitcode"]) == 2
    capsys.readouterr()


def test_a_usage_error_exits_1_from_the_installed_program() -> None:
    done = subprocess.run([FOTA, "plan", "--bogus"], capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stderr
    assert "No such option '--bogus'" in done.stderr and done.stdout == ""


@pytest.mark.parametrize("spelling", [["-o", "json"], ["--output", "json"], ["--output=json"]])
def test_json_output_fails_with_a_json_error_document(
    spelling: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "missing-dir", *spelling]) == 1
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert document["ok"] is False and document["exit_code"] == 1
    assert document["format_version"] == 1
    assert document["error"] == "1 problem(s) found"
    assert document["problems"][0]["path"] == "missing-dir"
    assert "missing-dir:1:1:" in err  # people still read stderr


def test_json_usage_error_is_a_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(PILOT), "-o", "json", "--bogus"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["error"].startswith("usage: No such option '--bogus'")


def test_a_refused_plan_prints_its_one_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    """The plan (which records the refusal) is the document: no second one after it."""
    code = main(["plan", str(PILOT), "--now", "2027-03-05T00:00:00Z", "-o", "json"])
    assert code == 1
    out, err = capsys.readouterr()
    plan = json.loads(out)  # exactly one document, or this raises
    assert plan["format"] and "refused" in err


def test_text_output_failure_prints_nothing_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "missing-dir"]) == 1
    assert capsys.readouterr().out == ""


def _on_a_terminal(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run ``fota ARGV`` with stdout on a pseudo-terminal (where colour is on by default)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [FOTA, *argv], stdout=follower, stderr=subprocess.DEVNULL, cwd=cwd, env=env
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            process.kill()
            pytest.fail("fota did not finish on the terminal within 60 s")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks).decode()


def test_no_color_flag_turns_colour_off_on_a_terminal(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FOTA_API_URL")}
    coloured = _on_a_terminal(["plan", str(PILOT)], tmp_path, env)
    assert "\x1b[" in coloured
    for argv in (["--no-color", "plan", str(PILOT)], ["plan", str(PILOT), "--no-color"]):
        plain = _on_a_terminal(argv, tmp_path, env)
        assert "\x1b[" not in plain and "to create" in plain
    assert "\x1b[" not in _on_a_terminal(["plan", str(PILOT)], tmp_path, {**env, "NO_COLOR": "1"})


def test_no_color_does_not_leak_out_of_an_in_process_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", str(PILOT), "--no-color"]) == 0
    assert "NO_COLOR" not in os.environ
    capsys.readouterr()


def test_a_path_after_double_dash_named_no_color_stays_a_path(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", "--", "--no-color"]) == 1
    assert "--no-color:1:1:" in capsys.readouterr().err


def _complete(words: str) -> list[str]:
    """What bash completion offers after ``words`` (click's bash protocol: TYPE,VALUE lines)."""
    env = {
        **os.environ,
        "_FOTA_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
    }
    done = subprocess.run([FOTA], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


def test_bash_completion_completes_commands_and_options() -> None:
    assert "plan" in _complete("fota pl")
    assert "--detailed-exitcode" in _complete("fota plan --detailed")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_are_what_the_docs_say_to_source(shell: str) -> None:
    env = {**os.environ, "_FOTA_COMPLETE": f"{shell}_source"}
    done = subprocess.run([FOTA], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "_FOTA_COMPLETE" in done.stdout
    if shell == "bash" and shutil.which("bash"):
        checked = subprocess.run(["bash", "-n"], input=done.stdout, text=True, check=False)
        assert checked.returncode == 0
    docs = (ROOT / "docs" / "EXIT-CODES.md").read_text("utf-8")
    assert f"_FOTA_COMPLETE={shell}_source fota" in docs


def test_every_command_documents_its_exit_statuses_in_help_and_docs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import click

    from reconciler.cli import cli
    from reconciler.cli.exitcodes import COMMON, EXIT_CODES, markdown_table

    context = click.Context(cli)
    commands = cli.list_commands(context)
    assert set(commands) == set(EXIT_CODES), "a command without exit statuses, or a stale row"
    docs = (ROOT / "docs" / "EXIT-CODES.md").read_text("utf-8")
    assert COMMON in docs
    for name in commands:
        assert markdown_table(name) in docs, f"docs/EXIT-CODES.md: the table of fota {name}"
        assert main([name, "--help"]) == 0
        shown = " ".join(capsys.readouterr().out.split())
        for code, text in EXIT_CODES[name].items():
            assert f"{code} {text}" in shown, (name, code)
