"""The first step of every run: hide the secrets, read the event, decide what the job does.

A pull request from a fork gets no secrets from GitHub, so its plan degrades to validation
(with a notice saying so); every command that talks to ThingSpace needs the API inputs, and
says which are missing before anything runs.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from reconciler.errors import UserError
from reconciler.github import inputs
from reconciler.github.event import read_event
from reconciler.github.masking import mask_secrets
from reconciler.github.workflow import Runner, command

FORK_NOTICE = (
    "This pull request comes from a fork, and GitHub gives fork PRs no secrets: "
    "the ThingSpace plan is skipped and the specs are only validated. A maintainer "
    "can plan by pushing the branch to this repository."
)


def prepare_step(runner: Runner, environ: Mapping[str, str]) -> None:
    """Mask secrets, read the event, set the ``command``/``plan-file``/``comment`` outputs."""
    mask_secrets(sys.stdout, environ)
    requested = inputs.command(environ)
    event = read_event(environ)
    if inputs.rollouts_only(environ) and requested != "apply":
        raise UserError(
            f"action input rollouts-only is for command apply, not {requested}: set "
            "`command: apply` in the scheduled rollout job, or remove `rollouts-only: true`"
        )
    effective = requested
    if requested == "plan" and event.from_fork and event.name == "pull_request":
        effective = "validate"
        runner.log(command("notice", FORK_NOTICE, title="fota: plan skipped for a fork"))
    if effective in ("plan", "apply", "drift"):
        missing = [name for name in inputs.API_VARIABLES if not environ.get(name)]
        if missing:
            names = ", ".join(inputs.input_name(name) for name in missing)
            raise UserError(
                f"command {effective} needs the action inputs {names}: pass them from "
                "repository or environment secrets (`client-secret: ${{ secrets.X }}`)"
            )
    comment = (
        inputs.wants_comment(environ)
        and effective == "plan"
        and event.is_pull_request
        and not event.from_fork
    )
    runner.set_outputs(
        {
            "command": effective,
            "plan-file": str(inputs.plan_file(environ).absolute()),
            "pr-number": str(event.pr_number or ""),
            "comment": comment,
        }
    )
