"""Typed calls to the Dataiku DSS public API, one method per endpoint the resource types use.

Owns the wire details the official client (``dataikuapi`` 15.2) uses: the ``/dip/publicapi``
prefix under the DSS host, query booleans spelled ``True``/``False``, trailing slashes where the
client puts them, the error body ``{errorType, message, detailedMessage}``, and waiting for
futures (long-running tasks). No business logic: merging, diffing and choosing calls belong to
``resources/``. Path segments are URL-quoted (the official client does not quote, which breaks
on a ``/`` in a name; DSS decodes segments either way).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable

import httpx

from reconciler.errors import ApiError, ProviderError
from reconciler.providers.dataiku.calls_admin import AdminCalls
from reconciler.providers.dataiku.calls_deployer import DeployerCalls
from reconciler.providers.dataiku.calls_flow import FlowCalls
from reconciler.providers.dataiku.calls_instance import InstanceCalls
from reconciler.providers.dataiku.paths import PREFIX, flag as _flag, path as _path
from reconciler.providers.http import HttpClient, default_error_message

__all__ = ["PREFIX", "DataikuClient", "error_message", "is_not_found"]

_NOT_FOUND_TYPES = ("NotFoundException", "UnknownObject")

Doc = dict[str, Any]


def error_message(response: httpx.Response) -> str:
    """``"<errorType short name>: <detailedMessage or message>"``, as the official client shows it."""
    doc = _error_doc(response)
    if doc is None:
        return default_error_message(response)
    kind = str(doc.get("errorType") or "Unknown error").rsplit(".", 1)[-1]
    text = doc.get("detailedMessage") or doc.get("message") or "No message"
    return f"{kind}: {text}"


def is_not_found(response: httpx.Response) -> bool:
    """Not found = a DSS error body whose errorType says so, or a 404 carrying a DSS error body.

    A bare 404 (no ``errorType``: a wrong base URL, a proxy page) is *not* "not found": reading it
    as "the object is gone" would make a plan create everything again.
    """
    doc = _error_doc(response)
    if doc is None:
        return False
    kind = str(doc.get("errorType") or "")
    return response.status_code == 404 or any(t in kind for t in _NOT_FOUND_TYPES)


def _error_doc(response: httpx.Response) -> Doc | None:
    try:
        doc = json.loads(response.content) if response.content.strip() else None
    except ValueError:
        return None
    return doc if isinstance(doc, dict) and "errorType" in doc else None


class DataikuClient(FlowCalls, InstanceCalls, AdminCalls, DeployerCalls):
    """One DSS instance. ``sleep``/``clock`` drive future and run polling (inject them in tests).

    The calls of the flow, the instance-level objects and the project deployer live in the
    ``calls_*`` mixins; this class holds the transport, futures, folders, projects and datasets.
    """

    def __init__(
        self,
        http: HttpClient,
        *,
        future_timeout: float = 600.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.future_timeout = future_timeout
        self._sleep = sleep
        self._clock = clock
        self._identity: Doc | None = None
        self._identity_lock = threading.Lock()

    def close(self) -> None:
        self.http.close()

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        return self.http.json(method, path, **kw)

    def _send(self, method: str, path: str, **kw: Any) -> None:
        self.http.request(method, path, **kw)

    # -- identity --------------------------------------------------------------------------
    def auth_info(self) -> Doc:
        """``GET /auth/info``: who the API key acts as (``authIdentifier``, groups); asked once per
        client, however many threads ask at once (a key's identity does not change during a run)."""
        with self._identity_lock:
            if self._identity is None:
                self._identity = self._json("GET", _path("auth", "info"), params={"withSecrets": "False"})
            return dict(self._identity)

    # -- project folders -------------------------------------------------------------------
    def get_folder(self, folder_id: str) -> Doc:
        """``{id, name, parentId, childrenIds, projectKeys}``; ``ROOT`` is the root folder."""
        return self._json("GET", _path("project-folders", folder_id))

    def get_folder_settings(self, folder_id: str) -> Doc:
        """``{name, owner, permissions: [{group|user, read, writeContents, admin}]}``."""
        return self._json("GET", _path("project-folders", folder_id, "settings"))

    def put_folder_settings(self, folder_id: str, settings: Doc) -> None:
        self._send("PUT", _path("project-folders", folder_id, "settings"), json=settings)

    def create_folder(self, parent_id: str, name: str) -> Doc:
        """``POST /project-folders/{parent}/children?name=`` (no body); returns the new folder."""
        return self._json("POST", _path("project-folders", parent_id, "children"), params={"name": name})

    def move_folder(self, folder_id: str, destination: str) -> None:
        self._send("POST", _path("project-folders", folder_id, "move"),
                   params={"destination": destination}, idempotent=True)

    def delete_folder(self, folder_id: str) -> None:
        """Only an empty folder (no sub-folders, no projects) can be deleted."""
        self._send("DELETE", _path("project-folders", folder_id))

    def locate_project(self, project_key: str) -> Doc:
        """The folder document holding the project."""
        return self._json("GET", _path("project-folders", "locate-project", project_key))

    def move_project(self, folder_id: str, project_key: str, destination: str) -> None:
        self._send("POST", _path("project-folders", folder_id, "projects", project_key, "move"),
                   params={"destination": destination}, idempotent=True)

    # -- projects --------------------------------------------------------------------------
    def create_project(self, body: Doc, folder_id: str | None = None) -> None:
        """``POST /projects/`` with the client's body; the response body is ignored (as the client does)."""
        params = {"projectFolderId": folder_id} if folder_id else None
        self._send("POST", _path("projects") + "/", json=body, params=params)

    def list_projects(self, *, include_location: bool = False) -> list[Doc]:
        """``GET /projects/``: ``[{projectKey, name, ...}]`` (summaries: metadata, permissions and variables
        need their own calls); with ``include_location``, each has ``projectLocation.projectFolderId``."""
        params = {"includeLocation": "true"} if include_location else None
        return self._json("GET", _path("projects") + "/", params=params)

    def get_project(self, project_key: str) -> Doc:
        """The project summary (``projectKey``, ``name``, ``ownerLogin``...)."""
        return self._json("GET", _path("projects", project_key))

    def get_project_metadata(self, project_key: str) -> Doc:
        """``{label, description, shortDesc, tags, custom, checklists}``."""
        return self._json("GET", _path("projects", project_key, "metadata"))

    def put_project_metadata(self, project_key: str, metadata: Doc) -> None:
        self._send("PUT", _path("projects", project_key, "metadata"), json=metadata)

    def get_project_permissions(self, project_key: str) -> Doc:
        """``{owner, permissions: [{group|user, <flags>}], ...}``."""
        return self._json("GET", _path("projects", project_key, "permissions"))

    def put_project_permissions(self, project_key: str, permissions: Doc) -> None:
        self._send("PUT", _path("projects", project_key, "permissions"), json=permissions)

    def get_project_variables(self, project_key: str) -> Doc:
        """``{standard: {...}, local: {...}}``."""
        return self._json("GET", _path("projects", project_key, "variables") + "/")

    def put_project_variables(self, project_key: str, variables: Doc) -> None:
        self._send("PUT", _path("projects", project_key, "variables") + "/", json=variables)

    def get_project_settings(self, project_key: str) -> Doc:
        """``{settings: {...}, exposedObjects: {objects: [{type, localName, rules: [{targetProject}]}]}, ...}``."""
        return self._json("GET", _path("projects", project_key, "settings"))

    def put_project_settings(self, project_key: str, settings: Doc) -> None:
        self._send("PUT", _path("projects", project_key, "settings"), json=settings)

    def delete_project(
        self,
        project_key: str,
        *,
        clear_managed_datasets: bool = False,
        clear_output_managed_folders: bool = False,
        clear_job_and_scenario_logs: bool = True,
        clear_managed_knowledge_banks: bool = False,
    ) -> Any:
        """Start the deletion (``wait=True``, the client's default); returns the result once done."""
        state = self._json("DELETE", _path("projects", project_key), params={
            "clearManagedDatasets": _flag(clear_managed_datasets),
            "clearOutputManagedFolders": _flag(clear_output_managed_folders),
            "clearJobAndScenarioLogs": _flag(clear_job_and_scenario_logs),
            "clearManagedKnowledgeBanks": _flag(clear_managed_knowledge_banks),
            "wait": "True",
        })
        return self.wait_future(state, what=f"deleting project {project_key}")

    # -- futures ---------------------------------------------------------------------------
    def get_future(self, job_id: str) -> Doc:
        return self._json("GET", _path("futures", job_id), params={"peek": "False"})

    def wait_future(self, state: Any, *, what: str, progress: Callable[[str], None] | None = None,
                    timeout: float | None = None) -> Any:
        """Poll a future until it has a result (200 ms, x1.1, capped at 15 s, like the client).

        Returns ``result``; raises ``ApiError`` if the task failed or was aborted and
        ``ProviderError`` after ``future_timeout`` seconds (the task may still be running).
        ``progress`` hears about each wait (resource types pass their ``notify``); ``timeout``
        overrides ``future_timeout`` for this wait.
        """
        if not isinstance(state, dict):  # an empty or non-JSON answer: done, nothing to report
            return None
        limit = self.future_timeout if timeout is None else timeout
        deadline = self._clock() + limit
        delay = 0.2
        while not state.get("hasResult"):
            job_id = state.get("jobId")
            if state.get("aborted"):
                raise ApiError(f"{what}: the task was aborted (future {job_id})")
            if not job_id:  # not a future: the answer is the result itself
                return state
            if state.get("alive") is False:
                raise ApiError(f"{what}: the task ended without a result (future {job_id})")
            if self._clock() + delay > deadline:
                raise ProviderError(
                    f"{what}: still running after {limit:g}s (future {job_id})",
                    hint="check the task in DSS (Administration > Monitoring > Background tasks)",
                )
            if progress is not None:
                progress(f"waiting for {what} (DSS task {job_id})")
            self._sleep(delay)
            delay = min(delay * 1.1, 15.0)
            state = self.get_future(job_id)
        result = state.get("result")
        if isinstance(result, dict) and (result.get("error") or result.get("fatal")
                                         or result.get("maxSeverity") in ("ERROR", "FATAL")):
            texts = [m.get("message", "") for m in result.get("messages", []) if isinstance(m, dict)]
            raise ApiError(f"{what} failed: {'; '.join(t for t in texts if t) or result}")
        return result

    # -- datasets --------------------------------------------------------------------------
    def create_dataset(self, project_key: str, body: Doc) -> None:
        """``POST /projects/{k}/datasets/`` with ``{name, projectKey, type, params, formatType, formatParams}``."""
        self._send("POST", _path("projects", project_key, "datasets") + "/", json=body)

    def get_dataset(self, project_key: str, name: str) -> Doc:
        return self._json("GET", _path("projects", project_key, "datasets", name))

    def put_dataset(self, project_key: str, name: str, doc: Doc) -> None:
        self._send("PUT", _path("projects", project_key, "datasets", name), json=doc)

    def get_dataset_metadata(self, project_key: str, name: str) -> Doc:
        return self._json("GET", _path("projects", project_key, "datasets", name, "metadata"))

    def put_dataset_metadata(self, project_key: str, name: str, metadata: Doc) -> None:
        self._send("PUT", _path("projects", project_key, "datasets", name, "metadata"), json=metadata)

    def delete_dataset(self, project_key: str, name: str, *, drop_data: bool = False) -> None:
        self._send("DELETE", _path("projects", project_key, "datasets", name),
                   params={"dropData": _flag(drop_data)})
