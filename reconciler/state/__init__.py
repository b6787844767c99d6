"""State: what reconciler manages, and where that record lives.

``model`` is the data (``State``, ``ResourceState``); ``snapshot`` its file format and format
upgrades; ``journal`` the apply journal and its replay; ``lock`` the write lock; ``file_store``
the local backend; ``store`` the backend contract and ``open_store``. Nothing here talks to a
platform or imports httpx.
"""

from reconciler.state.file_store import FileStateStore
from reconciler.state.journal import JournalEntry, PendingOp, replay
from reconciler.state.lock import StateLock
from reconciler.state.model import ResourceState, State
from reconciler.state.store import StateStore, open_store

__all__ = [
    "FileStateStore",
    "JournalEntry",
    "PendingOp",
    "ResourceState",
    "State",
    "StateLock",
    "StateStore",
    "open_store",
    "replay",
]
