"""Vocabulary shared by the human renderers (text and Markdown), so both say the same thing."""

from __future__ import annotations

from typing import Any

from reconciler.model import Kind
from reconciler.plans.types import (
    Action,
    ActionType,
    CampaignPlan,
    FieldChange,
    Outcome,
    Plan,
    Refusal,
)
from reconciler.thingspace.wire import device_change_imeis
from reconciler.views.fields import spec_field

SYMBOLS: dict[Outcome, str] = {
    Outcome.CREATE: "+",
    Outcome.CHANGE: "~",
    Outcome.REPLACE: "-/+",
    Outcome.CANCEL: "-",
    Outcome.ABORT: "-",
    Outcome.REFUSED: "!",
    Outcome.NO_OP: "=",
    Outcome.FINISHED: "=",
}

VERBS: dict[Outcome, str] = {
    Outcome.CREATE: "create",
    Outcome.CHANGE: "change",
    Outcome.REPLACE: "replace",
    Outcome.CANCEL: "cancel",
    Outcome.ABORT: "abort",
    Outcome.REFUSED: "refused",
    Outcome.NO_OP: "no changes",
    Outcome.FINISHED: "finished",
}

DEVICE_PREVIEW = 3
DRIFT_MARK = "(drift: changed outside git)"


def unmanaged_line(plan: Plan) -> str | None:
    """The plan's word on live campaigns no spec describes (see ``Plan.unmanaged``)."""
    count = len(plan.unmanaged)
    if not count:
        return None
    shown = ", ".join(plan.unmanaged[:3]) + (f" and {count - 3} more" if count > 3 else "")
    has = "campaign has" if count == 1 else "campaigns have"
    return (
        f"{count} live {has} no spec ({shown}): not taken down. If a spec was deleted, plan "
        "with --baseline-ref (the commit before the deletion) or --prune ACCOUNT:PREFIX."
    )


def inputs(plan: Plan) -> list[str]:
    """What the plan was restricted to or extended with, beyond the specs (for its header)."""
    out = []
    if plan.campaign_filter:
        out.append("only " + ", ".join(plan.campaign_filter))
    if plan.account_filter:
        out.append("account " + ", ".join(plan.account_filter))
    if plan.prune_rules:
        out.append(
            "prune "
            + ", ".join(str(r) for r in plan.prune_rules)
            + (" with --allow-abort" if plan.prune_allow_abort else "")
        )
    return out


def fmt(value: Any) -> str:
    """A JSON value as a person reads it: windows as hours, null as (none)."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if not value:
            return "(none)"
        if all(isinstance(v, dict) and v.keys() == {"start", "end"} for v in value):
            return ", ".join(f"{v['start']:02d}-{v['end']:02d}h" for v in value)
        return ", ".join(fmt(v) for v in value)
    return str(value)


def headline(c: CampaignPlan) -> str:
    """``account/name (kind[, id ..., status, phase])``."""
    facts = [c.kind.value]
    if c.campaign_id is not None:
        facts.append(f"id {c.campaign_id}")
    if c.live_status is not None:
        facts.append(c.live_status)
    if c.phase is not None:
        facts.append(c.phase.value.replace("_", " "))
    return f"{c.account}/{c.name} ({', '.join(facts)})"


def change_line(action: Action, change: FieldChange, kind: Kind) -> tuple[str, str]:
    """(symbol, text) of one field change inside an action, the field named as the spec does."""
    name = spec_field(change.field, kind)
    drift = f" {DRIFT_MARK}" if change.drift else ""
    if change.field == "devices" and action.type in (
        ActionType.ADD_DEVICES,
        ActionType.REMOVE_DEVICES,
    ):
        imeis = device_change_imeis(action.body or {})
        sign = "+" if action.type is ActionType.ADD_DEVICES else "-"
        shown = ", ".join(imeis[:DEVICE_PREVIEW])
        more = f" and {len(imeis) - DEVICE_PREVIEW} more" if len(imeis) > DEVICE_PREVIEW else ""
        return (
            sign,
            f"devices: {sign}{len(imeis)} ({shown}{more}); {change.before} -> {change.after}"
            f"{drift}",
        )
    if change.before is None and action.type is ActionType.CREATE:
        return "+", f"{name}: {fmt(change.after)}"
    return "~", f"{name}: {fmt(change.before)} -> {fmt(change.after)}{drift}"


_V1_TITLES = {
    ActionType.CREATE: "create v1 upgrade (POST /upgrades)",
    ActionType.ADD_DEVICES: "add devices (PUT, type=append)",
    ActionType.REMOVE_DEVICES: "remove devices (PUT, type=remove)",
}


def action_title(action: Action, kind: Kind = Kind.FIRMWARE) -> str:
    """What an action sends, in the words of its API version (v1 spells ``type`` lower-case)."""
    if kind is Kind.UPGRADE and action.type in _V1_TITLES:
        return _V1_TITLES[action.type]
    titles = {
        ActionType.CREATE: "create campaign (POST)",
        ActionType.UPDATE_SCHEDULE: "update dates and windows (PUT .../dates, full payload)",
        ActionType.ADD_DEVICES: "add devices (PUT, Type=append)",
        ActionType.REMOVE_DEVICES: "remove devices (PUT, Type=remove)",
        ActionType.CANCEL: "cancel (DELETE before start)",
        ActionType.ABORT: "abort (DELETE after start)",
        ActionType.REPLACE: "replace: take down, then create anew",
    }
    return titles[action.type]


def refusal_lines(r: Refusal, kind: Kind) -> list[str]:
    """The refusal in three lines: rule, field (as the spec names it) and values; why; instead."""
    drift = f" {DRIFT_MARK}" if r.drift else ""
    name = spec_field(r.field, kind)
    return [
        f"{r.rule} on {name}: live {fmt(r.live)}, desired {fmt(r.desired)}{drift}",
        r.reason,
        f"instead: {r.instead}",
    ]
