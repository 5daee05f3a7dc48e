"""The Action's inputs, as ``action.yml`` hands them over: environment variables, never text
interpolated into a shell script. One reader per input, each with the fix in its error."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from reconciler.errors import UserError
from reconciler.github.comment import check_label
from reconciler.github.event import Event
from reconciler.plans.accounts import parse_accounts

COMMANDS = ("validate", "plan", "apply", "drift")
API_VARIABLES = (
    "FOTA_API_URL",
    "FOTA_CLIENT_ID",
    "FOTA_CLIENT_SECRET",
    "FOTA_USERNAME",
    "FOTA_PASSWORD",
)
"""What planning against ThingSpace needs (``fota plan --api-url`` and its credentials)."""

_INPUT_NAMES = {
    "FOTA_API_URL": "api-url",
    "FOTA_CLIENT_ID": "client-id",
    "FOTA_CLIENT_SECRET": "client-secret",
    "FOTA_USERNAME": "username",
    "FOTA_PASSWORD": "password",
}


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def input_name(variable: str) -> str:
    """The ``with:`` name of the input a variable carries (for messages)."""
    return _INPUT_NAMES.get(variable, variable)


def command(environ: Mapping[str, str] | None = None) -> str:
    requested = _env(environ).get("FOTA_ACTION_COMMAND", "").strip()
    if requested not in COMMANDS:
        raise UserError(
            f"action input command {requested!r} is not one of {', '.join(COMMANDS)}; "
            "set `with: command: plan` (or validate, apply, drift)"
        )
    return requested


def mode(environ: Mapping[str, str] | None = None) -> str:
    """The command a plan step runs for: ``plan`` or ``drift`` (unchecked: prepare checked)."""
    return _env(environ).get("FOTA_ACTION_COMMAND", "plan")


def spec_paths(environ: Mapping[str, str] | None = None) -> list[str]:
    raw = _env(environ).get("FOTA_ACTION_PATHS", "").split()
    if not raw:
        raise UserError("action input path is empty: name the spec files or directories")
    return raw


def label(environ: Mapping[str, str] | None = None) -> str:
    return check_label(_env(environ).get("FOTA_ACTION_LABEL", "default"))


def temp_dir(environ: Mapping[str, str] | None = None) -> Path:
    return Path(_env(environ).get("RUNNER_TEMP") or tempfile.gettempdir())


def plan_file(environ: Mapping[str, str] | None = None) -> Path:
    """The ``plan-file`` input (prepare sets it absolute), else ``$RUNNER_TEMP/fota-plan.json``."""
    given = _env(environ).get("FOTA_ACTION_PLAN_FILE", "").strip()
    return Path(given) if given else temp_dir(environ) / "fota-plan.json"


def wants_comment(environ: Mapping[str, str] | None = None) -> bool:
    return _env(environ).get("FOTA_ACTION_COMMENT", "true").strip().lower() == "true"


def allow_abort(environ: Mapping[str, str] | None = None) -> bool:
    """The ``allow-abort`` input: the operator's second key for aborts, default off."""
    raw = _env(environ).get("FOTA_ACTION_ALLOW_ABORT", "false").strip().lower()
    if raw not in ("true", "false", ""):
        raise UserError(
            f"action input allow-abort {raw!r} is not true or false; set `allow-abort: true` "
            "to let apply abort started campaigns whose spec has lifecycle.allowAbort: true"
        )
    return raw == "true"


def rollouts_only(environ: Mapping[str, str] | None = None) -> bool:
    """The ``rollouts-only`` input: apply only rollouts' wave advances and halts (a scheduled
    run, with no reviewed plan to compare with), default off."""
    raw = _env(environ).get("FOTA_ACTION_ROLLOUTS_ONLY", "false").strip().lower()
    if raw not in ("true", "false", ""):
        raise UserError(
            f"action input rollouts-only {raw!r} is not true or false; set `rollouts-only: "
            "true` (with `command: apply`) to advance staged rollouts on a schedule"
        )
    return raw == "true"


def accounts(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The ``account`` input: one shard's account (empty: every account)."""
    raw = _env(environ).get("FOTA_ACTION_ACCOUNT", "").split()
    return parse_accounts(raw, "action input account")


def baseline_override(environ: Mapping[str, str] | None = None) -> str:
    return _env(environ).get("FOTA_ACTION_BASELINE_REF", "")


def expected_sha256(environ: Mapping[str, str] | None = None) -> str:
    return _env(environ).get("FOTA_ACTION_EXPECTED_SHA256", "").strip().lower()


def comment_authors(environ: Mapping[str, str] | None = None) -> frozenset[str] | None:
    """Whose marked comments the action trusts (the ``comment-author`` input), or anyone's."""
    author = _env(environ).get("FOTA_ACTION_COMMENT_AUTHOR", "").strip()
    return frozenset({author}) if author else None


def commit(event: Event) -> str:
    """The commit a run is about: the PR head the author pushed, else the pushed commit."""
    return event.head_sha or event.sha


def run_url(environ: Mapping[str, str] | None = None) -> str | None:
    env = _env(environ)
    server, repo, run = (
        env.get("GITHUB_SERVER_URL"),
        env.get("GITHUB_REPOSITORY"),
        env.get("GITHUB_RUN_ID"),
    )
    if server and repo and run:
        return f"{server}/{repo}/actions/runs/{run}"
    return None
