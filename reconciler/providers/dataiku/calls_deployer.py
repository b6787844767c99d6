"""Typed calls of bundles (design node) and the project deployer (infras, published projects,
deployments), with the client's paths (reference/dataiku.md §E.2). A mixin of
``client.DataikuClient``; the deployment update returns a future's state.
"""

from __future__ import annotations

from typing import Any, Callable

from reconciler.providers.dataiku.paths import flag, path

Doc = dict[str, Any]
_PD = "project-deployer"


class DeployerCalls:
    _json: Callable[..., Any]
    _send: Callable[..., None]

    # -- design-side bundles ------------------------------------------------------------------------
    def list_exported_bundles(self, project_key: str) -> list[Doc]:
        return self._json("GET", path("projects", project_key, "bundles", "exported")).get("bundles", [])

    def export_bundle(self, project_key: str, bundle_id: str, release_notes: str | None = None) -> Doc:
        params = {"evaluateProjectStandardsChecks": flag(False)}
        if release_notes:
            params["releaseNotes"] = release_notes
        return self._json("PUT", path("projects", project_key, "bundles", "exported", bundle_id), params=params)

    def publish_bundle(self, project_key: str, bundle_id: str, published_key: str) -> Doc:
        return self._json("POST", path("projects", project_key, "bundles", bundle_id, "publish"),
                          params={"publishedProjectKey": published_key})

    # -- infras ---------------------------------------------------------------------------------------
    def list_infras(self) -> list[Doc]:
        """Infra statuses ``[{infraBasicInfo: {id, stage, ...}, deployments, ...}]`` (not the settings)."""
        return self._json("GET", path(_PD, "infras"))

    def create_infra(self, body: Doc) -> Doc:
        return self._json("POST", path(_PD, "infras"), json=body)

    def get_infra_settings(self, infra_id: str) -> Doc:
        return self._json("GET", path(_PD, "infras", infra_id, "settings"))

    def put_infra_settings(self, infra_id: str, settings: Doc) -> None:
        self._send("PUT", path(_PD, "infras", infra_id, "settings"), json=settings)

    def delete_infra(self, infra_id: str) -> None:
        self._send("DELETE", path(_PD, "infras", infra_id))

    # -- published projects ---------------------------------------------------------------------------
    def list_published_projects(self) -> list[Doc]:
        """Every published project's status, as ``get_published_project`` returns one (seed L12156)."""
        return self._json("GET", path(_PD, "projects"))

    def create_published_project(self, key: str) -> Doc:
        return self._json("POST", path(_PD, "projects"), json={"publishedProjectKey": key})

    def get_published_project(self, key: str) -> Doc:
        """The status: ``{projectBasicInfo, packages: [{id, ...}], deployments, infras, ...}``."""
        return self._json("GET", path(_PD, "projects", key))

    def get_published_project_settings(self, key: str) -> Doc:
        return self._json("GET", path(_PD, "projects", key, "settings"))

    def put_published_project_settings(self, key: str, settings: Doc) -> None:
        self._send("PUT", path(_PD, "projects", key, "settings"), json=settings)

    def delete_published_bundle(self, key: str, bundle_id: str) -> None:
        self._send("DELETE", path(_PD, "projects", key, "bundles", bundle_id))

    def delete_published_project(self, key: str) -> None:
        self._send("DELETE", path(_PD, "projects", key))

    # -- deployments ----------------------------------------------------------------------------------
    def list_deployments(self) -> list[Doc]:
        """Light views ``[{deploymentBasicInfo: {id, ...}, ...}]`` (not the settings, not the health)."""
        return self._json("GET", path(_PD, "deployments"))

    def create_deployment(self, body: Doc) -> Doc:
        return self._json("POST", path(_PD, "deployments"), json=body, params={"ignoreWarnings": flag(False)})

    def get_deployment_settings(self, deployment_id: str) -> Doc:
        return self._json("GET", path(_PD, "deployments", deployment_id, "settings"))

    def put_deployment_settings(self, deployment_id: str, settings: Doc) -> None:
        self._send("PUT", path(_PD, "deployments", deployment_id, "settings"), json=settings,
                   params={"ignoreWarnings": flag(False)})

    def get_deployment_status(self, deployment_id: str) -> Doc:
        """``{health: UNKNOWN|ERROR|WARNING|HEALTHY|OUT_OF_SYNC, healthMessages, ...}``."""
        return self._json("GET", path(_PD, "deployments", deployment_id, "status"))

    def start_deployment_update(self, deployment_id: str) -> Doc:
        return self._json("POST", path(_PD, "deployments", deployment_id, "actions", "update"))

    def delete_deployment(self, deployment_id: str) -> None:
        self._send("DELETE", path(_PD, "deployments", deployment_id))
