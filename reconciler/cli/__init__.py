"""The command line: parse options, call ``Workspace``, render, return an exit code.

Exit codes: 0 success (and "no changes" / "no drift"); 1 any error, printed as one message
without a traceback; 2 changes present (``plan --detailed-exitcode``) or drift found (``drift``);
130 interrupted (Ctrl-C). Errors become exit codes here and nowhere else (``main``).
"""

from __future__ import annotations

import sys

import click

from reconciler.cli.commands import cli
from reconciler.errors import ReconcilerError

__all__ = ["main", "cli"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map every failure to an exit code (never a traceback for a user mistake)."""
    try:
        result = cli.main(args=argv, prog_name="reconciler", standalone_mode=False)
    except ReconcilerError as err:
        click.echo(f"Error: {err}", err=True)
        return err.exit_code
    except click.exceptions.Abort as abort:
        if isinstance(abort.__cause__, KeyboardInterrupt):  # click's answer to Ctrl-C in a command
            return _interrupted()
        click.echo("Aborted.", err=True)
        return 1
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except click.ClickException as err:
        err.show(file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return _interrupted()
    return int(result or 0)


def _interrupted() -> int:
    click.echo("Interrupted: the state records everything applied so far.", err=True)
    return 130
