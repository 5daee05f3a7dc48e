"""``fota github ...``: the steps of the GitHub Action (``action.yml``), one command each.

Hidden plumbing, not a user interface: every input arrives in an environment variable that
``action.yml`` sets from the action's inputs (never interpolated into shell text), results go
to GITHUB_OUTPUT / GITHUB_STEP_SUMMARY and annotations. Thin: each command reads its inputs,
calls one step of :mod:`reconciler.github`, and gives it the two connections only the command
line chooses: ThingSpace (``--api-url``'s rules, as ``fota plan`` and ``fota apply`` connect)
and GitHub.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from reconciler.cli.target import TargetOptions, open_target
from reconciler.errors import UserError
from reconciler.github import inputs
from reconciler.github.advancing import advance_step
from reconciler.github.api import DEFAULT_API_URL, GitHubAPI
from reconciler.github.applying import ApplyStep, apply_step
from reconciler.github.event import read_event
from reconciler.github.planning import PlanStep, plan_step
from reconciler.github.posting import post_plan_comment
from reconciler.github.prepare import prepare_step
from reconciler.github.validation import validate_step
from reconciler.github.workflow import Runner
from reconciler.thingspace import ThingSpaceClient


@click.group(hidden=True)
def github() -> None:
    """Steps of the GitHub Action (action.yml); see docs/github-action.md."""


@contextmanager
def open_client() -> Iterator[ThingSpaceClient]:
    """ThingSpace as ``fota plan`` reaches it: FOTA_API_URL and the credential variables."""
    with open_target(TargetOptions(api_url=os.environ.get("FOTA_API_URL") or None)) as target:
        yield target.client


def open_github() -> GitHubAPI:
    token = os.environ.get("FOTA_GITHUB_TOKEN", "")
    return GitHubAPI(token, api_url=os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL)


@github.command(hidden=True)
def prepare() -> None:
    """Mask secrets, read the event, decide what the job really does."""
    prepare_step(Runner(), os.environ)


@github.command(hidden=True)
def validate() -> None:
    """Validate the specs; each problem becomes an annotation on its file and line."""
    paths = inputs.spec_paths()
    problems = validate_step(Runner(), paths)
    if problems:
        raise UserError(f"{len(problems)} problem(s) in the specs: see the annotations")
    click.echo(f"specs valid: {' '.join(paths)}")


@github.command(name="plan", hidden=True)
def plan_command() -> None:
    """Plan (or check drift): job summary, outputs, and the PR comment body for the next step."""
    label = inputs.label()
    step = PlanStep(
        mode=inputs.mode(),
        label=label,
        paths=inputs.spec_paths(),
        plan_file=inputs.plan_file(),
        event=read_event(),
        comment_file=inputs.temp_dir() / f"fota-comment-{label.replace('/', '_')}.md",
        baseline_override=inputs.baseline_override(),
        run_url=inputs.run_url(),
        accounts=inputs.accounts(),
    )
    plan_step(Runner(), step, open_client)


@github.command(hidden=True)
def comment() -> None:
    """Create or update the one plan comment of this label on the pull request."""
    number = os.environ.get("FOTA_ACTION_PR", "").strip()
    body_file = os.environ.get("FOTA_ACTION_BODY_FILE", "").strip()
    if not number or not body_file:
        click.echo("no pull request or no comment body: nothing to post")
        return
    label = inputs.label()
    event = read_event()
    with open_github() as api:
        post_plan_comment(
            Runner(),
            api,
            event.repository,
            int(number),
            label,
            Path(body_file),
            inputs.comment_authors(),
        )


@github.command(name="apply", hidden=True)
def apply_command() -> None:
    """Re-plan, compare with the plan the PR showed, apply it, report on the merged PR (with
    rollouts-only: apply only the rollouts' wave advances and halts, no reviewed plan)."""
    step = ApplyStep(
        label=inputs.label(),
        paths=inputs.spec_paths(),
        plan_file=inputs.plan_file(),
        event=read_event(),
        expected_sha256=inputs.expected_sha256(),
        wants_comment=inputs.wants_comment(),
        baseline_override=inputs.baseline_override(),
        allow_abort=inputs.allow_abort(),
        authors=inputs.comment_authors(),
        run_url=inputs.run_url(),
        accounts=inputs.accounts(),
        rollouts_only=inputs.rollouts_only(),
    )
    if step.rollouts_only:
        advance_step(Runner(), step, open_client)
    else:
        apply_step(Runner(), step, open_github, open_client)
