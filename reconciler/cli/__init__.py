"""The ``fota`` command line: a thin layer over the library.

``main(argv) -> int`` is the single place where user-facing errors become one-line messages
and exit codes; subcommands raise ``UserError`` and never print tracebacks or call sys.exit.
Subcommands live in their own modules and are registered in ``_COMMANDS``; a module that is
not there yet (a feature still being built) is simply not offered.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

from reconciler import __version__
from reconciler.errors import ProblemsFound, UserError

# (module, attribute) of each subcommand, in the order ``fota --help`` lists them.
_COMMANDS: tuple[tuple[str, str], ...] = (
    ("reconciler.cli.validate", "validate"),
    ("reconciler.cli.plan", "plan"),
    ("reconciler.cli.apply", "apply"),
    ("reconciler.cli.status", "status"),
    ("reconciler.cli.sim", "sim"),
    ("reconciler.cli.github", "github"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="fota")
def cli() -> None:
    """Reconcile ThingSpace FOTA campaigns with the YAML specs kept in git.

    With no --api-url (or FOTA_API_URL), commands talk to an embedded ThingSpace emulator
    persisted under .fota/ in the working directory, so everything works without an account.
    """


def _register() -> None:
    for module_name, attr in _COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        command = getattr(module, attr)
        cli.add_command(command)


_register()


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
