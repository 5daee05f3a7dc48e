"""Pure planning: desired specs + live campaigns + now -> a ``Plan`` of lifecycle-legal steps.

The plan is the contract between ``fota plan`` and ``fota apply``: every action carries the
exact request body apply will send, every campaign records the fingerprint of the live state it
was planned against (apply re-reads and refuses a stale plan), and everything the rules forbid
is a ``Refusal`` naming the rule and what to do instead; refusals are never executed.

Policy choices (documented in docs/RULES.md):

- **All or nothing per campaign.** A campaign with any refusal gets no actions, so a plan never
  leaves a campaign half-way between its live and its desired state.
- **Drift.** With a baseline (the specs at a git base revision), a difference is labelled drift
  when baseline == desired != live: git did not change the field, something else did.
- **Deleted specs.** With a baseline, a spec present there but gone from the desired specs
  takes its live campaign down: cancel before start, abort after start only when the baseline
  spec allowed it. Without a baseline nothing is ever cancelled except by replacement.
- **Auto-added devices.** When a firmware spec sets ``auto_add_devices``, devices that joined
  the live campaign by themselves are not removed.

Deterministic: campaigns sorted by (account, name), device lists sorted, no clock, no I/O.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler import rules
from reconciler.diff import SCHEDULE_FIELDS, CampaignDiff, DiffItem, diff_campaign, json_value
from reconciler.model import (
    CampaignSpec,
    Kind,
    LiveCampaign,
    OnImmutableChange,
    Phase,
)
from reconciler.prune import Prune, PruneRule
from reconciler.prune import candidates as prune_candidates
from reconciler.rules import Violation
from reconciler.wire import encode_create, encode_device_change, encode_schedule

PLAN_FORMAT = "fota-plan"
PLAN_FORMAT_VERSION = 2

Key = tuple[str, str]
JsonObject = dict[str, Any]


class ActionType(enum.Enum):
    CREATE = "create"
    UPDATE_SCHEDULE = "update_schedule"
    ADD_DEVICES = "add_devices"
    REMOVE_DEVICES = "remove_devices"
    CANCEL = "cancel"
    ABORT = "abort"
    REPLACE = "replace"  # ordered steps: cancel|abort, then create


class Outcome(enum.Enum):
    """The one-word verdict on a campaign, as the summary line counts it."""

    CREATE = "create"
    CHANGE = "change"
    REPLACE = "replace"
    CANCEL = "cancel"
    ABORT = "abort"
    NO_OP = "no-op"
    REFUSED = "refused"
    FINISHED = "finished"


@dataclass(frozen=True)
class FieldChange:
    """One field's before/after in JSON form; ``drift`` when git did not cause the difference."""

    field: str
    before: Any
    after: Any
    drift: bool = False


@dataclass(frozen=True)
class Action:
    """One API call (or, for replace, ordered ``steps``) with its exact request ``body``."""

    type: ActionType
    changes: tuple[FieldChange, ...] = ()
    body: JsonObject | None = None
    steps: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Refusal:
    """A change the lifecycle rules forbid; shown to the user, never executed."""

    rule: str  # stable rule id, e.g. R-START-LOCKED
    field: str
    live: Any
    desired: Any
    reason: str  # the rule's sentence
    instead: str  # what to do instead
    drift: bool = False


