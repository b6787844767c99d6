"""Which stacks a change touches: the fan-out of a pull request over CI runners.

Owns ``stacks list --changed-since REF``: a stack is touched when a file that differs from git
``REF`` (committed, staged, unstaged or untracked; a rename counts at both ends) lies under one
of its spec directories, is one of its variable files, lies under the directory of a module its
specs use (a ``modules:`` block's local ``source:``, followed into nested modules), or when its
own entry in the stacks file changed. A stacks file that is new, or that did not parse at
``REF``, touches every stack. A stack removed from the stacks file is not listed (there is
nothing left to plan; its state stays where it was). Read-only: runs ``git`` and nothing else.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from reconciler.errors import PlanError, SpecError
from reconciler.spec.loader import discover, module_sources
from reconciler.spec.stacks import Stack, StackFile
from reconciler.spec.yamlsource import parse_document


def changed_stacks(stacks: StackFile, ref: str) -> list[Stack]:
    """The stacks of ``stacks`` that the changes since ``ref`` touch, in file order."""
    top = Path(_git(stacks.root, "rev-parse", "--show-toplevel").strip()).resolve()
    try:
        _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except PlanError:
        raise PlanError(f"--changed-since {ref}: no such git revision",
                        hint="fetch it first (in CI: a checkout with enough history, e.g. fetch-depth: 0)") from None
    names = set(_git(top, "diff", "--name-only", "--no-renames", ref, "--").split("\n"))
    names |= set(_git(top, "ls-files", "--others", "--exclude-standard").split("\n"))
    changed = {(top / n).resolve() for n in names if n}
    stacks_path = Path(stacks.path).resolve()
    entries = _entries_changed(stacks, top, stacks_path, ref) if stacks_path in changed else set()
    return [s for s in stacks.stacks.values()
            if s.name in entries or any(_under(path, owned) for path in changed for owned in owned_paths(s))]


def owned_paths(stack: Stack) -> list[Path]:
    """Every directory and file whose change touches ``stack``: its spec directories, its
    variable files, and the directories of the modules its specs use (nested ones too)."""
    owned = [Path(p).resolve() for p in (*stack.specs, *stack.var_files)]
    seen: set[Path] = set()
    todo = [Path(p).resolve() for p in stack.specs]
    while todo:
        directory = todo.pop()
        if directory in seen:
            continue
        seen.add(directory)
        for source in modules_used(directory):
            if source not in seen:
                owned.append(source)
                todo.append(source)
    return owned


def modules_used(directory: Path) -> list[Path]:
    """The local module directories that the spec files under ``directory`` name (the loader's
    ``module_sources``: each ``modules:`` block's ``source``, relative to its file). A file that
    does not parse names none (the plan of the stack reports it)."""
    try:
        files = discover(directory)
    except SpecError:
        return []
    docs = []
    for file in files:
        try:
            docs.append(parse_document(file, Path(file).read_text(encoding="utf-8"))[0])
        except (SpecError, OSError, UnicodeDecodeError):
            continue
    return sorted(p for p in module_sources(docs) if p.is_dir())


def _entries_changed(stacks: StackFile, top: Path, path: Path, ref: str) -> set[str]:
    """The stacks whose entry in the stacks file differs from ``ref`` (all, if it is new there
    or did not parse, or if anything but the entries changed)."""
    everything = set(stacks.stacks)
    rel = os.path.relpath(path, top)
    try:
        text = _git(top, "show", f"{ref}:{rel}")
    except PlanError:  # not in ref: a new stacks file
        return everything
    try:
        old, _ = parse_document(str(path), text)
    except SpecError:
        return everything
    if not isinstance(old.data, dict) or not isinstance(old.data.get("stacks"), dict):
        return everything
    before = old.data["stacks"]
    return {name for name in everything if before.get(name) != stacks.raw.get(name)}


def _under(path: Path, owned: Path) -> bool:
    return path == owned or path.is_relative_to(owned)


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise PlanError(f"--changed-since needs git: {err}") from None
    if done.returncode != 0:
        raise PlanError(f"git {' '.join(args)} failed: {done.stderr.strip() or done.returncode}",
                        hint="--changed-since works only inside a git checkout of the stacks file")
    return done.stdout
