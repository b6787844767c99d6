"""What every part of the Dataiku world shares: the state dict, the clock, id generation,
version tags, futures and the project lookup.

``WorldCore`` is the base of ``models.DataikuWorld``; the object families (``projects``,
``datasets``, ``flow``, ``scenarios``, ``instance``, ``deployer``, ``wiki``) are mixins over it.
No HTTP here; errors are ``errors.DSSError``.

Futures model long-running tasks (plugin installs, deployment updates): a task's effect is
applied when it starts (after full validation), and its state reads ``hasResult: false`` until
it has been polled ``pending_polls`` times through ``GET /futures/{id}``. The default
``pending_polls=0`` makes every task finish at once (the start response already has the result,
as reference/dataiku.md §G.8 recommends, so nothing ever sleeps); tests raise it to exercise
the waiting paths with an injected sleep.
"""

from __future__ import annotations

import copy
import random
import string
import time
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.providers.dataiku.sandbox.errors import NotFound
from reconciler.providers.dataiku.sandbox.payloads.common import version_tag
from reconciler.providers.dataiku.sandbox.seed import ADMIN

ID_ALPHABET = string.ascii_letters + string.digits
FUTURE_ID_ALPHABET = string.ascii_lowercase + string.digits
MAX_FUTURES = 1000

Doc = dict[str, Any]


def deep_copy(value: Any) -> Any:
    return copy.deepcopy(value)


def deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """``overlay`` written over ``base`` recursively (dicts merge, anything else replaces)."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class WorldCore:
    """State, clock and identifiers of one in-memory DSS node (design node + project deployer)."""

    def __init__(self, seed: int = 0, clock: Callable[[], float] = time.time, pending_polls: int = 0) -> None:
        if pending_polls < 0:
            raise ValueError("pending_polls must be >= 0")
        self.seed = seed
        self.pending_polls = pending_polls
        self._clock = clock
        self._s: dict[str, Any] = {}
        #: answer seed-documented 204 writes with no body (``handlers.common.written``)
        self.seed_answers = False

    # -- time and ids ---------------------------------------------------------------------------
    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _new_id(self, length: int, alphabet: str, taken: Mapping[str, Any]) -> str:
        """A fresh id: ``random.Random(f"{seed}:{counter}")``, so stable for a given seed."""
        while True:
            self._s["idCounter"] += 1
            rng = random.Random(f"{self.seed}:{self._s['idCounter']}")
            candidate = "".join(rng.choice(alphabet) for _ in range(length))
            if candidate not in taken:
                return candidate

    def _bump(self, holder: Doc) -> None:
        """One more write to ``holder``: ``versionTag.versionNumber + 1``, now, by the key's user."""
        tag = holder["versionTag"]
        holder["versionTag"] = version_tag(tag["versionNumber"] + 1, self._now_ms())

    def _tags(self) -> tuple[Doc, Doc]:
        """A fresh ``(creationTag, versionTag)`` pair (one clock read)."""
        now = self._now_ms()
        return version_tag(0, now), version_tag(0, now)

    def _stamp_checklists(self, checklists: Doc) -> Doc:
        """What DSS adds to checklists it stores: an id and creation stamps where missing.

        The caller validated the shape (``payloads.ObjectMetadata``); nothing fails here.
        """
        lists = checklists.get("checklists", [])
        if all("id" in c and all("createdOn" in i for i in c.get("items", [])) for c in lists):
            return deep_copy(checklists)
        now = self._now_ms()
        taken = {c["id"]: True for c in lists if "id" in c}
        out = []
        for checklist in deep_copy(lists):
            if "id" not in checklist:
                checklist["id"] = self._new_id(8, ID_ALPHABET, taken)
                checklist.setdefault("createdOn", now)
                checklist.setdefault("createdBy", ADMIN["login"])
            for item in checklist.setdefault("items", []):
                item.setdefault("done", False)
                item.setdefault("createdOn", now)
                item.setdefault("createdBy", ADMIN["login"])
                item.setdefault("stateChangedOn", now)
            out.append(checklist)
        return {**checklists, "checklists": out}

    # -- futures --------------------------------------------------------------------------------
    def _future(self, result: Any, *, pending: bool = False) -> Doc:
        """Start a task whose effect already happened; ``pending`` tasks finish after polls."""
        futures = self._s["futures"]
        job_id = self._new_id(8, FUTURE_ID_ALPHABET, futures)
        polls = self.pending_polls if pending else 0
        state = {"jobId": job_id, "hasResult": polls == 0, "aborted": False, "alive": polls > 0,
                 "owner": ADMIN["login"], "runningTime": 0, "unknown": False,
                 "progress": {"states": []}, "pendingPolls": polls, "pendingResult": result}
        if polls == 0:
            state["result"] = result
        futures[job_id] = state
        while len(futures) > MAX_FUTURES:
            futures.pop(next(iter(futures)))
        return self._future_view(state)

    @staticmethod
    def _future_view(state: Doc) -> Doc:
        return {k: deep_copy(v) for k, v in state.items() if k not in ("pendingPolls", "pendingResult")}

    def list_futures(self) -> list[Doc]:
        return [self._future_view(f) for f in self._s["futures"].values() if f["alive"]]

    def get_future(self, job_id: str, peek: bool = False) -> Doc:
        """The task's state; a non-peek poll moves a pending task one step towards its result."""
        future = self._s["futures"].get(job_id)
        if future is None:
            raise NotFound(f"Future {job_id} does not exist")
        if not peek and future["alive"]:
            future["pendingPolls"] -= 1
            future["runningTime"] += 1000
            if future["pendingPolls"] <= 0:
                future.update(hasResult=True, alive=False, result=future["pendingResult"])
        return self._future_view(future)

    def abort_future(self, job_id: str) -> None:
        future = self._s["futures"].get(job_id)
        if future is None:
            raise NotFound(f"Future {job_id} does not exist")
        if future["alive"]:
            future.update(aborted=True, alive=False)

    # -- projects (every family lives in one) ---------------------------------------------------
    def _project(self, project_key: str) -> Doc:
        project = self._s["projects"].get(project_key)
        if project is None:
            raise NotFound(f"Project {project_key} does not exist")
        return project

    # -- flow hooks (``FlowModel`` implements them; datasets and managed folders call them) -----
    def _drop_recipes_using(self, project: Doc, ref: str) -> list[str]:
        """Delete the project's recipes that read or write ``ref``; return their names."""
        return []

    def _rename_refs(self, project: Doc, old: str, new: str) -> None:
        """Point the project's recipes at ``new`` wherever they referenced ``old``."""
