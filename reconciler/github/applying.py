"""The apply step: on the default branch, apply only the plan the pull request showed.

Re-plan now (as the plan step does), compare the fresh plan's SHA-256 with the one recorded in
the merged PR's plan comment (or the ``expected-plan-sha256`` input), and only when they match
run the applier exactly as ``fota apply plan.json --auto-approve`` does
(``reconciler.applier.run.apply_saved``: locks, staleness re-check, journal). The result is
reported on the merged pull request.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.applier.run import ApplyRun, Narrow, apply_saved
from reconciler.errors import UserError
from reconciler.github import inputs
from reconciler.github.api import GitHubAPI
from reconciler.github.baseline import baseline_note, baseline_ref, missing_baseline
from reconciler.github.comment import (
    apply_marker,
    extract_plan_sha256,
    plan_marker,
    render_apply_comment,
)
from reconciler.github.event import Event
from reconciler.github.masking import action_redactor
from reconciler.github.plan_summary import PlanSummary, summarize_plan
from reconciler.github.planning import (
    ClientOpener,
    error_text,
    failure_summary,
    fence_safe,
    plan_outputs,
    run_plan,
)
from reconciler.github.validation import annotate_problems, validation_summary
from reconciler.github.workflow import Runner
from reconciler.plans.types import Plan
from reconciler.redaction import Redactor
from reconciler.views.apply_report import report_lines, summary_line


@dataclass(frozen=True)
class ApplyStep:
    """Everything the apply step is given (read from the inputs by the command line)."""

    label: str
    paths: Sequence[str]
    plan_file: Path
    event: Event
    expected_sha256: str = ""  # the input; empty: read it from the merged PR's plan comment
    wants_comment: bool = True
    baseline_override: str = ""
    allow_abort: bool = False
    authors: frozenset[str] | None = None
    run_url: str | None = None
    accounts: tuple[str, ...] = ()  # the `account` input: one shard
    rollouts_only: bool = False  # the `rollouts-only` input: see reconciler.github.advancing


@dataclass(frozen=True)
class Applied:
    """What the apply step did: a one-line outcome, Markdown details, the exit status."""

    outcome: str
    details: str
    exit_code: int


def apply_step(
    runner: Runner, step: ApplyStep, open_api: Callable[[], GitHubAPI], open_client: ClientOpener
) -> None:
    """Re-plan, compare with the plan the PR showed, apply it, report on the merged PR."""
    refuse_pull_request(step.event)
    with open_api() as api:
        result = _reviewed_apply(runner, step, api, open_client)
    finish(runner, result)


def refuse_pull_request(event: Event) -> None:
    if event.is_pull_request:
        raise UserError(
            "command apply runs on push to the default branch (or workflow_dispatch), not on "
            "pull requests: use command plan there"
        )


def finish(runner: Runner, result: Applied) -> None:
    """The step's exit status output and log line; a failed result fails the step."""
    runner.set_output("exitcode", result.exit_code)
    runner.log(result.outcome.replace("**", ""))
    if result.exit_code != 0:
        raise UserError(result.outcome.replace("**", "").lstrip("❌ ").strip())


def _reviewed_apply(
    runner: Runner, step: ApplyStep, api: GitHubAPI, open_client: ClientOpener
) -> Applied:
    """Find the reviewed plan's SHA-256, apply if the fresh plan has it, report on the PR."""
    event = step.event
    expected = step.expected_sha256
    pr_number: int | None = None
    if not expected:
        pr_number = merged_pr(api, event)
        found = api.find_marked_comment(
            event.repository, pr_number, plan_marker(step.label), step.authors
        )
        recorded = extract_plan_sha256(str(found.get("body", ""))) if found else None
        if recorded is None:
            runner.set_outputs({"exitcode": 1, "refused": 0, "has-changes": False})
            raise UserError(
                f"pull request #{pr_number} has no recorded plan for label {step.label!r} (the "
                "plan job never ran on it, or its last run failed); nothing applied. Run "
                "the workflow with input expected-plan-sha256 after reviewing a fresh plan"
            )
        expected = recorded
    baseline = baseline_ref("apply", event, step.baseline_override)
    result = apply_if_unchanged(runner, step, open_client, expected, baseline)
    if pr_number is not None and step.wants_comment:
        body = render_apply_comment(
            label=step.label,
            commit=inputs.commit(event),
            outcome=result.outcome,
            details=result.details,
            run_url=step.run_url,
        )
        posted = api.upsert_comment(
            event.repository, pr_number, apply_marker(step.label), body, step.authors
        )
        runner.set_output("comment-url", posted.url)
        runner.log(f"reported on pull request #{pr_number}: {posted.url}")
    return result


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


