"""Typed calls to the DataRobot API v2, one method per endpoint the resource types use.

Owns the wire details the official client (``datarobot`` 3.20) uses: paths relative to the
endpoint (which includes ``/api/v2``) with their trailing slash, camelCase bodies, DataRobot's
pagination (follow ``next`` verbatim until null; ``count``/``totalCount`` cross-checked), the
error body ``{"message", "errors"}``, and the 202 + ``Location`` async contract (``Poller``).
No business logic: choosing calls and shaping specs belong to ``resources/``.
"""

from __future__ import annotations

import json
from typing import Any, Mapping
from urllib.parse import quote

import httpx

from reconciler.errors import NotFoundError, ProviderContractError
from reconciler.providers.common import or_none
from reconciler.providers.datarobot.waiting import Poller, Progress
from reconciler.providers.http import HttpClient, default_error_message


Doc = dict[str, Any]
MAX_PAGES = 10_000
DEPLOYMENT_PAGE = 100  # the documented maximum


def error_message(response: httpx.Response) -> str:
    """``message`` plus the per-field ``errors`` map when present: ``Invalid field data (label: ...)``."""
    doc = _json_doc(response)
    if doc is None or "message" not in doc:
        return default_error_message(response)
    text = str(doc.get("message") or "no message")
    errors = doc.get("errors")
    if isinstance(errors, dict) and errors:
        text += " (" + "; ".join(f"{k}: {v}" for k, v in errors.items()) + ")"
    return text


def is_not_found(response: httpx.Response) -> bool:
    """A 404 carrying DataRobot's JSON error body. A bare 404 (a wrong endpoint, a proxy page) is
    *not* "the object is gone": reading it so would make a plan create everything again."""
    return response.status_code == 404 and _json_doc(response) is not None


def _json_doc(response: httpx.Response) -> Doc | None:
    try:
        doc = json.loads(response.content) if response.content.strip() else None
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _seg(value: str) -> str:
    return quote(str(value), safe="")


