"""The ``fota`` command line: a thin layer over the library.

``main(argv) -> int`` is the single place where user-facing errors become one-line messages
and exit codes; subcommands raise ``UserError`` and never print tracebacks or call sys.exit.
Subcommands live in their own modules, registered by name in ``_COMMANDS``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

from reconciler import __version__
from reconciler.errors import ProblemsFound, UserError

# name -> (module, attribute) of each subcommand, in the order ``fota --help`` lists them.
# Imported only when used, so ``fota validate`` does not pay for the emulator or httpx.
_COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("reconciler.cli.validate", "validate"),
    "fmt": ("reconciler.cli.fmt", "fmt"),
    "plan": ("reconciler.cli.plan", "plan"),
    "apply": ("reconciler.cli.apply", "apply"),
    "status": ("reconciler.cli.status", "status"),
    "import": ("reconciler.cli.importer", "import_"),
    "sim": ("reconciler.cli.sim", "sim"),
    "github": ("reconciler.cli.github", "github"),
}


class _LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented lazy pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*_COMMANDS, *super().list_commands(ctx)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return super().get_command(ctx, cmd_name)
        module_name, attr = _COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="fota")
def cli() -> None:
    """Reconcile ThingSpace FOTA campaigns with the YAML specs kept in git.

    With no --api-url (or FOTA_API_URL), commands talk to an embedded ThingSpace emulator
    persisted under .fota/ in the working directory, so everything works without an account.
    """


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status instead of exiting (testable, composable)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="fota", standalone_mode=False)
    except ProblemsFound as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"error: {exc.message}", err=True)
        return exc.exit_code
    except UserError as exc:
        click.echo(f"error: {exc.message}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except BrokenPipeError:
        return 1
    return int(result) if isinstance(result, int) else 0
