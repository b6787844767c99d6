"""Seeded fault injection: decides, before a request reaches its emulator, whether it fails.

A failing request fails in one of these ways:

- ``"5xx"``: 500, 502 or 503 with the platform's error body;
- ``"429"``: 429 with ``Retry-After`` and the platform's error body;
- ``"drop"``: the connection is closed without an answer;
- ``"echo"``: 500 whose body echoes the request's headers (``Authorization`` included), as a
  misconfigured proxy's debug page does; only by an explicit per-kind rate, never by default.

Two ways to set the rates, one ``FaultInjector`` either way:

- ``FaultInjector(rate, seed, kinds)``: a request fails with probability ``rate``, the kind drawn
  uniformly from ``kinds`` (the original knob: ``reconciler sandbox --fault-rate``);
- ``FaultInjector.per_kind({"5xx": 0.10, "429": 0.05, "drop": 0.01}, seed)``: each kind at its
  own rate (they add up: here 16 % of requests fail).

Draws come from one ``random.Random(seed)`` so a single-threaded run is repeatable.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

FAULT_KINDS: tuple[str, ...] = ("5xx", "429", "drop")
#: every kind a per-kind rate may name (``echo`` is opt-in: not among the default kinds)
ALL_FAULT_KINDS: tuple[str, ...] = (*FAULT_KINDS, "echo")
_SERVER_ERRORS = (500, 502, 503)


@dataclass(frozen=True)
class Fault:
    """One injected failure: ``kind`` is ``5xx``, ``429``, ``drop`` or ``echo``; ``status`` is 0
    for drops."""

    kind: str
    status: int


class FaultInjector:
    """Draws faults at ``rate`` (0.0 to 1.0) among ``kinds``; ``reset()`` replays from the seed.

    ``rates`` (kind -> probability) is what is in force, whichever way it was set.
    """

    def __init__(self, rate: float = 0.0, seed: int = 0, kinds: tuple[str, ...] = FAULT_KINDS) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {rate}")
        unknown = set(kinds) - set(ALL_FAULT_KINDS)
        if unknown or not kinds:
            raise ValueError(f"fault kinds must be a non-empty subset of {ALL_FAULT_KINDS}, got {kinds}")
        self.rate = rate
        self.seed = seed
        self.kinds = tuple(kinds)
        self._per_kind: dict[str, float] | None = None
        self._rng = random.Random(seed)

    @classmethod
    def per_kind(cls, rates: Mapping[str, float], seed: int = 0) -> "FaultInjector":
        """Each kind at its own rate; the rates must add up to at most 1."""
        unknown = set(rates) - set(ALL_FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kind(s) {sorted(unknown)}; allowed: {', '.join(ALL_FAULT_KINDS)}")
        clean: dict[str, float] = {}
        for kind in ALL_FAULT_KINDS:
            if kind not in rates:
                continue
            value = rates[kind]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"the {kind} fault rate must be a number between 0 and 1, got {value!r}")
            clean[kind] = float(value)
        total = sum(clean.values())
        if total > 1.0 + 1e-9:
            raise ValueError(f"fault rates add up to {total:g}; at most 1 is possible")
        injector = cls(min(total, 1.0), seed, tuple(clean) or FAULT_KINDS)
        injector._per_kind = clean
        return injector

    @property
    def rates(self) -> dict[str, float]:
        """Kind -> probability that a request fails that way."""
        if self._per_kind is not None:
            return dict(self._per_kind)
        return {kind: self.rate / len(self.kinds) for kind in self.kinds} if self.rate else {}

    def reset(self) -> None:
        self._rng = random.Random(self.seed)

    def draw(self) -> Fault | None:
        """The fault for the next request, or ``None`` (never draws when the rate is 0)."""
        if self.rate <= 0.0:
            return None
        if self._per_kind is not None:
            return self._draw_per_kind()
        if self._rng.random() >= self.rate:
            return None
        return self._fault(self._rng.choice(self.kinds))

    def _draw_per_kind(self) -> Fault | None:
        assert self._per_kind is not None
        point = self._rng.random()
        edge = 0.0
        for kind, rate in self._per_kind.items():
            edge += rate
            if point < edge:
                return self._fault(kind)
        return None

    def _fault(self, kind: str) -> Fault:
        if kind == "5xx":
            return Fault(kind, self._rng.choice(_SERVER_ERRORS))
        if kind == "429":
            return Fault(kind, 429)
        if kind == "echo":
            return Fault(kind, 500)
        return Fault(kind, 0)
