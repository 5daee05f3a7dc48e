"""The rollout planner and its gate, on hand-made live state (pure: no emulator)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

from hypothesis import given
from hypothesis import strategies as st

from reconciler.model import (
    Gate,
    Kind,
    Lifecycle,
    LiveCampaign,
    OnFailure,
    Rollout,
    Threshold,
    Wave,
    WaveLive,
    WaveSize,
    wave_campaign_name,
)
from reconciler.plans.gate import Verdict, judge
from reconciler.plans.planner import plan
from reconciler.plans.rollout import retired_specs
from reconciler.plans.types import ActionType, Outcome
from tests.plans.plan_factory import ACC, PKG, fw_spec, imei

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
GATE = Gate(Threshold(90, True), Threshold(1, False), 4, 24 * 3600)
ROLLOUT = Rollout(
    (
        Wave("canary", WaveSize.COUNT, 4, GATE),
        Wave("early", WaveSize.PERCENT, 25, GATE),
        Wave("fleet", WaveSize.REST, 0, GATE),
    )
)
DEVICES = frozenset(imei(i) for i in range(20))
SPEC = fw_spec("gm", devices=DEVICES, rollout=ROLLOUT)


def live_wave(
    wave: str,
    statuses: dict[str, str],
    firmware: dict[str, str],
    *,
    start: date = date(2026, 12, 1),
    status: str = "CampaignScheduled",
    updated: datetime = NOW - timedelta(days=2),
) -> WaveLive:
    campaign = LiveCampaign(
        id=f"id-{wave}",
        account=ACC,
        name=wave_campaign_name("gm", wave),
        kind=Kind.FIRMWARE,
        status=status,
        package=PKG,
        schedule=replace(SPEC.schedule, start=start),
        devices=MappingProxyType(statuses),
        auto_assign_license=False,
        auto_add_devices=False,
    )
    return WaveLive(campaign, MappingProxyType(firmware), {i: updated for i in firmware})


def canary_members() -> list[str]:
    entries = plan([SPEC], {}, NOW).campaigns
    create = next(c for c in entries if c.outcome is Outcome.CREATE)
    body = create.actions[0].body
    assert body is not None
    return sorted(body["deviceList"])


def waves_of(*found: WaveLive) -> dict[tuple[str, str], WaveLive | None]:
    return {(ACC, w.campaign.name): w for w in found}


def test_only_the_first_wave_is_created_at_first() -> None:
    entries = {c.name: c for c in plan([SPEC], {}, NOW).campaigns}
    assert entries["gm [wave canary]"].outcome is Outcome.CREATE
    assert entries["gm [wave early]"].outcome is Outcome.NO_OP
    assert entries["gm [wave early]"].wave is not None
    assert entries["gm [wave early]"].wave.state == "blocked"
    assert len(canary_members()) == 4


def test_a_passed_gate_creates_the_next_wave_with_a_start_no_earlier_than_today() -> None:
    canary = canary_members()
    found = live_wave(
        "canary", dict.fromkeys(canary, "UpgradeSuccess"), dict.fromkeys(canary, PKG.to_version)
    )
    entries = {c.name: c for c in plan([SPEC], {}, NOW, waves=waves_of(found)).campaigns}
    early = entries["gm [wave early]"]
    assert early.outcome is Outcome.CREATE
    body = early.actions[0].body
    assert body is not None and body["startDate"] == "2026-12-05"
    assert len(body["deviceList"]) == 5  # 25% of 20
    assert not set(body["deviceList"]) & set(canary)
    assert entries["gm [wave fleet]"].outcome is Outcome.NO_OP


def test_a_soaking_gate_says_until_when_and_plans_nothing_later() -> None:
    canary = canary_members()
    found = live_wave(
        "canary",
        dict.fromkeys(canary, "UpgradeSuccess"),
        dict.fromkeys(canary, PKG.to_version),
        updated=NOW - timedelta(hours=2),
    )
    entries = {c.name: c for c in plan([SPEC], {}, NOW, waves=waves_of(found)).campaigns}
    wave = entries["gm [wave canary]"].wave
    assert wave is not None and wave.state == "waiting"
    assert wave.verdict == (
        "4/4 verified (100.0% >= 90%), 0 failed; soak until 2026-12-06 10:00 UTC"
    )
    assert entries["gm [wave early]"].outcome is Outcome.NO_OP
    assert "soak until 2026-12-06 10:00 UTC" in entries["gm [wave early]"].notes[0]


def test_contradicted_success_is_a_failure_listed_by_imei() -> None:
    canary = canary_members()
    firmware = dict.fromkeys(canary, PKG.to_version)
    firmware[canary[0]] = firmware[canary[1]] = PKG.from_version
    found = live_wave("canary", dict.fromkeys(canary, "UpgradeSuccess"), firmware)
    entries = {c.name: c for c in plan([SPEC], {}, NOW, waves=waves_of(found)).campaigns}
    wave = entries["gm [wave canary]"].wave
    assert wave is not None
    assert (wave.state, wave.failed, wave.contradicted) == ("failed", 2, 2)
    assert wave.contradicted_imeis == tuple(canary[:2])
    refused = entries["gm [wave early]"]
    assert refused.outcome is Outcome.REFUSED
    assert refused.refusals[0].rule == "R-ROLLOUT-HALT"
    assert "2/4 failed (50.0% > 1)" in refused.refusals[0].instead
    assert entries["gm [wave fleet]"].outcome is Outcome.NO_OP  # halted behind early


def test_halt_and_cancel_cancels_a_wave_that_has_not_started() -> None:
    spec = replace(SPEC, rollout=replace(ROLLOUT, on_failure=OnFailure.HALT_AND_CANCEL))
    canary = canary_members()
    firmware = dict.fromkeys(canary, PKG.from_version)
    failed = live_wave("canary", dict.fromkeys(canary, "upgradeFailure"), firmware)
    early_devices = [imei(i) for i in range(20) if imei(i) not in canary][:5]
    waiting = live_wave(
        "early", dict.fromkeys(early_devices, "UpgradePending"), {}, start=date(2026, 12, 9)
    )
    entries = {c.name: c for c in plan([spec], {}, NOW, waves=waves_of(failed, waiting)).campaigns}
    early = entries["gm [wave early]"]
    assert early.outcome is Outcome.CANCEL
    assert early.actions[0].type is ActionType.CANCEL
    canary_entry = entries["gm [wave canary]"]  # started: never aborted without both keys
    assert canary_entry.outcome is Outcome.NO_OP
    assert any("R-ABORT-OPT-IN" in note for note in canary_entry.notes)
    with_keys = replace(spec, lifecycle=Lifecycle(allow_abort=True))
    entries = {
        c.name: c for c in plan([with_keys], {}, NOW, waves=waves_of(failed, waiting)).campaigns
    }
    assert entries["gm [wave canary]"].outcome is Outcome.ABORT


def test_resume_names_a_wave_whose_failure_a_review_accepted() -> None:
    spec = replace(SPEC, rollout=replace(ROLLOUT, resume=frozenset({"canary"})))
    canary = canary_members()
    found = live_wave(
        "canary", dict.fromkeys(canary, "upgradeFailure"), dict.fromkeys(canary, "SR1.0")
    )
    entries = {c.name: c for c in plan([spec], {}, NOW, waves=waves_of(found)).campaigns}
    assert entries["gm [wave canary]"].wave is not None
    assert entries["gm [wave canary]"].wave.state == "resumed"
    assert entries["gm [wave early]"].outcome is Outcome.CREATE


STATUS = st.sampled_from(["UpgradeSuccess", "upgradeFailure", "UpgradePending"])


@given(
    st.lists(st.tuples(STATUS, st.booleans()), min_size=1, max_size=40),
    st.integers(min_value=0, max_value=100),
    st.integers(min_value=0, max_value=10),
)
def test_gate_counts_add_up_and_failures_never_pass(
    devices: list[tuple[str, bool]], min_verified: int, max_failed: int
) -> None:
    statuses = {imei(i): s for i, (s, _) in enumerate(devices)}
    firmware = {
        imei(i): PKG.to_version if on_new else "SR1.0" for i, (_, on_new) in enumerate(devices)
    }
    gate = Gate(Threshold(min_verified, True), Threshold(max_failed, False), 1, 0)
    judged = judge(gate, live_wave("canary", statuses, firmware), PKG.to_version, NOW)
    c = judged.counts
    assert c.verified + c.failed + c.pending == c.size == len(devices)
    if c.failed > max_failed:
        assert judged.verdict is Verdict.FAILED
    if judged.verdict is Verdict.PASSED:
        assert c.verified * 100 >= min_verified * c.size - 1e-6
        assert c.failed <= max_failed


def test_a_wave_without_a_schedule_change_is_planned_like_any_campaign() -> None:
    canary = canary_members()
    found = live_wave(
        "canary", dict.fromkeys(canary, "UpgradePending"), {}, start=date(2026, 12, 1)
    )
    later = replace(SPEC, schedule=replace(SPEC.schedule, end=date(2026, 12, 20)))
    entries = {c.name: c for c in plan([later], {}, NOW, waves=waves_of(found)).campaigns}
    canary_entry = entries["gm [wave canary]"]
    assert canary_entry.outcome is Outcome.CHANGE  # the end date follows the spec
    assert canary_entry.actions[0].type is ActionType.UPDATE_SCHEDULE


def test_the_reviewed_plan_hash_ignores_wave_numbers_but_not_wave_decisions() -> None:
    from reconciler.github.plan_summary import plan_sha256

    canary = canary_members()
    half = live_wave(
        "canary",
        {
            **dict.fromkeys(canary[:2], "UpgradeSuccess"),
            **dict.fromkeys(canary[2:], "UpgradePending"),
        },
        dict.fromkeys(canary[:2], PKG.to_version),
    )
    more = live_wave(
        "canary",
        {
            **dict.fromkeys(canary[:3], "UpgradeSuccess"),
            **dict.fromkeys(canary[3:], "UpgradePending"),
        },
        dict.fromkeys(canary[:3], PKG.to_version),
    )
    waiting_a = plan([SPEC], {}, NOW, waves=waves_of(half))
    waiting_b = plan([SPEC], {}, NOW + timedelta(hours=1), waves=waves_of(more))
    assert waiting_a.campaigns != waiting_b.campaigns  # the numbers moved ...
    assert plan_sha256(waiting_a) == plan_sha256(waiting_b)  # ... no decision did
    done = live_wave(
        "canary", dict.fromkeys(canary, "UpgradeSuccess"), dict.fromkeys(canary, PKG.to_version)
    )
    assert plan_sha256(plan([SPEC], {}, NOW, waves=waves_of(done))) != plan_sha256(waiting_a)


def test_a_soak_needs_an_upgrade_time_and_an_empty_wave_passes() -> None:
    canary = canary_members()
    found = live_wave(
        "canary", dict.fromkeys(canary, "UpgradeSuccess"), dict.fromkeys(canary, PKG.to_version)
    )
    untimed = replace(found, updated={})
    judged = judge(GATE, untimed, PKG.to_version, NOW)
    assert judged.verdict is Verdict.WAITING
    assert "gives no upgrade time" in judged.text
    no_soak = replace(GATE, soak_seconds=0)
    assert judge(no_soak, untimed, PKG.to_version, NOW).verdict is Verdict.PASSED
    empty = live_wave("canary", {}, {})
    assert judge(GATE, empty, PKG.to_version, NOW).verdict is Verdict.PASSED


def test_a_new_firmware_restarts_from_the_first_wave_and_never_reuses_old_waves() -> None:
    """R-ROLLOUT-RESTART: the old canary finished, so the new canary is created (not reused);
    the old early wave, created but not started, is cancelled so that it never runs the old
    image; nothing is judged on the old image's numbers."""
    fixed = replace(PKG, name=PKG.name + "-fixed", to_version=PKG.to_version + "-fixed")
    spec = replace(SPEC, package=fixed)
    canary = canary_members()
    old_canary = live_wave(
        "canary",
        dict.fromkeys(canary, "upgradeFailure"),
        dict.fromkeys(canary, PKG.from_version),
        status="CampaignAborted",
    )
    early_devices = [imei(i) for i in range(20) if imei(i) not in canary][:5]
    old_early = live_wave(
        "early", dict.fromkeys(early_devices, "UpgradePending"), {}, start=date(2026, 12, 9)
    )
    entries = {
        c.name: c for c in plan([spec], {}, NOW, waves=waves_of(old_canary, old_early)).campaigns
    }
    first = entries["gm [wave canary]"]
    assert first.outcome is Outcome.CREATE
    body = first.actions[0].body
    assert body is not None and sorted(body["deviceList"]) == canary
    assert body["firmwareTo"] == fixed.to_version and body["startDate"] == "2026-12-05"
    assert first.wave is not None and first.wave.state == "next"
    assert "R-ROLLOUT-RESTART" in first.wave.verdict and "id-canary" in first.wave.verdict
    early = entries["gm [wave early]"]
    assert early.outcome is Outcome.CANCEL  # before its start: never runs the old image
    assert any("R-ROLLOUT-RESTART" in n and "is taken down" in n for n in early.notes)
    assert entries["gm [wave fleet]"].outcome is Outcome.NO_OP
    assert not any(r.rule == "R-ROLLOUT-HALT" for c in entries.values() for r in c.refusals)


