"""Scoped plans for pull requests: which addresses a change to the spec files can affect.

Owns ``--changed-since REF``: the spec files that differ from git ``REF`` (committed, staged,
unstaged or untracked) give the resources declared in them; state entries no longer in the specs
(deletions) are always in scope; the planner then adds what those depend on, and this module adds
what depends on them. A changed file that defines ``variables`` or ``providers`` can affect any
resource, so the scope is then everything (``None``). Read-only: runs ``git`` and nothing else.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from reconciler.addresses import Address
from reconciler.errors import PlanError
from reconciler.graph.dag import Graph
from reconciler.spec import SpecSet
from reconciler.state.model import State


def changed_files(specs_path: str, ref: str) -> set[Path]:
    """Absolute paths of spec files under ``specs_path`` that differ from ``ref`` (or are new)."""
    root = Path(specs_path).resolve()
    cwd = root if root.is_dir() else root.parent
    top = Path(_git(cwd, "rev-parse", "--show-toplevel").strip())
    try:
        _git(cwd, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except PlanError:
        raise PlanError(f"--changed-since {ref}: no such git revision",
                        hint="fetch it first (in CI: a checkout with enough history, e.g. fetch-depth: 0)") from None
    rel = os.path.relpath(root, top)
    names = set(_git(top, "diff", "--name-only", ref, "--", rel).split("\n"))
    names |= set(_git(top, "ls-files", "--others", "--exclude-standard", "--", rel).split("\n"))
    return {(top / n).resolve() for n in names if n.endswith((".yaml", ".yml"))}


def scope_since(specs: SpecSet, state: State, graph: Graph, files: set[Path]) -> set[Address] | None:
    """Addresses a plan must cover when only ``files`` changed; None means everything."""
    global_files = {Path(p.location.file).resolve() for p in specs.providers.values()}
    if files & global_files or any(_defines_variables(f) for f in files):
        return None
    scoped = {a for a, spec in specs.resources.items() if Path(spec.location.file).resolve() in files}
    scoped |= {a for a in state.resources if a not in specs.resources}
    for address in list(scoped):
        if address in graph.nodes:
            scoped |= set(graph.transitive_dependents(address))
    return scoped


def _defines_variables(path: Path) -> bool:
    """Cheap check, no YAML parse: a top-level ``variables:`` key (a deleted file counts too)."""
    if not path.exists():
        return True
    return any(line.startswith("variables:") for line in path.read_text(errors="replace").splitlines())


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise PlanError(f"--changed-since needs git: {err}") from None
    if done.returncode != 0:
        raise PlanError(f"git {' '.join(args)} failed: {done.stderr.strip() or done.returncode}",
                        hint="--changed-since works only inside a git checkout of the specs")
    return done.stdout
