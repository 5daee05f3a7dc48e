"""The traps a team adopting the Action as documented would hit, each checked where it lives.

- Every workflow snippet in the README and docs is the example file it claims to be, verbatim
  (``<!-- example: PATH -->`` above the block; UPDATE_SNIPPETS=1 rewrites the blocks).
- Workflows that plan against a baseline check out full history, and the plan and apply
  workflows give ``allow-abort`` the same value.
- Drift has its own concurrency group (in the apply group it would cancel a waiting apply),
  and the docs say what really happens to a waiting apply.
- The plan workflow can be a required check: no path filter, and its first step (run here in
  a real git repository) tells a pull request that changes specs from one that does not.
- No doc promises a tag or version that does not exist: ``@vN`` and ``rev: vX`` only once
  CHANGELOG.md records such a release.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.github.actionrun import ROOT

EXAMPLES = ROOT / "examples" / "workflows"
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *EXAMPLES.parent.rglob("*.md")])
SNIPPET = re.compile(r"<!-- example: (?P<path>[^ ]+) -->\n```yaml\n(?P<body>.*?)```", re.DOTALL)
YAML_BLOCK = re.compile(r"```ya?ml\n(?P<body>.*?)```", re.DOTALL)
ACTION_USES = re.compile(r"uses: acme/fota-reconciler@")


def _workflow(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((EXAMPLES / name).read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _on(workflow: dict[Any, Any]) -> dict[str, Any]:
    # PyYAML (YAML 1.1) reads the key `on` as True.
    value = workflow.get("on", workflow.get(True))
    assert isinstance(value, dict)
    return value


def _action_steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [
        step
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if ACTION_USES.match(f"uses: {step.get('uses', '')}")
    ]


def test_every_workflow_snippet_in_the_docs_is_its_example_file() -> None:
    update = os.environ.get("UPDATE_SNIPPETS") == "1"
    checked = 0
    for doc in DOCS:
        text = doc.read_text("utf-8")
        if update:
            text = SNIPPET.sub(
                lambda m: (
                    f"<!-- example: {m.group('path')} -->\n```yaml\n"
                    + (ROOT / m.group("path")).read_text("utf-8")
                    + "```"
                ),
                text,
            )
            doc.write_text(text, "utf-8")
        marked = {m.start("body"): m for m in SNIPPET.finditer(text)}
        for block in YAML_BLOCK.finditer(text):
            body = block.group("body")
            if "jobs:" not in body and "uses: acme/fota-reconciler" not in body:
                continue  # not a workflow (a spec, a pre-commit config)
            where = f"{doc.relative_to(ROOT)}:{text.count(chr(10), 0, block.start()) + 1}"
            match = marked.get(block.start("body"))
            assert match is not None, (
                f"{where}: a workflow snippet without <!-- example: examples/workflows/X.yml -->"
            )
            source = ROOT / match.group("path")
            assert source.is_file(), f"{where}: {match.group('path')} does not exist"
            assert body == source.read_text("utf-8"), (
                f"{where} differs from {match.group('path')}: run UPDATE_SNIPPETS=1 pytest "
                f"{Path(__file__).relative_to(ROOT)}"
            )
            checked += 1
    assert checked >= 4  # README's plan workflow and the three in docs/github-action.md


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yml")))
def test_workflows_that_plan_against_a_baseline_fetch_full_history(name: str) -> None:
    workflow = _workflow(name)
    for job in workflow["jobs"].values():
        steps = job.get("steps", [])
        commands = {
            s["with"].get("command")
            for s in steps
            if "with" in s and s["with"].get("rollouts-only") is not True  # reads no baseline
        }
        if not commands & {"plan", "apply"}:
            continue
        checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@"))
        assert checkout.get("with", {}).get("fetch-depth") == 0, f"{name}: fetch-depth: 0"


def test_plan_and_apply_give_allow_abort_the_same_value() -> None:
    values = {
        name: {step["with"].get("allow-abort") for step in _action_steps(_workflow(name))}
        for name in (
            "plan-on-pull-request.yml",
            "apply-on-merge.yml",
            "advance-rollouts-hourly.yml",
        )
    }
    assert values["plan-on-pull-request.yml"] == values["apply-on-merge.yml"] == {False}
    assert values["advance-rollouts-hourly.yml"] == {False}


def test_the_hourly_rollout_workflow_runs_the_action_with_rollouts_only() -> None:
    workflow = _workflow("advance-rollouts-hourly.yml")
    (step,) = _action_steps(workflow)
    assert step["with"]["command"] == "apply" and step["with"]["rollouts-only"] is True
    assert "cron" in _on(workflow)["schedule"][0]
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    assert not any("run" in s for s in steps)  # no CLI installed by hand: the action runs it


def test_drift_never_shares_the_apply_concurrency_group() -> None:
    apply = _workflow("apply-on-merge.yml")["concurrency"]
    drift = _workflow("drift-nightly.yml")["concurrency"]
    assert apply["cancel-in-progress"] is False
    assert drift["group"] != apply["group"]
    for path in EXAMPLES.glob("*.yml"):
        if path.name == "apply-on-merge.yml":
            continue
        workflow = _workflow(path.name)
        groups = [workflow.get("concurrency", {}).get("group")]
        groups += [job.get("concurrency", {}).get("group") for job in workflow["jobs"].values()]
        assert apply["group"] not in groups, path.name
    docs = (ROOT / "docs" / "github-action.md").read_text("utf-8")
    assert "queues them" not in docs  # a concurrency group does not queue
    assert "pending" in docs and "cancelled" in docs and "workflow_dispatch" in docs


def test_the_required_plan_check_reports_on_every_pull_request() -> None:
    trigger = _on(_workflow("plan-on-pull-request.yml"))["pull_request"] or {}
    assert "paths" not in trigger and "paths-ignore" not in trigger
    steps = _workflow("plan-on-pull-request.yml")["jobs"]["plan"]["steps"]
    (plan,) = _action_steps(_workflow("plan-on-pull-request.yml"))
    assert plan["if"] == "steps.changes.outputs.specs-changed == 'true'"
    assert steps.index(plan) > [s.get("id") for s in steps].index("changes")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _run_changes_step(repo: Path, base: str, tmp_path: Path) -> tuple[dict[str, str], str]:
    workflow = _workflow("plan-on-pull-request.yml")
    step = next(s for s in workflow["jobs"]["plan"]["steps"] if s.get("id") == "changes")
    output, summary = tmp_path / "output", tmp_path / "summary"
    output.write_text("")
    summary.write_text("")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "BASE": base,  # ${{ github.event.pull_request.base.sha }}
        "SPEC_PATHS": step["env"]["SPEC_PATHS"],
    }
    assert set(step["env"]) == {"BASE", "SPEC_PATHS"}
    subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=repo,
        env=env,
        check=True,
    )
    pairs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return pairs, summary.read_text()


def test_the_first_step_skips_the_plan_only_when_no_spec_changed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "campaigns").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    (repo / "campaigns" / "pilot.yaml").write_text("name: a\n")
    (repo / "README.md").write_text("hello\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    base = _git(repo, "rev-parse", "HEAD")

    (repo / "README.md").write_text("hello again\n")
    _git(repo, "commit", "-qam", "docs only")
    outputs, summary = _run_changes_step(repo, base, tmp_path)
    assert outputs == {"specs-changed": "false"}
    assert "nothing to plan" in summary

    (repo / "campaigns" / "pilot.yaml").unlink()  # a deletion is a change to plan
    _git(repo, "commit", "-qam", "delete a spec")
    outputs, summary = _run_changes_step(repo, base, tmp_path)
    assert outputs == {"specs-changed": "true"} and summary == ""


def test_the_first_step_fails_loudly_without_the_base_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "x").write_text("x\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "only")
    with pytest.raises(subprocess.CalledProcessError):
        _run_changes_step(repo, "0" * 40, tmp_path)  # a shallow clone lacks the base


def _released_majors() -> set[str]:
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    return {m.group(1) for m in re.finditer(r"^## \[?v?(\d+)\.\d+\.\d+\]?", changelog, re.M)}


def test_no_doc_promises_a_tag_that_does_not_exist() -> None:
    released = _released_majors()
    promised = re.compile(r"(?:fota-reconciler@|rev:\s*)v(\d+)")
    files = [
        *DOCS,
        *EXAMPLES.glob("*.yml"),
        ROOT / ".pre-commit-hooks.yaml",
        ROOT / "action.yml",
    ]
    for path in files:
        if path.name in ("RELEASING.md", "CHANGELOG.md"):
            continue  # the release process describes tags to come
        for match in promised.finditer(path.read_text("utf-8")):
            assert match.group(1) in released, (
                f"{path.relative_to(ROOT)} promises v{match.group(1)}, which CHANGELOG.md "
                "does not record as released; pin a commit SHA (docs/RELEASING.md)"
            )
