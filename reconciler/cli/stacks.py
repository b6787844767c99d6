"""``--stack NAME`` and ``reconciler stacks list``: several estates in one repository.

``choose_stack`` turns the global options into the ``Stack`` a workspace runs on (or None: no
``--stack``, the repository works as it always did); ``stacks list`` prints the stacks, or those
a change since a git ref touches, as text or as the JSON matrix a CI job fans out over
(``{"include": [{"stack": NAME}, ...]}``, for ``strategy.matrix: ${{ fromJSON(...) }}``).
"""

from __future__ import annotations

import json
import os

import click

from reconciler.errors import ConfigError
from reconciler.providers.registry import PROVIDERS
from reconciler.spec.stacks import FILE_NAME, Stack, StackFile, find_stacks_file, load_stacks
from reconciler.stack_changes import changed_stacks

#: the options a stack decides, and what the user typed to set them
_DECIDED = {"specs": "--specs / RECONCILER_SPECS", "state": "--state / RECONCILER_STATE"}


def stacks_file(path: str | None) -> StackFile:
    """The stacks file ``path`` (``--stacks-file``), else the one found from the current
    directory up; ``ConfigError`` saying where it looked."""
    found = path or find_stacks_file()
    if found is None:
        raise ConfigError(f"no {FILE_NAME} in {os.getcwd()} or its parents (up to the repository's top)",
                          hint=f"write {FILE_NAME} at the repository's root, or pass --stacks-file FILE "
                               "(RECONCILER_STACKS_FILE); see the Stacks section of the README")
    return load_stacks(found, registry=PROVIDERS)


def choose_stack(ctx: click.Context, name: str | None, path: str | None) -> Stack | None:
    """The stack ``--stack`` names (None without it). Refuses ``--specs`` / ``--state`` beside
    it: the stack says where its specs and state are, and two answers would be a guess."""
    if not name:
        return None
    stack = stacks_file(path).get(name)
    for param, label in _DECIDED.items():
        source = ctx.get_parameter_source(param)
        if source not in (None, click.core.ParameterSource.DEFAULT):
            raise click.UsageError(f"--stack {name} says where its specs and state are ({stack.location}); "
                                   f"{label} cannot be combined with it (drop it, or drop --stack)")
    return stack


@click.group("stacks")
def stacks() -> None:
    """The stacks of this repository (stacks.yaml)."""


@stacks.command("list")
@click.option("--changed-since", metavar="GIT_REF",
              help="Only the stacks that changes since GIT_REF touch (their specs, var files, modules, entry).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one line, {\"include\": [{\"stack\": NAME}, ...]}, a GitHub Actions matrix.")
@click.pass_context
def stacks_list(ctx: click.Context, changed_since: str | None, fmt: str) -> int:
    """List the stacks (or those a change touches)."""
    found = stacks_file(ctx.meta.get("stacks_file"))
    chosen = changed_stacks(found, changed_since) if changed_since else list(found.stacks.values())
    if fmt == "json":
        click.echo(json.dumps({"include": [{"stack": s.name} for s in chosen]}, separators=(",", ":")))
        return 0
    for stack in chosen:
        line = f"{stack.name}\tspecs: {', '.join(stack.specs)}\tstate: {stack.public_state()}"
        click.echo(line + (f"\t# {stack.description}" if stack.description else ""))
    return 0
