"""Planning a staged rollout: one plan entry per wave, each wave its own campaign.

Why one campaign per wave: ThingSpace has no notion of waves, but it finds campaigns by name,
so a wave named ``<spec name> [wave <wave>]`` is found again on every run with no local state,
and everything the planner already knows about one campaign (schedule changes, added devices,
the lifecycle rules, staleness) applies to each wave unchanged.

The rollout advances one wave per gate: walking the waves in order, a started wave is planned
like any campaign and its gate is judged (:mod:`reconciler.plans.gate`); the first wave not
started is created only when every earlier gate passed. A waiting gate plans nothing for later
waves and says what it waits for; a failed gate halts the rollout (R-ROLLOUT-HALT), unless
the spec's ``rollout.resume`` names the wave (R-ROLLOUT-RESUME). A wave whose campaign runs
another firmware than the spec's belongs to the rollout's previous image (R-ROLLOUT-RESTART):
it is never reused nor judged; the rollout starts again from its first wave, replacing the old
campaign that holds the wave's name (a started one only with both abort keys), and taking
later old campaigns down where the rules allow. Pure: ``now`` is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import replace
from datetime import datetime

from reconciler.lifecycle import rules
from reconciler.lifecycle.clock import today
from reconciler.lifecycle.rules import Violation
from reconciler.lifecycle.statuses import cancelled_status, is_terminal
from reconciler.model import (
    CampaignSpec,
    LiveCampaign,
    OnFailure,
    OnImmutableChange,
    Wave,
    WaveLive,
    wave_campaign_name,
)
from reconciler.plans.fingerprint import planned_against
from reconciler.plans.gate import Judgement, Verdict, judge
from reconciler.plans.takedown import takedown_action
from reconciler.plans.types import (
    CampaignPlan,
    Key,
    Outcome,
    Plan,
    Refusal,
    WaveReport,
    entry_for,
)
from reconciler.plans.waves import assign_spec
from reconciler.thingspace.devicemap import device_set

PlanOne = Callable[[CampaignSpec, LiveCampaign | None, datetime], CampaignPlan]
"""The planner's one-campaign planning (passed in: this module sits beside the planner)."""


def wave_keys(spec: CampaignSpec) -> list[Key]:
    """The keys of the rollout's wave campaigns, in wave order."""
    assert spec.rollout is not None
    return [(spec.account, wave_campaign_name(spec.name, w.name)) for w in spec.rollout.waves]


def retired_specs(
    baseline: Mapping[Key, CampaignSpec], desired: AbstractSet[Key]
) -> dict[Key, CampaignSpec]:
    """The baseline's specs that are no longer desired (deleted or renamed since), each as the
    campaigns it had: a single campaign as itself, a rollout as one spec per wave campaign.

    Why a rollout as its waves: its campaigns are the waves, so deleting a rollout's spec takes
    its waves down exactly as deleting a single campaign's spec takes that campaign down (cancel
    before the start, abort after it with both keys), with no rule of its own.
    """
    retired: dict[Key, CampaignSpec] = {}
    for key, spec in baseline.items():
        if key in desired:
            continue
        if spec.rollout is None:
            retired[key] = spec
            continue
        for wave_key in wave_keys(spec):
            if wave_key not in desired:
                retired[wave_key] = replace(spec, name=wave_key[1], rollout=None, campaign_id=None)
    return retired


def wave_spec(
    spec: CampaignSpec,
    wave: Wave,
    members: AbstractSet[str],
    live: LiveCampaign | None,
    now: datetime,
) -> CampaignSpec:
    """The campaign a wave is: the spec's package, schedule and flags, the wave's devices.

    A wave created later than the spec's start date starts on the day it is created (a start
    in the past would be refused, R-START-PAST); a started wave keeps its live start date.
    """
    start = live.schedule.start if live is not None else max(spec.schedule.start, today(now))
    return replace(
        spec,
        name=wave_campaign_name(spec.name, wave.name),
        devices=members,
        schedule=replace(spec.schedule, start=start),
        rollout=None,
        campaign_id=None,
    )


