"""action.yml, the example workflows and the pre-commit hook: linted and structurally checked.

actionlint lints workflows, not action metadata, so action.yml is checked three ways: its
structure here (every input/output described, no expressions or secrets in `run:` text, step
references that exist), the example workflows linted with `uses: ./` pointing at it (actionlint
then checks every `with:` key against action.yml's inputs), and its composite steps re-wrapped
as a `workflow_call` workflow so actionlint type-checks their expressions.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from reconciler.cli import cli
from tests.github.actionrun import ACTION, ROOT, load_action

WORKFLOWS = sorted((ROOT / "examples" / "workflows").glob("*.yml"))
EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
ACTION_REF = "acme/fota-reconciler@COMMIT_SHA"


def _actionlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.fail("actionlint is not installed: pip install -e '.[test]'")
    return subprocess.run(
        [binary, "-no-color", "-shellcheck=", "-pyflakes=", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def _local_repo(tmp_path: Path, workflows: dict[str, str]) -> Path:
    shutil.copy(ACTION, tmp_path / "action.yml")
    (tmp_path / ".git").mkdir()  # actionlint resolves `uses: ./` from the repository root
    target = tmp_path / ".github" / "workflows"
    target.mkdir(parents=True)
    for name, text in workflows.items():
        (target / name).write_text(text.replace(ACTION_REF, "./"), "utf-8")
    return tmp_path


def test_the_example_workflows_exist() -> None:
    names = {p.name for p in WORKFLOWS}
    assert names == {
        "plan-on-pull-request.yml",
        "apply-on-merge.yml",
        "drift-nightly.yml",
        "plan-apply-sharded.yml",
    }


def test_example_workflows_pass_actionlint_against_action_yml(tmp_path: Path) -> None:
    repo = _local_repo(tmp_path, {p.name: p.read_text("utf-8") for p in WORKFLOWS})
    result = _actionlint(cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_an_input_action_yml_does_not_declare(tmp_path: Path) -> None:
    text = (ROOT / "examples/workflows/drift-nightly.yml").read_text("utf-8")
    repo = _local_repo(tmp_path, {"bad.yml": text.replace("command: drift", "comand: drift")})
    result = _actionlint(cwd=repo)
    assert result.returncode != 0 and "comand" in result.stdout


def _composite_as_workflow(action: dict[str, Any]) -> str:
    inputs = {
        name: {"type": "string", "required": False, "description": spec["description"]}
        for name, spec in action["inputs"].items()
    }
    workflow = {
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    text = yaml.safe_dump(workflow, sort_keys=False)
    # github.action_path exists only inside actions; any github.* path stands in for it.
    return text.replace("github.action_path", "github.workspace")


def test_composite_steps_type_check_as_a_workflow(tmp_path: Path) -> None:
    path = tmp_path / ".github" / "workflows" / "action.yml"
    path.parent.mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    path.write_text(_composite_as_workflow(load_action()), "utf-8")
    result = _actionlint(str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = ACTION.read_text("utf-8").replace("inputs.comment-label", "inputs.comment-labl")
    path.write_text(_composite_as_workflow(yaml.safe_load(broken)), "utf-8")
    result = _actionlint(str(path), cwd=tmp_path)
    assert result.returncode != 0 and "comment-labl" in result.stdout


def test_every_input_and_output_is_described() -> None:
    action = load_action()
    assert action["runs"]["using"] == "composite"
    for section in ("inputs", "outputs"):
        for name, spec in action[section].items():
            assert isinstance(spec, dict) and str(spec.get("description", "")).strip(), name
    for name, spec in action["inputs"].items():
        assert "default" in spec or spec.get("required") is True, name
        assert isinstance(spec.get("default", ""), str), f"input {name}: defaults are strings"
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    required = {"exitcode", "has-changes", "refused", "create", "change", "cancel"}
    assert required | {"plan-file", "plan-sha256", "comment-url"} <= set(action["outputs"])


def test_run_text_has_no_expressions_and_secrets_go_through_env() -> None:
    action = load_action()
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], f"step {step.get('name')}: expression in run text"
            assert step.get("shell") == "bash"
        for value in _strings(step):
            assert "secrets." not in value, f"step {step.get('name')}: secrets inside the action"
    credential_inputs = {"client-id", "client-secret", "username", "password", "github-token"}
    expected_env = {
        "client-id": "FOTA_CLIENT_ID",
        "client-secret": "FOTA_CLIENT_SECRET",
        "username": "FOTA_USERNAME",
        "password": "FOTA_PASSWORD",
        "github-token": "FOTA_GITHUB_TOKEN",
    }
    for step in action["runs"]["steps"]:
        for name, value in (step.get("env") or {}).items():
            for used in re.findall(r"inputs\.([a-z-]+)", str(value)):
                if used in credential_inputs:
                    assert name == expected_env[used], (step.get("name"), name, used)


def test_expressions_reference_declared_inputs_and_earlier_steps() -> None:
    action = load_action()
    inputs = set(action["inputs"])
    seen: set[str] = set()
    for step in action["runs"]["steps"]:
        for value in _strings(step):
            for expression in EXPR.findall(value) + ([step["if"]] if "if" in step else []):
                for name in re.findall(r"inputs\.([A-Za-z0-9_-]+)", expression):
                    assert name in inputs, name
                for step_id in re.findall(r"steps\.([A-Za-z0-9_-]+)\.", expression):
                    assert step_id in seen, f"step {step.get('name')}: {step_id} not run before"
        if "id" in step:
            assert step["id"] not in seen
            seen.add(step["id"])
    for name, spec in action["outputs"].items():
        for step_id in re.findall(r"steps\.([A-Za-z0-9_-]+)\.", spec["value"]):
            assert step_id in seen, (name, step_id)


def test_pre_commit_hooks_run_existing_commands() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert [hook["id"] for hook in hooks] == ["fota-validate", "fota-fmt"]
    for hook in hooks:
        assert hook["language"] == "python"
        program, command = hook["entry"].split()
        assert program == "fota"
        assert cli.get_command(click.Context(cli), command) is not None, command
        assert hook["pass_filenames"] is False and hook["args"]


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []
