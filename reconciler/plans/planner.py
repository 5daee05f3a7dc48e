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

Why one module of ~470 lines: one function per outcome of one campaign (create, change,
replace, resume, finished, refused) and the assembly of the plan; take-downs, fingerprints
and rollout waves are in their own modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from reconciler.lifecycle import rules
from reconciler.lifecycle.rules import ImmutableChange, Resume, Violation
from reconciler.lifecycle.statuses import is_terminal
from reconciler.model import (
    CampaignSpec,
    Kind,
    LiveCampaign,
    WaveLive,
)
from reconciler.plans.diff import SCHEDULE_FIELDS, CampaignDiff, DiffItem, diff_campaign, json_value
from reconciler.plans.fingerprint import fingerprint, planned_against
from reconciler.plans.prune import Prune
from reconciler.plans.prune import candidates as prune_candidates
from reconciler.plans.rollout import plan_rollout, retired_specs
from reconciler.plans.takedown import plan_deleted, plan_pruned, takedown_action
from reconciler.plans.types import (
    PLAN_FORMAT,
    PLAN_FORMAT_VERSION,
    Action,
    ActionType,
    CampaignPlan,
    FieldChange,
    Key,
    Outcome,
    Plan,
    Refusal,
    Summary,
    WaveReport,
    entry_for,
)
from reconciler.thingspace.wire import (
    encode_create,
    encode_device_change,
    encode_schedule,
)

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
    waves: Mapping[Key, WaveLive | None] | None = None,
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

    A spec with a rollout is planned wave by wave (:mod:`reconciler.plans.rollout`) against
    ``waves[wave key]`` (None or absent: the wave has no campaign yet), not against ``live``.
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
        if spec.rollout is None
    ]
    for spec in desired.values():
        if spec.rollout is not None:
            entries.extend(plan_rollout(spec, waves or {}, now, _plan_wave))
    if baseline is not None:
        for key, old_spec in retired_specs(baseline, set(desired)).items():
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
    kw = planned_against(live, now)
    if resumes_replacement(spec, live, namesakes):
        return _plan_resume(spec, live, now, kw)
    if is_terminal(live.status):
        finished = [
            f"campaign {live.id} is finished ({live.status}); it is never changed nor "
            "re-created (R-FINISHED): give the spec a new name to start a new campaign"
            if live.kind.is_campaign
            else f"upgrade {live.id} is finished ({live.status}); it is never changed nor "
            "re-created (R-FINISHED): give the spec new dates to schedule a new upgrade"
        ]
        made = [
            o for o in namesakes or () if o.id != live.id and not diff_campaign(spec, o).immutable
        ]
        if made and may_resume(spec, live):
            finished.append(
                f"its replacement was already created as campaign {made[0].id} "
                f"({made[0].status}), so it is not created again (R-RESUME-REPLACEMENT)"
            )
        return entry_for(spec, Outcome.FINISHED, notes=tuple(finished), **kw)
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
        return entry_for(spec, Outcome.NO_OP, notes=tuple(notes), **kw)
    drift = _DriftCheck(spec, baseline, live)
    frozen = rules.frozen_rule(live, now)
    if frozen is not None:
        # the rule's own words for this campaign (R-ENDED names its end instant), per field
        instead = next(frozen.check(rules.Live(live, now))).instead
        refusals = [
            _refusal(frozen.refuse(f, instead), spec, live, drift) for f in _changed_fields(diff)
        ]
        return entry_for(spec, Outcome.REFUSED, refusals=tuple(refusals), notes=tuple(notes), **kw)
    if diff.immutable:
        return _plan_replace(spec, live, now, diff, drift, kw, notes)
    return _plan_change(spec, live, now, diff, drift, kw, notes)


def rollout_waves(
    spec: CampaignSpec, waves: Mapping[Key, WaveLive | None], now: datetime
) -> list[WaveReport]:
    """Where each wave of ``spec``'s rollout stands, as a plan would judge it now (for
    ``fota status``: the same gate, the same words)."""
    entries = plan_rollout(spec, waves, now, _plan_wave)
    return [c.wave for c in entries if c.wave is not None]


def _plan_wave(spec: CampaignSpec, live: LiveCampaign | None, now: datetime) -> CampaignPlan:
    return plan_campaign(spec, live, now)


