"""The plan's pictures: a Mermaid Gantt chart and 24-hour window strips.

Every chart the views make here is checked by mermaid's own parser under node (npm package
``mermaid``, installed by the test from tests/views/mermaid/package-lock.json the way
tests/npm_ci.py installs node packages; no browser), which also compiles the Gantt tasks, so a
syntax error or a date Mermaid cannot read cannot ship. Big plans degrade in order: the chart
goes first, then the strips, then campaigns' details, under GitHub's comment limit.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reconciler.github.comment import COMMENT_LIMIT, render_plan_comment
from reconciler.github.plan_summary import comment_markdown, summarize_plan
from reconciler.model import CampaignSpec, TimeWindow
from reconciler.plans.planner import plan
from reconciler.plans.types import Plan
from reconciler.views import render_markdown
from reconciler.views.plan_charts import gantt, strip
from tests.npm_ci import npm_ci
from tests.plans.plan_factory import NOW, fw_spec, live_of, scenario_plan

HERE = Path(__file__).resolve().parent / "mermaid"
OPT_OUT = "FOTA_SKIP_MERMAID_TESTS"
MERMAID = re.compile(r"```mermaid\n(.*?)```", re.S)

Checker = Callable[[list[str]], list[dict[str, Any]]]


@pytest.fixture(scope="session")
def mermaid() -> Checker:
    """Parse diagrams with mermaid's own parser; one result per diagram."""
    installed = npm_ci(HERE, "mermaid-tests", OPT_OUT, "node_modules/mermaid/package.json")
    script = installed.target / "check.mjs"
    shutil.copy(HERE / "check.mjs", script)

    def check(diagrams: list[str]) -> list[dict[str, Any]]:
        done = subprocess.run(
            [installed.node, str(script)],
            input=json.dumps(diagrams),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        results: list[dict[str, Any]] = json.loads(done.stdout)
        return results

    return check


def _charts(markdown: str) -> list[str]:
    return MERMAID.findall(markdown)


def _rescheduled(name: str, **schedule: Any) -> tuple[CampaignSpec, Any]:
    spec = fw_spec(name)
    live = live_of(spec, schedule=replace(spec.schedule, **schedule))
    return spec, live


def test_the_scenario_chart_parses_and_draws_live_against_desired(mermaid: Checker) -> None:
    (chart,) = _charts(render_markdown(scenario_plan()))
    (result,) = mermaid([chart])
    assert result["ok"], result
    assert result["type"] == "gantt"
    tasks = {(t["section"], t["task"]): t for t in result["tasks"]}
    today = tasks[("today", "plan made 11-22")]
    assert today["milestone"] and today["start"].startswith("2026-11-22")
    extended = "0402196254-00001/c01-extend-end-running"
    # the end date is inclusive: the bar runs to the start of the next day
    assert tasks[(extended, "live")]["end"].startswith("2026-12-11")
    assert tasks[(extended, "desired")]["end"].startswith("2026-12-21")
    assert tasks[(extended, "live")]["start"].startswith("2026-11-20")
    assert ("0402196254-00001/a01-create", "desired (new)") in tasks
    assert not any(s.endswith("d01-start-locked") for s, _ in tasks)  # refusals carry none


def test_the_checker_rejects_a_broken_chart(mermaid: Checker) -> None:
    """The check is not a no-op: a syntax error and an unreadable date both fail it."""
    (chart,) = _charts(render_markdown(scenario_plan()))
    broken = chart.replace("    section today\n", "    sectiontoday\n")
    bad_date = chart.replace("2026-12-21", "2026-13-45")
    assert [r["ok"] for r in mermaid([broken, bad_date])] == [False, False]


def test_names_mermaid_would_misread_are_made_safe(mermaid: Checker) -> None:
    specs, live = [], {}
    for name in ("a: b # c; d", "x%%y {z}", "ünïcode\tname", "--> end"):
        spec, current = _rescheduled(name, end=fw_spec(name).schedule.end.replace(day=4))
        specs.append(spec)
        live[spec.key] = current
    chart = gantt(plan(specs, live, NOW))
    assert chart is not None
    (result,) = mermaid(_charts(chart))
    assert result["ok"], (result, chart)
    assert len([t for t in result["tasks"] if t["task"] == "live"]) == 4


def test_strips_show_windows_locked_added_and_removed() -> None:
    w = TimeWindow
    assert strip((w(18, 22),), (w(2, 6), w(18, 22)), locked=True) == ("··++++············▓▓▓▓··")
    assert strip((w(2, 6), w(18, 22)), (w(18, 22),), locked=False) == ("··xxxx············████··")
    md = render_markdown(scenario_plan())
    assert "         windows ··++++············▓▓▓▓··" in md  # c02: a window added, running
    assert "  installWindows ··▓▓▓▓··············++++" in md  # c03: software
    # a refused removal: the windows that stay, locked
    refused = md.split("f02-drift-window-removed-running</b>")[1].split("</details>")[0]
    assert "         windows ▓▓▓▓··············▓▓▓▓··" in refused


def _bulk(n: int) -> Plan:
    specs, live = [], {}
    for i in range(n):
        spec = fw_spec(f"bulk-{i:04d}")
        specs.append(spec)
        if i % 2:
            live[spec.key] = live_of(
                spec, schedule=replace(spec.schedule, end=spec.schedule.end.replace(day=4))
            )
        else:
            live[spec.key] = None
    return plan(specs, live, NOW)


def test_charts_go_first_then_strips_then_details() -> None:
    p = _bulk(30)
    full = render_markdown(p, limit=10**9)
    assert _charts(full) and "+++" in full and "████" in full
    no_chart = render_markdown(p, limit=len(full) - 1)
    assert not _charts(no_chart) and "schedule chart is left out" in no_chart
    assert "         windows ·" in no_chart and "Truncated" not in no_chart
    tighter = render_markdown(p, limit=len(no_chart) - 1)
    assert "         windows ·" not in tighter and "and the hour strips are left out" in tighter
    assert "Truncated" not in tighter
    cut = render_markdown(p, limit=len(tighter) - 1)
    assert "**Truncated:**" in cut and len(cut) <= len(tighter) - 1


def test_a_1000_campaign_plan_fits_a_comment(mermaid: Checker) -> None:
    p = _bulk(1000)
    body = render_plan_comment(
        summarize_plan(p, comment_markdown(p)), label="production", commit="a" * 40
    )
    assert len(body) <= COMMENT_LIMIT
    assert "**Truncated:**" in body and "left out" in body
    assert body.rstrip().endswith("</sub>")
    # the job summary keeps the chart (capped), and it parses
    summary = render_markdown(p, limit=900_000)
    charts = _charts(summary)
    assert len(charts) == 1 and "more rescheduled or new campaign(s) not drawn" in summary
    (result,) = mermaid(charts)
    assert result["ok"], result


def test_every_committed_chart_parses(mermaid: Checker) -> None:
    """The golden plan and the documented comment: what a reader sees, checked as shipped."""
    root = Path(__file__).resolve().parents[2]
    shipped = [
        Path(__file__).parent / "golden" / "plan.md",
        root / "docs" / "pr-comment-example.md",
    ]
    charts = [chart for path in shipped for chart in _charts(path.read_text("utf-8"))]
    assert len(charts) == len(shipped)
    assert all(r["ok"] for r in mermaid(charts)), mermaid(charts)
