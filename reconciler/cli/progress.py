"""Progress lines on stderr: apply hooks and the refresh counter (listeners only)."""

from __future__ import annotations

import threading
from typing import IO

from reconciler.addresses import Address
from reconciler.plan.ledger import APPLIED, FAILED, LedgerEntry
from reconciler.plan.model import Action

_DONE = {
    Action.CREATE: "Creation complete",
    Action.UPDATE: "Modifications complete",
    Action.REPLACE: "Replacement complete",
    Action.DELETE: "Destruction complete",
    Action.FORGET: "Removed from state",
    Action.NOOP: "Import complete",
}


class CliHooks:
    """Apply hooks printing one line when an operation starts and one when it ends."""

    def __init__(self, stream: IO[str], *, color: bool = False) -> None:
        self.stream = stream
        self.color = color
        self._lock = threading.Lock()

    def _write(self, line: str) -> None:
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    def on_start(self, address: Address, verb: str) -> None:
        self._write(f"{address}: {verb}...")

    def on_progress(self, address: Address, message: str) -> None:
        self._write(f"{address}: {message}")

    def on_finish(self, entry: LedgerEntry) -> None:
        if entry.outcome == APPLIED:
            ident = f" [id={entry.object_id}]" if entry.object_id else ""
            self._write(f"{entry.address}: {_DONE[entry.action]} after {entry.duration_s:.1f}s{ident}")
        elif entry.outcome == FAILED:
            self._write(f"{entry.address}: FAILED: {entry.detail}")
        else:
            self._write(f"{entry.address}: {entry.detail}")


def refresh_progress(stream: IO[str]):
    """A refresh progress callback that rewrites one line (for terminals)."""

    def report(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        stream.write(f"\rRefreshing state... {done}/{total}{end}")
        stream.flush()

    return report
