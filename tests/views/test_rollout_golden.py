"""A rollout as the plan views render it (text, Markdown, JSON), pinned by golden files.

One plan, two rollouts: one halted on its canary (25 devices reported success on the old
firmware: the first 20 listed by IMEI, then a count), one whose canary soaks. Regenerate after
an intended change with ``UPDATE_GOLDEN=1`` and review the diff like any user-visible change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

from reconciler.model import (
    Gate,
    Kind,
    LiveCampaign,
    Rollout,
    Threshold,
    Wave,
    WaveLive,
    WaveSize,
    wave_campaign_name,
)
from reconciler.plans.planner import plan
from reconciler.plans.types import Plan
from reconciler.plans.waves import assign_spec
from reconciler.views import load_plan, plan_schema, render_json, render_markdown, render_text
from tests.golden import assert_golden
from tests.plans.plan_factory import ACC, PKG, fw_spec, imei

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
GATE = Gate(Threshold(98, True), Threshold(1, True), 20, 24 * 3600)
ROLLOUT = Rollout(
    (
        Wave("canary", WaveSize.COUNT, 50, GATE),
        Wave("early", WaveSize.PERCENT, 10, GATE),
        Wave("fleet", WaveSize.REST, 0, GATE),
    )
)


def _started(name: str, members: frozenset[str], reverted: int, updated: datetime) -> WaveLive:
    ordered = sorted(members)
    campaign = LiveCampaign(
        id=f"id-{name}",
        account=ACC,
        name=wave_campaign_name(name, "canary"),
        kind=Kind.FIRMWARE,
        status="CampaignScheduled",
        package=PKG,
        schedule=replace(fw_spec(name).schedule, start=date(2026, 12, 1)),
        devices=MappingProxyType(dict.fromkeys(ordered, "UpgradeSuccess")),
        auto_assign_license=False,
        auto_add_devices=False,
    )
    firmware = {
        i: PKG.from_version if n < reverted else PKG.to_version for n, i in enumerate(ordered)
    }
    return WaveLive(campaign, MappingProxyType(firmware), dict.fromkeys(ordered, updated))


def rollout_plan() -> Plan:
    devices = frozenset(imei(i) for i in range(600))
    halted = fw_spec("gm-halted", devices=devices, rollout=ROLLOUT)
    soaking = fw_spec("gm-soaking", devices=devices, rollout=ROLLOUT)
    waves = {
        (ACC, wave_campaign_name("gm-halted", "canary")): _started(
            "gm-halted", assign_spec(halted)["canary"], 25, NOW - timedelta(days=2)
        ),
        (ACC, wave_campaign_name("gm-soaking", "canary")): _started(
            "gm-soaking", assign_spec(soaking)["canary"], 0, NOW - timedelta(hours=3)
        ),
    }
    return plan([halted, soaking], {}, NOW, specs_digest="golden", waves=waves)


RENDERERS: dict[str, Callable[[Plan], str]] = {
    "rollout_plan.txt": render_text,
    "rollout_plan.md": render_markdown,
    "rollout_plan.json": render_json,
}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_matches_golden(name: str) -> None:
    assert_golden(GOLDEN / name, RENDERERS[name](rollout_plan()))


def test_rollout_plans_validate_and_round_trip() -> None:
    p = rollout_plan()
    text = render_json(p)
    Draft202012Validator(plan_schema()).validate(json.loads(text))
    assert load_plan(text) == p
    assert "and 5 more" in render_text(p)


def test_many_rollouts_stay_under_the_comment_limit() -> None:
    devices = frozenset(imei(i) for i in range(60))
    specs = [fw_spec(f"r{i:03d}", devices=devices, rollout=ROLLOUT) for i in range(400)]
    md = render_markdown(plan(specs, {}, NOW), limit=20_000)
    assert len(md) <= 20_000
    assert "the rollouts do not fit in this comment" in md
