"""``fota show PLAN_FILE``: a saved plan as text, JSON or Markdown (like ``terraform show``).

Why: the plan a pull request reviewed is a file (plan.json, the Action's ``plan-file``
artifact); reading it should not need ThingSpace credentials, a re-plan or a JSON viewer. The
file is read by ``load_plan``, so a file that is not a plan of this format is refused the same
way ``fota apply plan.json`` refuses it; the JSON output is the file's canonical form (the one
its SHA-256 is taken over).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from reconciler.cli.machine import output_option
from reconciler.errors import UserError
from reconciler.plans.types import Plan
from reconciler.views import load_plan, render_json, render_markdown, render_text


@click.command("show")
@click.argument("plan_file", metavar="PLAN_FILE", type=click.Path(dir_okay=False))
@output_option(
    ("text", "json", "markdown"),
    "text: as fota plan prints it; json: the plan file's canonical JSON; markdown: as "
    "the pull-request comment shows it.",
)
def show(plan_file: str, output: str) -> None:
    """Show a plan saved by ``fota plan --out PLAN_FILE``, without contacting ThingSpace."""
    try:
        text = Path(plan_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise UserError(
            f"cannot read the plan file {plan_file}: {reason}; write one with "
            f"`fota plan --out {plan_file}`"
        ) from None
    plan = load_plan(text, source=plan_file)
    echo_plan(plan, output)


def echo_plan(plan: Plan, output: str) -> None:
    """Print ``plan`` on stdout as ``--output`` says (``fota plan`` and ``fota show``)."""
    if output == "json":
        click.echo(render_json(plan), nl=False)
    elif output == "markdown":
        click.echo(render_markdown(plan), nl=False)
    else:
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        click.echo(render_text(plan, colour=colour), nl=False, color=colour)
