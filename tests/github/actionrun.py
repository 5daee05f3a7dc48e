"""Run a composite action's steps the way the GitHub runner does, minus the runner.

For each step of ``runs.steps`` in order: evaluate ``if:`` (implicit ``success()``), substitute
``${{ }}`` in ``env``/``working-directory``/``run`` with inputs, step outputs, ``github``,
``runner`` and ``env`` contexts, run the script with ``bash --noprofile --norc -eo pipefail``
(GitHub's bash invocation) with fresh GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and a shared
GITHUB_ENV, then read the step's outputs back. Finally the action's ``outputs`` are evaluated.

What it does not do, on purpose: ``uses:`` steps (actions/setup-python) and the step with id
``install`` (pip install of the action's checkout) are skipped: the test process's venv already
has the package installed (editable) and on PATH. Composite actions get no ``INPUT_*``
variables from GitHub, so none are set here either: inputs reach the scripts only through the
``env:`` the action declares.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.github.expressions import Status, condition, substitute, to_string

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
SKIPPED_RUN_STEPS = frozenset({"install"})


@dataclass
class StepResult:
    name: str
    id: str | None
    outcome: str  # success | failure | skipped
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    env: dict[str, str] = field(default_factory=dict)
    script: str = ""


@dataclass
class ActionRun:
    steps: list[StepResult]
    outputs: dict[str, str]
    masks: list[str]

    @property
    def failed(self) -> bool:
        return any(s.outcome == "failure" for s in self.steps)

    def step(self, step_id: str) -> StepResult:
        return next(s for s in self.steps if s.id == step_id)

    @property
    def log(self) -> str:
        """Everything the steps printed, raw (before the runner would apply masks)."""
        return "\n".join(s.stdout + s.stderr for s in self.steps)

    @property
    def summary(self) -> str:
        return "".join(s.summary for s in self.steps)


def load_action(path: Path = ACTION) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def run_action(
    *,
    inputs: Mapping[str, str],
    workspace: Path,
    event_name: str,
    event: Mapping[str, Any],
    github_env: Mapping[str, str],
    action: Mapping[str, Any] | None = None,
    timeout: float = 120.0,
) -> ActionRun:
    """Run every step; ``github_env`` holds GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_API_URL..."""
    spec = dict(action or load_action())
    declared: Mapping[str, Any] = spec.get("inputs", {})
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs not declared in action.yml: {unknown}"
    temp = Path(tempfile.mkdtemp(prefix="runner-temp-", dir=workspace.parent))
    event_path = temp / "event.json"
    event_path.write_text(json.dumps(event), "utf-8")
    github: dict[str, Any] = {
        "action_path": str(ROOT),
        "event_name": event_name,
        "event": dict(event),
        "workspace": str(workspace),
        "token": github_env.get("GITHUB_TOKEN_VALUE", ""),
        "repository": github_env.get("GITHUB_REPOSITORY", ""),
        "sha": github_env.get("GITHUB_SHA", ""),
        "ref": github_env.get("GITHUB_REF", ""),
        "server_url": github_env.get("GITHUB_SERVER_URL", "https://github.com"),
        "api_url": github_env.get("GITHUB_API_URL", ""),
        "run_id": github_env.get("GITHUB_RUN_ID", "1"),
    }
    base_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GITHUB_", "RUNNER_", "FOTA_", "INPUT_"))
    }
    # The venv's bin first, as setup-python + pip install would have it.
    base_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base_env.get('PATH', '')}"
    base_env.update(
        {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_ACTION_PATH": str(ROOT),
            "RUNNER_TEMP": str(temp),
            "RUNNER_OS": "Linux",
            **{k: v for k, v in github_env.items() if k != "GITHUB_TOKEN_VALUE"},
        }
    )
    env_file = temp / "github_env"
    env_file.touch()
    values = {
        name: to_string(definition.get("default", "")) if isinstance(definition, dict) else ""
        for name, definition in declared.items()
    }
    contexts: dict[str, Any] = {
        "github": github,
        "runner": {"temp": str(temp), "os": "Linux"},
        "steps": {},
        "env": {},
        "inputs": {},
    }
    # Defaults may be expressions (github-token: ${{ github.token }}).
    contexts["inputs"] = {
        name: substitute(value, contexts) for name, value in values.items()
    } | dict(inputs)
    status = Status()
    results: list[StepResult] = []
    masks: list[str] = []
    for index, step in enumerate(spec["runs"]["steps"]):
        name = str(step.get("name", f"step {index}"))
        step_id = step.get("id")
        if "uses" in step or step_id in SKIPPED_RUN_STEPS:
            results.append(StepResult(name, step_id, "skipped"))
            continue
        contexts["env"] = _read_env(env_file)
        if not condition(step.get("if"), contexts, status):
            results.append(StepResult(name, step_id, "skipped"))
            if step_id:
                contexts["steps"][step_id] = {"outputs": {}, "outcome": "skipped"}
            continue
        step_env = {
            k: substitute(to_string(v), contexts, status) for k, v in step.get("env", {}).items()
        }
        script = substitute(step["run"], contexts, status)
        directory = substitute(to_string(step.get("working-directory", ".")), contexts, status)
        output_file = temp / f"output_{index}"
        summary_file = temp / f"summary_{index}"
        output_file.touch()
        summary_file.touch()
        script_file = temp / f"step_{index}.sh"
        script_file.write_text(script, "utf-8")
        env = base_env | contexts["env"] | step_env
        env |= {
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
            "GITHUB_ENV": str(env_file),
        }
        assert step.get("shell") == "bash", f"step {name!r}: composite run steps need shell: bash"
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=(workspace / directory).resolve(),
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        outputs = parse_outputs(output_file.read_text("utf-8"))
        outcome = "success" if proc.returncode == 0 else "failure"
        masks += [
            line.split("::add-mask::", 1)[1]
            for line in proc.stdout.splitlines()
            if line.startswith("::add-mask::")
        ]
        results.append(
            StepResult(
                name,
                step_id,
                outcome,
                proc.returncode,
                proc.stdout,
                proc.stderr,
                outputs,
                summary_file.read_text("utf-8"),
                step_env,
                script,
            )
        )
        if step_id:
            contexts["steps"][step_id] = {"outputs": outputs, "outcome": outcome}
        if outcome == "failure":
            status = Status(failed=True)
    action_outputs = {
        name: substitute(to_string(definition.get("value", "")), contexts, status)
        for name, definition in spec.get("outputs", {}).items()
    }
    return ActionRun(results, action_outputs, masks)


def _read_env(path: Path) -> dict[str, str]:
    return parse_outputs(path.read_text("utf-8")) if path.exists() else {}


def parse_outputs(text: str) -> dict[str, str]:
    """Read a GITHUB_OUTPUT/GITHUB_ENV file back the way the runner does.

    The runner's side of ``reconciler.github.workflow.format_output``: the action only ever
    writes these files, so the reader lives with the runner emulation.
    """
    result: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            while index < len(lines) and lines[index] != delimiter:
                body.append(lines[index])
                index += 1
            if index >= len(lines):
                raise ValueError(f"output {name!r}: delimiter {delimiter!r} never closed")
            index += 1
            result[name] = "\n".join(body)
        else:
            name, _, value = line.partition("=")
            result[name] = value
    return result
