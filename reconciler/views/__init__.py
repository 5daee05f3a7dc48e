"""Every renderer: plans (text for terminals, Markdown for PRs, JSON through the plan file),
``fota status`` reports and apply reports.

All are pure functions of the data they render, so the outputs of one plan always agree.
"""

from reconciler.plans.planfile import load_plan, plan_schema, plan_to_dict, render_json
from reconciler.views.plan_markdown import render_markdown
from reconciler.views.plan_text import render_text

__all__ = [
    "load_plan",
    "plan_schema",
    "plan_to_dict",
    "render_json",
    "render_markdown",
    "render_text",
]