class DataRobotClient:
    """One DataRobot endpoint (``https://app.datarobot.com/api/v2``)."""

    def __init__(self, http: HttpClient, poller: Poller | None = None) -> None:
        self.http = http
        self.poller = poller or Poller()

    def close(self) -> None:
        self.http.close()

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        return self.http.json(method, path, **kw)

    def _maybe(self, path: str) -> Doc | None:
        return or_none(lambda: self._json("GET", path))

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> list[Doc]:
        """Every item of a paginated list: follows ``next`` (an absolute URL) until it is null."""
        items: list[Doc] = []
        seen: set[str] = set()
        body = self._json("GET", path, params=dict(params or {}))
        total = None
        for _ in range(MAX_PAGES):
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise ProviderContractError(f"GET {path}: expected a page {{data, next}}, got {type(body).__name__}")
            data = body["data"]
            if body.get("count") is not None and body["count"] != len(data):
                raise ProviderContractError(f"GET {path}: page says count={body['count']} but holds {len(data)} items")
            items.extend(data)
            total = body.get("totalCount", total)
            following = body.get("next")
            if not following:
                break
            if following in seen:
                raise ProviderContractError(f"GET {path}: pagination loops (next repeats {following})")
            seen.add(following)
            body = self._json("GET", following)
        else:
            raise ProviderContractError(f"GET {path}: more than {MAX_PAGES} pages")
        if total is not None and total > len(items):
            raise ProviderContractError(
                f"GET {path}: totalCount says {total} items but the pages held {len(items)}",
                hint="the list changed while it was read; run the command again")
        return items

    def version(self) -> Doc:
        """``GET /version/``: ``{major, minor, versionString}``."""
        return self._json("GET", "version/")

    # -- async ------------------------------------------------------------------------------
    def wait(self, location: str, what: str, progress: Progress) -> str | None:
        return self.poller.job(self.http, location, what, progress)

    # -- deployments ------------------------------------------------------------------------
    def list_deployments(self, search: str | None = None) -> list[Doc]:
        params: dict[str, Any] = {"limit": DEPLOYMENT_PAGE}
        if search:
            params["search"] = search
        return self.paginate("deployments/", params)

    def get_deployment(self, deployment_id: str) -> Doc | None:
        return self._maybe(f"deployments/{_seg(deployment_id)}/")

    def create_deployment(self, source: str, body: Doc) -> tuple[str, str | None]:
        """``POST /deployments/fromLearningModel/`` or ``fromModelPackage/``: (id, status URL)."""
        assert source in ("fromLearningModel", "fromModelPackage")
        result = self.http.request("POST", f"deployments/{source}/", json=body)
        doc = result.json()
        if not isinstance(doc, dict) or not doc.get("id"):
            raise ProviderContractError(f"POST deployments/{source}/: no deployment id in the answer",
                                        method="POST", url=result.url, status=result.status)
        return str(doc["id"]), result.headers.get("location")

    def update_deployment(self, deployment_id: str, body: Doc) -> None:
        self.http.request("PATCH", f"deployments/{_seg(deployment_id)}/", json=body)

    def change_status(self, deployment_id: str, status: str) -> str | None:
        result = self.http.request("PATCH", f"deployments/{_seg(deployment_id)}/status/", json={"status": status})
        return result.headers.get("location")

    def validate_replacement(self, deployment_id: str, body: Doc) -> Doc:
        """``{status: passing|warning|failing, message, checks}`` (a POST that changes nothing)."""
        return self._json("POST", f"deployments/{_seg(deployment_id)}/model/validation/", json=body,
                          idempotent=True)

    def replace_model(self, deployment_id: str, body: Doc) -> str | None:
        result = self.http.request("PATCH", f"deployments/{_seg(deployment_id)}/model/", json=body)
        return result.headers.get("location")

    def delete_deployment(self, deployment_id: str, *, ignore_management_agent: bool = False) -> None:
        params = {"ignoreManagementAgent": "true"} if ignore_management_agent else None
        try:
            self.http.request("DELETE", f"deployments/{_seg(deployment_id)}/", params=params)
        except NotFoundError:
            pass

    # -- deployment settings ----------------------------------------------------------------
    def get_deployment_settings(self, deployment_id: str) -> Doc | None:
        return self._maybe(f"deployments/{_seg(deployment_id)}/settings/")

    def update_deployment_settings(self, deployment_id: str, body: Doc) -> str | None:
        """``PATCH .../settings/``: 202 + the status URL of the job applying it."""
        result = self.http.request("PATCH", f"deployments/{_seg(deployment_id)}/settings/", json=body)
        return result.headers.get("location")

    def get_health_settings(self, deployment_id: str) -> Doc | None:
        return self._maybe(f"deployments/{_seg(deployment_id)}/healthSettings/")

    def update_health_settings(self, deployment_id: str, body: Doc) -> Doc:
        return self._json("PATCH", f"deployments/{_seg(deployment_id)}/healthSettings/", json=body)

    def get_challenger_replay_settings(self, deployment_id: str) -> Doc | None:
        return self._maybe(f"deployments/{_seg(deployment_id)}/challengerReplaySettings/")

    def update_challenger_replay_settings(self, deployment_id: str, body: Doc) -> Doc:
        return self._json("PATCH", f"deployments/{_seg(deployment_id)}/challengerReplaySettings/", json=body)

    def get_accuracy_metrics(self, deployment_id: str) -> list[str] | None:
        doc = self._maybe(f"deployments/{_seg(deployment_id)}/accuracyMetrics/")
        return None if doc is None else list(doc.get("data") or [])

    def update_accuracy_metrics(self, deployment_id: str, metrics: list[str]) -> list[str]:
        doc = self._json("PUT", f"deployments/{_seg(deployment_id)}/accuracyMetrics/", json={"data": metrics})
        return list((doc or {}).get("data") or [])

    def get_retraining_settings(self, deployment_id: str) -> Doc | None:
        return self._maybe(f"deployments/{_seg(deployment_id)}/retrainingSettings/")

    def update_retraining_settings(self, deployment_id: str, body: Doc) -> None:
        self.http.request("PATCH", f"deployments/{_seg(deployment_id)}/retrainingSettings/", json=body)

    # -- use cases --------------------------------------------------------------------------
    def list_use_cases(self) -> list[Doc]:
        return self.paginate("useCases/")

    def get_use_case(self, use_case_id: str) -> Doc | None:
        return self._maybe(f"useCases/{_seg(use_case_id)}/")

    def create_use_case(self, body: Doc) -> Doc:
        return self._json("POST", "useCases/", json=body)

    def update_use_case(self, use_case_id: str, body: Doc) -> Doc:
        return self._json("PATCH", f"useCases/{_seg(use_case_id)}/", json=body, idempotent=True)

    def delete_use_case(self, use_case_id: str) -> None:
        try:
            self.http.request("DELETE", f"useCases/{_seg(use_case_id)}/")
        except NotFoundError:
            pass

    # -- registered models and their versions (model packages) ------------------------------
    def list_registered_models(self) -> list[Doc]:
        return self.paginate("registeredModels/")

    def get_registered_model(self, registered_id: str) -> Doc | None:
        return self._maybe(f"registeredModels/{_seg(registered_id)}/")

    def list_registered_model_versions(self, registered_id: str) -> list[Doc] | None:
        """Every version, or None when the registered model does not exist."""
        return or_none(lambda: self.paginate(f"registeredModels/{_seg(registered_id)}/versions/"))

    def create_version_from_leaderboard(self, body: Doc) -> Doc:
        """``POST /modelPackages/fromLeaderboard/``: a new registered model (``registeredModelName``)
        or its next version (``registeredModelId``); answers the model package."""
        return self._json("POST", "modelPackages/fromLeaderboard/", json=body)

    def update_registered_model(self, registered_id: str, body: Doc) -> Doc:
        return self._json("PATCH", f"registeredModels/{_seg(registered_id)}/", json=body, idempotent=True)

    def update_registered_model_version(self, registered_id: str, version_id: str, body: Doc) -> Doc:
        return self._json("PATCH", f"registeredModels/{_seg(registered_id)}/versions/{_seg(version_id)}/",
                          json=body, idempotent=True)

    def archive_registered_model(self, registered_id: str) -> None:
        try:
            self.http.request("DELETE", f"registeredModels/{_seg(registered_id)}/")
        except NotFoundError:
            pass

    # -- prediction environments ------------------------------------------------------------
    def list_environments(self) -> list[Doc]:
        return self.paginate("predictionEnvironments/")

    def get_environment(self, env_id: str) -> Doc | None:
        return self._maybe(f"predictionEnvironments/{_seg(env_id)}/")

    def create_environment(self, body: Doc) -> Doc:
        return self._json("POST", "predictionEnvironments/", json=body)

    def update_environment(self, env_id: str, body: Doc) -> Doc | None:
        """The environment as changed, when the answer holds it."""
        return self._json("PATCH", f"predictionEnvironments/{_seg(env_id)}/", json=body)

    def delete_environment(self, env_id: str) -> None:
        try:
            self.http.request("DELETE", f"predictionEnvironments/{_seg(env_id)}/")
        except NotFoundError:
            pass

    # -- catalog (read-only) ----------------------------------------------------------------
    def list_prediction_servers(self) -> list[Doc]:
        return self.paginate("predictionServers/")

    def list_compute_bundles(self, use_case: str | None = None) -> list[Doc]:
        return self.paginate("mlops/compute/bundles/", {"useCases": use_case} if use_case else None)

    def get_compute_bundle(self, bundle_id: str) -> Doc | None:
        return self._maybe(f"mlops/compute/bundles/{_seg(bundle_id)}/")

    def pps_image_metadata(self) -> Doc | None:
        return self._maybe("mlops/portablePredictionServerImage/metadata/")

    def list_projects(self, name: str | None = None) -> list[Doc]:
        """``GET /projects/?projectName=``: a plain JSON array (not paginated)."""
        body = self._json("GET", "projects/", params={"projectName": name} if name else None)
        return body if isinstance(body, list) else []

    def get_project(self, project_id: str) -> Doc | None:
        return self._maybe(f"projects/{_seg(project_id)}/")

    def list_models(self, project_id: str) -> list[Doc]:
        body = self._json("GET", f"projects/{_seg(project_id)}/models/")
        return body if isinstance(body, list) else []

    def get_model(self, project_id: str, model_id: str) -> Doc | None:
        return self._maybe(f"projects/{_seg(project_id)}/models/{_seg(model_id)}/")

    def list_model_packages(self, model_id: str | None = None) -> list[Doc]:
        return self.paginate("modelPackages/", {"modelId": model_id} if model_id else None)

    def get_model_package(self, package_id: str) -> Doc | None:
        return self._maybe(f"modelPackages/{_seg(package_id)}/")