def plan_rollout(
    spec: CampaignSpec,
    waves: Mapping[Key, WaveLive | None],
    now: datetime,
    plan_one: PlanOne,
) -> list[CampaignPlan]:
    """One entry per wave of ``spec``'s rollout (``waves``: each wave's live state, by key)."""
    rollout = spec.rollout
    assert rollout is not None
    keys = wave_keys(spec)
    current: dict[Key, WaveLive] = {}
    previous: dict[Key, LiveCampaign] = {}  # waves of an earlier firmware (R-ROLLOUT-RESTART)
    for key in keys:
        found = waves.get(key)
        if found is not None and rules.restarts(spec, found.campaign):
            previous[key] = found.campaign
        elif found is not None:
            current[key] = found
    started = {
        w.name: device_set(current[key].campaign.devices)
        for w, key in zip(rollout.waves, keys, strict=True)
        if key in current
    }
    members = assign_spec(spec, started)
    entries: list[CampaignPlan] = []
    blocked: str | None = None  # why waves not started yet wait
    halt: tuple[str, str] | None = None  # (wave, numbers) of the failed gate
    refused = False  # the first wave behind a halt carries the refusal
    for index, (wave, key) in enumerate(zip(rollout.waves, keys, strict=True)):
        found = current.get(key)
        old = previous.get(key)
        live = found.campaign if found is not None else None
        desired = wave_spec(spec, wave, members[wave.name], live, now)
        if found is not None:
            entry, judgement = _started(spec, desired, wave, found, now, plan_one, index)
            if halt is not None and rollout.on_failure is OnFailure.HALT_AND_CANCEL:
                taken = _take_down(desired, found.campaign, entry, now)
                entry = _cancelled_report(taken, found.campaign, halt[0])
            entries.append(entry)
            if halt is None and blocked is None:
                if judgement.verdict is Verdict.FAILED:
                    if rules.check_gate_failure(spec, wave.name, judgement.text):
                        halt = (wave.name, judgement.text)
                        if rollout.on_failure is OnFailure.HALT_AND_CANCEL:
                            entries[-1] = _take_down(desired, found.campaign, entry, now)
                elif judgement.verdict is Verdict.WAITING:
                    blocked = f"waits for wave {wave.name}: {judgement.text}"
            continue
        report = WaveReport(spec.name, wave.name, index, len(members[wave.name]), "")
        if halt is not None:
            halted = replace(report, state="halted", verdict=f"halted at wave {halt[0]}")
            if refused:  # the wave the halt stops is refused; the later ones wait behind it
                note = f"not created: the rollout halted at wave {halt[0]} (R-ROLLOUT-HALT)"
                entry = entry_for(desired, Outcome.NO_OP, notes=(note,), wave=halted)
            else:
                violations = rules.check_gate_failure(spec, *halt)
                refusals = tuple(_halt_refusal(v, desired) for v in violations)
                entry = entry_for(desired, Outcome.REFUSED, refusals=refusals, wave=halted)
                refused = True
        elif blocked is not None:
            entry = entry_for(
                desired,
                Outcome.NO_OP,
                notes=(f"not created yet: {blocked}",),
                wave=replace(report, state="blocked", verdict=blocked),
            )
        elif not desired.devices:
            entry = entry_for(
                desired,
                Outcome.NO_OP,
                notes=("no devices are left for this wave; nothing to create",),
                wave=replace(report, state="empty", verdict="no devices"),
            )
        else:
            entry = _create(spec, desired, old, now, plan_one, replace(report, state="next"))
            if entry.outcome is Outcome.REFUSED:
                blocked = f"wave {wave.name} waits for its previous firmware's campaign to go"
            else:
                blocked = f"wave {wave.name} is created by this plan and has not run yet"
            entries.append(entry)
            continue
        entries.append(_retire(spec, desired, old, entry, now) if old is not None else entry)
    return entries


