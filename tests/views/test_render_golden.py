"""Every renderer over the scenario set, compared with reviewed golden files.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/render`` and review the
diff of tests/views/golden/ like any other change of user-visible output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

from reconciler.errors import UserError
from reconciler.plans.planner import plan
from reconciler.plans.types import Plan
from reconciler.views import (
    load_plan,
    plan_schema,
    render_json,
    render_markdown,
    render_text,
)
from tests.golden import assert_golden
from tests.plans.plan_factory import NOW, fw_spec, live_of, scenario_plan

GOLDEN = Path(__file__).parent / "golden"

RENDERERS: dict[str, Callable[[Plan], str]] = {
    "plan.txt": render_text,
    "plan.colour.txt": lambda p: render_text(p, colour=True),
    "plan.json": render_json,
    "plan.md": render_markdown,
}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_matches_golden(name: str) -> None:
    assert_golden(GOLDEN / name, RENDERERS[name](scenario_plan()))


def test_text_summary_line_and_colour_only_when_asked() -> None:
    p = scenario_plan()
    text = render_text(p)
    assert text.rstrip().endswith("Plan: 5 to create, 8 to change, 5 to cancel, 17 refused.")
    assert "\x1b[" not in text
    assert "\x1b[32m+ create" in render_text(p, colour=True)


def test_json_validates_against_the_published_schema_and_round_trips() -> None:
    p = scenario_plan()
    text = render_json(p)
    Draft202012Validator.check_schema(plan_schema())
    Draft202012Validator(plan_schema()).validate(json.loads(text))
    loaded = load_plan(text)
    assert loaded == p
    assert render_json(loaded) == text


def test_markdown_shows_every_refusal_outside_collapsed_sections() -> None:
    md = render_markdown(scenario_plan())
    head = md.split("#### Campaigns")[0]
    for rule in ("R-START-LOCKED", "R-END-MIN-24H", "R-IMMUTABLE", "R-PINNED-MISSING"):
        assert rule in head
    assert "<details>" not in head
    assert md.index("**Plan: ") < md.index("#### Refused")


def test_markdown_of_2000_campaigns_stays_under_the_comment_limit() -> None:
    specs, live = [], {}
    for i in range(2000):
        s = fw_spec(f"bulk-{i:04d}")
        specs.append(s)
        if i % 3 == 0:
            live[s.key] = None  # create
        elif i % 3 == 1:
            live[s.key] = live_of(
                s, schedule=replace(s.schedule, end=s.schedule.end.replace(day=9))
            )
        else:  # refused: start date moved after start
            started = replace(s.schedule, start=s.schedule.start.replace(month=11, day=20))
            live[s.key] = live_of(s, schedule=started)
    big = plan(specs, live, NOW)
    assert big.summary.refused == 666
    md = render_markdown(big)
    assert len(md) < 60_000
    assert "**Truncated:**" in md
    assert "more refusal(s) not shown" in md
    assert md.startswith("### fota plan")
    assert "**Plan: 667 to create, 667 to change, 0 to cancel, 666 refused**" in md
    assert md.rstrip().endswith("</sub>")  # the footer survives the cut


def test_markdown_small_plan_is_not_truncated() -> None:
    md = render_markdown(scenario_plan())
    assert "Truncated" not in md and "not shown" not in md
    assert md.count("<details>") == len(
        [c for c in scenario_plan().campaigns if c.outcome.value != "no-op"]
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "plan.json: not JSON"),
        ('{"format": "something-else"}', "plan.json: not a fota plan file"),
        ('{"format": "fota-plan", "format_version": 99}', "plan.json has format 99; this fota"),
        ('{"format": "fota-plan", "format_version": 2}', "plan.json: invalid plan at"),
    ],
)
def test_load_plan_refuses_what_it_cannot_trust(text: str, expected: str) -> None:
    with pytest.raises(UserError) as info:
        load_plan(text)
    assert expected in info.value.message
    assert "\n" not in info.value.message


def test_a_format_1_plan_is_refused_with_the_versions_and_the_fix() -> None:
    data = json.loads(render_json(scenario_plan()))
    assert data["format_version"] == 2  # 2 made spec_paths and campaign_filter required
    data["format_version"] = 1
    with pytest.raises(UserError) as info:
        load_plan(json.dumps(data))
    assert info.value.message == "plan.json has format 1; this fota reads 2: re-run fota plan"


def test_load_plan_refuses_a_tampered_action() -> None:
    data = json.loads(render_json(scenario_plan()))
    create = next(c for c in data["campaigns"] if c["outcome"] == "create")
    del create["actions"][0]["body"]["deviceList"]
    with pytest.raises(UserError, match="invalid plan at campaigns/0/actions/0"):
        load_plan(json.dumps(data), source="out/plan.json")


@pytest.mark.parametrize("field", ["spec_paths", "campaign_filter"])
def test_load_plan_refuses_a_plan_without_the_inputs_apply_replans_from(field: str) -> None:
    data = json.loads(render_json(scenario_plan()))
    del data[field]
    with pytest.raises(UserError, match=f"invalid plan at \\(top level\\): '{field}' is a req"):
        load_plan(json.dumps(data))
