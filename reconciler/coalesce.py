"""Merging calls that several threads make at once into batch calls (``Coalescer``).

Used where an API takes a batch but the engine works object by object (the semantic service's
``batch-approve``), and for the state journal's group commit (the lines that several apply steps
record at once share one write and one fsync).
"""

from __future__ import annotations

import threading
from typing import Any, Callable


class Coalescer:
    """Merges calls made by several threads at once into batch calls, without waiting for company.

    A caller whose batch call finds none in flight sends at once, with every item waiting by then;
    a caller arriving while a call is in flight queues, and when that call ends, one queued caller
    sends the next batch for all queued so far. So a lone caller pays one round trip, and N callers
    arriving together pay about two, in two requests instead of N. ``send`` gets the items and
    returns one answer per item, in order; its exception is raised in every caller of that batch.
    """

    def __init__(self, send: Callable[[list[Any]], list[Any]], limit: int) -> None:
        self._send = send
        self._limit = max(1, limit)
        self._lock = threading.Lock()
        self._queue: list[_Waiter] = []
        self._busy = False

    def call(self, item: Any) -> Any:
        me = _Waiter(item)
        with self._lock:
            self._queue.append(me)
            lead = not self._busy
            if lead:
                self._busy = True
        if not lead:
            me.ready.wait()
            if me.done:
                return me.result()
        # leading: send for everyone queued (me among them), then hand the lead on
        with self._lock:
            batch, self._queue = self._queue[: self._limit], self._queue[self._limit:]
        try:
            answers = self._send([w.item for w in batch])
            if len(answers) != len(batch):
                raise RuntimeError(f"batch call answered {len(answers)} of {len(batch)} items")
            for waiter, answer in zip(batch, answers):
                waiter.answer = answer
        except BaseException as exc:  # every caller of the batch sees the failure
            for waiter in batch:
                waiter.error = exc
        finally:
            with self._lock:
                successor = self._queue[0] if self._queue else None
                if successor is None:
                    self._busy = False
            for waiter in batch:
                if waiter is not me:
                    waiter.done = True
                    waiter.ready.set()
            if successor is not None:
                successor.ready.set()  # not done: it leads the next batch
        me.done = True
        return me.result()


class _Waiter:
    __slots__ = ("item", "ready", "done", "answer", "error")

    def __init__(self, item: Any) -> None:
        self.item = item
        self.ready = threading.Event()
        self.done = False
        self.answer: Any = None
        self.error: BaseException | None = None

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.answer
