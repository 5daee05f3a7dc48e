"""GitHub's size limits with a big plan: 700 campaigns (creates and refusals, ten times what
fits) still give a comment under 65,536 characters that says what was cut, and a job summary
under 1 MiB that shows more than the comment. (The 1 MiB cut itself: test_workflow.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime

from reconciler.github.comment import COMMENT_LIMIT, extract_plan_sha256, render_plan_comment
from reconciler.github.plan_summary import strip_title, summarize_plan, summary_markdown
from reconciler.github.workflow import SUMMARY_LIMIT, truncate_summary
from reconciler.model import CampaignSpec, Kind, Package, Schedule, Source, TimeWindow
from reconciler.plans.planner import plan
from reconciler.views.plan_markdown import render_markdown

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _spec(i: int) -> CampaignSpec:
    # Every tenth spec starts in the past: a create the rules refuse.
    start = date(2026, 3, 1) if i % 10 == 0 else date(2026, 3, 10)
    return CampaignSpec(
        account="0000123456-00001",
        name=f"wave {i:04d}",
        kind=Kind.FIRMWARE,
        package=Package("FW_A_B", "A", "B", "LWM2M"),
        schedule=Schedule(start, date(2026, 3, 20), windows=(TimeWindow(18, 22),)),
        devices=frozenset(f"35465809{n:07d}" for n in range(i * 3, i * 3 + 3)),
        source=Source(f"campaigns/wave-{i:04d}.yaml", 1, 1),
    )


def test_a_plan_ten_times_too_big_fits_githubs_limits() -> None:
    specs = [_spec(i) for i in range(700)]
    the_plan = plan(specs, {s.key: None for s in specs}, NOW, specs_digest="sha256:x")
    reviewed = summarize_plan(the_plan, strip_title(render_markdown(the_plan)))
    assert reviewed.counts["create"] == 630 and reviewed.refused == 70

    comment = render_plan_comment(reviewed, label="default", commit="abc", run_url="https://x")
    assert len(comment) <= COMMENT_LIMIT
    assert extract_plan_sha256(comment) == reviewed.plan_sha256
    assert "630 to create" in comment and "70 refused" in comment
    assert "Truncated" in comment or "more campaign(s) not shown" in comment

    summary = truncate_summary(summary_markdown(the_plan))
    assert len(summary.encode("utf-8")) <= SUMMARY_LIMIT
    assert summary.count("<details>") > comment.count("<details>")  # the summary shows more
