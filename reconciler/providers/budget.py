"""An adaptive concurrency budget: how many requests one provider may have in flight.

Additive increase, multiplicative decrease (the TCP rule): every throttled answer (429, or 503
with ``Retry-After``) halves the limit, down to 1; every other answer raises it by ``1/limit``
(about +1 per round of requests), up to the ceiling the provider declared or the user set. So a
rate-limited API slows the run down on its own instead of failing it, and recovers when the
platform does. Thread-safe; waiting requests block on a condition variable.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator


class AdaptiveBudget:
    """At most ``int(limit)`` holders at once; ``limit`` moves between 1 and ``ceiling``."""

    def __init__(self, ceiling: int, *, floor: int = 1) -> None:
        if ceiling < 1 or floor < 1 or floor > ceiling:
            raise ValueError("budget needs 1 <= floor <= ceiling")
        self.ceiling = ceiling
        self.floor = floor
        self._limit = float(ceiling)
        self._in_flight = 0
        self._peak = 0
        self._free = threading.Condition()

    @property
    def limit(self) -> int:
        with self._free:
            return int(self._limit)

    @property
    def peak(self) -> int:
        """The most holders seen at once (for tests and benchmarks)."""
        with self._free:
            return self._peak

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot while the block runs (waiting for one to be free)."""
        with self._free:
            while self._in_flight >= int(self._limit):
                self._free.wait()
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
        try:
            yield
        finally:
            with self._free:
                self._in_flight -= 1
                self._free.notify()

    def cap(self, ceiling: int) -> None:
        """Lower the ceiling to ``ceiling`` (the run's ``--parallelism``); never raises it."""
        with self._free:
            self.ceiling = max(self.floor, min(self.ceiling, ceiling))
            self._limit = min(self._limit, float(self.ceiling))

    def throttled(self) -> None:
        """The platform asked us to slow down: halve the limit."""
        with self._free:
            self._limit = max(float(self.floor), self._limit / 2)

    def succeeded(self) -> None:
        """An answer that was not throttled: creep back toward the ceiling."""
        with self._free:
            if self._limit < self.ceiling:
                self._limit = min(float(self.ceiling), self._limit + 1 / self._limit)
                self._free.notify_all()
