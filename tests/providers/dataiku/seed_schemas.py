"""The JSON Schemas of the Dataiku seed reference (``/work/shared/seeds/001_*.txt``, the DSS public
API flattened to text), by route and status: what the emulator's answers are validated against.

The seed writes each route as ``METHOD/path`` (``GET/projects/{projectKey}/datasets/``, query
parameters as ``{?name}``), then its request and its responses (``Response  200``), each body
followed by ``Schema`` and a draft-04 JSON Schema. ``schemas()`` returns ``{(method, template,
status): schema}`` for the responses; ``match(method, path)`` finds a served path's template.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

SEED = Path("/work/shared/seeds/001_11ec405ec4ac6fdc.txt")
_ROUTE = re.compile(r"^(GET|POST|PUT|DELETE|PATCH)(/\S*)$")
_RESPONSE = re.compile(r"^Response\s+(\d{3})")
#: the seed's spelling of the project list, whose ``{tags}`` is a query parameter
_ALIASES = {"/projects/{tags}": "/projects/"}

Key = tuple[str, str, int]


def _template(path: str) -> str:
    path = re.sub(r"\{\?[^}]*\}", "", path)
    return _ALIASES.get(path, path)


def _json_after(lines: list[str], start: int) -> tuple[Any, int]:
    """The JSON document starting at ``lines[start]`` and the index after it (None if it never
    parses: a schema the seed cut short)."""
    buffer: list[str] = []
    for index in range(start, min(len(lines), start + 2000)):
        buffer.append(lines[index])
        if lines[index].strip() in ("}", "]"):
            try:
                return json.loads("\n".join(buffer)), index + 1
            except ValueError:
                continue
    return None, start + 1


@lru_cache(maxsize=1)
def schemas() -> dict[Key, dict[str, Any]]:
    """Response schemas by (method, template, status); the first one where the seed repeats a route."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    route: tuple[str, str] | None = None
    status: int | None = None
    out: dict[Key, dict[str, Any]] = {}
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if (m := _ROUTE.match(line)) is not None:
            route, status = (m.group(1), _template(m.group(2))), None
        elif line.startswith("Request"):
            status = None
        elif (m := _RESPONSE.match(line)) is not None:
            status = int(m.group(1))
        elif line == "Schema" and route is not None and status is not None:
            doc, index = _json_after(lines, index + 1)
            if isinstance(doc, dict):
                out.setdefault((route[0], route[1], status), doc)
            continue
        index += 1
    return out


def _pattern(template: str) -> re.Pattern[str]:
    parts = [p for p in template.strip("/").split("/") if p]
    regex = "/".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^/{regex}/?$")


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[str, str, re.Pattern[str], int]]:
    """Templates with more literal segments first, so ``/scenarios/{id}/light`` wins over ``/{runId}``."""
    keys = sorted(schemas(), key=lambda k: (-sum(not p.startswith("{") for p in k[1].split("/")), k[1]))
    return [(method, template, _pattern(template), status) for method, template, status in keys]


def match(method: str, path: str) -> list[Key]:
    """The seed's keys for a served request (its path relative to the API prefix)."""
    found = []
    for m, template, pattern, status in _compiled():
        if m == method and pattern.match(path):
            if found and found[0][1] != template:
                break
            found.append((m, template, status))
    return found
