"""Typed calls of instance-level objects: meanings and plugins (users, groups, connections and
code envs: ``calls_admin``).

A mixin of ``client.DataikuClient``. Plugin installs, updates and deletes start futures: the
``*_plugin`` calls here return the future's state; callers wait with ``wait_future``.
"""

from __future__ import annotations

from typing import Any, Callable

from reconciler.providers.dataiku.paths import path

Doc = dict[str, Any]


class InstanceCalls:
    _json: Callable[..., Any]
    _send: Callable[..., None]

    # -- meanings -----------------------------------------------------------------------------------
    def create_meaning(self, body: Doc) -> None:
        self._send("POST", path("meanings") + "/", json=body)

    def list_meanings(self) -> list[Doc]:
        """``GET /meanings/``: every user-defined meaning, each the whole document ``get_meaning`` returns."""
        return self._json("GET", path("meanings") + "/")

    def get_meaning(self, meaning_id: str) -> Doc:
        return self._json("GET", path("meanings", meaning_id))

    def put_meaning(self, meaning_id: str, doc: Doc) -> None:
        self._send("PUT", path("meanings", meaning_id), json=doc)

    # -- plugins ------------------------------------------------------------------------------------
    def list_plugins(self) -> list[Doc]:
        """``[{id, version, isDev, meta: {label, description}}]``."""
        return self._json("GET", path("plugins") + "/")

    def install_plugin_from_store(self, plugin_id: str) -> Doc:
        return self._json("POST", path("plugins", "actions", "installFromStore"), json={"pluginId": plugin_id})

    def install_plugin_from_git(self, url: str, checkout: str, subpath: str | None) -> Doc:
        return self._json("POST", path("plugins", "actions", "installFromGit"),
                          json={"gitRepositoryUrl": url, "gitCheckout": checkout, "gitSubpath": subpath})

    def update_plugin_from_store(self, plugin_id: str) -> Doc:
        return self._json("POST", path("plugins", plugin_id, "actions", "updateFromStore"))

    def update_plugin_from_git(self, plugin_id: str, url: str, checkout: str, subpath: str | None) -> Doc:
        return self._json("POST", path("plugins", plugin_id, "actions", "updateFromGit"),
                          json={"gitRepositoryUrl": url, "gitCheckout": checkout, "gitSubpath": subpath})

    def get_plugin_settings(self, plugin_id: str) -> Doc:
        return self._json("GET", path("plugins", plugin_id, "settings"))

    def put_plugin_settings(self, plugin_id: str, settings: Doc) -> None:
        """Saved with a POST (seed L9893)."""
        self._send("POST", path("plugins", plugin_id, "settings"), json=settings)

    def delete_plugin(self, plugin_id: str, *, force: bool = False) -> Doc:
        return self._json("POST", path("plugins", plugin_id, "actions", "delete"), json={"force": force})
