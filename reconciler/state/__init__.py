"""State: what reconciler manages, and where that record lives.

``model`` is the data (``State``, ``ResourceState``); ``snapshot`` its file format and format
upgrades; ``journal`` the apply journal and its replay; ``lease`` what every write lock shares
(holder record, takeover rule, heartbeat); ``lock`` the local lock and ``file_store`` the local
backend; ``postgres`` the team backend (with ``pg_conn``: URL, connections, tables; ``pg_lock``:
its lock); ``store`` the backend contract and ``open_store``; ``transfer`` state pull / push.
Nothing here talks to a platform or imports httpx.
"""

from reconciler.state.file_store import FileStateStore
from reconciler.state.journal import JournalEntry, PendingOp, replay
from reconciler.state.lease import StateLock
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
