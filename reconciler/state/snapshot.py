"""The snapshot file format: bytes <-> ``State``, with data-driven format upgrades.

A snapshot is ``State.to_json()`` with sorted keys, one key of the document and of each resource
per line (resources are already sorted by address; see ``encode_state``), and a trailing
newline, so that the same state always gives the same bytes and state files diff cleanly in
review.

Format upgrades are a table: ``UPGRADES[v]`` turns a version-``v`` document into a version
``v + 1`` document. Reading applies the steps from the file's ``format_version`` up to the
current one; a version newer than ours, or one no step leads from, is refused.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.errors import StateCorruptError, StateError
from reconciler.state.model import FORMAT_VERSION, State

Document = dict[str, Any]

#: version -> function turning a document of that version into one of the next version.
#: Empty while format 1 is the only format there has ever been.
UPGRADES: dict[int, Callable[[Document], Document]] = {}


_compact = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(", ", ": ")).encode


def encode_state(state: State) -> bytes:
    """The snapshot bytes of ``state`` (stable: equal states give equal bytes).

    The document and each resource are laid out one key per line, sorted; each resource field's
    value (``attrs``, ``outputs``...) is written on its line in one piece. So a review diff names
    the resource and the field that changed, and the writer stays in the C JSON encoder (an
    indented dump is the pure-Python one: most of a large apply's final write)."""
    document = state.to_json()
    try:
        lines = ["{"]
        top = sorted(document)
        for i, key in enumerate(top):
            end = "," if i < len(top) - 1 else ""
            if key != "resources":
                lines.append(f"  {_compact(key)}: {_compact(document[key])}{end}")
                continue
            resources = document[key]
            if not resources:
                lines.append(f'  "resources": []{end}')
                continue
            lines.append('  "resources": [')
            for j, resource in enumerate(resources):
                fields = sorted(resource)
                lines.append("    {")
                lines.extend(f"      {_compact(f)}: {_compact(resource[f])}{',' if k < len(fields) - 1 else ''}"
                             for k, f in enumerate(fields))
                lines.append("    }," if j < len(resources) - 1 else "    }")
            lines.append(f"  ]{end}")
        lines.append("}")
    except (TypeError, ValueError) as exc:
        raise StateError(f"cannot record the state: a value is not JSON ({exc})") from None
    return ("\n".join(lines) + "\n").encode("utf-8")


def resources_document(state: State) -> list[Any]:
    """The serialized resources and outputs, for "did anything change" comparisons."""
    document = state.to_json()
    return [*document["resources"], {"outputs": document.get("outputs", {})}]


def upgrade(
    data: Document,
    *,
    steps: Mapping[int, Callable[[Document], Document]] = UPGRADES,
    current: int = FORMAT_VERSION,
) -> Document:
    """Bring a decoded snapshot up to format ``current``; ``ValueError`` says why it cannot."""
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError(f"format_version is {version!r}, expected an integer")
    if version > current:
        raise ValueError(
            f"format_version {version} is newer than this reconciler understands ({current}); "
            "upgrade reconciler"
        )
    while version < current:
        step = steps.get(version)
        if step is None:
            raise ValueError(
                f"format_version {version} is not a known format (current: {current})")
        data = step(data)
        version += 1
        data["format_version"] = version
    return data


def decode_state(raw: bytes, *, source: str) -> State:
    """Parse snapshot bytes from ``source``; ``StateCorruptError`` names the file and the fix."""
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, found {type(data).__name__}")
        data = upgrade(data)
        lineage = data.get("lineage")
        if not isinstance(lineage, str) or not lineage:
            raise ValueError("lineage is missing")
        serial = data.get("serial")
        if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
            raise ValueError(f"serial is {serial!r}, expected a non-negative integer")
        if not isinstance(data.get("resources", []), list):
            raise ValueError("resources is not a list")
        addresses = [r.get("address") if isinstance(r, dict) else None for r in data.get("resources", [])]
        twice = sorted(a for a, n in Counter(a for a in addresses if a is not None).items() if n > 1)
        if twice:
            raise ValueError(f"{', '.join(map(str, twice))} listed twice (edited by hand?)")
        return State.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        detail = str(exc) if not isinstance(exc, KeyError) else f"missing key {exc}"
        raise StateCorruptError(
            f"state file {source} is not a valid state: {detail}",
            hint=(
                f"restore the previous snapshot from {source}.backup if it is valid, or fix the "
                "file by hand; reconciler will not overwrite a state file it cannot read"
            ),
        ) from None
