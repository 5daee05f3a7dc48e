"""The one user-facing error type, handled in one place (``reconciler.cli.main``).

Anything a user can cause (bad input, an unreachable server, a refused plan) is raised as a
``UserError`` (or a subclass) whose message is a complete sentence naming the file, the place
and the fix. ``main`` prints it on one line and exits non-zero; a traceback is always a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


class UserError(Exception):
    """An error the user can fix; its message is shown as-is, without a traceback."""

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about one place in one file: ``path:line:col: message``.

    Validation collects every problem of every file before reporting, so a user fixes all of
    them in one round instead of one per run.
    """

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class ProblemsFound(UserError):
    """Raised with every problem found; ``main`` prints one line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) found")
        self.problems = sorted(problems)
