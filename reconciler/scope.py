"""Scoped plans for pull requests: which addresses a change to the spec files can affect.

Owns ``--changed-since REF``: in the spec files that differ from git ``REF`` (committed, staged,
unstaged or untracked), the resource blocks that were added, removed or edited are in scope;
state entries no longer in the specs (deletions) always are; the planner then adds what those
depend on, and this module adds what depends on them. A change to ``variables``, ``locals``,
``providers``, ``modules`` or ``backend``, to any file of a module the specs use (wherever it
lives), or a file that no longer parses, can affect anything, so the scope is then everything
(``None``). Read-only: runs ``git`` and nothing else.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

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


def changed_blocks(specs_path: str, ref: str, module_dirs: tuple[str, ...] = ()) -> set[str] | None:
    """Addresses (as written) whose resource block differs from ``ref``; None: anything may have
    (among them: any change in ``module_dirs``, the directories the specs' modules load)."""
    if any(changed_files(d, ref) for d in module_dirs):
        return None
    files = changed_files(specs_path, ref)
    if not files:
        return set()
    top = Path(_git(Path(specs_path).resolve().parent, "rev-parse", "--show-toplevel").strip())
    changed: set[str] = set()
    for path in sorted(files):
        old, new = _old_document(top, path, ref), _document(path)
        if old is None or new is None:
            return None
        if any(old.get(k) != new.get(k) for k in ("variables", "locals", "providers", "modules", "backend")):
            return None
        before, after = old.get("resources") or {}, new.get("resources") or {}
        if not isinstance(before, dict) or not isinstance(after, dict):
            return None
        changed |= {str(a) for a in set(before) | set(after) if before.get(a) != after.get(a)}
    return changed


def scope_since(specs: SpecSet, state: State, graph: Graph, changed: set[str] | None) -> set[Address] | None:
    """Addresses a plan must cover when only the ``changed`` blocks changed; None: everything."""
    if changed is None:
        return None
    scoped = {a for a in graph.nodes if str(a.block) in changed}  # (a for_each block: all its instances)
    scoped |= {a for a in state.resources if a not in specs.resources}
    for address in list(scoped):
        if address in graph.nodes:
            scoped |= set(graph.transitive_dependents(address))
    return scoped


def _document(path: Path) -> dict | None:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else ({} if data is None else None)


def _old_document(top: Path, path: Path, ref: str) -> dict | None:
    rel = os.path.relpath(path, top)
    try:
        text = _git(top, "show", f"{ref}:{rel}")
    except PlanError:
        return {}  # the file is new since ref
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else ({} if data is None else None)


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise PlanError(f"--changed-since needs git: {err}") from None
    if done.returncode != 0:
        raise PlanError(f"git {' '.join(args)} failed: {done.stderr.strip() or done.returncode}",
                        hint="--changed-since works only inside a git checkout of the specs")
    return done.stdout