def apply_if_unchanged(
    runner: Runner,
    step: ApplyStep,
    open_client: ClientOpener,
    expected: str,
    baseline: str | None,
) -> Applied:
    """Applies only the plan the PR showed; reports every other case in the job summary."""
    title = f"### fota apply `{step.label}`"
    invalid = invalid_specs(runner, step)
    if invalid is not None:
        return invalid
    unreadable = missing_baseline(baseline) if baseline else None
    if unreadable:
        runner.set_outputs({"refused": 0, "has-changes": False})
        outcome = f"❌ **not applied**: {unreadable}"
        runner.summary(f"{title}\n\n{outcome}\n")
        return Applied(outcome, "", 1)
    redact = action_redactor()
    result = run_plan(
        step.paths, step.plan_file, open_client, baseline, redact=redact, accounts=step.accounts
    )
    if result.plan is None:
        return plan_failed(runner, step, "re-plan failed", result.error)
    summary = summarize_plan(result.plan, redact(result.markdown), allow_abort=step.allow_abort)
    runner.set_outputs(plan_outputs(summary, step.plan_file))
    fresh = (
        f"Fresh plan SHA-256 `{summary.plan_sha256}`; reviewed plan SHA-256 `{expected}`; "
        f"{baseline_note(baseline)}.\n\n"
        f"<details><summary>Fresh plan</summary>\n\n{summary.markdown}\n</details>\n"
    )

    def stop(outcome: str, exit_code: int = 1) -> Applied:
        """Apply nothing: say why in the summary (with the fresh plan) and the PR comment."""
        runner.summary(f"{title}\n\n{outcome}\n\n{fresh}")
        return Applied(outcome, fresh, exit_code)

    if not summary.has_changes and not summary.refused:
        # Nothing would be written, whatever was reviewed: e.g. a re-run after a successful
        # apply. Succeeding here is accurate and safe; comparing hashes would only block it.
        return stop("✅ **nothing to apply**: live campaigns already match git", 0)
    if summary.plan_sha256 != expected:
        return stop(
            "❌ **not applied: the plan changed since review** (live state or specs differ from "
            "what the pull request showed). Review the fresh plan in the job summary, then open "
            "a new PR or re-run with input expected-plan-sha256 set to its SHA-256"
        )
    if not summary.has_changes:
        return stop(f"❌ **nothing applied**: {summary.refused} change(s) refused, none allowed")
    if summary.blocked_aborts:
        return stop(
            f"❌ **not applied: the plan aborts {summary.aborts} started campaign(s) and the "
            "action input `allow-abort` is false**. Nothing was written. If the abort is "
            "intended, set `allow-abort: true` in this workflow and re-run it"
        )
    return execute_plan(runner, result.plan, step, open_client, redact, title, summary, fresh)


def invalid_specs(runner: Runner, step: ApplyStep) -> Applied | None:
    """Invalid specs are annotated and summarised, and nothing is applied (None: all valid)."""
    problems = annotate_problems(runner, step.paths)
    if not problems:
        return None
    runner.set_outputs({"refused": 0, "has-changes": False})
    invalid = validation_summary(step.paths, problems)
    runner.summary(invalid)
    return Applied("❌ **not applied: the specs are invalid**", invalid, 1)


def plan_failed(runner: Runner, step: ApplyStep, what: str, error: str) -> Applied:
    """The (re-)plan before an apply failed: nothing is applied, the summary says why."""
    runner.set_outputs({"refused": 0, "has-changes": False})
    runner.summary(failure_summary(f"fota apply `{step.label}`", what, error, 1))
    return Applied(f"❌ **not applied: {what}**: see the job log", "", 1)


def execute_plan(
    runner: Runner,
    plan: Plan,
    step: ApplyStep,
    open_client: ClientOpener,
    redact: Redactor,
    title: str,
    summary: PlanSummary,
    fresh: str,
    narrow: Narrow | None = None,
) -> Applied:
    """Apply ``plan`` (re-checked under the locks, narrowed by ``narrow`` as it was), then
    report it: the job log, the job summary, and the details a PR comment would carry."""
    report, errors, exit_code = _apply(plan, step, open_client, redact, narrow)
    if report:
        runner.log(report.rstrip("\n"))  # the apply report belongs in the job log too
    # The PR comment gets the apply report (redacted); errors only the summary and the log.
    details = f"```text\n{fence_safe(report.strip())}\n```\n\n{fresh}"
    shown = f"\n\n```text\n{fence_safe(errors.strip())}\n```" if errors else ""
    if exit_code == 0:
        outcome = f"✅ **applied** — {summary.status_line().split(' — ', 1)[-1]}"
    else:
        outcome = f"❌ **apply finished with failures or refusals** (exit {exit_code})"
    runner.summary(f"{title}\n\n{outcome}{shown}\n\n{details}")
    return Applied(outcome, details, exit_code)


def _apply(
    plan: Plan,
    step: ApplyStep,
    open_client: ClientOpener,
    redact: Redactor,
    narrow: Narrow | None = None,
) -> tuple[str, str, int]:
    """Execute the reviewed plan as ``fota apply PLAN --auto-approve [--allow-abort]`` does:
    (apply report, error output, exit status), both texts redacted."""
    run = ApplyRun(run_id=uuid.uuid4().hex[:12], allow_abort=step.allow_abort)
    try:
        with open_client() as client:
            report = apply_saved(
                plan,
                client,
                run,
                plan_file=str(step.plan_file),
                target=client.base_url,
                summary_line=summary_line,
                narrow=narrow,
            )
    except UserError as exc:
        error = redact(error_text(exc))
        sys.stderr.write(error)
        sys.stderr.flush()
        return "", error, exc.exit_code
    return redact("\n".join(report_lines(report)) + "\n"), "", report.exit_code
