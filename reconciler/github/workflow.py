"""The runner's side channels: workflow commands on stdout and the files named by GITHUB_*.

GitHub parses ``::command props::data`` lines from a step's stdout and reads step outputs,
environment and the job summary from files whose paths it passes in environment variables.
Getting the escaping and the multi-line syntax wrong silently corrupts outputs or lets a plan
line that happens to start with ``::`` inject a command, so all of it goes through here.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from reconciler.errors import Problem

SUMMARY_LIMIT = 1024 * 1024
"""GitHub rejects a step summary above 1 MiB (and then shows nothing at all)."""

_TRUNCATION_NOTE = (
    "\n\n> **Truncated:** this summary exceeded GitHub's 1 MiB step-summary limit; "
    "the complete plan is in the plan file (action output `plan-file`).\n"
)


def escape_data(value: str) -> str:
    """Escape the message part of a workflow command (GitHub's own rules)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a ``key=value`` property: also ``:`` and ``,``, which delimit properties."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    """One workflow command line, e.g. ``::error file=a.yaml,line=3::bad date``."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None and value != ""
    )
    head = f"::{name} {props}" if props else f"::{name}"
    return f"{head}::{escape_data(message)}"


def workspace_path(path: str, environ: Mapping[str, str] | None = None) -> str:
    """The path GitHub expects in an annotation: relative to the repository root.

    Problems name files relative to the working directory; when that is not the repository
    root (the action's ``working-directory``, or ``fota validate`` run from a subdirectory in a
    workflow step) annotations with that path silently land nowhere. Outside a workflow
    (GITHUB_WORKSPACE unset) the path is kept as given.
    """
    env = os.environ if environ is None else environ
    workspace = env.get("GITHUB_WORKSPACE")
    if not workspace:
        return Path(path).as_posix()
    absolute = Path(path) if Path(path).is_absolute() else Path.cwd() / path
    absolute = Path(os.path.normpath(absolute))
    try:
        return absolute.relative_to(Path(os.path.normpath(workspace))).as_posix()
    except ValueError:
        return absolute.as_posix()


def annotation(
    problem: Problem,
    *,
    level: str = "error",
    title: str | None = "fota validate",
    environ: Mapping[str, str] | None = None,
) -> str:
    """The one encoder of a spec problem as a workflow annotation on its file, line, column.

    Used by both ``fota validate -o github`` and the action's steps, so a path or an escape
    fixed once is fixed everywhere.
    """
    return command(
        level,
        problem.message,
        file=workspace_path(problem.path, environ),
        line=problem.line,
        col=problem.col,
        title=title,
    )


def mask(value: str, out: TextIO) -> None:
    """Ask the runner to hide ``value`` in every later log line (defence in depth)."""
    for line in value.splitlines():
        if line.strip():
            out.write(f"::add-mask::{line}\n")
    out.flush()


def format_output(name: str, value: str) -> str:
    """One entry of GITHUB_OUTPUT; multi-line values use a random delimiter."""
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    while True:
        delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
        if delimiter not in value:
            break
    body = value if value.endswith("\n") else value + "\n"
    return f"{name}<<{delimiter}\n{body}{delimiter}\n"


def truncate_summary(markdown: str, limit: int = SUMMARY_LIMIT) -> str:
    """Fit ``markdown`` under ``limit`` UTF-8 bytes, ending with a note when it was cut."""
    encoded = markdown.encode("utf-8")
    if len(encoded) <= limit:
        return markdown
    room = limit - len(_TRUNCATION_NOTE.encode("utf-8"))
    cut = encoded[:room].decode("utf-8", errors="ignore")
    # Cut at a line boundary so a table row or a <details> tag is not left half-written.
    if "\n" in cut:
        cut = cut[: cut.rindex("\n")]
    return cut + _TRUNCATION_NOTE


class Runner:
    """The runner's files for the current step, from the environment GitHub sets.

    Outside GitHub (a developer running the helpers by hand) the variables are unset and the
    writes are skipped, so the helpers stay usable locally.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.output_path = env.get("GITHUB_OUTPUT") or None
        self.summary_path = env.get("GITHUB_STEP_SUMMARY") or None

    def set_output(self, name: str, value: str | int | bool) -> None:
        text = str(value).lower() if isinstance(value, bool) else str(value)
        _append(self.output_path, format_output(name, text))

    def set_outputs(self, values: Mapping[str, str | int | bool]) -> None:
        for name, value in values.items():
            self.set_output(name, value)

    def summary(self, markdown: str) -> None:
        """Append to the job summary, within GitHub's 1 MiB limit for one step."""
        _append(self.summary_path, truncate_summary(markdown))

    @staticmethod
    def log(line: str = "") -> None:
        """One line of the step's log (stdout, where the runner also reads commands)."""
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _append(path: str | None, text: str) -> None:
    if path is None:
        return
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(text)
