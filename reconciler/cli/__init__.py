"""The ``fota`` command line: a thin layer over the library.

``main(argv) -> int`` is the single place where user-facing errors become one-line messages
and exit codes; subcommands raise ``UserError`` and never print tracebacks or call sys.exit.
Subcommands live in their own modules, registered by name in ``_COMMANDS``.
"""

from __future__ import annotations

import errno
import gc
import importlib
import sys
from collections.abc import Sequence

import click

from reconciler import __version__
from reconciler.cli import exitcodes, machine
from reconciler.errors import ProblemsFound, UserError

USAGE_EXIT = 1
"""Exit status of a usage error (unknown option, missing path, bad value). click's own is 2,
which is also ``fota plan --detailed-exitcode``'s "there are changes": a CI script would read
a typo as changes. 1 is every other error's status, as in Terraform. docs/EXIT-CODES.md."""

# name -> (module, attribute) of each subcommand, in the order ``fota --help`` lists them.
# Imported only when used, so ``fota validate`` does not pay for the emulator or httpx.
_COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("reconciler.cli.validate", "validate"),
    "fmt": ("reconciler.cli.fmt", "fmt"),
    "plan": ("reconciler.cli.plan", "plan"),
    "apply": ("reconciler.cli.apply", "apply"),
    "status": ("reconciler.cli.status", "status"),
    "show": ("reconciler.cli.show", "show"),
    "import": ("reconciler.cli.importer", "import_"),
    "schema": ("reconciler.cli.schema", "schema"),
    "accounts": ("reconciler.cli.shard", "accounts"),
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
        if command.epilog is None:
            command.epilog = exitcodes.epilog(cmd_name)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="fota")
@click.option(
    "--no-color",
    is_flag=True,
    help="No ANSI colours (as NO_COLOR=1 does); accepted anywhere on the command line.",
)
def cli(no_color: bool) -> None:
    """Reconcile ThingSpace FOTA campaigns with the YAML specs kept in git.

    With no --api-url (or FOTA_API_URL), commands talk to an embedded ThingSpace emulator
    persisted under .fota/ in the working directory, so everything works without an account.

    \b
    Exit status (every command; docs/EXIT-CODES.md lists each one's):
      0    success (plan: no changes with --detailed-exitcode)
      1    an error: invalid spec, refused change, usage error, unreachable API
      2    fota plan --detailed-exitcode only: there are changes to apply
      3    fota import only: written, but a person must decide
      130  interrupted (Ctrl-C)
    With -o json, a failure that printed nothing else prints a JSON error document
    ({"ok": false, "error": ..., "problems": [...]}) on stdout.

    \b
    Shell completion (bash, zsh, fish), e.g. in ~/.bashrc:
      eval "$(_FOTA_COMPLETE=bash_source fota)"
    """


GC_THRESHOLDS = (100_000, 50, 100)
"""The collector's generation thresholds for a ``fota`` process (Python's are 700, 10, 10).

Why: a plan or an apply at fleet scale builds millions of long-lived objects (device maps,
a million spec IMEIs, the embedded emulator's fleet and members), and with the default
thresholds the collector ran every 700 allocations and walked that whole heap again and
again: about a tenth of an embedded 1,000 x 1,000 apply and of a 1,000-campaign plan. Our
objects rarely form cycles (reference counting frees them), so collecting less often costs
little memory.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status instead of exiting (testable, composable)."""
    gc.set_threshold(*GC_THRESHOLDS)
    args, no_color = machine.split_no_color(sys.argv[1:] if argv is None else argv)
    with machine.no_color(no_color), machine.json_errors(machine.wants_json(args)) as errors:
        errors.exit_code = _main(args, errors)
        return errors.exit_code


def _main(args: list[str], errors: machine.JsonErrors) -> int:
    try:
        result = cli.main(args=args, prog_name="fota", standalone_mode=False)
    except ProblemsFound as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"error: {exc.message}", err=True)
        errors.record(exc.message, exc.exit_code, exc.problems)
        return exc.exit_code
    except UserError as exc:
        click.echo(f"error: {exc.message}", err=True)
        errors.record(exc.message, exc.exit_code)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        errors.record("aborted", 1)
        return 1
    except click.UsageError as exc:
        exc.show()
        errors.record(f"usage: {exc.format_message()}", USAGE_EXIT)
        return USAGE_EXIT
    except click.ClickException as exc:
        exc.show()
        errors.record(exc.format_message(), exc.exit_code)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        errors.record("interrupted", 130)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as exc:
        # A local disk fault a command did not name itself (each names its own where it can):
        # still one line naming the path, never a traceback, never blamed on credentials.
        click.echo(f"error: {_disk_fault(exc)}", err=True)
        return 1
    return int(result) if isinstance(result, int) else 0


def _disk_fault(exc: OSError) -> str:
    """One line for an ``OSError``: what failed, on which path, and what to check."""
    where = f" {exc.filename}" if exc.filename else ""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free space on that file system and run again"
    else:
        fix = "check that the path exists and is writable, then run again"
    return f"cannot access{where}: {reason}; {fix}"