def test_a_new_firmware_waits_for_a_started_old_wave_without_both_keys() -> None:
    fixed = replace(PKG, name=PKG.name + "-fixed", to_version=PKG.to_version + "-fixed")
    canary = canary_members()
    running = live_wave(
        "canary", dict.fromkeys(canary, "UpgradeSuccess"), dict.fromkeys(canary, PKG.from_version)
    )
    entries = {
        c.name: c
        for c in plan([replace(SPEC, package=fixed)], {}, NOW, waves=waves_of(running)).campaigns
    }
    first = entries["gm [wave canary]"]
    assert first.outcome is Outcome.REFUSED
    assert [r.rule for r in first.refusals] == ["R-ABORT-OPT-IN"]
    assert first.wave is not None and first.wave.state == "blocked"
    assert entries["gm [wave early]"].outcome is Outcome.NO_OP
    with_keys = replace(SPEC, package=fixed, lifecycle=Lifecycle(allow_abort=True))
    entries = {c.name: c for c in plan([with_keys], {}, NOW, waves=waves_of(running)).campaigns}
    replaced = entries["gm [wave canary]"]
    assert replaced.outcome is Outcome.REPLACE
    steps = [s.type for s in replaced.actions[0].steps]
    assert steps == [ActionType.ABORT, ActionType.CREATE]


def test_a_deleted_rollout_spec_retires_its_wave_campaigns_and_a_kept_one_nothing() -> None:
    single = fw_spec("single", devices=DEVICES)
    baseline = {SPEC.key: SPEC, single.key: single}
    assert retired_specs(baseline, {SPEC.key, single.key}) == {}
    retired = retired_specs(baseline, {single.key})
    assert sorted(retired) == [
        (ACC, "gm [wave canary]"),
        (ACC, "gm [wave early]"),
        (ACC, "gm [wave fleet]"),
    ]
    assert all(s.rollout is None and s.name == key[1] for key, s in retired.items())
    assert retired_specs(baseline, {SPEC.key}) == {single.key: single}
