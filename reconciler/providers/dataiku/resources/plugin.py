"""``dataiku_plugin``: a plugin installed on the instance, from the plugin store or from git.

The plugin id is the natural key and the state id. Installs, updates and deletes are DSS
futures, awaited here (progress goes to ``notify``). ``version`` is what must be installed:
when the live version differs, the plugin is updated from its source (the store's current
release, or ``git_checkout``) and the apply fails if the source does not provide that version
(the store cannot be pinned). ``settings`` (the plugin's ``config``) and ``code_env``
(``codeEnvName``) are read-modify-written with ``POST /plugins/{id}/settings``.

``source``, ``git_*`` and ``force_delete`` say how to act; DSS does not report them back, so
they are never compared: to upgrade, change ``version`` (and ``git_checkout``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Literal, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import ApiError, NotFoundError, ProviderError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.dataiku.resources._base import DataikuResource
from reconciler.providers.dataiku.resources._scope import instance_wide
from reconciler.providers.models import Model

ID_PATTERN = r"^[A-Za-z0-9_.-]+$"


class PluginSpec(Model):
    """An installed plugin."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, description="plugin id (its plugin.json id)")
    source: Literal["store", "git"] = Field("store", description="where it is installed and updated from")
    git_repository: str | None = Field(None, description="git URL (source: git)")
    git_checkout: str = Field("master", description="branch, tag or commit to install (source: git)")
    git_subpath: str | None = Field(None, description="path of the plugin inside the repository (source: git)")
    version: str | None = Field(None, description="version that must be installed; null: whatever the source gives")
    settings: dict[str, Any] | None = Field(None, description="plugin settings (config); compared as a whole")
    code_env: str | None = Field(None, description="code env the plugin uses (codeEnvName); left alone when omitted")
    force_delete: bool = Field(False, description="on destroy, delete even if projects still use the plugin")

    @model_validator(mode="after")
    def _git_needs_a_repository(self) -> "PluginSpec":
        if self.source == "git" and not self.git_repository:
            raise ValueError("source git needs git_repository")
        return self


class Plugin(DataikuResource):
    type_name: ClassVar[str] = "dataiku_plugin"
    spec_model: ClassVar[type[BaseModel]] = PluginSpec
    description: ClassVar[str] = "A plugin installed from the store or git (version, settings, code env)"
    natural_key: ClassVar[tuple[str, ...]] = ("id",)
    server_owned: ClassVar[frozenset[str]] = frozenset()
    local_fields: ClassVar[frozenset[str]] = frozenset(
        {"source", "git_repository", "git_checkout", "git_subpath", "force_delete"})
    delete_note: ClassVar[str | None] = "uninstalls the plugin from the whole instance"
    wait_note: ClassVar[str | None] = "waits for DSS's plugin install or update task"

    def read(self, object_id: str) -> Live | None:
        listed = [p for p in self.client.list_plugins() if p.get("id") == object_id]
        return self._live(object_id, listed[0]) if listed else None

    def batch_key(self, object_id: str) -> Any:
        """The instance: one ``GET /plugins/`` serves every plugin (the settings stay one call each)."""
        return "plugins"

    def read_many(self, object_ids: Sequence[str]) -> Mapping[str, Live | None]:
        """One list call, then each plugin's settings."""
        listed = {p.get("id"): p for p in self.client.list_plugins()}
        return {i: self._live(i, listed[i]) if i in listed else None for i in object_ids}

    def discover(self, scope: Mapping[str, str]) -> Iterable[tuple[str, Live]]:
        """Every installed plugin (not dev plugins), unless ``scope`` limits the export to a project.
        ``source`` is not reported by DSS: exported blocks say the default (store)."""
        if not instance_wide(scope):
            return []
        found = []
        for item in self.client.list_plugins():
            live = self._live(str(item["id"]), item) if item.get("id") and not item.get("isDev") else None
            if live is not None:
                found.append((live["id"], live))
        return found

    def _live(self, object_id: str, item: Mapping[str, Any]) -> Live | None:
        """The live view from the plugin's list item and its settings (None: uninstalled meanwhile)."""
        try:
            settings = self.client.get_plugin_settings(object_id)
        except NotFoundError:
            return None
        return {
            "id": object_id,
            "version": item.get("version"),
            "settings": settings.get("config") or {},
            "code_env": settings.get("codeEnvName"),
            "label": (item.get("meta") or {}).get("label"),
        }

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        plugin_id = spec.get("id")
        live = self.read(plugin_id) if isinstance(plugin_id, str) else None
        return (plugin_id, live) if live is not None else None  # type: ignore[return-value]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = PluginSpec.model_validate(spec)
        if want.source == "store":
            state = self.client.install_plugin_from_store(want.id)
        else:
            state = self.client.install_plugin_from_git(want.git_repository or "", want.git_checkout, want.git_subpath)
        self.client.wait_future(state, what=f"installing plugin {want.id}", progress=self.notify)
        if self.read(want.id) is None:
            raise ApiError(f"installing plugin {want.id} from {want.git_repository or 'the store'} installed "
                           f"something else: no plugin {want.id} on the instance")
        try:
            self._save_settings(want.id, spec, [f for f in ("settings", "code_env") if f in spec])
            live = self.read(want.id)
            if live is None:
                raise NotFoundError(f"plugin {want.id} vanished after install")
            self._check_version(want, live)
        except ProviderError as exc:
            raise CreatedButFailed(want.id, exc) from exc
        return want.id, live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        want = PluginSpec.model_validate(spec)
        if "version" in changed and want.version is not None:
            if want.source == "store":
                state = self.client.update_plugin_from_store(object_id)
            else:
                state = self.client.update_plugin_from_git(object_id, want.git_repository or "", want.git_checkout,
                                                           want.git_subpath)
            self.client.wait_future(state, what=f"updating plugin {object_id} to {want.version}",
                                    progress=self.notify)
        self._save_settings(object_id, spec, [f for f in ("settings", "code_env") if f in changed and f in spec])
        new = self.read(object_id)
        if new is None:
            raise NotFoundError(f"plugin {object_id} vanished during update")
        self._check_version(want, new)
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        if self.read(object_id) is None:
            return
        state = self.client.delete_plugin(object_id, force=bool((attrs or {}).get("force_delete")))
        self.client.wait_future(state, what=f"deleting plugin {object_id}", progress=self.notify)

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        if "settings" in out and out["settings"] is None:
            out["settings"] = {}
        out.pop("label", None)
        return out

    def _save_settings(self, plugin_id: str, spec: Spec, fields: list[str]) -> None:
        fields = [f for f in fields if not (f == "settings" and spec[f] is None)]
        if not fields:
            return
        settings = self.client.get_plugin_settings(plugin_id)
        new = dict(settings)
        if "settings" in fields:
            new["config"] = dict(spec["settings"])
        if "code_env" in fields:
            new["codeEnvName"] = spec["code_env"]
        if new != settings:
            self.client.put_plugin_settings(plugin_id, new)

    @staticmethod
    def _check_version(want: PluginSpec, live: Live) -> None:
        if want.version is not None and live.get("version") != want.version:
            source = f"git {want.git_repository}@{want.git_checkout}" if want.source == "git" else "the plugin store"
            raise ApiError(f"plugin {want.id}: {source} provides version {live.get('version')}, not {want.version}",
                           hint="set version to the one the source provides, or point git_checkout at the release")
