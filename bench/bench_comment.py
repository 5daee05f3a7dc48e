"""How big the pull-request comment and the job summary get, and how long they take to render.

Run: python bench/bench_comment.py [--campaigns 100 1000 5000]

For each size, a plan of that many campaigns (half created, half with a later end date and an
added window, on a campaign that has started, so every one has a chart bar and a locked
window strip) is rendered as the Action renders it: the comment (``render_plan_comment``,
GitHub's limit 65,536 characters) and the job summary (``summary_markdown``, 1 MiB). Prints the
characters, what the comment kept (chart, strips, campaigns shown) and the render time.
Prints figures; it asserts nothing (tests/views/test_charts.py holds the behaviour).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from datetime import UTC, date, datetime

from _support import bench_spec

from reconciler.github.comment import COMMENT_LIMIT, render_plan_comment
from reconciler.github.plan_summary import comment_markdown, summarize_plan, summary_markdown
from reconciler.model import LiveCampaign, TimeWindow
from reconciler.plans.planner import plan
from reconciler.plans.types import Plan

NOW = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)


def bulk(n: int) -> Plan:
    specs, live = [], {}
    for i in range(n):
        spec = bench_spec(i, 3)
        if i % 2:
            spec = replace(
                spec,
                schedule=replace(
                    spec.schedule,
                    end=date(2026, 4, 5),
                    windows=(TimeWindow(2, 6), TimeWindow(18, 22)),
                ),
            )
            live[spec.key] = LiveCampaign(
                id=f"c-{i}",
                account=spec.account,
                name=spec.name,
                kind=spec.kind,
                status="CampaignScheduled",
                package=spec.package,
                schedule=bench_spec(i, 3).schedule,
                devices=dict.fromkeys(sorted(spec.devices), "UpgradePending"),
                auto_assign_license=spec.auto_assign_license,
                auto_add_devices=spec.auto_add_devices,
            )
        else:
            spec = replace(spec, schedule=replace(spec.schedule, start=date(2026, 3, 20)))
            live[spec.key] = None
        specs.append(spec)
    return plan(specs, live, NOW)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, nargs="+", default=[100, 1000, 5000])
    args = parser.parse_args()
    print(
        f"{'campaigns':>9} {'comment':>9} {'limit':>7} {'chart':>5} {'strips':>6} "
        f"{'shown':>6} {'summary':>9} {'ms comment':>10} {'ms summary':>10}"
    )
    for n in args.campaigns:
        p = bulk(n)
        started = time.perf_counter()
        body = render_plan_comment(
            summarize_plan(p, comment_markdown(p)), label="production", commit="a" * 40
        )
        comment_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        summary = summary_markdown(p)
        summary_ms = (time.perf_counter() - started) * 1000
        chart = "yes" if "```mermaid" in body else "no"
        strips = "yes" if "         windows " in body else "no"
        shown = body.count("<details>")
        print(
            f"{n:>9} {len(body):>9,} {COMMENT_LIMIT:>7,} {chart:>5} {strips:>6} {shown:>6} "
            f"{len(summary):>9,} {comment_ms:>10.0f} {summary_ms:>10.0f}"
        )


if __name__ == "__main__":
    main()
