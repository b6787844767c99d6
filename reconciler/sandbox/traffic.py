"""Traffic rules and traffic accounting per platform, outside any emulator.

``RateLimiter``: a per-token request rate on chosen platforms. Each (platform, credentials) pair
has its own token bucket holding at most one second's worth of requests (``max(1, rps)``) and
refilled at ``rps`` per second; a request that finds the bucket empty is refused, and the
sandbox answers it with the platform's own 429 (``Emulator.error_response``) and a
``Retry-After`` of the whole seconds until the bucket holds a request again (at least 1, as
the header takes whole seconds). The credentials are the request's ``Authorization`` header as
presented (a request without one shares the platform's anonymous bucket): a client with a wrong
token cannot spend the budget of the right one. So the fewest seconds N requests can take on a
limited platform is about ``N / rps`` (the *rate floor*; the first second's burst makes it at
most one second less).

``RouteCounter``: requests answered per platform by (method, route template), e.g.
``GET /projects/{projectKey}/datasets/``, so that a benchmark can say which calls a run made.
Requests are counted by their decoded path; templates are resolved when asked for (a routed
emulator's ``Router``: the prefix taken and the route's pattern; any other path has every
segment holding a digit shown as ``{}``).

Neither class locks: the sandbox calls them under its own lock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from reconciler.sandbox.emulator import Emulator, RoutedEmulator
from reconciler.sandbox.routing import RouteMatch


@dataclass
class _Bucket:
    tokens: float
    updated: float


def check_rate(platform: str, rps: object) -> float:
    """``rps`` as a float if it is a finite number of requests per second above 0; else
    ``ValueError`` naming ``platform``."""
    if isinstance(rps, bool) or not isinstance(rps, (int, float)) or not math.isfinite(rps) or rps <= 0:
        raise ValueError(f"the rate limit of {platform} must be a number of requests per second above 0, "
                         f"got {rps!r}")
    return float(rps)


class RateLimiter:
    """Token buckets per (platform, credentials) for the platforms given a rate in ``rates``
    (platform -> requests per second). ``clock`` (seconds, monotonic) is injectable for tests."""

    def __init__(self, rates: Mapping[str, float] | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rates = {platform: check_rate(platform, rps) for platform, rps in (rates or {}).items()}
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._refused: dict[str, int] = {}

    @property
    def rates(self) -> dict[str, float]:
        """Platform -> requests per second in force (``{}``: no limit anywhere)."""
        return dict(self._rates)

    @property
    def refused(self) -> dict[str, int]:
        """Platform -> requests refused since the last ``reset`` (platforms with none left out)."""
        return dict(self._refused)

    def reset(self) -> None:
        """Every bucket full again and the refusal counts at 0; the rates stay."""
        self._buckets.clear()
        self._refused.clear()

    def admit(self, platform: str, credentials: str) -> float | None:
        """``None`` if the request may go (it takes one request from its bucket), else the
        seconds until its bucket holds one again (the request is refused and counted)."""
        rps = self._rates.get(platform)
        if rps is None:
            return None
        now = self._clock()
        capacity = max(1.0, rps)
        bucket = self._buckets.get((platform, credentials))
        if bucket is None:
            bucket = self._buckets[(platform, credentials)] = _Bucket(capacity, now)
        else:
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rps)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        self._refused[platform] = self._refused.get(platform, 0) + 1
        return (1.0 - bucket.tokens) / rps


def retry_after_header(wait_s: float) -> str:
    """``Retry-After`` for a wait of ``wait_s`` seconds: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(wait_s)))


class RouteCounter:
    """Requests per (platform, method, decoded path), reported by route template."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, tuple[str, ...]], int] = {}

    def add(self, platform: str, method: str, path: tuple[str, ...]) -> None:
        """Count one request; ``path`` is its decoded segments after the platform's own."""
        key = (platform, method, path)
        self._counts[key] = self._counts.get(key, 0) + 1

    def reset(self) -> None:
        self._counts.clear()

    def by_route(self, emulators: Mapping[str, Emulator]) -> dict[str, dict[str, int]]:
        """Platform -> ``"METHOD /template"`` -> requests, templates sorted within a platform."""
        out: dict[str, dict[str, int]] = {}
        for (platform, method, path), n in self._counts.items():
            routes = out.setdefault(platform, {})
            name = f"{method} {route_template(emulators.get(platform), method, path)}"
            routes[name] = routes.get(name, 0) + n
        return {platform: dict(sorted(routes.items())) for platform, routes in sorted(out.items())}


def route_template(emulator: Emulator | None, method: str, path: tuple[str, ...]) -> str:
    """The prefix ``path`` went through and the route pattern it matched on ``emulator``
    (``/dip/publicapi/projects/{projectKey}``), or the path with every segment that holds a
    digit written ``{}`` when no route of a routed emulator's ``router`` matched it for
    ``method``."""
    if isinstance(emulator, RoutedEmulator):
        match = emulator.router.resolve(method, path)
        rest = emulator.router.strip_prefix(path)
        if isinstance(match, RouteMatch) and rest is not None:
            return "/" + "/".join((*path[: len(path) - len(rest)], *match.route.parts))
    return "/" + "/".join("{}" if any(c.isdigit() for c in segment) else segment for segment in path)
