"""The plan (and drift) step: plan as ``fota plan`` does, then report it the Action's way.

The plan is made with the same library calls as ``fota plan --out FILE --baseline-ref REF``
(``reconciler.plans.reading.make_plan``) and written as the same plan.json; what the step
reports (outputs, job summary, the PR comment body) is computed from the typed ``Plan``, never
from text printed for people. Whatever reaches the summary or a comment from below passes the
Action's redactor first: GitHub masks secrets in the log only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from reconciler.applier.run import Narrow
from reconciler.errors import ProblemsFound, UserError
from reconciler.github import inputs
from reconciler.github.baseline import baseline_note, baseline_ref, missing_baseline
from reconciler.github.comment import plan_marker, render_plan_comment
from reconciler.github.event import Event
from reconciler.github.masking import action_redactor
from reconciler.github.plan_summary import (
    COUNTED_OUTCOMES,
    PlanSummary,
    comment_markdown,
    summarize_plan,
    summary_markdown,
)
from reconciler.github.refusals import refusal_annotations
from reconciler.github.validation import annotate_problems, problem_lines, validation_summary
from reconciler.github.workflow import Runner, command
from reconciler.plans.accounts import check_accounts
from reconciler.plans.baseline import load_baseline
from reconciler.plans.planfile import save_plan
from reconciler.plans.reading import make_plan
from reconciler.plans.types import Plan
from reconciler.redaction import Redactor
from reconciler.specs import load_specs
from reconciler.thingspace import ThingSpaceClient

ClientOpener = Callable[[], AbstractContextManager[ThingSpaceClient]]
"""Connects to the API the run plans against (the command line decides which, and how)."""

PLAN_FAILED = "plan failed: see the job log"
"""All a PR comment says about a failed plan: the error may quote ThingSpace, which may quote a
secret, and GitHub's masking does not cover comments."""


@dataclass(frozen=True)
class PlanRun:
    """One planning attempt: the plan, or the (redacted) error that stopped it."""

    plan: Plan | None  # None: no plan was made (an error before planning ended)
    error: str = ""  # redacted, as ``fota`` prints it; for the job log and summary only
    exit_code: int = 0  # as ``fota plan --detailed-exitcode``: 0 none, 2 changes, 1 refused

    @property
    def markdown(self) -> str:
        """The plan's Markdown view as a PR comment carries it ("" without a plan)."""
        return comment_markdown(self.plan) if self.plan is not None else ""


def error_text(exc: UserError) -> str:
    """The error as ``fota`` would print it: each problem, then ``error: message``."""
    lines = [str(p) for p in exc.problems] if isinstance(exc, ProblemsFound) else []
    return "\n".join([*lines, f"error: {exc.message}"]) + "\n"


def run_plan(
    paths: Sequence[str],
    plan_file: Path,
    open_client: ClientOpener,
    baseline: str | None = None,
    *,
    redact: Redactor | None = None,
    accounts: Sequence[str] = (),
    narrow: Narrow | None = None,
) -> PlanRun:
    """Plan ``paths`` (with the specs at ``baseline`` as baseline) and write ``plan_file``.

    A plan file left by an earlier run is removed first, so a failed plan never leaves a stale
    one behind to be reported. Errors are written (redacted) to stderr and returned.
    ``narrow`` (a rollouts-only run) narrows the plan before it is written and reported.
    """
    scrub = redact or action_redactor()
    plan_file.parent.mkdir(parents=True, exist_ok=True)
    plan_file.unlink(missing_ok=True)
    try:
        specset = load_specs(list(paths))
        base = load_baseline(baseline, paths, Path.cwd()) if baseline is not None else None
        check_accounts(accounts, specset.specs, base, None, ", ".join(paths))
        with open_client() as client:
            plan = make_plan(
                client,
                specset.specs,
                specs_digest=specset.digest,
                spec_paths=paths,
                baseline=base,
                baseline_ref=baseline,
                account_filter=tuple(accounts),
            )
        if narrow is not None:
            plan = narrow(plan)
        save_plan(plan_file, plan, place=f"plan-file {plan_file}")
    except UserError as exc:
        error = scrub(error_text(exc))
        sys.stderr.write(error)
        sys.stderr.flush()
        return PlanRun(None, error, exc.exit_code)
    code = 1 if plan.has_refusals else 2 if plan.has_changes else 0
    return PlanRun(plan, "", code)


def failure_summary(title: str, headline: str, error: str, exit_code: int) -> str:
    """Job-summary section for a failed run: the (redacted) error output verbatim."""
    shown = error.strip() or f"fota exited with {exit_code} and printed no error"
    return f"### {title}\n\n❌ **{headline}**\n\n```text\n{fence_safe(shown)}\n```\n"


def fence_safe(text: str) -> str:
    """``text`` that cannot close the Markdown code fence it is shown in."""
    return text.replace("```", "`\u200b``")


