"""``fota github ...``: the steps of the GitHub Action (``action.yml``), one command each.

Hidden plumbing, not a user interface: every input arrives in an environment variable that
``action.yml`` sets from the action's inputs (never interpolated into shell text), results go
to GITHUB_OUTPUT / GITHUB_STEP_SUMMARY and annotations. The commands call ``fota validate``-
style loading, ``fota plan`` and ``fota apply`` in-process through ``reconciler.cli.main`` so
the action behaves exactly like the CLI a user runs locally.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from reconciler.errors import Problem, UserError
from reconciler.github.api import DEFAULT_API_URL, GitHubAPI
from reconciler.github.comment import (
    apply_marker,
    check_label,
    extract_plan_sha256,
    plan_marker,
    render_apply_comment,
    render_plan_comment,
)
from reconciler.github.digest import COUNTED_OUTCOMES, digest_plan, full_markdown, strip_title
from reconciler.github.event import Event, read_event
from reconciler.github.workflow import (
    Runner,
    annotation,
    command,
    mask,
    redact,
    workspace_path,
)

COMMANDS = ("validate", "plan", "apply", "drift")
CREDENTIAL_VARIABLES = ("FOTA_CLIENT_ID", "FOTA_CLIENT_SECRET", "FOTA_USERNAME", "FOTA_PASSWORD")
SECRET_VARIABLES = ("FOTA_GITHUB_TOKEN", "FOTA_CLIENT_SECRET", "FOTA_PASSWORD")


@click.group(hidden=True)
def github() -> None:
    """Steps of the GitHub Action (action.yml); see docs/github-action.md."""


# --- prepare ---------------------------------------------------------------------------------


@github.command(hidden=True)
def prepare() -> None:
    """Mask secrets, read the event, decide what the job really does."""
    env = os.environ
    for name in SECRET_VARIABLES:
        if env.get(name):
            mask(env[name], sys.stdout)
    runner = Runner()
    requested = env.get("FOTA_ACTION_COMMAND", "").strip()
    if requested not in COMMANDS:
        raise UserError(
            f"action input command {requested!r} is not one of {', '.join(COMMANDS)}; "
            "set `with: command: plan` (or validate, apply, drift)"
        )
    event = read_event()
    effective = requested
    if requested == "plan" and event.from_fork and event.name == "pull_request":
        effective = "validate"
        click.echo(
            command(
                "notice",
                "This pull request comes from a fork, and GitHub gives fork PRs no secrets: "
                "the ThingSpace plan is skipped and the specs are only validated. A maintainer "
                "can plan by pushing the branch to this repository.",
                title="fota: plan skipped for a fork",
            )
        )
    if effective in ("plan", "apply", "drift"):
        missing = [name for name in ("FOTA_API_URL", *CREDENTIAL_VARIABLES) if not env.get(name)]
        if missing:
            inputs = ", ".join(_input_name(name) for name in missing)
            raise UserError(
                f"command {effective} needs the action inputs {inputs}: pass them from "
                "repository or environment secrets (`client-secret: ${{ secrets.X }}`)"
            )
    plan_file = env.get("FOTA_ACTION_PLAN_FILE", "").strip()
    if not plan_file:
        plan_file = str(Path(_temp_dir()) / "fota-plan.json")
    wants_comment = env.get("FOTA_ACTION_COMMENT", "true").strip().lower() == "true"
    comment = (
        wants_comment and effective == "plan" and event.is_pull_request and not event.from_fork
    )
    runner.set_outputs(
        {
            "command": effective,
            "plan-file": str(Path(plan_file).absolute()),
            "pr-number": str(event.pr_number or ""),
            "comment": comment,
        }
    )


def _input_name(variable: str) -> str:
    return {
        "FOTA_API_URL": "api-url",
        "FOTA_CLIENT_ID": "client-id",
        "FOTA_CLIENT_SECRET": "client-secret",
        "FOTA_USERNAME": "username",
        "FOTA_PASSWORD": "password",
    }.get(variable, variable)


# --- validate --------------------------------------------------------------------------------


@github.command(hidden=True)
def validate() -> None:
    """Validate the specs; each problem becomes an annotation on its file and line."""
    runner = Runner()
    paths = _paths()
    problems = annotate_problems(paths)
    runner.set_output("exitcode", 1 if problems else 0)
    runner.summary(validation_summary(paths, problems))
    if problems:
        raise UserError(f"{len(problems)} problem(s) in the specs: see the annotations")
    click.echo(f"specs valid: {' '.join(paths)}")


def annotate_problems(paths: Sequence[str]) -> list[Problem]:
    """Load the specs; print one ``::error file=,line=,col=::`` line per problem found."""
    from reconciler.specs import collect

    problems = sorted(collect(list(paths)).problems)
    for problem in problems:
        click.echo(annotation(problem))
    return problems


def validation_summary(paths: Sequence[str], problems: Sequence[Problem]) -> str:
    if not problems:
        return f"### fota validate\n\n✅ specs valid ({', '.join(f'`{p}`' for p in paths)})\n"
    lines = [f"### fota validate\n\n❌ **{len(problems)} problem(s)** in the specs:\n"]
    lines += [f"- `{workspace_path(p.path)}:{p.line}:{p.col}`: {p.message}" for p in problems]
    return "\n".join(lines) + "\n"


# --- plan and drift --------------------------------------------------------------------------


@dataclass(frozen=True)
class CliRun:
    exit_code: int
    stdout: str  # redacted
    stderr: str  # redacted


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """The secrets the action was given, plus the HTTP Basic pair an error may echo."""
    env = os.environ if environ is None else environ
    values = [env.get(name, "") for name in SECRET_VARIABLES]
    if env.get("FOTA_CLIENT_ID") and env.get("FOTA_CLIENT_SECRET"):
        values.append(f"{env['FOTA_CLIENT_ID']}:{env['FOTA_CLIENT_SECRET']}")
    return [value for value in values if value]


def run_cli(argv: Sequence[str]) -> CliRun:
    """Run ``fota ARGV`` in-process; capture its output (secrets redacted), echo stderr.

    The captured text is redacted before anything else sees it: the runner masks the log, but
    not what the action copies into the job summary.
    """
    from reconciler.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    secrets = secret_values()
    stderr = redact(err.getvalue(), secrets)
    sys.stderr.write(stderr)
    sys.stderr.flush()
    return CliRun(code, redact(out.getvalue(), secrets), stderr)


PLAN_FAILED = "plan failed: see the job log"
"""All a PR comment says about a failed plan: stderr may quote ThingSpace, which may quote a
secret, and GitHub's masking does not cover comments."""


