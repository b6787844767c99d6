"""``dataiku_plugin``: a plugin installed on the instance, from the plugin store or from git.

The plugin id is the natural key and the state id. Installs, updates and deletes are DSS
futures, awaited here (progress goes to ``notify``). ``version`` is what must be installed:
when the live version differs, the plugin is updated from its source (the store's current
release, or ``git_checkout``) and the apply fails if the source does not provide that version
(the store cannot be pinned). ``settings`` (the plugin's ``config``) and ``code_env``
(``codeEnvName``) are read-modify-written with ``POST /plugins/{id}/settings``.

``source``, ``git_*`` and ``force_delete`` say how to act; DSS does not report them back, so
they are never compared: to upgrade, change ``version`` (and ``git_checkout``).

``list`` is ``GET /plugins/`` (id, version); the settings document (``settings``, ``code_env``)
is read per plugin only where one of them is managed (``detail_fields``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import ApiError, NotFoundError, ProviderError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import or_none
from reconciler.providers.dataiku.resources._base import DataikuResource
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
    unique_key: ClassVar[str | None] = "a Dataiku plugin id is unique in its instance"
    server_owned: ClassVar[frozenset[str]] = frozenset()
    local_fields: ClassVar[frozenset[str]] = frozenset(
        {"source", "git_repository", "git_checkout", "git_subpath", "force_delete"})
    delete_note: ClassVar[str | None] = "uninstalls the plugin from the whole instance"
    wait_note: ClassVar[str | None] = "waits for DSS's plugin install or update task"

    #: only the plugin's settings document has them (one GET per plugin)
    detail_fields: ClassVar[frozenset[str]] = frozenset({"settings", "code_env"})

    def read(self, object_id: str) -> Live | None:
        """The plugin as the list shows it (its settings are details)."""
        return self._listed(object_id)

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """Every installed plugin (``dev``: a plugin under development, never exported)."""
        return [(str(p["id"]), _listed(p)) for p in self.client.list_plugins() if p.get("id")]

    def read_details(self, object_id: str, listed: Live, fields: frozenset[str]) -> Live | None:
        settings = or_none(lambda: self.client.get_plugin_settings(object_id))
        return {**listed, **_settings_view(settings)} if settings is not None else None

    def export_view(self, live: Live) -> Live | None:
        """Dev plugins are not exported. ``source`` is not reported by DSS: blocks say the default (store)."""
        return None if live.get("dev") else live

    def _listed(self, plugin_id: str) -> Live | None:
        return next((_listed(p) for p in self.client.list_plugins() if p.get("id") == plugin_id), None)

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = PluginSpec.model_validate(spec)
        if want.source == "store":
            state = self.client.install_plugin_from_store(want.id)
        else:
            state = self.client.install_plugin_from_git(want.git_repository or "", want.git_checkout, want.git_subpath)
        self.client.wait_future(state, what=f"installing plugin {want.id}", progress=self.notify)
        listed = self._listed(want.id)
        if listed is None:
            raise ApiError(f"installing plugin {want.id} from {want.git_repository or 'the store'} installed "
                           f"something else: no plugin {want.id} on the instance")
        try:
            live = {**listed, **self._settings(want.id, spec, set(spec))}
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
        settings = self._settings(object_id, spec, set(changed))
        new = self._listed(object_id)
        if new is None:
            raise NotFoundError(f"plugin {object_id} vanished during update")
        new.update(settings)
        self._check_version(want, new)
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        if self._listed(object_id) is None:
            return
        state = self.client.delete_plugin(object_id, force=bool((attrs or {}).get("force_delete")))
        self.client.wait_future(state, what=f"deleting plugin {object_id}", progress=self.notify)

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        if "settings" in out and out["settings"] is None:
            out["settings"] = {}
        out.pop("label", None)
        out.pop("dev", None)
        return out

    def _settings(self, plugin_id: str, spec: Spec, changed: set[str]) -> Live:
        """The settings fields ``spec`` manages, with those in ``changed`` written (POSTed only if
        they differ); nothing when it manages none."""
        if not self.detail_fields & set(spec):
            return {}
        fields = [f for f in ("settings", "code_env") if f in changed and f in spec
                  and not (f == "settings" and spec[f] is None)]
        settings = self.client.get_plugin_settings(plugin_id)
        new = dict(settings)
        if "settings" in fields:
            new["config"] = dict(spec["settings"])
        if "code_env" in fields:
            new["codeEnvName"] = spec["code_env"]
        if new != settings:
            self.client.put_plugin_settings(plugin_id, new)
        return _settings_view(new)

    @staticmethod
    def _check_version(want: PluginSpec, live: Live) -> None:
        if want.version is not None and live.get("version") != want.version:
            source = f"git {want.git_repository}@{want.git_checkout}" if want.source == "git" else "the plugin store"
            raise ApiError(f"plugin {want.id}: {source} provides version {live.get('version')}, not {want.version}",
                           hint="set version to the one the source provides, or point git_checkout at the release")


def _listed(item: Mapping[str, Any]) -> Live:
    """A ``GET /plugins/`` item in spec vocabulary (``label`` and ``dev`` are informative, never compared)."""
    return {"id": str(item["id"]), "version": item.get("version"), "label": (item.get("meta") or {}).get("label"),
            "dev": bool(item.get("isDev"))}


def _settings_view(settings: Mapping[str, Any] | None) -> Live:
    if settings is None:
        return {}
    return {"settings": settings.get("config") or {}, "code_env": settings.get("codeEnvName")}
