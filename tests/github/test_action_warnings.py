"""The Action's validate step shows spec warnings as ::warning annotations on the spec line
(the PR's diff), and they do not fail the check."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.github.fake_github import FakeGitHub
from tests.github.scenario import pr_event, run, spec_text

pytestmark = pytest.mark.slow


def test_overlapping_windows_are_a_warning_annotation_not_a_failure(
    tmp_path: Path, github: FakeGitHub
) -> None:
    repo = tmp_path / "repo"
    (repo / "campaigns").mkdir(parents=True)
    text = spec_text().replace(
        "    - {start: 18, end: 22}\n", "    - {start: 18, end: 22}\n    - {start: 20, end: 24}\n"
    )
    assert "{start: 20, end: 24}" in text
    (repo / "campaigns" / "pilot.yaml").write_text(text, "utf-8")
    result = run(
        "validate",
        repo,
        None,
        github,
        event=pr_event(7, "a" * 40),
        event_name="pull_request",
        sha="1" * 40,
    )
    assert not result.failed, result.log
    assert result.outputs["exitcode"] == "0"
    warnings = [line for line in result.log.splitlines() if line.startswith("::warning ")]
    (warning,) = warnings
    assert warning.startswith("::warning file=campaigns/pilot.yaml,line=15,")
    assert "one window, {start: 18, end: 24}" in warning
