"""``reconciler state pull`` and ``reconciler state push``: a whole state out of and into the
configured backend (moving to the team backend, inspecting it, repairing it by hand).

The logic is ``reconciler.state.transfer``; these commands read options, call it, and say what
happened (data on stdout, notes on stderr).
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.state import transfer
from reconciler.state.files import atomic_write
from reconciler.workspace import Workspace


def _notes(lines) -> None:
    for line in lines:
        click.echo(f"Warning: {line}", err=True)


def _interrupted(pending) -> list[str]:
    return [f"{p.address}: an apply was interrupted during its {p.action} ({p.time}); the next "
            "apply looks the object up before doing anything" for p in pending]


@click.command("pull")
@click.option("--to", "to", type=click.Path(dir_okay=False, writable=True),
              help="Write the state to FILE (mode 0600) instead of standard output.")
@click.option("--serial", type=int, default=None,
              help="An earlier version the backend's history keeps (PostgreSQL backend).")
@click.pass_context
def pull(ctx: click.Context, to: str | None, serial: int | None) -> int:
    """Print the current state as JSON (the local state file format). Takes no lock."""
    store = ctx.find_object(Workspace).store()
    try:
        pulled = transfer.pull(store, serial=serial)
    finally:
        store.close()
    _notes(pulled.warnings)
    _notes(_interrupted(pulled.pending))
    if pulled.state.serial == 0 and not pulled.state.resources and not pulled.pending:
        _notes([f"state {store.location} holds nothing yet (check --state and its name)"])
    if to is None:
        click.echo(pulled.data.decode("utf-8"), nl=False)
        return 0
    atomic_write(Path(to), pulled.data)
    click.echo(f"Wrote state {store.location} (lineage {pulled.state.lineage}, serial "
               f"{pulled.state.serial}, {len(pulled.state.resources)} resources) to {to}.", err=True)
    return 0


@click.command("push")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--force", is_flag=True,
              help="Overwrite even a different state (lineage) or a newer serial.")
@click.pass_context
def push(ctx: click.Context, file: str, force: bool) -> int:
    """Write the state in FILE (or - for standard input) into the configured backend."""
    ws = ctx.find_object(Workspace)
    source = transfer.load(file)
    _notes(source.warnings)
    store = ws.store()
    try:
        result = transfer.push(source, store, force=force, timeout=ws.lock_timeout)
        _notes(store.warnings)
    finally:
        store.close()
    if result.replaced_lineage:
        _notes([f"replaced state lineage {result.previous.lineage} (serial "
                f"{result.previous.serial}) with lineage {result.state.lineage}"])
    _notes(f"dropped the unfinished {p.action} of {p.address} recorded by the replaced state"
           for p in result.dropped)
    for op in result.carried:
        click.echo(f"Carried the unfinished {op.action} of {op.address}: the next apply looks it "
                   "up before doing anything.", err=True)
    if not result.changed:
        click.echo(f"State {store.location} already holds this state (serial "
                   f"{result.state.serial}); nothing to write.")
        return 0
    click.echo(f"Pushed {source.origin} to {store.location}: lineage {result.state.lineage}, "
               f"serial {result.previous.serial} -> {result.state.serial}, "
               f"{len(result.state.resources)} resources.")
    return 0
