"""Routes as data: ``Route(method, "/projects/{projectKey}/datasets/{name}", handler)``.

A ``Router`` matches a request's decoded path segments against its routes, after stripping one
of its prefixes (a platform may serve several, e.g. Dataiku's ``public/api`` and
``dip/publicapi``). A ``{name}`` placeholder matches exactly one segment; literal segments beat
placeholders (``/datasets/managed`` wins over ``/datasets/{name}`` for the methods it has).
Handlers are opaque to the router: emulators decide how to call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Route:
    """One operation: an HTTP method, a path pattern (``/a/{b}/c``) and the handler for it."""

    method: str
    pattern: str
    handler: Any
    parts: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())
        parts = tuple(p for p in self.pattern.split("/") if p)
        for part in parts:
            if part.startswith("{") != part.endswith("}"):
                raise ValueError(f"malformed placeholder {part!r} in route {self.pattern!r}")
        object.__setattr__(self, "parts", parts)

    def match(self, segments: tuple[str, ...]) -> dict[str, str] | None:
        """The placeholder values if ``segments`` fit this pattern, else ``None``."""
        if len(segments) != len(self.parts):
            return None
        params: dict[str, str] = {}
        for part, segment in zip(self.parts, segments):
            if part.startswith("{"):
                params[part[1:-1]] = segment
            elif part != segment:
                return None
        return params

    @property
    def specificity(self) -> tuple[bool, ...]:
        """Sort key: a literal segment earlier in the path ranks higher."""
        return tuple(not p.startswith("{") for p in self.parts)


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    params: Mapping[str, str]


@dataclass(frozen=True)
class MethodNotAllowed:
    """The path exists but not for this method; ``allowed`` lists the methods it has."""

    allowed: tuple[str, ...]


class Router:
    """Resolves (method, segments) to a ``RouteMatch``, a ``MethodNotAllowed`` or ``None``."""

    def __init__(self, routes: Iterable[Route], prefixes: Iterable[str] = ("",)) -> None:
        self.routes = tuple(sorted(routes, key=lambda r: r.specificity, reverse=True))
        self.prefixes = tuple(tuple(p for p in prefix.split("/") if p) for prefix in prefixes)
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for route in self.routes:
            key = (route.method, tuple("{}" if p.startswith("{") else p for p in route.parts))
            if key in seen:
                raise ValueError(f"duplicate route {route.method} {route.pattern}")
            seen.add(key)

    def strip_prefix(self, segments: tuple[str, ...]) -> tuple[str, ...] | None:
        """``segments`` without the first (longest) matching prefix, or ``None`` if none fits."""
        for prefix in sorted(self.prefixes, key=len, reverse=True):
            if segments[: len(prefix)] == prefix:
                return segments[len(prefix):]
        return None

    def resolve(self, method: str, segments: tuple[str, ...]) -> RouteMatch | MethodNotAllowed | None:
        rest = self.strip_prefix(segments)
        if rest is None:
            return None
        allowed: list[str] = []
        for route in self.routes:  # most specific first
            params = route.match(rest)
            if params is None:
                continue
            if route.method == method.upper():
                return RouteMatch(route, params)
            allowed.append(route.method)
        return MethodNotAllowed(tuple(sorted(set(allowed)))) if allowed else None
