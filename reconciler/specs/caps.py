"""Bounds on how many problems one validation reports: per file, and per run.

Why: a pull request can carry a 1 MiB file of 4,000 copies of one spec, or a 30 MB devices
file of 2 million bad lines. Every problem of every file is the promise, but nobody reads the
millionth line and a CI log (or the memory of ``fota validate``) should not pay for it. The
first problems of each file are shown, then one "... and N more" line for the file; past the
run's limit, one line counts what is left.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from reconciler.errors import Problem

PER_FILE = 100
"""Problems shown per file; the rest of that file's are counted on one line."""
PER_RUN = 1000
"""Problems shown per run (the per-file summary lines come on top)."""
MORE = "... and "


def more_line(path: str, line: int, col: int, count: int, what: str = "problem(s)") -> Problem:
    """The "... and N more" line for ``path``, placed at the first problem not shown."""
    return Problem(
        path,
        line,
        col,
        f"{MORE}{count:,} more {what} in this file (the first ones are shown); fix these "
        "and validate again",
    )


def cap(
    problems: Iterable[Problem], per_file: int = PER_FILE, per_run: int = PER_RUN
) -> list[Problem]:
    """The problems to show, in arrival order: at most ``per_file`` of each file plus a count
    line for the rest of that file, at most ``per_run`` in all plus one count line."""
    shown: list[Problem] = []
    kept: Counter[str] = Counter()
    more: Counter[str] = Counter()
    first_hidden: dict[str, Problem] = {}
    omitted_run = 0
    omitted_files: set[str] = set()
    for problem in problems:
        if problem.message.startswith(MORE):  # a count line made at the source: always kept
            shown.append(problem)
        elif kept[problem.path] >= per_file:
            more[problem.path] += 1
            first_hidden.setdefault(problem.path, problem)
        elif len(shown) >= per_run:
            omitted_run += 1
            omitted_files.add(problem.path)
        else:
            shown.append(problem)
            kept[problem.path] += 1
    for path, count in more.items():
        hidden = first_hidden[path]
        shown.append(more_line(path, hidden.line, hidden.col, count))
    if omitted_run:
        first = min(omitted_files)
        shown.append(
            Problem(
                first,
                1,
                1,
                f"{MORE}{omitted_run:,} more problem(s) in {len(omitted_files):,} file(s) "
                f"not shown (at most {per_run:,} are listed per run); fix these and validate "
                "again",
            )
        )
    return shown
