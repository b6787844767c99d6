"""An adaptive concurrency budget: how many requests one provider may have in flight.

Additive increase, multiplicative decrease (the TCP rule): every throttled answer (429, or 503
with ``Retry-After``) halves the limit, down to 1; every other answer raises it by ``1/limit``
(about +1 per round of requests), up to the ceiling the provider declared or the user set. So a
rate-limited API slows the run down on its own instead of failing it, and recovers when the
platform does. Thread-safe; waiting requests block on a condition variable.

Requests for work already underway go first: ``fan_out`` marks its calls (``FOLLOW_UP``), the
per-object reads of a ``read_many`` that has its list, and a free slot goes to one of those
before any request that would start new work. Started work then finishes (and what waits on it
settles) instead of every piece of work finishing last, together.
"""

from __future__ import annotations

import contextvars
import threading
from contextlib import contextmanager
from typing import Iterator

#: True in calls made for work already underway (set by ``providers.base.fan_out``)
FOLLOW_UP: contextvars.ContextVar[bool] = contextvars.ContextVar("follow_up", default=False)


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
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)  # new work waits here
        self._first = threading.Condition(self._lock)  # follow-ups wait here, and go first
        self._follow_ups_waiting = 0

    @property
    def limit(self) -> int:
        with self._lock:
            return int(self._limit)

    @property
    def peak(self) -> int:
        """The most holders seen at once (for tests and benchmarks)."""
        with self._lock:
            return self._peak

    @contextmanager
    def slot(self, follow_up: bool | None = None) -> Iterator[None]:
        """Hold one slot; ``follow_up`` (default: ``FOLLOW_UP`` of the caller's context) waits
        ahead of new work."""
        first = FOLLOW_UP.get() if follow_up is None else follow_up
        with self._lock:
            if first:
                self._follow_ups_waiting += 1
                try:
                    while self._in_flight >= int(self._limit):
                        self._first.wait()
                finally:
                    self._follow_ups_waiting -= 1
            else:  # the slots waiting follow-ups will take are theirs
                while self._in_flight + self._follow_ups_waiting >= int(self._limit):
                    self._cond.wait()
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self._wake()

    def _wake(self) -> None:
        """A slot is free (the lock is held): a waiting follow-up takes it; new work looks again
        (it goes if more slots are free than follow-ups wait)."""
        if self._follow_ups_waiting:
            self._first.notify()
        self._cond.notify()

    def cap(self, ceiling: int) -> None:
        """Lower the ceiling to ``ceiling`` (the run's ``--parallelism``); never raises it."""
        with self._lock:
            self.ceiling = max(self.floor, min(self.ceiling, ceiling))
            self._limit = min(self._limit, float(self.ceiling))

    def throttled(self) -> None:
        """The platform asked us to slow down: halve the limit."""
        with self._lock:
            self._limit = max(float(self.floor), self._limit / 2)

    def succeeded(self) -> None:
        """An answer that was not throttled: creep back toward the ceiling."""
        with self._lock:
            if self._limit < self.ceiling:
                self._limit = min(float(self.ceiling), self._limit + 1 / self._limit)
                self._first.notify_all()
                self._cond.notify_all()
