"""The apply step with ``rollouts-only: true``: a scheduled run advances staged rollouts.

Why a different path from the reviewed apply (:mod:`reconciler.github.applying`): a scheduled
run has no pull request and so no reviewed plan to compare with. What makes it safe instead is
what it may do: exactly ``fota apply PATH --rollouts-only``, i.e. only rollouts' wave advances
(a wave created because the previous wave's gate passed on the specs a pull request merged)
and the take-downs of an ``onFailure: halt-and-cancel`` halt
(``reconciler.plans.rollout.advances_only``). Every other difference between git and
ThingSpace is shown as skipped and left to the reviewed apply. The plan is narrowed before it
is written and reported, and re-checked under the account locks, narrowed the same way, before
anything is written. A halt is a refusal: the step fails, with an annotation on the spec, every
run until a pull request resolves it.

Nothing is posted on a pull request (there is none); the job summary carries the plan and
the result, in the apply step's layout.
"""

from __future__ import annotations

from reconciler.errors import UserError
from reconciler.github.applying import (
    Applied,
    ApplyStep,
    execute_plan,
    finish,
    invalid_specs,
    plan_failed,
    refuse_pull_request,
)
from reconciler.github.masking import action_redactor
from reconciler.github.plan_summary import summarize_plan
from reconciler.github.planning import ClientOpener, plan_outputs, run_plan
from reconciler.github.refusals import refusal_annotations
from reconciler.github.workflow import Runner
from reconciler.plans.rollout import SKIPPED, advances_only
from reconciler.plans.types import Plan

NOTE = (
    "Rollouts only: this run applies wave advances and halt-and-cancel take-downs; any other "
    "change is skipped and left to a reviewed apply."
)


def advance_step(runner: Runner, step: ApplyStep, open_client: ClientOpener) -> None:
    """Plan, keep only the rollouts' advances and halts, apply them, report in the summary."""
    refuse_pull_request(step.event)
    if step.expected_sha256:
        raise UserError(
            "action input expected-plan-sha256 does not go with rollouts-only (a rollouts-only "
            "run applies wave advances without a reviewed plan): remove one of the two"
        )
    if step.baseline_override:
        raise UserError(
            "action input baseline-ref does not go with rollouts-only (a rollouts-only run "
            "takes down no deleted spec's campaigns: that is the reviewed apply's job): remove "
            "one of the two"
        )
    finish(runner, advance_rollouts(runner, step, open_client))


def advance_rollouts(runner: Runner, step: ApplyStep, open_client: ClientOpener) -> Applied:
    title = f"### fota apply `{step.label}` (rollouts only)"
    invalid = invalid_specs(runner, step)
    if invalid is not None:
        return invalid
    redact = action_redactor()
    result = run_plan(
        step.paths,
        step.plan_file,
        open_client,
        None,  # as `fota apply PATH --rollouts-only`: a deleted spec is never a wave advance
        redact=redact,
        accounts=step.accounts,
        narrow=advances_only,
    )
    if result.plan is None:
        return plan_failed(runner, step, "the plan failed", result.error)
    plan = result.plan
    summary = summarize_plan(plan, redact(result.markdown), (NOTE,), allow_abort=step.allow_abort)
    runner.set_outputs(plan_outputs(summary, step.plan_file))
    for line in refusal_annotations(plan):
        runner.log(line)
    details = f"<details><summary>Plan</summary>\n\n{summary.markdown}\n</details>\n"
    shown = f"{NOTE}{skipped_list(plan)}\n\n{details}"

    def stop(outcome: str, exit_code: int) -> Applied:
        runner.summary(f"{title}\n\n{outcome}\n\n{shown}")
        return Applied(outcome, shown, exit_code)

    if not summary.has_changes:
        if summary.refused:
            return stop(
                f"❌ **nothing applied**: {summary.refused} change(s) refused (a halted rollout "
                "stays halted until a reviewed change resolves it: see the plan)",
                1,
            )
        return stop("✅ **nothing to advance**: no gate has newly passed or failed", 0)
    if summary.blocked_aborts:
        return stop(
            f"❌ **not applied: the halt aborts {summary.aborts} started wave(s) and the action "
            "input `allow-abort` is false**. Nothing was written. If the abort is intended, set "
            "`allow-abort: true` in this workflow and re-run it",
            1,
        )
    return execute_plan(
        runner, plan, step, open_client, redact, title, summary, shown, narrow=advances_only
    )


def skipped_list(plan: Plan) -> str:
    """The changes this run left out, each with its note (the Markdown plan shows changes
    only, and these are not changes here): what a reviewed apply still has to do."""
    lines = [
        f"- `{c.account}/{c.name}`: {note}"
        for c in plan.campaigns
        for note in c.notes
        if note.startswith(SKIPPED)
    ]
    return "\n\nSkipped, left to a reviewed apply:\n\n" + "\n".join(lines) if lines else ""
