"""plan.json: the versioned, machine-readable form of a ``Plan``, and reading it back.

``fota apply`` executes exactly what this file says, so the format is documented by a JSON
Schema (``reconciler/schemas/plan.schema.json``, checked on every load: by a compiled yes/no
check, and by jsonschema only to explain a plan that fails it) and carries a version:
a plan written by another format version is refused, never guessed at. Output is deterministic
(same plan -> byte-identical text) so plan files can be diffed and hashed.

Derived fields (``summary``, a campaign's ``drift``) are written for readers' convenience and
recomputed, not trusted, on load.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]

from reconciler.errors import UserError
from reconciler.fastschema import Check, Unsupported, compile_schema
from reconciler.lifecycle.statuses import Phase
from reconciler.model import Kind
from reconciler.plans.prune import PruneRule
from reconciler.plans.types import (
    PLAN_FORMAT,
    PLAN_FORMAT_VERSION,
    Action,
    ActionType,
    CampaignPlan,
    FieldChange,
    Outcome,
    Plan,
    Refusal,
)

JsonObject = dict[str, Any]


def format_instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _change(c: FieldChange) -> JsonObject:
    return {"field": c.field, "before": c.before, "after": c.after, "drift": c.drift}


def _action(a: Action) -> JsonObject:
    return {
        "type": a.type.value,
        "changes": [_change(c) for c in a.changes],
        "body": a.body,
        "steps": [_action(s) for s in a.steps],
    }


def _refusal(r: Refusal) -> JsonObject:
    return {
        "rule": r.rule,
        "field": r.field,
        "live": r.live,
        "desired": r.desired,
        "reason": r.reason,
        "instead": r.instead,
        "drift": r.drift,
    }


def _campaign(c: CampaignPlan) -> JsonObject:
    return {
        "account": c.account,
        "name": c.name,
        "kind": c.kind.value,
        "source": c.source,
        "outcome": c.outcome.value,
        "campaign_id": c.campaign_id,
        "live_status": c.live_status,
        "phase": c.phase.value if c.phase is not None else None,
        "fingerprint": c.fingerprint,
        "drift": c.drift,
        "actions": [_action(a) for a in c.actions],
        "refusals": [_refusal(r) for r in c.refusals],
        "notes": list(c.notes),
    }


def plan_to_dict(plan: Plan) -> JsonObject:
    s = plan.summary
    return {
        "format": PLAN_FORMAT,
        "format_version": plan.format_version,
        "now": format_instant(plan.now),
        "specs_digest": plan.specs_digest,
        "baseline_ref": plan.baseline_ref,
        "spec_paths": list(plan.spec_paths),
        "campaign_filter": list(plan.campaign_filter),
        # only when given, so plans made without --account keep their JSON (and SHA-256)
        **({"account_filter": list(plan.account_filter)} if plan.account_filter else {}),
        **({"unmanaged": list(plan.unmanaged)} if plan.unmanaged else {}),
        "prune_rules": [{"account": r.account, "prefix": r.prefix} for r in plan.prune_rules],
        "prune_allow_abort": plan.prune_allow_abort,
        "summary": {
            "create": s.create,
            "change": s.change,
            "cancel": s.cancel,
            "refused": s.refused,
            "no_op": s.no_op,
            "finished": s.finished,
        },
        "campaigns": [_campaign(c) for c in plan.campaigns],
    }


def render_json(plan: Plan) -> str:
    """The plan as JSON text: two-space indented, keys in a fixed order, newline-terminated."""
    return json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n"


@cache
def plan_schema() -> JsonObject:
    text = resources.files("reconciler").joinpath("schemas/plan.schema.json").read_text("utf-8")
    schema: JsonObject = json.loads(text)
    return schema


@cache
def _validator() -> Any:
    return jsonschema.Draft202012Validator(plan_schema())


@cache
def _fast_check() -> Check | None:
    """The compiled yes/no check of the plan schema (None: fall back to jsonschema)."""
    try:
        return compile_schema(plan_schema())
    except Unsupported:
        return None


def _lighten(node: Any) -> Any:
    """``node`` with each all-string list inside a request ``body`` cut to its first item.

    Validation time would otherwise grow with the fleet (a million IMEIs are a million schema
    descents); checking that every item is a string here is the same check, done in one pass.
    The plan schema says nothing else of a body's lists (their length included).
    """
    if isinstance(node, dict):
        return {
            key: _lighten_body(value) if key == "body" else _lighten(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_lighten(item) for item in node]
    return node


# --- reading back -----------------------------------------------------------------------------


def _lighten_body(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _lighten_body(value) for key, value in node.items()}
    if isinstance(node, list):
        if node and all(isinstance(item, str) for item in node):
            return node[:1]
        return [_lighten_body(item) for item in node]
    return node


def _load_change(d: JsonObject) -> FieldChange:
    return FieldChange(d["field"], d["before"], d["after"], d["drift"])


def _load_action(d: JsonObject) -> Action:
    return Action(
        ActionType(d["type"]),
        tuple(_load_change(c) for c in d["changes"]),
        d["body"],
        tuple(_load_action(s) for s in d["steps"]),
    )


def _load_refusal(d: JsonObject) -> Refusal:
    return Refusal(
        rule=d["rule"],
        field=d["field"],
        live=d["live"],
        desired=d["desired"],
        reason=d["reason"],
        instead=d["instead"],
        drift=d["drift"],
    )


def _load_campaign(d: JsonObject) -> CampaignPlan:
    return CampaignPlan(
        account=d["account"],
        name=d["name"],
        kind=Kind(d["kind"]),
        source=d["source"],
        outcome=Outcome(d["outcome"]),
        campaign_id=d["campaign_id"],
        live_status=d["live_status"],
        phase=Phase(d["phase"]) if d["phase"] is not None else None,
        fingerprint=d["fingerprint"],
        actions=tuple(_load_action(a) for a in d["actions"]),
        refusals=tuple(_load_refusal(r) for r in d["refusals"]),
        notes=tuple(d["notes"]),
    )


def load_plan(json_text: str, *, source: str = "plan.json") -> Plan:
    """Read a plan written by ``render_json``; ``UserError`` naming ``source`` if it is not one."""
    try:
        data = json.loads(json_text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{source}: not JSON ({exc.msg} at line {exc.lineno}); write it with "
            f"`fota plan --out {source}`"
        ) from exc
    if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
        raise UserError(f"{source}: not a fota plan file; write one with `fota plan --out`")
    version = data.get("format_version")
    if version != PLAN_FORMAT_VERSION:
        raise UserError(
            f"{source} has format {version!r}; this fota reads {PLAN_FORMAT_VERSION}: "
            "re-run fota plan"
        )
    fast = _fast_check()
    valid = fast is not None and fast(data)
    error = (
        None
        if valid
        else jsonschema.exceptions.best_match(_validator().iter_errors(_lighten(data)))
    )
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise UserError(
            f"{source}: invalid plan at {where}: {error.message}; re-run `fota plan --out`"
        )
    return Plan(
        now=datetime.fromisoformat(data["now"]).astimezone(UTC),
        specs_digest=data["specs_digest"],
        campaigns=tuple(_load_campaign(c) for c in data["campaigns"]),
        baseline_ref=data["baseline_ref"],
        format_version=version,
        spec_paths=tuple(data["spec_paths"]),
        campaign_filter=tuple(data["campaign_filter"]),
        account_filter=tuple(data.get("account_filter", ())),
        unmanaged=tuple(data.get("unmanaged", ())),
        prune_rules=tuple(PruneRule(r["account"], r["prefix"]) for r in data["prune_rules"]),
        prune_allow_abort=data["prune_allow_abort"],
    )


def save_plan(path: Path, plan: Plan, *, place: str | None = None) -> None:
    """Write ``plan`` to ``path`` so that readers see the old file or the new, never half.

    ``place`` names the file in the error (e.g. ``--out plan.json``); default: the path.
    """
    text = render_json(plan)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise UserError(f"{place or path}: cannot write the plan: {exc.strerror or exc}") from None
