"""The specs checked as the Action reports them: one annotation per problem, on its file and
line, and a job-summary section listing them."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.errors import Problem
from reconciler.github.workflow import Runner, annotation, workspace_path
from reconciler.specs import collect


def annotate_problems(runner: Runner, paths: Sequence[str]) -> list[Problem]:
    """Load the specs; log one ``::error file=,line=,col=::`` line per problem found, and one
    ``::warning`` per warning (valid specs that are probably not meant, e.g. touching windows)."""
    report = collect(list(paths))
    for warning in sorted(report.warnings):
        runner.log(annotation(warning, level="warning"))
    problems = sorted(report.problems)
    for problem in problems:
        runner.log(annotation(problem))
    return problems


def problem_lines(problems: Sequence[Problem]) -> list[str]:
    """One Markdown list item per problem, its path relative to the repository root."""
    return [f"- `{workspace_path(p.path)}:{p.line}:{p.col}`: {p.message}" for p in problems]


def validation_summary(paths: Sequence[str], problems: Sequence[Problem]) -> str:
    if not problems:
        return f"### fota validate\n\n✅ specs valid ({', '.join(f'`{p}`' for p in paths)})\n"
    lines = [f"### fota validate\n\n❌ **{len(problems)} problem(s)** in the specs:\n"]
    lines += problem_lines(problems)
    return "\n".join(lines) + "\n"


def validate_step(runner: Runner, paths: Sequence[str]) -> list[Problem]:
    """The validate command: annotations, the ``exitcode`` output and the summary section."""
    problems = annotate_problems(runner, paths)
    runner.set_output("exitcode", 1 if problems else 0)
    runner.summary(validation_summary(paths, problems))
    return problems
