"""The command line: parse options, call ``Workspace``, render, return an exit code.

Exit codes: 0 success (and "no changes" / "no drift"); 1 any error, printed as one message
without a traceback; 2 changes present (``plan --detailed-exitcode``) or drift found (``drift``).
Errors become exit codes here and nowhere else (``main``).
"""

from __future__ import annotations

import gc
import sys

import click

from reconciler.cli.ci import register as register_ci
from reconciler.cli.commands import cli
from reconciler.errors import ReconcilerError

register_ci(cli)

__all__ = ["main", "cli"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map every failure to an exit code (never a traceback for a user mistake)."""
    try:
        result = cli.main(args=argv, prog_name="reconciler", standalone_mode=False)
    except ReconcilerError as err:
        click.echo(f"Error: {err}", err=True)
        return err.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except click.ClickException as err:
        err.show(file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        click.echo("Interrupted: the state records everything applied so far.", err=True)
        return 130
    return int(result or 0)


def entrypoint() -> None:
    """The ``reconciler`` process. A run builds millions of small, long-lived objects (spec
    nodes, live views) and exits: the cyclic collector's full passes over them found nothing to
    free and cost up to half of a large plan's CPU, so what the imports built is frozen and the
    young generation collected less often (as mypy does). Threads waiting on platform answers
    take the interpreter back after 1 ms instead of 5 while the main thread loads specs."""
    gc.freeze()
    gc.set_threshold(200_000, 30, 30)
    sys.setswitchinterval(0.001)
    sys.exit(main())
