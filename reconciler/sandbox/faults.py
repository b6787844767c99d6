"""Seeded fault injection: decides, before a request reaches its emulator, whether it fails.

A failing request fails in one of three ways, drawn uniformly from the enabled kinds:
``"5xx"`` (500, 502 or 503 with the platform's error body), ``"429"`` (with ``Retry-After``)
or ``"drop"`` (the connection is closed without an answer). Draws come from one
``random.Random(seed)`` so a single-threaded run is repeatable.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FAULT_KINDS: tuple[str, ...] = ("5xx", "429", "drop")
_SERVER_ERRORS = (500, 502, 503)


@dataclass(frozen=True)
class Fault:
    """One injected failure: ``kind`` is ``5xx``, ``429`` or ``drop``; ``status`` is 0 for drops."""

    kind: str
    status: int


class FaultInjector:
    """Draws faults at ``rate`` (0.0 to 1.0) among ``kinds``; ``reset()`` replays from the seed."""

    def __init__(self, rate: float = 0.0, seed: int = 0, kinds: tuple[str, ...] = FAULT_KINDS) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {rate}")
        unknown = set(kinds) - set(FAULT_KINDS)
        if unknown or not kinds:
            raise ValueError(f"fault kinds must be a non-empty subset of {FAULT_KINDS}, got {kinds}")
        self.rate = rate
        self.seed = seed
        self.kinds = tuple(kinds)
        self._rng = random.Random(seed)

    def reset(self) -> None:
        self._rng = random.Random(self.seed)

    def draw(self) -> Fault | None:
        """The fault for the next request, or ``None`` (never draws when the rate is 0)."""
        if self.rate <= 0.0 or self._rng.random() >= self.rate:
            return None
        kind = self._rng.choice(self.kinds)
        if kind == "5xx":
            return Fault(kind, self._rng.choice(_SERVER_ERRORS))
        if kind == "429":
            return Fault(kind, 429)
        return Fault(kind, 0)