def _plan_create(spec: CampaignSpec, now: datetime) -> CampaignPlan:
    violations = rules.check_create(spec, now)
    if violations:
        return entry_for(
            spec,
            Outcome.REFUSED,
            refusals=tuple(_refusal(v, spec, None, None) for v in violations),
        )
    return entry_for(spec, Outcome.CREATE, actions=(_create_action(spec),))


def may_resume(spec: CampaignSpec, live: LiveCampaign) -> bool:
    """Could ``live`` be the first half of an interrupted replacement of ``spec``?

    Cheap and necessary, not sufficient: :func:`resumes_replacement` also needs the
    campaign's namesakes, which the edge reads only for the specs where this holds.
    """
    return rules.may_resume(spec, live, bool(diff_campaign(spec, live).immutable))


def resumes_replacement(
    spec: CampaignSpec, live: LiveCampaign, namesakes: Sequence[LiveCampaign] | None
) -> bool:
    """R-RESUME-REPLACEMENT: the take-down happened, and no campaign of the name (in any
    status) has the spec's immutable fields, so the create did not. Unknown history
    (``namesakes`` None) is not "no history": the spec then stays finished."""
    if namesakes is None or not may_resume(spec, live):
        return False
    differ = all(diff_campaign(spec, other).immutable for other in namesakes)
    return rules.R_RESUME_REPLACEMENT.allows(Resume(spec, live, True, differ))


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
        return entry_for(spec, Outcome.REFUSED, refusals=refusals, notes=(note,), **kw)
    return entry_for(spec, Outcome.CREATE, actions=(_create_action(spec),), notes=(note,), **kw)


def _create_action(spec: CampaignSpec) -> Action:
    changes = [
        FieldChange("name", None, spec.name),
        FieldChange("package.name", None, spec.package.name),
        FieldChange("package.from_version", None, spec.package.from_version),
        FieldChange("package.to_version", None, spec.package.to_version),
        FieldChange("package.protocol", None, spec.package.protocol),
    ]
    if not spec.kind.is_campaign:  # a v1 upgrade has no name, from-version nor protocol
        changes = [changes[1], changes[3]]
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
    fields = tuple(item.field for item in diff.immutable)
    refused = rules.first_refusal(
        rules.immutable_rules(spec.kind), ImmutableChange(spec, live, fields)
    )
    if refused:
        refusals = tuple(_refusal(v, spec, live, drift) for v in refused)
        return entry_for(spec, Outcome.REFUSED, refusals=refusals, notes=tuple(notes), **kw)
    step = rules.removal_step(live, spec.lifecycle.allow_abort, now)
    violations = [step] if isinstance(step, Violation) else []
    violations += rules.check_create(spec, now)
    if violations:
        refusals = tuple(_refusal(v, spec, live, drift) for v in violations)
        return entry_for(spec, Outcome.REFUSED, refusals=refusals, notes=tuple(notes), **kw)
    assert isinstance(step, str)
    takedown = takedown_action(live, step)
    changes = tuple(FieldChange(i.field, i.old, i.new, drift(i.field)) for i in diff.immutable)
    action = Action(ActionType.REPLACE, changes, None, (takedown, _create_action(spec)))
    return entry_for(spec, Outcome.REPLACE, actions=(action,), notes=tuple(notes), **kw)


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
    if (diff.devices_added or diff.devices_removed) and live.kind is Kind.UPGRADE:
        violations += rules.check_device_change(live, now)
    if diff.devices_added:
        after = count + len(diff.devices_added)
        actions.append(
            Action(
                ActionType.ADD_DEVICES,
                (FieldChange("devices", count, after, drift("devices")),),
                encode_device_change("append", diff.devices_added, spec.kind),
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
                encode_device_change("remove", diff.devices_removed, spec.kind),
            )
        )
    if violations:
        refusals = tuple(_refusal(v, spec, live, drift) for v in violations)
        return entry_for(spec, Outcome.REFUSED, refusals=refusals, notes=tuple(notes), **kw)
    return entry_for(spec, Outcome.CHANGE, actions=tuple(actions), notes=tuple(notes), **kw)


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
    "rollout_waves",
    "selected",
]
