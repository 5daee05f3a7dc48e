"""``fota fmt [--check] PATH...``: rewrite specs in the canonical layout, keeping comments.

So that pull requests show real changes only: key order, quoting and window order are made
canonical (``reconciler.specs.layout``); comments stay with the entries they describe. Only
files that validate are touched, and a run changes all the files it formats or none.

Exit status: 0 done (or, with ``--check``, nothing to change); 1 with ``--check`` when a file
would change (each listed), or when a file does not validate (one line; nothing written).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from reconciler.errors import UserError
from reconciler.onboarding.files import FileWrite, write_all
from reconciler.specs.fmt import Formatted, format_file
from reconciler.specs.loader import spec_files


def _diff(item: Formatted) -> str:
    old = item.old.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = item.new.splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, item.path, f"{item.path} (formatted)"))


@click.command("fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--check",
    is_flag=True,
    help="Change nothing: list the files that are not canonical and exit 1 if there is any "
    "(for CI and pre-commit).",
)
@click.option("--diff", "show_diff", is_flag=True, help="Also print the changes as a diff.")
def fmt(paths: tuple[str, ...], check: bool, show_diff: bool) -> int:
    """Rewrite campaign specs (files, or directories walked for *.yaml and *.yml) in the
    canonical layout, keeping every comment.

    Only specs that validate are formatted: a file with a problem is refused with one line
    and nothing is written. Devices files are left as they are.

    Exit status: 0 formatted (with --check: nothing to change); 1 a file would change (with
    --check), or does not validate, or cannot be written.
    """
    files, problems = spec_files(list(paths))
    if problems:
        first = problems[0]
        raise UserError(f"{first}; nothing was formatted")
    results: list[Formatted] = []
    refused: list[str] = []
    for path in files:
        try:
            results.append(format_file(path))
        except UserError as exc:
            refused.append(exc.message)
    if refused:
        others = len(refused) - 1
        also = f" ({others} other file(s) refused too)" if others else ""
        raise UserError(refused[0] + also)
    changed = [item for item in results if item.changed]
    if show_diff:
        for item in changed:
            click.echo(_diff(item), nl=False)
    if check:
        for item in changed:
            click.echo(f"would reformat {item.path}")
        if changed:
            click.echo(
                f"error: {len(changed)} of {len(results)} file(s) not in the canonical layout; "
                "run fota fmt on them",
                err=True,
            )
            return 1
        click.echo(f"ok: {len(results)} file(s) already canonical")
        return 0
    write_all([FileWrite(Path(item.path), item.new) for item in changed])
    for item in changed:
        click.echo(f"formatted {item.path}")
    click.echo(f"{len(changed)} file(s) formatted, {len(results) - len(changed)} unchanged")
    return 0