@dataclass(frozen=True)
class PlanRun:
    exit_code: int  # fota plan --detailed-exitcode: 0 no changes, 2 changes, 1 refusals/error
    plan_json: str | None  # None when no plan was written (an error before planning ended)
    markdown: str
    stderr: str  # redacted; for the job log and summary, never for a PR comment


def run_plan(paths: Sequence[str], plan_file: Path, baseline_ref: str | None = None) -> PlanRun:
    plan_file.parent.mkdir(parents=True, exist_ok=True)
    plan_file.unlink(missing_ok=True)  # never report a stale plan from an earlier run
    argv = ["plan", *paths, "--out", str(plan_file), "--output", "markdown"]
    if baseline_ref:
        argv += ["--baseline-ref", baseline_ref]
    result = run_cli([*argv, "--detailed-exitcode"])
    plan_json = plan_file.read_text("utf-8") if plan_file.exists() else None
    return PlanRun(result.exit_code, plan_json, result.stdout, result.stderr)


def baseline_ref(mode: str, event: Event, override: str = "") -> str | None:
    """The commit whose specs are the plan's baseline: what git said before this change.

    With a baseline, a spec deleted by the change takes its live campaign down, and a live
    value that differs from a baseline equal to the spec is labelled drift. Pull request: its
    base commit; push (apply on merge): the branch tip before the push; drift: none, because
    every difference from git is what it reports. ``override`` (the ``baseline-ref`` input)
    is for runs with no such commit in the event, e.g. apply from workflow_dispatch.
    """
    if mode == "drift":
        return None
    return override.strip() or event.base_sha or event.before


