"""What ``main`` does around every command for scripts: ``--no-color`` and ``-o json`` errors.

Why here and not in each command: a script that asked for ``-o json`` must get a JSON document
on stdout whatever went wrong (a usage error, a bad spec, an unreachable API), and a failure can
happen before the command's own code runs (click rejects the options). ``main`` is the one
place that sees every failure, so it is the one place that writes the error document.

The document is written only when the command printed nothing on stdout itself: ``fota plan -o
json`` with refused changes prints the plan (whose JSON says what was refused) and exits 1;
a second document after it would break every JSON parser reading the stream.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import click

from reconciler.errors import Problem

ERROR_FORMAT_VERSION = 1
"""``format_version`` of the error document; raised only for a change a reader must know of."""

NO_COLOR_FLAG = "--no-color"

F = TypeVar("F")


def output_option(formats: Sequence[str], help: str) -> Callable[[F], F]:
    """``--output/-o`` with ``formats`` (text first, the default): one spelling in every
    command, so scripts and ``wants_json`` below can rely on it."""
    return click.option(  # type: ignore[return-value]
        "--output",
        "-o",
        type=click.Choice(list(formats)),
        default=formats[0],
        show_default=True,
        help=help,
    )


def split_no_color(args: Sequence[str]) -> tuple[list[str], bool]:
    """``args`` without ``--no-color`` (anywhere before a ``--``), and whether it was there.

    Accepted anywhere, like NO_COLOR: users write it after the subcommand (``fota plan x
    --no-color``) as often as before it.
    """
    out: list[str] = []
    found = False
    for index, arg in enumerate(args):
        if arg == "--":
            out.extend(args[index:])
            break
        if arg == NO_COLOR_FLAG:
            found = True
        else:
            out.append(arg)
    return out, found


def wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asks for ``-o json`` / ``--output json`` (any spelling)."""
    for index, arg in enumerate(args):
        if arg == "--":
            return False
        if arg in ("-o", "--output") and index + 1 < len(args) and args[index + 1] == "json":
            return True
        if arg in ("-ojson", "--output=json"):
            return True
    return False


@contextlib.contextmanager
def no_color(enabled: bool) -> Iterator[None]:
    """Set NO_COLOR for the run (every colour decision already honours it), then restore it."""
    if not enabled:
        yield
        return
    before = os.environ.get("NO_COLOR")
    os.environ["NO_COLOR"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("NO_COLOR", None)
        else:
            os.environ["NO_COLOR"] = before


@dataclass
class Failure:
    """The error ``main`` reported, kept for the JSON error document."""

    message: str
    exit_code: int
    problems: list[Problem] = field(default_factory=list)


@dataclass
class JsonErrors:
    """Collects stdout while a ``-o json`` command runs; see :func:`json_errors`."""

    failure: Failure | None = None
    exit_code: int | None = None  # set by main when the command returns

    def record(self, message: str, exit_code: int, problems: Sequence[Problem] = ()) -> None:
        self.failure = Failure(message, exit_code, list(problems))


def error_document(failure: Failure) -> str:
    """The JSON printed on stdout instead of nothing when a ``-o json`` command fails."""
    document = {
        "format_version": ERROR_FORMAT_VERSION,
        "ok": False,
        "exit_code": failure.exit_code,
        "error": failure.message,
        "problems": [
            {"path": p.path, "line": p.line, "col": p.col, "message": p.message}
            for p in failure.problems
        ],
    }
    return json.dumps(document, indent=2) + "\n"


@contextlib.contextmanager
def json_errors(enabled: bool) -> Iterator[JsonErrors]:
    """Buffer stdout (a JSON document is written whole anyway) and, on a failure that printed
    nothing there, write the error document instead. Stderr is unchanged."""
    errors = JsonErrors()
    if not enabled:
        yield errors
        return
    real_out = sys.stdout
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured):
            yield errors
    finally:
        text = captured.getvalue()
        if text:
            real_out.write(text)
        elif errors.failure is not None or errors.exit_code not in (0, None):
            failure = errors.failure or Failure("failed: see stderr", errors.exit_code or 1)
            real_out.write(error_document(failure))
        real_out.flush()
