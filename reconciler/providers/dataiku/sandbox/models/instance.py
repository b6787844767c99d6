"""Instance-level objects: the API key's identity, meanings, plugins (users, groups,
connections and code envs: ``admin``).

State: ``meanings {id: doc}`` (no delete: DSS has no delete endpoint), ``plugins
{id: record}``. Plugin installs, updates and deletes are futures whose effect is applied when
they start (after validation); a plugin whose components a project uses (a ``CustomCode_<id>``
recipe) is deleted only with ``force``.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.providers.dataiku.sandbox import seed
from reconciler.providers.dataiku.sandbox.errors import IllegalArgument, NotFound
from reconciler.providers.dataiku.sandbox.models.core import Doc, WorldCore
from reconciler.providers.dataiku.sandbox.models.core import deep_copy as _copy
from reconciler.providers.dataiku.sandbox.payloads.common import parse
from reconciler.providers.dataiku.sandbox.payloads.instance import (
    GitInstall,
    MeaningDocument,
    PluginDelete,
    PluginSettings,
    StoreInstall,
    install_result,
    plugin_list_item,
    plugin_record,
)


def plugin_id_from_git(url: str, subpath: str | None) -> str:
    """What a git checkout's plugin.json would say (inferred): the last path segment, without
    ``.git`` and a ``dss-plugin-`` prefix."""
    source = (subpath or "").strip("/") or url.rstrip("/")
    base = re.split(r"[/:]", source)[-1].removesuffix(".git")
    return base.removeprefix("dss-plugin-")


def plugin_version_from_checkout(checkout: str) -> str:
    """``v1.4.0`` / ``1.4.0`` -> ``1.4.0``; a branch or commit -> ``0.0.0-<checkout>`` (inferred)."""
    match = re.fullmatch(r"v?(\d+(?:\.\d+)*)", checkout)
    return match.group(1) if match else f"0.0.0-{checkout}"


class InstanceModel(WorldCore):
    """Identity, connections, code envs, meanings and plugins."""

    # -- identity -------------------------------------------------------------------------------
    def auth_info(self, with_secrets: bool) -> Doc:
        return seed.auth_info(with_secrets)

    def instance_info(self) -> Doc:
        return seed.instance_info()

    # -- meanings -------------------------------------------------------------------------------
    @staticmethod
    def _meaning_doc(meaning_id: str, body: Doc) -> Doc:
        """The stored form: client vocabulary (``entries``, ``mappings[].to = {value}``), no nulls."""
        doc = {k: _copy(v) for k, v in body.items() if v is not None and k != "values"}
        doc["id"] = meaning_id
        if body.get("values") is not None and body.get("entries") is None:
            doc["entries"] = [v if isinstance(v, dict) else {"value": v} for v in body["values"]]
        if body.get("mappings") is not None:
            doc["mappings"] = [{**m, "to": m["to"] if isinstance(m["to"], dict) else {"value": m["to"]}}
                               for m in body["mappings"]]
        doc.setdefault("normalizationMode", "EXACT")
        doc.setdefault("description", "")
        return doc

    def list_meanings(self) -> list[Doc]:
        return [_copy(m) for m in self._s["meanings"].values()]

    def get_meaning(self, meaning_id: str) -> Doc:
        meaning = self._s["meanings"].get(meaning_id)
        if meaning is None:
            raise NotFound(f"Meaning {meaning_id} does not exist")
        return _copy(meaning)

    def create_meaning(self, body: Any) -> None:
        request = parse(MeaningDocument, body, "meaning")
        if request.id is None:
            raise IllegalArgument("Invalid meaning: id: Field required")
        if request.id in self._s["meanings"]:
            raise IllegalArgument(f"Meaning {request.id} already exists")
        self._s["meanings"][request.id] = self._meaning_doc(request.id, body)

    def set_meaning(self, meaning_id: str, body: Any) -> None:
        old = self.get_meaning(meaning_id)
        request = parse(MeaningDocument, body, "meaning")
        if request.id not in (None, meaning_id):
            raise IllegalArgument(f"The id of meaning {meaning_id} cannot change")
        if request.type != old["type"]:
            raise IllegalArgument(f"The type of meaning {meaning_id} cannot change ({old['type']} -> {request.type})")
        self._s["meanings"][meaning_id] = self._meaning_doc(meaning_id, body)

    # -- plugins --------------------------------------------------------------------------------
    def _plugin(self, plugin_id: str) -> Doc:
        plugin = self._s["plugins"].get(plugin_id)
        if plugin is None:
            raise NotFound(f"Plugin {plugin_id} is not installed")
        return plugin

    def list_plugins(self) -> list[Doc]:
        return [plugin_list_item(p) for p in self._s["plugins"].values()]

    def install_plugin_from_store(self, body: Any) -> Doc:
        request = parse(StoreInstall, body, "plugin installation request")
        offered = seed.PLUGIN_STORE.get(request.pluginId)
        if offered is None:
            raise NotFound(f"Plugin {request.pluginId} is not in the plugin store")
        if request.pluginId in self._s["plugins"]:
            raise IllegalArgument(f"Plugin {request.pluginId} is already installed")
        version, label, description = offered
        self._s["plugins"][request.pluginId] = plugin_record(
            request.pluginId, version, label, description, {"type": "STORE"})
        return self._future(install_result(request.pluginId, "install"), pending=True)

    def install_plugin_from_git(self, body: Any) -> Doc:
        request = parse(GitInstall, body, "plugin installation request")
        plugin_id = plugin_id_from_git(request.gitRepositoryUrl, request.gitSubpath)
        if not plugin_id:
            raise IllegalArgument(f"No plugin.json found in {request.gitRepositoryUrl}")
        if plugin_id in self._s["plugins"]:
            raise IllegalArgument(f"Plugin {plugin_id} is already installed")
        source = {"type": "GIT", "url": request.gitRepositoryUrl, "checkout": request.gitCheckout,
                  "subpath": request.gitSubpath}
        self._s["plugins"][plugin_id] = plugin_record(
            plugin_id, plugin_version_from_checkout(request.gitCheckout), plugin_id, "", source)
        return self._future(install_result(plugin_id, "install"), pending=True)

    def update_plugin_from_store(self, plugin_id: str) -> Doc:
        plugin = self._plugin(plugin_id)
        offered = seed.PLUGIN_STORE.get(plugin_id)
        if offered is None:
            raise IllegalArgument(f"Plugin {plugin_id} is not in the plugin store")
        plugin["version"] = offered[0]
        plugin["installedFrom"] = {"type": "STORE"}
        return self._future(install_result(plugin_id, "update"), pending=True)

    def update_plugin_from_git(self, plugin_id: str | None, body: Any) -> Doc:
        request = parse(GitInstall, body, "plugin update request")
        found = plugin_id_from_git(request.gitRepositoryUrl, request.gitSubpath)
        plugin_id = plugin_id or found
        plugin = self._plugin(plugin_id)
        if found != plugin_id:
            raise IllegalArgument(f"{request.gitRepositoryUrl} holds plugin {found}, not {plugin_id}")
        plugin["version"] = plugin_version_from_checkout(request.gitCheckout)
        plugin["installedFrom"] = {"type": "GIT", "url": request.gitRepositoryUrl, "checkout": request.gitCheckout,
                                   "subpath": request.gitSubpath}
        return self._future(install_result(plugin_id, "update"), pending=True)

    def get_plugin_settings(self, plugin_id: str) -> Doc:
        return _copy(self._plugin(plugin_id)["settings"])

    def set_plugin_settings(self, plugin_id: str, body: Any) -> None:
        plugin = self._plugin(plugin_id)
        request = parse(PluginSettings, body, "plugin settings")
        if request.codeEnvName is not None and f"PYTHON/{request.codeEnvName}" not in self._s["codeEnvs"]:
            raise IllegalArgument(f"Code env {request.codeEnvName} does not exist")
        plugin["settings"] = _copy(body)

    def plugin_usages(self, plugin_id: str, project_key: str | None = None) -> Doc:
        self._plugin(plugin_id)
        usages = []
        for key, project in self._s["projects"].items():
            if project_key not in (None, key):
                continue
            for name, record in project["recipes"].items():
                if record["recipe"]["type"].startswith(f"CustomCode_{plugin_id}"):
                    usages.append({"elementKind": "custom-code-recipes", "elementType": record["recipe"]["type"],
                                   "objectId": name, "objectType": "RECIPE", "projectKey": key})
        return {"usages": usages, "missingTypes": []}

    def delete_plugin(self, plugin_id: str, body: Any) -> Doc:
        request = parse(PluginDelete, body if body is not None else {}, "plugin deletion request")
        usages = self.plugin_usages(plugin_id)["usages"]
        if usages and not request.force:
            where = ", ".join(f"{u['projectKey']}.{u['objectId']}" for u in usages)
            raise IllegalArgument(f"Plugin {plugin_id} is used by {where}; delete with force to remove it anyway")
        del self._s["plugins"][plugin_id]
        return self._future(install_result(plugin_id, "delete"), pending=True)