def _create(
    spec: CampaignSpec,
    desired: CampaignSpec,
    old: LiveCampaign | None,
    now: datetime,
    plan_one: PlanOne,
    report: WaveReport,
) -> CampaignPlan:
    """The wave due next: created; when a campaign of the rollout's previous firmware still
    holds its name, that one is replaced (cancelled, or aborted with both keys) or, while it
    cannot be taken down, the wave is refused with the rule that keeps it."""
    first = report.index == 0
    verdict = (
        "the first wave, created by this plan"
        if first
        else ("created by this plan: every earlier gate passed")
    )
    if old is None:
        return replace(plan_one(desired, None, now), wave=replace(report, verdict=verdict))
    was = f"campaign {old.id} of the previous firmware {old.package.to_version} ({old.status})"
    restart = f"the rollout restarts with {spec.package.to_version}"
    if is_terminal(old.status):
        entry = plan_one(desired, None, now)
        note = f"{restart} (R-ROLLOUT-RESTART): {was} is not reused"
        return replace(
            entry, notes=(*entry.notes, note), wave=replace(report, verdict=f"{verdict}; {note}")
        )
    replacing = replace(
        desired, lifecycle=replace(desired.lifecycle, on_immutable_change=OnImmutableChange.REPLACE)
    )
    entry = plan_one(replacing, old, now)
    if entry.outcome is Outcome.REPLACE:
        note = f"{restart} (R-ROLLOUT-RESTART): {was} is taken down and replaced"
        wave = replace(report, verdict=f"{verdict}; {note}")
    else:
        note = (
            f"{restart} (R-ROLLOUT-RESTART) once {was} is taken down or ends; until then this "
            "wave waits (see the refusal)"
        )
        wave = replace(report, state="blocked", verdict=note)
    return replace(entry, notes=(*entry.notes, note), wave=wave)


def _retire(
    spec: CampaignSpec,
    desired: CampaignSpec,
    old: LiveCampaign,
    entry: CampaignPlan,
    now: datetime,
) -> CampaignPlan:
    """A later wave whose name a campaign of the previous firmware holds: never reused; taken
    down now if it can be (cancelled before its start, aborted after it with both keys), so
    that it does not run the old image on."""
    was = f"campaign {old.id} of the previous firmware {old.package.to_version} ({old.status})"
    restart = f"the rollout restarts with {spec.package.to_version} (R-ROLLOUT-RESTART)"
    if is_terminal(old.status):
        return replace(entry, notes=(*entry.notes, f"{restart}: {was} is not reused"))
    step = rules.removal_step(old, desired.lifecycle.allow_abort, now)
    if isinstance(step, Violation):
        note = f"{restart}: {was} keeps running ({step.rule.id}: {step.instead})"
        return replace(entry, notes=(*entry.notes, note))
    outcome = Outcome.CANCEL if step == "cancel" else Outcome.ABORT
    return entry_for(
        desired,
        outcome,
        actions=(takedown_action(old, step),),
        notes=(*entry.notes, f"{restart}: {was} is taken down"),
        wave=entry.wave,
        **planned_against(old, now),
    )


def _started(
    spec: CampaignSpec,
    desired: CampaignSpec,
    wave: Wave,
    found: WaveLive,
    now: datetime,
    plan_one: PlanOne,
    index: int,
) -> tuple[CampaignPlan, Judgement]:
    """A wave with a live campaign of the spec's firmware: planned like any campaign, its gate
    judged."""
    live = found.campaign
    entry = plan_one(desired, live, now)
    base = WaveReport(spec.name, wave.name, index, len(live.devices), "")
    judgement = judge(wave.gate, found, spec.package.to_version, now)
    c = judgement.counts
    state = judgement.verdict.value
    if judgement.verdict is Verdict.FAILED and not rules.check_gate_failure(
        spec, wave.name, judgement.text
    ):
        state = "resumed"
    report = replace(
        base,
        state=state,
        verdict=judgement.text,
        until=judgement.until,
        pending=c.pending,
        succeeded=c.succeeded,
        failed=c.failed,
        verified=c.verified,
        contradicted=c.contradicted,
        contradicted_imeis=c.contradicted_imeis,
    )
    return replace(entry, wave=report), judgement


