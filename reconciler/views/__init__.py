"""Views over one ``Plan``: text for terminals, JSON for machines (and apply), Markdown for PRs.

All renderers are pure functions of the plan, so the three always agree.
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
