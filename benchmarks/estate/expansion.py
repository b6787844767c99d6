"""The expansion estate (issue 20): N resources as 20 ``for_each`` blocks, and the same N written
out one block each. Both are the same objects on the platforms (Lightdash groups and Dataiku
projects, half each), so a no-change plan of either does the same platform work: what differs
is only how the specs are written, which is what the plan-CPU comparison measures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from benchmarks.estate import FILE_SIZE, shares

BLOCKS = 20
#: (type, body with ``each``, the same body for one key and value written out)
_SHAPES = {
    "lightdash_group": (lambda: {"name": "fe-${each.key}", "members": []},
                        lambda key, value: {"name": f"fe-{key}", "members": []}),
    "dataiku_project": (lambda: {"key": "FE_${upper(each.key)}", "name": "${each.value}",
                                 "description": "Team ${each.key}, declared with for_each."},
                        lambda key, value: {"key": f"FE_{key.upper()}", "name": value,
                                            "description": f"Team {key}, declared with for_each."}),
}


def _blocks(n: int) -> list[tuple[str, str, dict[str, str]]]:
    """(type, block name, {key: value}) of the 20 blocks holding ``n`` instances."""
    types = list(_SHAPES)
    out = []
    start = 0
    for b, size in enumerate(shares(n, BLOCKS)):
        kind = types[b % len(types)]
        instances = {f"b{b:02d}_{i:05d}": f"For-each team {b:02d}/{i:05d}" for i in range(start, start + size)}
        out.append((kind, f"fe_b{b:02d}", instances))
        start += size
    return out


def compact(n: int) -> dict[str, dict[str, Any]]:
    """The ``n`` resources as 20 blocks with ``for_each`` (a map: key -> display name)."""
    return {f"{kind}.{name}": {"for_each": instances, **_SHAPES[kind][0]()}
            for kind, name, instances in _blocks(n)}


def written_out(n: int) -> dict[str, dict[str, Any]]:
    """The same ``n`` resources, one block each (the instances' names, not their addresses, match)."""
    out: dict[str, dict[str, Any]] = {}
    for kind, name, instances in _blocks(n):
        for key, value in instances.items():
            out[f"{kind}.{name}_{key}"] = _SHAPES[kind][1](key, value)
    return out


def providers() -> tuple[str, ...]:
    """The providers this estate uses."""
    return tuple(sorted({kind.split("_", 1)[0] for kind in _SHAPES}))


def write(directory: Path, resources: dict[str, dict[str, Any]]) -> None:
    """``resources`` as ``part-NNN.yaml`` files of at most ``FILE_SIZE`` blocks (a for_each block
    counts as one block, as a user's file would hold it)."""
    directory.mkdir(parents=True, exist_ok=True)
    items = list(resources.items())
    for part, start in enumerate(range(0, len(items), FILE_SIZE)):
        doc = {"resources": dict(items[start:start + FILE_SIZE])}
        (directory / f"part-{part:03d}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, width=120),
                                                         encoding="utf-8")