def plan_outputs(summary: PlanSummary, plan_file: Path) -> dict[str, str | int | bool]:
    """The step outputs every successful plan sets (the apply step's re-plan too)."""
    return {
        "has-changes": summary.has_changes,
        "refused": summary.refused,
        **{kind: summary.counts.get(kind, 0) for kind in COUNTED_OUTCOMES},
        "plan-file": str(plan_file.absolute()),
        "plan-sha256": summary.plan_sha256,
    }


@dataclass(frozen=True)
class PlanStep:
    """Everything the plan step is given (read from the inputs by the command line)."""

    mode: str  # plan | drift
    label: str
    paths: Sequence[str]
    plan_file: Path
    event: Event
    comment_file: Path
    baseline_override: str = ""
    run_url: str | None = None
    accounts: tuple[str, ...] = ()  # the `account` input: one shard


def plan_step(runner: Runner, step: PlanStep, open_client: ClientOpener) -> None:
    """Plan (or check drift): job summary, outputs, and the PR comment body for the next step.

    Raises ``UserError`` (the step fails) on invalid specs, a failed plan, refusals, aborts the
    apply job would refuse, and (drift) any difference from git.
    """
    mode, label, event = step.mode, step.label, step.event

    def no_plan(summary: str, headline: str, problems: Sequence[str] = ()) -> None:
        runner.set_outputs({"exitcode": 1, "has-changes": False, "refused": 0})
        runner.summary(summary)
        body = failure_comment(label, event, headline, problems, step.run_url)
        step.comment_file.write_text(body, "utf-8")
        runner.set_output("comment-file", str(step.comment_file))

    problems = annotate_problems(runner, step.paths)
    if problems:
        no_plan(
            validation_summary(step.paths, problems),
            "❌ **the specs are invalid**",
            problem_lines(problems),
        )
        raise UserError(f"{len(problems)} problem(s) in the specs: see the annotations")

    baseline = baseline_ref(mode, event, step.baseline_override)
    unreadable = missing_baseline(baseline) if baseline else None
    if unreadable:
        no_plan(
            f"### fota {mode} `{label}`\n\n❌ **no plan**: {unreadable}\n",
            f"❌ **no plan**: {unreadable}",
        )
        raise UserError(unreadable)
    redact = action_redactor()
    result = run_plan(
        step.paths, step.plan_file, open_client, baseline, redact=redact, accounts=step.accounts
    )
    if result.plan is None:
        no_plan(
            failure_summary(
                f"fota {mode} `{label}`", "plan failed", result.error, result.exit_code
            ),
            f"❌ **{PLAN_FAILED}**",
        )
        raise UserError(f"fota plan failed (exit {result.exit_code}): see its error above")

    notes = ("Drift check: live campaigns compared with git.",) if mode == "drift" else ()
    # Drift never applies, so whether apply may abort is no concern of its report.
    may_abort = mode == "drift" or inputs.allow_abort()
    summary = summarize_plan(result.plan, redact(result.markdown), notes, allow_abort=may_abort)
    exit_code = 1 if summary.blocked_aborts else result.exit_code
    runner.set_outputs({"exitcode": exit_code, **plan_outputs(summary, step.plan_file)})
    runner.summary(
        f"### fota {mode} `{label}`\n\n{summary.status_line()}\n\n"
        f"{redact(summary_markdown(result.plan))}\n"
        f"<sub>Plan SHA-256 `{summary.plan_sha256}` · {baseline_note(baseline)}</sub>\n"
    )
    if mode == "plan":
        body = render_plan_comment(
            summary, label=label, commit=inputs.commit(event), run_url=step.run_url
        )
        step.comment_file.write_text(body, "utf-8")
        runner.set_output("comment-file", str(step.comment_file))
    for line in refusal_annotations(result.plan):
        runner.log(line)
    runner.log(f"plan SHA-256: {summary.plan_sha256}")
    runner.log(summary.status_line().replace("**", ""))
    if summary.refused or result.exit_code == 1:
        raise UserError(
            f"{summary.refused} change(s) refused by the lifecycle rules: see the plan; "
            "refused changes are never applied"
        )
    if summary.blocked_aborts:
        raise UserError(
            f"the plan aborts {summary.aborts} started campaign(s) and the action input "
            "allow-abort is false, so apply would refuse it on merge: set `allow-abort: true` "
            "in the plan and apply workflows if the abort is intended"
        )
    if mode == "drift" and summary.has_changes:
        runner.log(
            command("error", "live campaigns differ from git: see the job summary", title="drift")
        )
        raise UserError("drift: live campaigns differ from the specs in git; see the job summary")


def failure_comment(
    label: str,
    event: Event,
    headline: str,
    problems: Sequence[str] = (),
    run_url: str | None = None,
) -> str:
    """The PR comment when there is no plan to show: why, and where the log is."""
    lines = [plan_marker(label), f"### FOTA plan `{label}`", "", headline, ""]
    lines += list(problems)
    suffix = f" · [run log]({run_url})" if run_url else ""
    commit = inputs.commit(event)[:12]
    lines += ["", "---", f"<sub>No plan for commit `{commit}`{suffix}.</sub>", ""]
    return "\n".join(lines)
