"""Runner side channels: workflow-command escaping, GITHUB_OUTPUT syntax, the summary cap."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from reconciler.github.workflow import (
    SUMMARY_LIMIT,
    Runner,
    command,
    format_output,
    truncate_summary,
)
from tests.github.actionrun import parse_outputs

NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)


def test_annotation_escapes_properties_and_message() -> None:
    line = command("error", "bad: 50%\nnext", file="a,b:c.yaml", line=3, col=None)
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3::bad: 50%25%0Anext"


@given(st.text(max_size=200))
def test_a_message_can_never_start_a_second_command(message: str) -> None:
    line = command("error", message, file="x.yaml")
    assert "\n" not in line and "\r" not in line
    assert line.count("::") == 2 + line.split("::", 2)[2].count("::")


@given(st.dictionaries(NAMES, st.text(max_size=200), max_size=6))
def test_outputs_round_trip_through_the_runner_syntax(values: dict[str, str]) -> None:
    text = "".join(format_output(name, value) for name, value in values.items())
    parsed = parse_outputs(text)
    for name, value in values.items():
        expected = value
        if "\n" in value or "\r" in value:
            expected = value[:-1] if value.endswith("\n") else value
        assert parsed[name] == expected


def test_runner_writes_outputs_and_summary(tmp_path: Path) -> None:
    out, summary = tmp_path / "out", tmp_path / "summary"
    runner = Runner({"GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary)})
    runner.set_outputs({"exitcode": 2, "has-changes": True, "body": "a\nb"})
    runner.summary("# plan\n")
    assert parse_outputs(out.read_text()) == {
        "exitcode": "2",
        "has-changes": "true",
        "body": "a\nb",
    }
    assert summary.read_text() == "# plan\n"


def test_runner_without_github_variables_writes_nothing(tmp_path: Path) -> None:
    Runner({}).set_output("x", "1")  # no error, no file
    assert list(tmp_path.iterdir()) == []


def test_summary_over_one_mebibyte_is_cut_at_a_line_with_a_note() -> None:
    row = "| campaign | create | ünïcode |\n"
    text = row * (SUMMARY_LIMIT // len(row.encode()) + 100)
    cut = truncate_summary(text)
    assert len(cut.encode("utf-8")) <= SUMMARY_LIMIT
    assert "Truncated" in cut
    body = cut.split("\n\n> **Truncated")[0]
    assert all(line == row.rstrip("\n") for line in body.split("\n"))
    assert truncate_summary("small") == "small"