def _cancelled_report(entry: CampaignPlan, live: LiveCampaign, halted_at: str) -> CampaignPlan:
    """A wave behind a halt that halt-and-cancel cancels (or cancelled on an earlier run) is
    reported as halted: it never ran, so the failures its devices report once it is cancelled
    say nothing about the firmware (an aborted wave keeps its numbers: some devices ran it)."""
    now_cancelled = entry.outcome is Outcome.CANCEL
    if entry.wave is None or not (now_cancelled or live.status == cancelled_status(live.kind)):
        return entry
    how = "cancelled by this plan" if now_cancelled else f"cancelled ({live.status})"
    verdict = f"{how}: the rollout halted at wave {halted_at} (onFailure: halt-and-cancel)"
    w = entry.wave
    return replace(entry, wave=WaveReport(w.rollout, w.wave, w.index, w.devices, "halted", verdict))


def _take_down(
    desired: CampaignSpec, live: LiveCampaign, entry: CampaignPlan, now: datetime
) -> CampaignPlan:
    """halt-and-cancel: a wave not finished is cancelled before its start; after its start it
    is aborted only with lifecycle.allowAbort (and apply's --allow-abort); else it runs on."""
    if is_terminal(live.status):
        return entry
    step = rules.removal_step(live, desired.lifecycle.allow_abort, now)
    if isinstance(step, Violation):
        note = (
            f"onFailure: halt-and-cancel: this wave has started and keeps running "
            f"({step.rule.id}: {step.instead})"
        )
        return replace(entry, notes=(*entry.notes, note))
    outcome = Outcome.CANCEL if step == "cancel" else Outcome.ABORT
    note = "onFailure: halt-and-cancel: the rollout halted, so this wave is taken down"
    return entry_for(
        desired,
        outcome,
        actions=(takedown_action(live, step),),
        notes=(note,),
        wave=entry.wave,
        **planned_against(live, now),
    )


def _halt_refusal(violation: Violation, desired: CampaignSpec) -> Refusal:
    return Refusal(
        rule=violation.rule.id,
        field=violation.field,
        live=None,
        desired=f"{len(desired.devices)} devices",
        reason=violation.rule.sentence,
        instead=violation.instead,
    )


SKIPPED = "skipped by --rollouts-only"
"""How the note of a change ``advances_only`` leaves out begins."""

ADVANCES = (Outcome.CREATE, Outcome.CANCEL, Outcome.ABORT)
"""What a wave's entry does when the rollout advances (create the next wave) or halts with
halt-and-cancel (take waves down)."""


def advances_only(plan: Plan) -> Plan:
    """``plan`` with only its rollouts' wave advances and halts left to execute.

    For an unattended, scheduled apply (``fota apply --rollouts-only``): a wave created because
    the previous gate passed, or taken down by a halt, follows from a spec a pull request
    reviewed; any other change (a schedule edit, devices, a single campaign, a replacement) is
    left for the reviewed apply and shown as skipped. Refusals stay: a halt still fails the run.
    """
    kept: list[CampaignPlan] = []
    for entry in plan.campaigns:
        if not entry.actions or (entry.wave is not None and entry.outcome in ADVANCES):
            kept.append(entry)
            continue
        note = (
            f"{SKIPPED}: this {entry.outcome.value} is not a wave advance or "
            "halt; apply it from a reviewed change"
        )
        kept.append(replace(entry, outcome=Outcome.NO_OP, actions=(), notes=(*entry.notes, note)))
    return replace(plan, campaigns=tuple(kept))
