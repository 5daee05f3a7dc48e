"""What a user expects from validation beyond "valid or not": warnings for window sets that
would be permanent once the campaign starts, the fix for a window across midnight, YAML
syntax errors named at the line where the mistake is, duplicates naming both places."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.cli import main
from reconciler.specs import collect, load_specs
from reconciler.specs.yamlcore import YamlProblem, load_documents
from reconciler.specs.yamlhints import explain
from tests.specs.spec_helpers import VALID_FIRMWARE, VALID_SOFTWARE, problems_of, replace, write

WINDOW = "    - {start: 18, end: 22}\n"


def _firmware_with(tmp_path: Path, *windows: tuple[int, int]) -> Path:
    lines = "".join(f"    - {{start: {s}, end: {e}}}\n" for s, e in windows)
    return write(tmp_path, "pilot.yaml", replace(VALID_FIRMWARE, WINDOW, lines))


# --- windows ------------------------------------------------------------------------------


def test_overlapping_windows_warn_with_the_merged_window_on_the_later_line(
    tmp_path: Path,
) -> None:
    path = _firmware_with(tmp_path, (18, 22), (20, 24))
    report = collect([str(path)])
    assert report.problems == []
    (warning,) = report.warnings
    assert warning.line == 15  # the second window's line
    assert "schedule.windows[0] {start: 18, end: 22}" in warning.message
    assert "schedule.windows[1] {start: 20, end: 24} overlap" in warning.message
    assert "one window, {start: 18, end: 24}" in warning.message
    assert "never removed" in warning.message


def test_touching_windows_warn_too(tmp_path: Path) -> None:
    (warning,) = collect([str(_firmware_with(tmp_path, (14, 18), (18, 22)))]).warnings
    assert " touch: together they are one window, {start: 14, end: 22}" in warning.message


def test_a_midnight_pair_and_separate_windows_do_not_warn(tmp_path: Path) -> None:
    assert collect([str(_firmware_with(tmp_path, (20, 24), (0, 4)))]).warnings == []
    assert collect([str(_firmware_with(tmp_path, (1, 5), (18, 22)))]).warnings == []


def test_software_window_lists_are_checked_each_on_its_own(tmp_path: Path) -> None:
    text = replace(VALID_SOFTWARE, "    - {start: 2, end: 4}\n", "    - {start: 2, end: 4}\n" * 2)
    (warning,) = collect([str(write(tmp_path, "sw.yaml", text))]).warnings
    assert "schedule.installWindows[0]" in warning.message
    assert "one window, {start: 2, end: 4}" in warning.message


def test_validate_shows_warnings_and_still_succeeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _firmware_with(tmp_path, (18, 22), (20, 24))
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("ok: 1 file")
    assert err.startswith(f"{path}:15:7: warning: schedule.windows[0]")
    assert main(["validate", str(path), "-o", "github"]) == 0
    assert capsys.readouterr().out.startswith("::warning file=")
    assert main(["validate", str(path), "-o", "json"]) == 0
    assert '"warnings": [' in capsys.readouterr().out


WINDOWS = st.lists(
    st.integers(0, 23).flatmap(lambda s: st.tuples(st.just(s), st.integers(s + 4, 28))),
    min_size=1,
    max_size=6,
).map(lambda ws: [(s, min(e, 24)) for s, e in ws if min(e, 24) - s >= 4])


@settings(max_examples=60, deadline=None)
@given(WINDOWS)
def test_warnings_appear_exactly_when_windows_meet_and_the_fix_covers_the_same_hours(
    windows: list[tuple[int, int]],
) -> None:
    import tempfile

    if not windows:
        return
    with tempfile.TemporaryDirectory() as tmp:
        report = collect([str(_firmware_with(Path(tmp), *windows))])
    assert report.problems == []
    meet = any(
        a[0] <= b[1] and b[0] <= a[1] for i, a in enumerate(windows) for b in windows[i + 1 :]
    )
    assert bool(report.warnings) == meet
    hours = {h for s, e in windows for h in range(s, e)}
    suggested: set[int] = set()
    loose = [w for w in windows]
    for warning in report.warnings:
        merged = warning.message.split("one window, ")[1].split(";")[0]
        start, end = (int(part.split(": ")[1]) for part in merged.strip("{}").split(", "))
        suggested |= set(range(start, end))
        loose = [w for w in loose if not (start <= w[0] and w[1] <= end)]
    suggested |= {h for s, e in loose for h in range(s, e)}
    assert suggested == hours  # the tidy set opens at the same hours


@pytest.mark.parametrize(
    ("kind", "window", "expected"),
    [
        (
            "firmware",
            (22, 2),
            "two windows: {start: 22, end: 24} and {start: 0, end: 2}; each must be at least "
            "4 hours, e.g. {start: 20, end: 24} and {start: 0, end: 4}",
        ),
        ("firmware", (19, 5), "two windows: {start: 19, end: 24} and {start: 0, end: 5}"),
        ("software", (22, 2), "two windows: {start: 22, end: 24} and {start: 0, end: 2}"),
    ],
)
def test_a_window_across_midnight_suggests_the_two_windows(
    tmp_path: Path, kind: str, window: tuple[int, int], expected: str
) -> None:
    start, end = window
    if kind == "firmware":
        text = replace(VALID_FIRMWARE, WINDOW, f"    - {{start: {start}, end: {end}}}\n")
    else:
        text = replace(
            VALID_SOFTWARE, "    - {start: 2, end: 4}\n", f"    - {{start: {start}, end: {end}}}\n"
        )
    (problem,) = problems_of(write(tmp_path, "x.yaml", text))
    assert problem.message.endswith(expected), problem.message
    assert "each must be" not in problem.message or kind == "firmware"


def test_a_duplicate_imei_names_both_lines(tmp_path: Path) -> None:
    text = replace(VALID_FIRMWARE, '  - "354658090353977"\n', '  - "354658090353977"\n' * 2)
    (problem,) = problems_of(write(tmp_path, "x.yaml", text))
    assert problem.line == 17
    assert "first at" in problem.message and ":16)" in problem.message


# --- YAML syntax --------------------------------------------------------------------------


def _yaml_problem(text: str) -> YamlProblem:
    found = [doc for doc in load_documents(text) if isinstance(doc, YamlProblem)]
    assert found, "expected a YAML problem"
    return found[0]


def test_a_tab_in_the_indentation_says_to_use_spaces() -> None:
    problem = _yaml_problem(VALID_FIRMWARE.replace("  from:", "\tfrom:"))
    assert problem.mark.line == 7
    assert "a tab in the indentation" in problem.message and "spaces" in problem.message


def test_an_unclosed_quote_is_named_where_it_opens_not_where_the_parser_stopped() -> None:
    problem = _yaml_problem(VALID_FIRMWARE.replace("name: pilot", 'name: "pilot'))
    assert (problem.mark.line, problem.mark.col) == (4, 7)
    assert 'the " opened here is not closed on this line; add the closing "' in problem.message
    assert "the parser stopped at line 16" in problem.message
    single = _yaml_problem(VALID_FIRMWARE.replace("name: pilot", "name: 'it''s a pilot"))
    assert single.mark.line == 4 and "the ' opened here" in single.message


def test_a_line_indented_too_far_is_named() -> None:
    problem = _yaml_problem(VALID_FIRMWARE.replace("firmware:", " firmware:"))
    assert problem.mark.line == 5
    assert "indented 1 space(s) more than the line above" in problem.message


def test_a_line_dedented_to_no_enclosing_key_is_named() -> None:
    problem = _yaml_problem(VALID_FIRMWARE.replace("  from: SR", " from: SR"))
    assert problem.mark.line == 7
    assert "matches no key above it" in problem.message


def test_a_colon_in_a_plain_value_gets_the_quote_hint() -> None:
    problem = _yaml_problem(VALID_FIRMWARE.replace("name: pilot", "name: pilot: phase 2"))
    assert problem.mark.line == 4
    assert "must be quoted" in problem.message


def test_the_hint_reaches_validate_output(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", VALID_FIRMWARE.replace("name: pilot", 'name: "pilot'))
    (problem,) = problems_of(path)
    assert (problem.line, problem.col) == (4, 7)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\n:-\"'#|>abc{}[],0", max_size=200))
def test_explain_never_fails_and_stays_inside_the_file(text: str) -> None:
    lines = max(len(text.splitlines()), 1)
    for line in range(1, lines + 2):
        hint = explain(text, line, 1, "did not find expected key")
        assert 1 <= hint.line <= max(line, 1) and hint.col >= 1
        assert hint.message.startswith("invalid YAML: ") and "\n" not in hint.message


def test_every_valid_example_still_loads() -> None:
    root = Path(__file__).resolve().parents[2] / "examples" / "campaigns"
    assert load_specs([str(root)]).warnings == ()


def test_valid_multi_line_constructs_before_the_mistake_are_never_blamed() -> None:
    text = VALID_FIRMWARE.replace("name: pilot\n", "name: pilot\n  phase two\n")  # plain scalar
    text = text.replace(
        'devices:\n  - "354658090353977"\n', 'devices: [\n    "354658090353977"\n  ]\n'
    )
    assert load_documents(text) and not any(
        isinstance(d, YamlProblem) for d in load_documents(text)
    )
    broken = text.replace("  protocol: LWM2M", "  protocol: LWM2M: x")
    problem = _yaml_problem(broken)
    assert problem.mark.line == 10  # the protocol line itself, not the scalar or the list
    assert "must be quoted" in problem.message
