"""The sandbox's own request and response types: what both adapters (the in-process httpx
transport and the real socket server) hand to ``Sandbox.handle`` and get back.

Owns path normalisation (repeated slashes collapsed, trailing slash optional, each segment
URL-decoded), query parsing (repeated keys kept as lists) and the JSON helpers emulators use.
Knows nothing about any platform.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, unquote

JSON_CONTENT_TYPE = "application/json"

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})


class Headers(Mapping[str, str]):
    """A read-only, case-insensitive header mapping (one value per name; repeats are joined
    with ``", "`` as HTTP allows)."""

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        store: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            if key in store:
                store[key] = (store[key][0], f"{store[key][1]}, {value}")
            else:
                store[key] = (name, value)
        self._store = store

    def __getitem__(self, name: str) -> str:
        return self._store[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._store

    def __repr__(self) -> str:
        # Header values may hold credentials: show names only.
        return f"Headers({sorted(self)!r})"


def split_path(path: str) -> tuple[str, ...]:
    """``"//a/b%20c/"`` -> ``("a", "b c")``: empty segments dropped, each segment URL-decoded."""
    return tuple(unquote(part) for part in path.split("/") if part)


def parse_bool(value: str) -> bool:
    """Parse a query-string boolean case-insensitively (``True``, ``false``, ``1``...).

    Raises ``ValueError`` for anything else."""
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a boolean (expected true or false)")


@dataclass(frozen=True)
class SandboxRequest:
    """One HTTP request as an emulator sees it.

    ``path`` is the raw (still percent-encoded) path without the query string; ``segments`` is
    its normalised, decoded form. ``query`` keeps every value of a repeated key.
    """

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())
        if not isinstance(self.headers, Headers):
            object.__setattr__(self, "headers", Headers(self.headers))

    @classmethod
    def from_target(
        cls,
        method: str,
        target: str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> "SandboxRequest":
        """Build from an HTTP request target (``/path?query``), as both adapters receive it."""
        path, _, query = target.partition("?")
        return cls(method, path or "/", parse_qs(query, keep_blank_values=True), Headers(headers), body)

    @cached_property
    def segments(self) -> tuple[str, ...]:
        return split_path(self.path)

    def json(self) -> Any:
        """The body parsed as JSON whatever the Content-Type; ``None`` for an empty body.

        Raises ``ValueError`` when the body is not valid JSON."""
        if not self.body.strip():
            return None
        return json.loads(self.body.decode("utf-8"))

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str, *, comma_separated: bool = False) -> list[str]:
        """Every value of a query parameter, repeated (``a=1&a=2``) and, if asked, comma-separated
        (``a=1,2``); empty values dropped."""
        out: list[str] = []
        for value in self.query.get(name, []):
            parts = value.split(",") if comma_separated else [value]
            out.extend(p.strip() for p in parts if p.strip())
        return out

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean query parameter (``True``/``false``/``1``...). Raises ``ValueError`` if malformed."""
        value = self.arg(name)
        return default if value is None else parse_bool(value)

    def __repr__(self) -> str:
        return f"SandboxRequest({self.method} {self.path})"


@dataclass(frozen=True)
class SandboxResponse:
    """What an emulator answers: status, body bytes and headers."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json_body(
        cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> "SandboxResponse":
        """A JSON response (``Content-Type: application/json``)."""
        merged = {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})}
        return cls(status, json.dumps(data, separators=(",", ":")).encode("utf-8"), merged)

    @classmethod
    def empty(cls, status: int = 204, headers: Mapping[str, str] | None = None) -> "SandboxResponse":
        """A response with no body (204 by default)."""
        return cls(status, b"", dict(headers or {}))

    def with_headers(self, extra: Mapping[str, str]) -> "SandboxResponse":
        """A copy with ``extra`` headers added (existing names win over nothing; extra wins)."""
        return SandboxResponse(self.status, self.body, {**self.headers, **extra})

    def json(self) -> Any:
        """The body parsed as JSON (for tests and adapters)."""
        return json.loads(self.body.decode("utf-8")) if self.body else None
