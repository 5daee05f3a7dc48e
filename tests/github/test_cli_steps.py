"""The `fota github` step commands' user-facing refusals, in-process (no runner needed)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.cli import main
from tests.github.actionrun import parse_outputs
from tests.github.fake_github import running_github


@pytest.fixture()
def runner_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in (
        "FOTA_API_URL",
        "FOTA_CLIENT_ID",
        "FOTA_CLIENT_SECRET",
        "FOTA_USERNAME",
        "FOTA_PASSWORD",
        "FOTA_GITHUB_TOKEN",
        "FOTA_ACTION_PLAN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"repository": {"full_name": "acme/fleet"}}))
    output = tmp_path / "output"
    output.touch()
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_EVENT_NAME", "push")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/fleet")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("RUNNER_TEMP", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return output


def test_unknown_command_names_the_choices(
    runner_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FOTA_ACTION_COMMAND", "destroy")
    assert main(["github", "prepare"]) == 1
    assert "validate, plan, apply, drift" in capsys.readouterr().err


def test_plan_without_credentials_names_the_missing_inputs(
    runner_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FOTA_ACTION_COMMAND", "plan")
    monkeypatch.setenv("FOTA_CLIENT_ID", "id")
    assert main(["github", "prepare"]) == 1
    err = capsys.readouterr().err
    assert "api-url, client-secret, username, password" in err and "client-id" not in err


def test_prepare_masks_secrets_and_writes_outputs(
    runner_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FOTA_ACTION_COMMAND", "validate")
    monkeypatch.setenv("FOTA_GITHUB_TOKEN", "ghs_tok")
    monkeypatch.setenv("FOTA_PASSWORD", "pw\nsecond-line")
    assert main(["github", "prepare"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert {"::add-mask::ghs_tok", "::add-mask::pw", "::add-mask::second-line"} <= set(out)
    outputs = parse_outputs(runner_env.read_text())
    assert outputs["command"] == "validate" and outputs["comment"] == "false"
    assert outputs["plan-file"] == str(runner_env.parent / "fota-plan.json")


def test_apply_on_a_pull_request_is_refused(
    runner_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    event = runner_env.parent / "pr.json"
    event.write_text(json.dumps({"pull_request": {"number": 3, "head": {}, "base": {}}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("FOTA_ACTION_PATHS", "campaigns")
    monkeypatch.setenv("FOTA_GITHUB_TOKEN", "ghs_tok")
    assert main(["github", "apply"]) == 1
    assert "not on pull requests" in capsys.readouterr().err


def test_bad_label_is_refused_before_anything_runs(
    runner_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FOTA_ACTION_LABEL", "prod -->")
    monkeypatch.setenv("FOTA_ACTION_PATHS", "campaigns")
    assert main(["github", "plan"]) == 1
    assert "comment-label" in capsys.readouterr().err


def test_apply_picks_the_pull_request_merged_as_this_commit(runner_env: Path) -> None:
    from reconciler.errors import UserError
    from reconciler.github.api import GitHubAPI
    from reconciler.github.applying import merged_pr
    from reconciler.github.event import read_event

    sha = "c" * 40
    with running_github("ghs_tok") as fake, GitHubAPI("ghs_tok", api_url=fake.url) as api:
        fake.pulls_by_commit[sha] = [
            {"number": 3, "merged_at": None, "merge_commit_sha": None},  # open PR containing it
            {"number": 4, "merged_at": "2026-03-01T00:00:00Z", "merge_commit_sha": "d" * 40},
            {"number": 5, "merged_at": "2026-03-02T00:00:00Z", "merge_commit_sha": sha},
        ]
        event = read_event()
        assert merged_pr(api, replace(event, sha=sha)) == 5
        with pytest.raises(UserError, match="is not the merge of a pull request"):
            merged_pr(api, replace(event, sha="e" * 40))


def test_annotation_paths_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    from reconciler.github.workflow import workspace_path

    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    env = {"GITHUB_WORKSPACE": str(repo)}
    assert workspace_path(str(repo / "infra" / "a.yaml"), env) == "infra/a.yaml"
    assert workspace_path(str(repo / "infra" / ".." / "b.yaml"), env) == "b.yaml"
    assert workspace_path("/elsewhere/c.yaml", env) == "/elsewhere/c.yaml"
    assert workspace_path("campaigns/d.yaml", {}) == "campaigns/d.yaml"