def missing_baseline(ref: str) -> str | None:
    """Why ``ref`` cannot be read from this checkout (a one-line fix), or None if it can."""
    if ref.startswith("-"):  # git would read it as an option
        return f"action input baseline-ref {ref[:40]!r} is not a commit: name a sha or a branch"
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            capture_output=True,
            check=False,
        )
    except OSError:
        return f"the baseline commit {ref[:12]} needs git, which could not be run"
    if done.returncode == 0:
        return None
    return (
        f"the baseline commit {ref[:12]} is not in this checkout: check the repository out "
        "with actions/checkout and `fetch-depth: 0` (a shallow clone has only the last commit)"
    )


def failure_summary(title: str, headline: str, stderr: str, exit_code: int) -> str:
    """Job-summary section for a failed ``fota`` run: the (redacted) error output verbatim."""
    shown = stderr.strip() or f"fota exited with {exit_code} and printed no error"
    return f"### {title}\n\n❌ **{headline}**\n\n```text\n{_fence_safe(shown)}\n```\n"


@github.command(name="plan", hidden=True)
def plan_step() -> None:
    """Plan (or check drift): job summary, outputs, and the PR comment body for the next step."""
    env = os.environ
    runner = Runner()
    mode = env.get("FOTA_ACTION_COMMAND", "plan")
    label = check_label(env.get("FOTA_ACTION_LABEL", "default"))
    paths = _paths()
    plan_file = Path(env.get("FOTA_ACTION_PLAN_FILE") or Path(_temp_dir()) / "fota-plan.json")
    event = read_event()
    comment_file = Path(_temp_dir()) / f"fota-comment-{label.replace('/', '_')}.md"

    problems = annotate_problems(paths)
    if problems:
        runner.set_outputs({"exitcode": 1, "has-changes": False, "refused": 0})
        runner.summary(validation_summary(paths, problems))
        comment_file.write_text(
            failure_comment(label, event, "❌ **the specs are invalid**", problems), "utf-8"
        )
        runner.set_output("comment-file", str(comment_file))
        raise UserError(f"{len(problems)} problem(s) in the specs: see the annotations")

    baseline = baseline_ref(mode, event, env.get("FOTA_ACTION_BASELINE_REF", ""))
    unreadable = missing_baseline(baseline) if baseline else None
    if unreadable:
        runner.set_outputs({"exitcode": 1, "has-changes": False, "refused": 0})
        runner.summary(f"### fota {mode} `{label}`\n\n❌ **no plan**: {unreadable}\n")
        comment_file.write_text(
            failure_comment(label, event, f"❌ **no plan**: {unreadable}", ()), "utf-8"
        )
        runner.set_output("comment-file", str(comment_file))
        raise UserError(unreadable)
    result = run_plan(paths, plan_file, baseline)
    if result.plan_json is None:
        runner.set_outputs({"exitcode": 1, "has-changes": False, "refused": 0})
        runner.summary(
            failure_summary(
                f"fota {mode} `{label}`", "plan failed", result.stderr, result.exit_code
            )
        )
        comment_file.write_text(failure_comment(label, event, f"❌ **{PLAN_FAILED}**", ()), "utf-8")
        runner.set_output("comment-file", str(comment_file))
        raise UserError(f"fota plan failed (exit {result.exit_code}): see its error above")

    notes = ("Drift check: live campaigns compared with git.",) if mode == "drift" else ()
    # Drift never applies, so whether apply may abort is no concern of its report.
    allow_abort = mode == "drift" or _allow_abort()
    digest = digest_plan(
        result.plan_json, strip_title(result.markdown), notes, allow_abort=allow_abort
    )
    runner.set_outputs(
        {
            "exitcode": 1 if digest.blocked_aborts else result.exit_code,
            "has-changes": digest.has_changes,
            "refused": digest.refused,
            **{kind: digest.counts.get(kind, 0) for kind in COUNTED_OUTCOMES},
            "plan-file": str(plan_file.absolute()),
            "plan-sha256": digest.sha256,
        }
    )
    runner.summary(
        f"### fota {mode} `{label}`\n\n{digest.status_line()}\n\n"
        f"Plan SHA-256: `{digest.sha256}` · {_baseline_note(baseline)}\n\n"
        f"{strip_title(full_markdown(result.plan_json, result.markdown))}"
    )
    if mode == "plan":
        body = render_plan_comment(digest, label=label, commit=_commit(event), run_url=_run_url())
        comment_file.write_text(body, "utf-8")
        runner.set_output("comment-file", str(comment_file))
    click.echo(f"plan SHA-256: {digest.sha256}")
    click.echo(digest.status_line().replace("**", ""))
    if digest.refused or result.exit_code == 1:
        raise UserError(
            f"{digest.refused} change(s) refused by the lifecycle rules: see the plan; "
            "refused changes are never applied"
        )
    if digest.blocked_aborts:
        raise UserError(
            f"the plan aborts {digest.aborts} started campaign(s) and the action input "
            "allow-abort is false, so apply would refuse it on merge: set `allow-abort: true` "
            "in the plan and apply workflows if the abort is intended"
        )
    if mode == "drift" and digest.has_changes:
        click.echo(
            command("error", "live campaigns differ from git: see the job summary", title="drift")
        )
        raise UserError("drift: live campaigns differ from the specs in git; see the job summary")


