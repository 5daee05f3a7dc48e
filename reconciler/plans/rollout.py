"""Planning a staged rollout: one plan entry per wave, each wave its own campaign.

Why one campaign per wave: ThingSpace has no notion of waves, but it finds campaigns by name,
so a wave named ``<spec name> [wave <wave>]`` is found again on every run with no local state,
and everything the planner already knows about one campaign (schedule changes, added devices,
the lifecycle rules, staleness) applies to each wave unchanged.

The rollout advances one wave per gate: walking the waves in order, a started wave is planned
like any campaign and its gate is judged (:mod:`reconciler.plans.gate`); the first wave not
started is created only when every earlier gate passed. A waiting gate plans nothing for later
waves and says what it waits for; a failed gate halts the rollout (R-ROLLOUT-HALT), unless
the spec's ``rollout.resume`` names the wave (R-ROLLOUT-RESUME). Pure: ``now`` is a parameter.
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
    started = {
        w.name: device_set(found.campaign.devices)
        for w, key in zip(rollout.waves, keys, strict=True)
        if (found := waves.get(key)) is not None
    }
    members = assign_spec(spec, started)
    entries: list[CampaignPlan] = []
    blocked: str | None = None  # why waves not started yet wait
    halt: tuple[str, str] | None = None  # (wave, numbers) of the failed gate
    refused = False  # the first wave behind a halt carries the refusal
    for index, (wave, key) in enumerate(zip(rollout.waves, keys, strict=True)):
        found = waves.get(key)
        live = found.campaign if found is not None else None
        desired = wave_spec(spec, wave, members[wave.name], live, now)
        if found is not None:
            entry, judgement = _started(spec, desired, wave, found, now, plan_one, index)
            if halt is not None and rollout.on_failure is OnFailure.HALT_AND_CANCEL:
                taken = _take_down(desired, found.campaign, entry, now)
                entry = _cancelled_report(taken, found.campaign, halt[0])
            entries.append(entry)
            if halt is None and blocked is None and judgement is not None:
                if judgement.verdict is Verdict.FAILED:
                    if rules.check_gate_failure(spec, wave.name, judgement.text):
                        halt = (wave.name, judgement.text)
                        if rollout.on_failure is OnFailure.HALT_AND_CANCEL:
                            entries[-1] = _take_down(desired, found.campaign, entry, now)
                elif judgement.verdict is Verdict.WAITING:
                    blocked = f"waits for wave {wave.name}: {judgement.text}"
            elif judgement is None and blocked is None and halt is None:
                blocked = f"waits for wave {wave.name}: {entry.notes[-1]}"
            continue
        report = WaveReport(spec.name, wave.name, index, len(members[wave.name]), "")
        if halt is not None:
            halted = replace(report, state="halted", verdict=f"halted at wave {halt[0]}")
            if refused:  # the wave the halt stops is refused; the later ones wait behind it
                note = f"not created: the rollout halted at wave {halt[0]} (R-ROLLOUT-HALT)"
                entries.append(entry_for(desired, Outcome.NO_OP, notes=(note,), wave=halted))
                continue
            violations = rules.check_gate_failure(spec, *halt)
            refusals = tuple(_halt_refusal(v, desired) for v in violations)
            entries.append(entry_for(desired, Outcome.REFUSED, refusals=refusals, wave=halted))
            refused = True
        elif blocked is not None:
            entries.append(
                entry_for(
                    desired,
                    Outcome.NO_OP,
                    notes=(f"not created yet: {blocked}",),
                    wave=replace(report, state="blocked", verdict=blocked),
                )
            )
        elif not desired.devices:
            entries.append(
                entry_for(
                    desired,
                    Outcome.NO_OP,
                    notes=("no devices are left for this wave; nothing to create",),
                    wave=replace(report, state="empty", verdict="no devices"),
                )
            )
        else:
            entry = plan_one(desired, None, now)
            verdict = (
                "created by this plan: every earlier gate passed"
                if index
                else ("the first wave, created by this plan")
            )
            entries.append(replace(entry, wave=replace(report, state="next", verdict=verdict)))
            blocked = f"wave {wave.name} is created by this plan and has not run yet"
    return entries


def _started(
    spec: CampaignSpec,
    desired: CampaignSpec,
    wave: Wave,
    found: WaveLive,
    now: datetime,
    plan_one: PlanOne,
    index: int,
) -> tuple[CampaignPlan, Judgement | None]:
    """A wave with a live campaign: planned like any campaign, its gate judged (None when the
    campaign runs another package: the plan replaces or refuses it, and later waves wait)."""
    live = found.campaign
    entry = plan_one(desired, live, now)
    base = WaveReport(spec.name, wave.name, index, len(live.devices), "")
    if live.package != spec.package:
        note = (
            f"its campaign runs {live.package.to_version}, not {spec.package.to_version}; "
            "its gate is judged once the wave runs the spec's firmware"
        )
        report = replace(base, state="waiting", verdict=note)
        return replace(entry, wave=report, notes=(*entry.notes, note)), None
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
