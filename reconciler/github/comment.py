"""The pull-request comment: one per (repository, PR, label), found again by a hidden marker.

The first line of the body is the marker ``<!-- fota-reconciler:plan:LABEL -->`` so the action
updates its own comment in place on every push instead of adding a new one; the second line
records the plan's SHA-256, which the apply job on the default branch compares with a fresh
plan before it writes anything (see docs/github-action.md, "Why apply re-plans").
"""

from __future__ import annotations

import re

from reconciler.errors import UserError
from reconciler.github.plan_summary import PlanSummary

COMMENT_LIMIT = 65_536
"""GitHub rejects issue comments longer than this many characters."""

_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_SHA_LINE = re.compile(r"^<!-- fota-reconciler:plan-sha256:([0-9a-f]{64}) -->$", re.MULTILINE)


def check_label(label: str) -> str:
    """The label becomes part of an HTML comment; keep it to a safe, readable alphabet."""
    label = label.strip() or "default"
    if not _LABEL.match(label):
        raise UserError(
            f"action input comment-label {label!r} is not a valid label: use letters, digits "
            "and . _ / - (at most 64), e.g. `prod` or `eu/staging`"
        )
    return label


def plan_marker(label: str) -> str:
    return f"<!-- fota-reconciler:plan:{check_label(label)} -->"


def apply_marker(label: str) -> str:
    return f"<!-- fota-reconciler:apply:{check_label(label)} -->"


def extract_plan_sha256(body: str) -> str | None:
    match = _SHA_LINE.search(body)
    return match.group(1) if match else None


def render_plan_comment(
    summary: PlanSummary, *, label: str, commit: str, run_url: str | None = None
) -> str:
    """The PR comment: marker, recorded SHA-256, status line, refusals, the plan, footer."""
    head = [
        plan_marker(label),
        f"<!-- fota-reconciler:plan-sha256:{summary.plan_sha256} -->",
        f"### FOTA plan `{check_label(label)}`",
        "",
        summary.status_line(),
        "",
    ]
    for note in summary.notes:
        head += [f"> {note}", ""]
    if summary.aborts:
        head += [abort_notice(summary), ""]
    if summary.refusals and not summary.markdown:  # the plan's Markdown lists them otherwise
        head += ["**Refused** (never applied; fix the spec or follow the hint):", ""]
        head += [f"- {line}" for line in summary.refusals] + [""]
    where = f"commit `{commit[:12]}`" if commit else "this commit"
    run = f" · [run log and full plan]({run_url})" if run_url else ""
    foot = [
        "",
        "---",
        f"<sub>Plan SHA-256 `{summary.plan_sha256}` for {where}{run}. On merge, apply re-plans "
        "against live state and applies only a plan with this same SHA-256.</sub>",
        "",
    ]
    return _fit("\n".join(head) + "\n", summary.markdown, "\n".join(foot))


def abort_notice(summary: PlanSummary) -> str:
    """Whether the apply job will run the plan's aborts: the reviewer must know before merge."""
    what = f"**This plan aborts {summary.aborts} started campaign(s)**: devices may be mid-upgrade."
    if summary.allow_abort:
        return (
            f"> ⚠️ {what} The action input `allow-abort` is `true`, so the apply workflow will "
            "run the abort(s) on merge (each spec also has `lifecycle.allowAbort: true`)."
        )
    return (
        f"> ⛔ {what} The action input `allow-abort` is `false`, so the apply workflow would "
        "refuse this plan on merge. If the abort is intended, set `allow-abort: true` in the "
        "plan and apply workflows (the operator's second key, on top of the spec's "
        "`lifecycle.allowAbort: true`); otherwise change the spec so nothing is aborted."
    )


def render_apply_comment(
    *, label: str, commit: str, outcome: str, details: str, run_url: str | None = None
) -> str:
    """The result of the apply job, posted back to the merged PR."""
    head = "\n".join(
        [
            apply_marker(label),
            f"### FOTA apply `{check_label(label)}`",
            "",
            outcome,
            "",
            "",
        ]
    )
    run = f" · [run log]({run_url})" if run_url else ""
    foot = f"\n\n---\n<sub>Applied from commit `{commit[:12]}`{run}.</sub>\n"
    return _fit(head, details, foot)


def _fit(head: str, middle: str, foot: str) -> str:
    """Keep the comment under GitHub's limit by cutting the middle, with a visible note."""
    text = head + middle + foot
    if len(text) <= COMMENT_LIMIT:
        return text
    note = (
        "\n\n> **Truncated** to fit GitHub's comment limit: "
        "the complete plan is in the job summary.\n"
    )
    closing_room = 2_000  # for the </details> tags the cut may leave open
    room = COMMENT_LIMIT - len(head) - len(foot) - len(note) - closing_room
    cut = middle[: max(room, 0)]
    if "\n" in cut:
        cut = cut[: cut.rindex("\n")]
    # An unclosed <details> would swallow the footer.
    opened = max(cut.count("<details>") - cut.count("</details>"), 0)
    closing = "\n</details>" * min(opened, closing_room // len("\n</details>"))
    return head + cut + closing + note + foot