@dataclass(frozen=True)
class CampaignPlan:
    """Everything planned for one campaign, with what it was planned against."""

    account: str
    name: str
    kind: Kind
    source: str  # path:line:col of the spec (the baseline's for a deleted spec)
    outcome: Outcome
    campaign_id: str | None = None
    live_status: str | None = None
    phase: Phase | None = None
    fingerprint: str | None = None  # of the live campaign, see ``fingerprint``
    actions: tuple[Action, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> Key:
        return (self.account, self.name)

    @property
    def drift(self) -> bool:
        return any(c.drift for a in self.actions for c in a.changes) or any(
            r.drift for r in self.refusals
        )


@dataclass(frozen=True)
class Summary:
    create: int
    change: int
    cancel: int
    refused: int
    no_op: int
    finished: int

    @property
    def line(self) -> str:
        return (
            f"{self.create} to create, {self.change} to change, {self.cancel} to cancel, "
            f"{self.refused} refused"
        )


@dataclass(frozen=True)
class Plan:
    """The plan, and everything it was made from, so apply can make it again and compare.

    ``spec_paths`` are the paths given to ``fota plan`` (as given, relative to its working
    directory) and ``campaign_filter`` its ``--campaign`` names (empty: every spec).
    """

    now: datetime
    specs_digest: str
    campaigns: tuple[CampaignPlan, ...]
    baseline_ref: str | None = None
    format_version: int = PLAN_FORMAT_VERSION
    spec_paths: tuple[str, ...] = ()
    campaign_filter: tuple[str, ...] = ()
    account_filter: tuple[str, ...] = ()  # --account: only these accounts' specs (sharding)
    prune_rules: tuple[PruneRule, ...] = ()
    prune_allow_abort: bool = False

    @property
    def prune(self) -> Prune | None:
        """The ``--prune`` input this plan was made with, to make it again."""
        return Prune(self.prune_rules, self.prune_allow_abort) if self.prune_rules else None

    @property
    def summary(self) -> Summary:
        counts = {o: 0 for o in Outcome}
        for c in self.campaigns:
            counts[c.outcome] += 1
        return Summary(
            create=counts[Outcome.CREATE] + counts[Outcome.REPLACE],
            change=counts[Outcome.CHANGE],
            cancel=counts[Outcome.CANCEL] + counts[Outcome.ABORT] + counts[Outcome.REPLACE],
            refused=counts[Outcome.REFUSED],
            no_op=counts[Outcome.NO_OP],
            finished=counts[Outcome.FINISHED],
        )

    @property
    def has_refusals(self) -> bool:
        return any(c.refusals for c in self.campaigns)

    @property
    def has_changes(self) -> bool:
        return any(c.actions for c in self.campaigns)


# --- fingerprint ------------------------------------------------------------------------------


def fingerprint(live: LiveCampaign, now: datetime) -> str:
    """sha256 of the live fields a plan depends on; apply recomputes it to detect staleness.

    Covers identity, status class and phase, package, schedule, auto flags and the device set
    (ids, not per-device progress, which moves all the time without invalidating a plan).

    The status is hashed as what the rules read from it, not verbatim: a new campaign moves
    from ``CampaignRequestQueued`` to ``CampaignScheduled`` on its own, and the rules treat
    both alike, so a plan saved in between must not go stale. A terminal status is kept
    (folded) because it never moves again and the plan does depend on which one it is
    (a cancelled replacement is resumed, a failed campaign never is).
    """
    cls = rules.status_class(live.status)
    head = {
        "id": live.id,
        "account": live.account,
        "name": live.name,
        "kind": live.kind.value,
        "status": live.status.casefold() if cls is rules.StatusClass.TERMINAL else cls.value,
        "phase": rules.phase(live, now).value,
        "package": [
            live.package.name,
            live.package.from_version,
            live.package.to_version,
            live.package.protocol,
        ],
        "schedule": encode_schedule(Kind.SOFTWARE, live.schedule)
        | {"campaignTimeWindowList": [w.to_api() for w in live.schedule.windows]},
        "auto": [live.auto_assign_license, live.auto_add_devices],
    }
    digest = hashlib.sha256(json.dumps(head, sort_keys=True, separators=(",", ":")).encode())
    digest.update(b"\ndevices\n")
    digest.update("\n".join(sorted(live.devices)).encode())
    return "sha256:" + digest.hexdigest()


# --- planning ---------------------------------------------------------------------------------


def selected(
    specs: Iterable[CampaignSpec],
    campaign_filter: Iterable[str],
    account_filter: Iterable[str] = (),
) -> list[CampaignSpec]:
    """The specs ``--campaign`` and ``--account`` filters plan (an empty filter: all)."""
    names = frozenset(campaign_filter)
    accounts = frozenset(account_filter)
    return [
        s
        for s in specs
        if (not names or s.name in names) and (not accounts or s.account in accounts)
    ]


def plan(
    specs: Iterable[CampaignSpec],
    live: Mapping[Key, LiveCampaign | None],
    now: datetime,
    *,
    specs_digest: str = "",
    baseline: Mapping[Key, CampaignSpec] | None = None,
    baseline_ref: str | None = None,
    spec_paths: Iterable[str] = (),
    campaign_filter: Iterable[str] = (),
    account_filter: Iterable[str] = (),
    prune: Prune | None = None,
    prune_live: Iterable[LiveCampaign] = (),
    namesakes: Mapping[Key, Sequence[LiveCampaign]] | None = None,
) -> Plan:
    """Plan every spec against its live match (``live[spec.key]``, None when there is none).

    ``baseline`` (the specs at a base revision, by key) enables drift labels and the
    take-down of campaigns whose spec was deleted; their live matches must be in ``live`` too.
    ``campaign_filter`` (names) restricts the plan to those specs and baseline specs; live
    matches are needed only for them. ``spec_paths`` is recorded, not read.

    ``prune`` takes down the campaigns of ``prune_live`` (the listed campaigns of its accounts,
    metadata is enough) that its rules cover and no spec of ``specs`` describes: see
    :func:`plan_pruned`. A campaign already planned (e.g. a deleted spec's) is planned once.

    ``namesakes[key]`` lists every campaign of the spec's account, kind and name, in every
    status (metadata is enough). It is needed only where :func:`may_resume` holds, to resume
    an interrupted replacement (R-RESUME-REPLACEMENT); without it the spec stays finished.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    specs = list(specs)
    names = tuple(dict.fromkeys(campaign_filter))  # as given, each name once
    accounts = tuple(sorted(set(account_filter)))
    desired = {spec.key: spec for spec in selected(specs, names, accounts)}
    if baseline is not None and (names or accounts):
        baseline = {s.key: s for s in selected(baseline.values(), names, accounts)}
    entries = [
        plan_campaign(
            spec,
            live.get(key),
            now,
            None if baseline is None else baseline.get(key),
            None if namesakes is None else namesakes.get(key),
        )
        for key, spec in desired.items()
    ]
    if baseline is not None:
        for key, old_spec in baseline.items():
            if key not in desired:
                entry = plan_deleted(old_spec, live.get(key), now)
                if entry is not None:
                    entries.append(entry)
    if prune is not None:
        planned = {c.key for c in entries}
        for found, rule in prune_candidates(prune, specs, prune_live):
            if found.key not in planned:
                entries.append(plan_pruned(found, rule, prune.allow_abort, now))
    entries.sort(key=lambda c: (c.key, c.campaign_id or ""))
    return Plan(
        now=now,
        specs_digest=specs_digest,
        campaigns=tuple(entries),
        baseline_ref=baseline_ref,
        spec_paths=tuple(spec_paths),
        campaign_filter=names,
        account_filter=accounts,
        prune_rules=prune.rules if prune is not None else (),
        prune_allow_abort=prune.allow_abort if prune is not None else False,
    )


def _entry(spec: CampaignSpec, outcome: Outcome, **kw: Any) -> CampaignPlan:
    return CampaignPlan(
        account=spec.account,
        name=spec.name,
        kind=spec.kind,
        source=str(spec.source),
        outcome=outcome,
        **kw,
    )


def _live_kw(live: LiveCampaign, now: datetime) -> dict[str, Any]:
    return {
        "campaign_id": live.id,
        "live_status": live.status,
        "phase": rules.phase(live, now),
        "fingerprint": fingerprint(live, now),
    }


def plan_campaign(
    spec: CampaignSpec,
    live: LiveCampaign | None,
    now: datetime,
    baseline: CampaignSpec | None = None,
    namesakes: Sequence[LiveCampaign] | None = None,
) -> CampaignPlan:
    """The plan for one spec: create, change, replace, no-op, refused or finished."""
    if live is None:
        return _plan_create(spec, now)
    kw = _live_kw(live, now)
    if resumes_replacement(spec, live, namesakes):
        return _plan_resume(spec, live, now, kw)
    if live.terminal:
        finished = [
            f"campaign {live.id} is finished ({live.status}); it is never changed nor "
            "re-created (R-FINISHED): give the spec a new name to start a new campaign"
        ]
        made = [
            o for o in namesakes or () if o.id != live.id and not diff_campaign(spec, o).immutable
        ]
        if made and may_resume(spec, live):
            finished.append(
                f"its replacement was already created as campaign {made[0].id} "
                f"({made[0].status}), so it is not created again (R-RESUME-REPLACEMENT)"
            )
        return _entry(spec, Outcome.FINISHED, notes=tuple(finished), **kw)
    diff = diff_campaign(spec, live)
    notes: list[str] = []
    soon = rules.ends_soon(live, spec.schedule.end, now)
    if soon is not None:
        notes.append(soon)
    if spec.auto_add_devices and diff.devices_removed:
        notes.append(
            f"{len(diff.devices_removed)} device(s) joined through autoAddDevices and stay"
        )
        diff = CampaignDiff(diff.immutable, diff.schedule, diff.devices_added, frozenset())
    if diff.empty:
        return _entry(spec, Outcome.NO_OP, notes=tuple(notes), **kw)
    drift = _DriftCheck(spec, baseline, live)
    frozen = rules.frozen_rule(live, now)
    if frozen is not None:
        refusals = [
            _refusal(Violation(frozen, f, rules.frozen_instead(frozen, live)), spec, live, drift)
            for f in _changed_fields(diff)
        ]
        return _entry(spec, Outcome.REFUSED, refusals=tuple(refusals), notes=tuple(notes), **kw)
    if diff.immutable:
        return _plan_replace(spec, live, now, diff, drift, kw, notes)
    return _plan_change(spec, live, now, diff, drift, kw, notes)


def _plan_create(spec: CampaignSpec, now: datetime) -> CampaignPlan:
    if spec.campaign_id is not None:
        rule = rules.RULES_BY_ID["R-PINNED-MISSING"]
        refusal = Refusal(
            rule=rule.id,
            field="campaign_id",
            live=None,
            desired=spec.campaign_id,
            reason=rule.sentence,
            instead="remove campaignId from the spec to create a new campaign, or fix the id",
        )
        return _entry(spec, Outcome.REFUSED, refusals=(refusal,))
    violations = rules.check_create(spec, now)
    if violations:
        return _entry(
            spec,
            Outcome.REFUSED,
            refusals=tuple(_refusal(v, spec, None, None) for v in violations),
        )
    return _entry(spec, Outcome.CREATE, actions=(_create_action(spec),))


def may_resume(spec: CampaignSpec, live: LiveCampaign) -> bool:
    """Could ``live`` be the first half of an interrupted replacement of ``spec``?

    Cheap and necessary, not sufficient: :func:`resumes_replacement` also needs the
    campaign's namesakes, which the edge reads only for the specs where this holds.
    """
    return (
        rules.taken_down(live.status)
        and spec.lifecycle.on_immutable_change is OnImmutableChange.REPLACE
        and spec.campaign_id is None
        and bool(diff_campaign(spec, live).immutable)
    )


def resumes_replacement(
    spec: CampaignSpec, live: LiveCampaign, namesakes: Sequence[LiveCampaign] | None
) -> bool:
    """R-RESUME-REPLACEMENT: the take-down happened, and no campaign of the name (in any
    status) has the spec's immutable fields, so the create did not. Unknown history
    (``namesakes`` None) is not "no history": the spec then stays finished."""
    if namesakes is None or not may_resume(spec, live):
        return False
    return all(diff_campaign(spec, other).immutable for other in namesakes)


def _plan_resume(
    spec: CampaignSpec, live: LiveCampaign, now: datetime, kw: dict[str, Any]
) -> CampaignPlan:
    note = (
        f"resumes the replacement of campaign {live.id} ({live.status}): it was taken down but "
        "its replacement was never created (R-RESUME-REPLACEMENT)"
    )
    violations = rules.check_create(spec, now)
    if violations:
        refusals = tuple(_refusal(v, spec, None, None) for v in violations)
        return _entry(spec, Outcome.REFUSED, refusals=refusals, notes=(note,), **kw)
    return _entry(spec, Outcome.CREATE, actions=(_create_action(spec),), notes=(note,), **kw)


def _create_action(spec: CampaignSpec) -> Action:
    changes = [
        FieldChange("name", None, spec.name),
        FieldChange("package.name", None, spec.package.name),
        FieldChange("package.from_version", None, spec.package.from_version),
        FieldChange("package.to_version", None, spec.package.to_version),
        FieldChange("package.protocol", None, spec.package.protocol),
    ]
    for name in SCHEDULE_FIELDS:
        value = getattr(spec.schedule, name)
        if value:
            changes.append(FieldChange(f"schedule.{name}", None, json_value(value)))
    if spec.kind is Kind.FIRMWARE:
        changes.append(FieldChange("auto_assign_license", None, spec.auto_assign_license))
        changes.append(FieldChange("auto_add_devices", None, spec.auto_add_devices))
    changes.append(FieldChange("devices", None, len(spec.devices)))
    return Action(ActionType.CREATE, tuple(changes), encode_create(spec))


def _plan_replace(
    spec: CampaignSpec,
    live: LiveCampaign,
    now: datetime,
    diff: CampaignDiff,
    drift: _DriftCheck,
    kw: dict[str, Any],
    notes: list[str],
) -> CampaignPlan:
    if spec.lifecycle.on_immutable_change is OnImmutableChange.REFUSE:
        rule = rules.RULES_BY_ID["R-IMMUTABLE"]
        refusals = tuple(
            _refusal(
                Violation(
                    rule,
                    item.field,
                    "revert the field, or set lifecycle.onImmutableChange: replace to "
                    "cancel (or abort) the campaign and create a new one",
                ),
                spec,
                live,
                drift,
            )
            for item in diff.immutable
        )
        return _entry(spec, Outcome.REFUSED, refusals=refusals, notes=tuple(notes), **kw)
    if spec.campaign_id is not None:
        rule = rules.RULES_BY_ID["R-REPLACE-PINNED"]
        instead = (
            f"remove campaignId {spec.campaign_id} from the spec so the replacement is found "
            "by name, or revert the field"
        )
        refusals = tuple(
            _refusal(Violation(rule, item.field, instead), spec, live, drift)
            for item in diff.immutable
        )
        return _entry(spec, Outcome.REFUSED, refusals=refusals, notes=tuple(notes), **kw)
    step = rules.removal_step(live, spec.lifecycle.allow_abort, now)
    violations = [step] if isinstance(step, Violation) else []
    violations += rules.check_create(spec, now)
    if violations:
        refusals = tuple(_refusal(v, spec, live, drift) for v in violations)
        return _entry(spec, Outcome.REFUSED, refusals=refusals, notes=tuple(notes), **kw)
    assert isinstance(step, str)
    takedown = _takedown_action(live, step)
    changes = tuple(FieldChange(i.field, i.old, i.new, drift(i.field)) for i in diff.immutable)
    action = Action(ActionType.REPLACE, changes, None, (takedown, _create_action(spec)))
    return _entry(spec, Outcome.REPLACE, actions=(action,), notes=tuple(notes), **kw)


def _takedown_action(live: LiveCampaign, step: str) -> Action:
    if step == "cancel":
        return Action(ActionType.CANCEL, (FieldChange("status", live.status, "CampaignCancelled"),))
    return Action(ActionType.ABORT, (FieldChange("status", live.status, "CampaignAborted"),))


def _plan_change(
    spec: CampaignSpec,
    live: LiveCampaign,
    now: datetime,
    diff: CampaignDiff,
    drift: _DriftCheck,
    kw: dict[str, Any],
    notes: list[str],
) -> CampaignPlan:
    violations: list[Violation] = []
    actions: list[Action] = []
    if diff.schedule:
        violations += rules.check_schedule(live, spec.schedule, now)
        changes = tuple(
            FieldChange(
                f,
                json_value(getattr(live.schedule, f.split(".", 1)[1])),
                json_value(getattr(spec.schedule, f.split(".", 1)[1])),
                drift(f),
            )
            for f in diff.schedule_fields
        )
        actions.append(
            Action(ActionType.UPDATE_SCHEDULE, changes, encode_schedule(spec.kind, spec.schedule))
        )
    count = len(live.devices)
    if diff.devices_added:
        after = count + len(diff.devices_added)
        actions.append(
            Action(
                ActionType.ADD_DEVICES,
                (FieldChange("devices", count, after, drift("devices")),),
                encode_device_change("append", diff.devices_added),
            )
        )
        count = after
    if diff.devices_removed:
        violations += rules.check_device_removal(live, spec, diff.devices_removed)
        after = count - len(diff.devices_removed)
        actions.append(
            Action(
                ActionType.REMOVE_DEVICES,
                (FieldChange("devices", count, after, drift("devices")),),
                encode_device_change("remove", diff.devices_removed),
            )
        )
    if violations:
        refusals = tuple(_refusal(v, spec, live, drift) for v in violations)
        return _entry(spec, Outcome.REFUSED, refusals=refusals, notes=tuple(notes), **kw)
    return _entry(spec, Outcome.CHANGE, actions=tuple(actions), notes=tuple(notes), **kw)


def plan_deleted(
    old_spec: CampaignSpec, live: LiveCampaign | None, now: datetime
) -> CampaignPlan | None:
    """A spec deleted since the baseline: take its live campaign down, if it may be."""
    if live is None:
        return None
    kw = _live_kw(live, now)
    note = "spec deleted since the baseline"
    if live.terminal:
        return _entry(old_spec, Outcome.FINISHED, notes=(note,), **kw)
    step = rules.removal_step(live, old_spec.lifecycle.allow_abort, now)
    if isinstance(step, Violation):
        refusal = Refusal(
            rule=step.rule.id,
            field=step.field,
            live=live.status,
            desired="deleted",
            reason=step.rule.sentence,
            instead=step.instead + "; or restore the spec",
        )
        return _entry(old_spec, Outcome.REFUSED, refusals=(refusal,), notes=(note,), **kw)
    outcome = Outcome.CANCEL if step == "cancel" else Outcome.ABORT
    return _entry(old_spec, outcome, actions=(_takedown_action(live, step),), notes=(note,), **kw)


def plan_pruned(
    live: LiveCampaign, rule: PruneRule, allow_abort: bool, now: datetime
) -> CampaignPlan:
    """A campaign no spec describes, under ``--prune rule``: the same take-down as a deleted
    spec's (cancel before start; abort after start only with ``allow_abort``, which here is
    the command line's ``--allow-abort``), or a refusal naming the rule and the flag."""
    kw: dict[str, Any] = {
        "account": live.account,
        "name": live.name,
        "kind": live.kind,
        "source": f"--prune {rule}",
        "notes": (f"no spec describes it and its name is under --prune {rule}",),
        **_live_kw(live, now),
    }
    step = rules.removal_step(live, allow_abort, now)
    if isinstance(step, Violation):
        instead = step.instead
        if step.rule.id == "R-ABORT-OPT-IN":
            instead = (
                f"add --allow-abort to --prune {rule} to abort it (devices may be mid-upgrade), "
                "or leave it to run"
            )
        refusal = Refusal(
            rule=step.rule.id,
            field=step.field,
            live=live.status,
            desired="pruned",
            reason=step.rule.sentence,
            instead=instead,
        )
        return CampaignPlan(outcome=Outcome.REFUSED, refusals=(refusal,), **kw)
    outcome = Outcome.CANCEL if step == "cancel" else Outcome.ABORT
    return CampaignPlan(outcome=outcome, actions=(_takedown_action(live, step),), **kw)


# --- helpers ----------------------------------------------------------------------------------


def _changed_fields(diff: CampaignDiff) -> list[str]:
    out = [i.field for i in diff.immutable] + list(diff.schedule_fields)
    if diff.devices_added or diff.devices_removed:
        out.append("devices")
    return out


def field_value(obj: CampaignSpec | LiveCampaign | None, name: str) -> Any:
    """The JSON value of a dotted field of a spec or live campaign (devices: their count)."""
    if obj is None:
        return None
    if name == "devices":
        return len(obj.devices)
    if name == "status":
        return obj.status if isinstance(obj, LiveCampaign) else None
    if name == "campaign_id":
        return obj.id if isinstance(obj, LiveCampaign) else obj.campaign_id
    head, _, rest = name.partition(".")
    value: Any = obj
    for part in (head, rest) if rest else (head,):
        value = getattr(value, part)
    return json_value(value)


class _DriftCheck:
    """Is a difference on ``field`` drift, i.e. baseline == desired (git did not change it)?"""

    def __init__(
        self, spec: CampaignSpec, baseline: CampaignSpec | None, live: LiveCampaign
    ) -> None:
        self._spec = spec
        self._baseline = baseline
        self._live = live

    def __call__(self, name: str) -> bool:
        if self._baseline is None:
            return False
        if name == "devices":
            return self._baseline.devices == self._spec.devices
        return bool(field_value(self._baseline, name) == field_value(self._spec, name))


def _refusal(
    violation: Violation,
    spec: CampaignSpec,
    live: LiveCampaign | None,
    drift: _DriftCheck | None,
) -> Refusal:
    name = violation.field
    return Refusal(
        rule=violation.rule.id,
        field=name,
        live=field_value(live, name),
        desired=field_value(spec, name) if name != "status" else "replaced",
        reason=violation.rule.sentence,
        instead=violation.instead,
        drift=drift(name) if drift is not None else False,
    )


__all__ = [
    "PLAN_FORMAT",
    "PLAN_FORMAT_VERSION",
    "Action",
    "ActionType",
    "CampaignPlan",
    "DiffItem",
    "FieldChange",
    "Outcome",
    "Plan",
    "Refusal",
    "Summary",
    "fingerprint",
    "may_resume",
    "plan",
    "plan_campaign",
    "plan_deleted",
    "plan_pruned",
    "resumes_replacement",
    "selected",
]
