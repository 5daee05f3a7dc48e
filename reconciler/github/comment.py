"""The pull-request comment: one per (repository, PR, label), found again by a hidden marker.

The first line of the body is the marker ``<!-- fota-reconciler:plan:LABEL -->`` so the action
updates its own comment in place on every push instead of adding a new one; the second line
records the plan's SHA-256, which the apply job on the default branch compares with a fresh
plan before it writes anything (see docs/github-action.md, "Why apply re-plans").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import UserError

COMMENT_LIMIT = 65_536
"""GitHub rejects issue comments longer than this many characters."""

_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_SHA_LINE = re.compile(r"^<!-- fota-reconciler:plan-sha256:([0-9a-f]{64}) -->$", re.MULTILINE)
VOLATILE_PLAN_KEYS = frozenset({"now", "baseline_ref"})
"""Top-level plan.json keys left out of the plan SHA-256. ``now`` changes on every run.
``baseline_ref`` names the commit the baseline specs came from, which the PR plan (the PR's
base) and the apply re-plan (the push's ``before``) name differently even when the baseline is
the same; what the baseline changes in the plan (deleted specs taken down, drift labels) is in
``campaigns`` and so still hashed."""


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


def plan_sha256(plan_json: str | Mapping[str, Any]) -> str:
    """SHA-256 of the plan's canonical JSON without ``now``: equal iff the plans do the same.

    Left out besides: ``baseline_ref`` and the verbatim live status names (see
    ``VOLATILE_PLAN_KEYS`` and ``_without_status_name``). Two plans made at different instants
    against the same specs and the same live state have the same hash; any difference in
    actions, request bodies, refusals or live fingerprints changes it. Accepts the JSON text
    or its already-decoded object.
    """
    data: Any = plan_json
    if isinstance(plan_json, str):
        try:
            data = json.loads(plan_json)
        except ValueError as exc:
            raise UserError(
                f"the plan file is not JSON ({exc}); re-run `fota plan --out`"
            ) from None
    if isinstance(data, Mapping):
        data = {key: value for key, value in data.items() if key not in VOLATILE_PLAN_KEYS}
        if isinstance(data.get("campaigns"), list):
            data["campaigns"] = [_without_status_name(c) for c in data["campaigns"]]
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _without_status_name(node: Any) -> Any:
    """A campaign entry without the verbatim live status, which is only shown to people.

    A new campaign moves from ``CampaignRequestQueued`` to ``CampaignScheduled`` on its own
    between the PR's plan and the merge; the rules treat both alike and the entry's
    ``fingerprint`` hashes the status as the rules read it (its class, or the terminal status
    itself), so leaving the name out changes no decision but keeps the reviewed plan's hash.
    """
    if isinstance(node, list):
        return [_without_status_name(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    out = {key: _without_status_name(value) for key, value in node.items() if key != "live_status"}
    if out.get("field") == "status":
        out.pop("before", None)
    return out


def extract_plan_sha256(body: str) -> str | None:
    match = _SHA_LINE.search(body)
    return match.group(1) if match else None


@dataclass(frozen=True)
class PlanDigest:
    """What a PR reviewer needs at a glance; the complete plan is in the job summary."""

    counts: Mapping[str, int]  # action kind -> number, e.g. {"create": 2, "change": 1}
    refusals: Sequence[str] = ()  # one line each, naming the rule
    has_changes: bool = False
    markdown: str = ""  # the planner's Markdown rendering (summary table + <details>)
    sha256: str = ""
    notes: Sequence[str] = field(default_factory=tuple)
    aborts: int = 0  # campaigns the plan aborts (alone or as a replacement's first step)
    allow_abort: bool = False  # the action input: may the apply workflow run aborts?

    @property
    def refused(self) -> int:
        return len(self.refusals)

    @property
    def blocked_aborts(self) -> int:
        """Aborts that apply would refuse: the plan would always fail on merge."""
        return 0 if self.allow_abort else self.aborts

    def status_line(self) -> str:
        if self.refusals:
            icon, verdict = "❌", f"{self.refused} change(s) refused: this check fails"
        elif self.blocked_aborts:
            icon, verdict = "❌", "aborts need allow-abort: this check fails"
        elif self.has_changes:
            icon, verdict = "📝", "changes to apply on merge"
        else:
            icon, verdict = "✅", "no changes: live campaigns match git"
        parts = [f"{n} to {kind}" for kind, n in self.counts.items() if n]
        counted = ", ".join(parts) if parts else "nothing to do"
        return f"{icon} **{verdict}** — {counted}, {self.refused} refused"


def render_plan_comment(
    digest: PlanDigest, *, label: str, commit: str, run_url: str | None = None
) -> str:
    """The PR comment: marker, recorded SHA-256, status line, refusals, the plan, footer."""
    head = [
        plan_marker(label),
        f"<!-- fota-reconciler:plan-sha256:{digest.sha256} -->",
        f"### FOTA plan `{check_label(label)}`",
        "",
        digest.status_line(),
        "",
    ]
    for note in digest.notes:
        head += [f"> {note}", ""]
    if digest.aborts:
        head += [abort_notice(digest), ""]
    if digest.refusals and not digest.markdown:  # the plan's Markdown lists them otherwise
        head += ["**Refused** (never applied; fix the spec or follow the hint):", ""]
        head += [f"- {line}" for line in digest.refusals] + [""]
    where = f"commit `{commit[:12]}`" if commit else "this commit"
    run = f" · [run log and full plan]({run_url})" if run_url else ""
    foot = [
        "",
        "---",
        f"<sub>Plan SHA-256 `{digest.sha256}` for {where}{run}. On merge, apply re-plans "
        "against live state and applies only a plan with this same SHA-256.</sub>",
        "",
    ]
    return _fit("\n".join(head) + "\n", digest.markdown, "\n".join(foot))


def abort_notice(digest: PlanDigest) -> str:
    """Whether the apply job will run the plan's aborts: the reviewer must know before merge."""
    what = f"**This plan aborts {digest.aborts} started campaign(s)**: devices may be mid-upgrade."
    if digest.allow_abort:
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