def failure_comment(label: str, event: Event, headline: str, problems: Sequence[Problem]) -> str:
    lines = [plan_marker(label), f"### FOTA plan `{label}`", "", headline, ""]
    lines += [f"- `{workspace_path(p.path)}:{p.line}:{p.col}`: {p.message}" for p in problems]
    run_url = _run_url()
    suffix = f" · [run log]({run_url})" if run_url else ""
    lines += ["", "---", f"<sub>No plan for commit `{_commit(event)[:12]}`{suffix}.</sub>", ""]
    return "\n".join(lines)


# --- comment ---------------------------------------------------------------------------------


@github.command(hidden=True)
def comment() -> None:
    """Create or update the one plan comment of this label on the pull request."""
    env = os.environ
    runner = Runner()
    number = env.get("FOTA_ACTION_PR", "").strip()
    body_file = env.get("FOTA_ACTION_BODY_FILE", "").strip()
    if not number or not body_file:
        click.echo("no pull request or no comment body: nothing to post")
        return
    label = check_label(env.get("FOTA_ACTION_LABEL", "default"))
    body = Path(body_file).read_text("utf-8")
    event = read_event()
    with _github_api() as api:
        result = api.upsert_comment(
            event.repository, int(number), plan_marker(label), body, _authors()
        )
    runner.set_output("comment-url", result.url)
    click.echo(f"{'created' if result.created else 'updated'} the plan comment: {result.url}")


# --- apply -----------------------------------------------------------------------------------


@github.command(name="apply", hidden=True)
def apply_step() -> None:
    """Re-plan, compare with the plan the PR showed, apply it, report on the merged PR."""
    env = os.environ
    runner = Runner()
    label = check_label(env.get("FOTA_ACTION_LABEL", "default"))
    paths = _paths()
    plan_file = Path(env.get("FOTA_ACTION_PLAN_FILE") or Path(_temp_dir()) / "fota-plan.json")
    event = read_event()
    if event.is_pull_request:
        raise UserError(
            "command apply runs on push to the default branch (or workflow_dispatch), not on "
            "pull requests: use command plan there"
        )
    expected = env.get("FOTA_ACTION_EXPECTED_SHA256", "").strip().lower()
    wants_comment = env.get("FOTA_ACTION_COMMENT", "true").strip().lower() == "true"
    pr_number: int | None = None
    with _github_api() as api:
        if not expected:
            pr_number = merged_pr(api, event)
            found = api.find_marked_comment(
                event.repository, pr_number, plan_marker(label), _authors()
            )
            recorded = extract_plan_sha256(str(found.get("body", ""))) if found else None
            if recorded is None:
                runner.set_outputs({"exitcode": 1, "refused": 0, "has-changes": False})
                raise UserError(
                    f"pull request #{pr_number} has no recorded plan for label {label!r} (the "
                    "plan job never ran on it, or its last run failed); nothing applied. Run "
                    "the workflow with input expected-plan-sha256 after reviewing a fresh plan"
                )
            expected = recorded
        baseline = baseline_ref("apply", event, env.get("FOTA_ACTION_BASELINE_REF", ""))
        outcome, details, exit_code = _apply_if_unchanged(
            runner, paths, plan_file, expected, label, baseline
        )
        if pr_number is not None and wants_comment:
            body = render_apply_comment(
                label=label,
                commit=_commit(event),
                outcome=outcome,
                details=details,
                run_url=_run_url(),
            )
            posted = api.upsert_comment(
                event.repository, pr_number, apply_marker(label), body, _authors()
            )
            runner.set_output("comment-url", posted.url)
            click.echo(f"reported on pull request #{pr_number}: {posted.url}")
    runner.set_output("exitcode", exit_code)
    click.echo(outcome.replace("**", ""))
    if exit_code != 0:
        raise UserError(outcome.replace("**", "").lstrip("❌ ").strip())


