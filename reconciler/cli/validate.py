"""``fota validate PATH...``: check specs locally, in pre-commit and in CI, all problems at once.

Three outputs over the same findings: ``text`` for people (``path:line:col: message`` lines on
stderr, summary on stdout), ``json`` for tools, ``github`` for workflow annotations on the
pull request's diff (the same encoder as the GitHub Action: paths relative to
GITHUB_WORKSPACE when it is set). Exit status 1 on any problem, 0 otherwise.
"""

from __future__ import annotations

import json

import click

from reconciler.cli.machine import output_option
from reconciler.errors import ProblemsFound
from reconciler.github.workflow import annotation
from reconciler.specs import collect


def _summary(files: int, campaigns: int, devices: int) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n:,} {word}{'' if n == 1 else 's'}"

    return (
        f"ok: {plural(files, 'file')}, {plural(campaigns, 'campaign')}, {plural(devices, 'device')}"
    )


VALIDATE_FORMAT_VERSION = 1
"""``format_version`` of ``fota validate -o json``; raised only for a change a reader must know
of (a key removed or its meaning changed), not for a key added."""


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@output_option(
    ("text", "json", "github"),
    "text: path:line:col lines; json: one document on stdout; github: annotations.",
)
def validate(paths: tuple[str, ...], output: str) -> int:
    """Validate campaign specs: files, or directories walked for *.yaml and *.yml.

    Every problem of every file is reported, each as path:line:col: message. Exit status 1
    when there is any problem, 0 when every spec is valid.
    """
    report = collect(list(paths))
    problems = sorted(report.problems)
    warnings = sorted(report.warnings)
    campaigns = len(report.specs)
    if output == "json":
        document = {
            "format_version": VALIDATE_FORMAT_VERSION,
            "ok": not problems,
            "problems": [
                {"path": p.path, "line": p.line, "col": p.col, "message": p.message}
                for p in problems
            ],
            "warnings": [
                {"path": w.path, "line": w.line, "col": w.col, "message": w.message}
                for w in warnings
            ],
            "files": report.files,
            "campaigns": campaigns,
            "devices": report.devices,
        }
        click.echo(json.dumps(document, indent=2))
        return 1 if problems else 0
    if output == "github":
        for warning in warnings:
            click.echo(annotation(warning, level="warning"))
        for problem in problems:
            click.echo(annotation(problem))
        if problems:
            click.echo(f"error: {len(problems)} problem(s) found", err=True)
            return 1
        click.echo(_summary(report.files, campaigns, report.devices))
        return 0
    for warning in warnings:
        click.echo(
            f"{warning.path}:{warning.line}:{warning.col}: warning: {warning.message}", err=True
        )
    if problems:
        raise ProblemsFound(problems)
    click.echo(_summary(report.files, campaigns, report.devices))
    return 0
