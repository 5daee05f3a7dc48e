"""``fota schema [spec|plan]``: the JSON Schemas, for editors and tools outside this repository.

Why a command: a spec copied into a user's repository cannot point its yaml-language-server
modeline into this one, and the installed package is where the schema a given ``fota`` reads
actually lives. ``fota schema --out schemas/campaign-spec.schema.json`` writes the very file
the validator uses, so the editor and ``fota validate`` never disagree. The file is written
atomically (an editor watching it never reads half a schema).
"""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path

import click

from reconciler.errors import UserError

SCHEMA_FILES = {
    "spec": "campaign-spec.schema.json",
    "plan": "plan.schema.json",
}
"""What ``fota schema WHICH`` prints: the campaign spec (YAML you write) or plan.json."""


def schema_text(which: str) -> str:
    """The schema file shipped in the package, byte for byte."""
    return resources.files("reconciler").joinpath("schemas", SCHEMA_FILES[which]).read_text("utf-8")


def _write(path: Path, text: str) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # a file to commit and share, not mkstemp's private 0600
        os.replace(tmp, path)
    except OSError as exc:
        raise UserError(
            f"--out {path}: cannot write the schema: {exc.strerror or exc}; choose a writable path"
        ) from None


@click.command("schema")
@click.argument("which", type=click.Choice(sorted(SCHEMA_FILES)), default="spec")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the schema to this file (directories are created) instead of stdout.",
)
def schema(which: str, out: Path | None) -> None:
    """Print the JSON Schema of a campaign spec (spec, the default) or of plan.json (plan).

    For editor support in your own repository, write it next to your specs and point the
    yaml-language-server modeline of each spec at it (a path relative to the spec file):

    \b
      fota schema --out campaigns/campaign-spec.schema.json
      # first line of campaigns/pilot.yaml:
      # yaml-language-server: $schema=campaign-spec.schema.json

    Re-run it after upgrading fota; docs/EDITORS.md has the VS Code and Neovim settings.
    """
    text = schema_text(which)
    if out is None:
        click.echo(text, nl=False)
        return
    _write(out, text)
    click.echo(f"wrote {out} ({which} schema)", err=True)
