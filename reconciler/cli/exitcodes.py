"""Every command's exit statuses, in one table: ``--help`` shows each command's rows as its
epilog, docs/EXIT-CODES.md shows them all, and a test keeps the two equal.

Why a table and not prose in each docstring: a CI script branches on these numbers, so they
must say the same thing in every place a user reads them, and a new command must not ship
without its row (the test walks every registered command).
"""

from __future__ import annotations

COMMON = (
    "Every command also exits 1 on a usage error (unknown option, missing argument, bad "
    "value; never click's 2) and 130 when interrupted."
)
"""Statuses every command can return, besides its own."""

EXIT_CODES: dict[str, dict[int, str]] = {
    "validate": {
        0: "every spec is valid",
        1: "a problem in a spec (each shown as path:line:col: message)",
    },
    "plan": {
        0: "planned; with --detailed-exitcode: nothing to change",
        1: "a change is refused (the plan is still shown), an invalid spec, an API error",
        2: "with --detailed-exitcode only: there are changes to apply",
    },
    "apply": {
        0: "everything planned was applied, or there was nothing to apply",
        1: "refused, failed, stale plan, lock held, or not confirmed",
    },
    "status": {
        0: "the status was shown",
        1: "an invalid spec, an unknown campaign id, or an API error",
    },
    "show": {
        0: "the plan was shown",
        1: "the file cannot be read or is not a plan of this fota's format",
    },
    "fmt": {
        0: "formatted; with --check: nothing to change",
        1: "with --check: a file would change; or a spec does not validate or cannot be written",
    },
    "import": {
        0: "every chosen campaign has a valid spec (written, or unchanged)",
        1: "an error (ThingSpace unreachable, a differing file without --force): nothing written",
        3: "written, but a person must decide (a name clash, an overlap, a campaign not imported)",
    },
    "schema": {
        0: "the schema was printed or written",
        1: "the file could not be written",
    },
    "accounts": {
        0: "the accounts were listed",
        1: "an invalid spec, or a --baseline-ref that cannot be read",
    },
    "sim": {
        0: "done (serve: stopped by a signal after serving)",
        1: "a bad option value, the port is in use, or --url did not answer",
    },
    "github": {
        0: "the Action step succeeded (its `exitcode` output has plan's 0/1/2)",
        1: "the step failed: invalid specs, refusals, drift, a failed apply",
    },
}


def epilog(command: str) -> str | None:
    """The ``--help`` epilog of a top-level command: its statuses, then the common ones."""
    rows = EXIT_CODES.get(command)
    if rows is None:
        return None
    lines = "\n".join(f"  {code:<4} {text}" for code, text in rows.items())
    return f"\b\nExit status (docs/EXIT-CODES.md):\n{lines}\n\n{COMMON}"


def markdown_table(command: str) -> str:
    """The rows of docs/EXIT-CODES.md for ``command`` (the test compares them)."""
    body = "".join(f"| `{code}` | {text} |\n" for code, text in EXIT_CODES[command].items())
    return "| status | meaning |\n|---|---|\n" + body