def merged_pr(api: GitHubAPI, event: Event) -> int:
    """The pull request whose merge produced ``event.sha`` (GitHub's commit -> PRs index)."""
    pulls = api.pulls_for_commit(event.repository, event.sha)
    merged = [p for p in pulls if p.get("merged_at")]
    exact = [p for p in merged if p.get("merge_commit_sha") == event.sha]
    candidates = exact or merged
    chosen = candidates[0] if candidates else None
    if chosen is None or not isinstance(chosen.get("number"), int):
        raise UserError(
            f"commit {event.sha[:12]} is not the merge of a pull request, so there is no "
            "reviewed plan to compare with; nothing applied. Merge through a PR, or run the "
            "workflow with input expected-plan-sha256 set to a reviewed plan's SHA-256"
        )
    number: int = chosen["number"]
    return number


def _apply_if_unchanged(
    runner: Runner,
    paths: Sequence[str],
    plan_file: Path,
    expected: str,
    label: str,
    baseline: str | None,
) -> tuple[str, str, int]:
    """(outcome line, Markdown details, exit code); applies only the plan the PR showed."""
    problems = annotate_problems(paths)
    if problems:
        runner.set_outputs({"refused": 0, "has-changes": False})
        runner.summary(validation_summary(paths, problems))
        return "❌ **not applied: the specs are invalid**", validation_summary(paths, problems), 1
    unreadable = missing_baseline(baseline) if baseline else None
    if unreadable:
        runner.set_outputs({"refused": 0, "has-changes": False})
        outcome = f"❌ **not applied**: {unreadable}"
        runner.summary(f"### fota apply `{label}`\n\n{outcome}\n")
        return outcome, "", 1
    result = run_plan(paths, plan_file, baseline)
    if result.plan_json is None:
        runner.set_outputs({"refused": 0, "has-changes": False})
        runner.summary(failure_summary(f"fota apply `{label}`", "re-plan failed", result.stderr, 1))
        return "❌ **not applied: re-plan failed**: see the job log", "", 1
    allow_abort = _allow_abort()
    digest = digest_plan(result.plan_json, strip_title(result.markdown), allow_abort=allow_abort)
    runner.set_outputs(
        {
            "has-changes": digest.has_changes,
            "refused": digest.refused,
            **{kind: digest.counts.get(kind, 0) for kind in COUNTED_OUTCOMES},
            "plan-file": str(plan_file.absolute()),
            "plan-sha256": digest.sha256,
        }
    )
    fresh = (
        f"Fresh plan SHA-256 `{digest.sha256}`; reviewed plan SHA-256 `{expected}`; "
        f"{_baseline_note(baseline)}.\n\n"
        f"<details><summary>Fresh plan</summary>\n\n{digest.markdown}\n</details>\n"
    )
    if not digest.has_changes and not digest.refused:
        # Nothing would be written, whatever was reviewed: e.g. a re-run after a successful
        # apply. Succeeding here is accurate and safe; comparing hashes would only block it.
        outcome = "✅ **nothing to apply**: live campaigns already match git"
        runner.summary(f"### fota apply `{label}`\n\n{outcome}\n\n{fresh}")
        return outcome, fresh, 0
    if digest.sha256 != expected:
        outcome = (
            "❌ **not applied: the plan changed since review** (live state or specs differ from "
            "what the pull request showed). Review the fresh plan in the job summary, then open "
            "a new PR or re-run with input expected-plan-sha256 set to its SHA-256"
        )
        runner.summary(f"### fota apply `{label}`\n\n{outcome}\n\n{fresh}")
        return outcome, fresh, 1
    if not digest.has_changes:
        outcome = f"❌ **nothing applied**: {digest.refused} change(s) refused, none allowed"
        runner.summary(f"### fota apply `{label}`\n\n{outcome}\n\n{fresh}")
        return outcome, fresh, 1
    if digest.blocked_aborts:
        outcome = (
            f"❌ **not applied: the plan aborts {digest.aborts} started campaign(s) and the "
            "action input `allow-abort` is false**. Nothing was written. If the abort is "
            "intended, set `allow-abort: true` in this workflow and re-run it"
        )
        runner.summary(f"### fota apply `{label}`\n\n{outcome}\n\n{fresh}")
        return outcome, fresh, 1
    argv = ["apply", str(plan_file), "--auto-approve"]
    applied = run_cli([*argv, "--allow-abort"] if allow_abort else argv)
    click.echo(applied.stdout, nl=False)  # the apply report belongs in the job log too
    # The PR comment gets the apply report (stdout, redacted); stderr only the summary and log.
    details = f"```text\n{_fence_safe(applied.stdout.strip())}\n```\n\n{fresh}"
    errors = f"\n\n```text\n{_fence_safe(applied.stderr.strip())}\n```" if applied.stderr else ""
    if applied.exit_code == 0:
        outcome = f"✅ **applied** — {digest.status_line().split(' — ', 1)[-1]}"
    else:
        outcome = f"❌ **apply finished with failures or refusals** (exit {applied.exit_code})"
    runner.summary(f"### fota apply `{label}`\n\n{outcome}{errors}\n\n{details}")
    return outcome, details, applied.exit_code


def _fence_safe(text: str) -> str:
    return text.replace("```", "`\u200b``")


# --- helpers ---------------------------------------------------------------------------------


def _paths() -> list[str]:
    raw = os.environ.get("FOTA_ACTION_PATHS", "").split()
    if not raw:
        raise UserError("action input path is empty: name the spec files or directories")
    return raw


def _baseline_note(baseline: str | None) -> str:
    if baseline is None:
        return "no baseline (every difference from git counts)"
    return f"baseline `{baseline}` (action input baseline-ref to re-run with it)"


def _allow_abort() -> bool:
    """The ``allow-abort`` input: the operator's second key for aborts, default off."""
    raw = os.environ.get("FOTA_ACTION_ALLOW_ABORT", "false").strip().lower()
    if raw not in ("true", "false", ""):
        raise UserError(
            f"action input allow-abort {raw!r} is not true or false; set `allow-abort: true` "
            "to let apply abort started campaigns whose spec has lifecycle.allowAbort: true"
        )
    return raw == "true"


def _temp_dir() -> str:
    return os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()


def _github_api() -> GitHubAPI:
    token = os.environ.get("FOTA_GITHUB_TOKEN", "")
    return GitHubAPI(token, api_url=os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL)


def _authors() -> frozenset[str] | None:
    author = os.environ.get("FOTA_ACTION_COMMENT_AUTHOR", "").strip()
    return frozenset({author}) if author else None


def _commit(event: Event) -> str:
    return event.head_sha or event.sha


def _run_url() -> str | None:
    env = os.environ
    server, repo, run = (
        env.get("GITHUB_SERVER_URL"),
        env.get("GITHUB_REPOSITORY"),
        env.get("GITHUB_RUN_ID"),
    )
    if server and repo and run:
        return f"{server}/{repo}/actions/runs/{run}"
    return None
