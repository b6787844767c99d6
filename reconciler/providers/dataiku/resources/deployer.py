"""The project deployer: ``dataiku_deployer_infra`` and ``dataiku_deployer_project``.

An *infra* is an automation node (or group) projects deploy to: id (natural key), stage
(create-only), node URL, admin API key (write-only: never read back, never stored; a new value
in the specs is detected by its keyed hash in state), TLS trust, govern policy, permissions.

A *published project* receives bundles exported from a design project: key (natural key),
permissions, owner, and ``bundles``, the set of bundle ids that must be published. A missing
bundle is exported from ``design_project`` (unless already exported there) and published; a
bundle no longer listed is deleted from the deployer, except while a deployment still uses it
(it is kept, said through ``notify``, and deleted by a later apply once no deployment does:
the deployment depends on the published project, so it moves off the bundle after this update).

Both are read-modify-written through their ``/settings`` documents. DSS refuses to delete an
infra or a published project still used by a deployment (seed L12595, L13493): the apply fails
with DSS's message, naming the deployments.

The infra list holds statuses, not the settings ``read`` needs: ``list`` reads each infra's
settings. The published projects' list holds their bundles; their settings document (``owner``,
``permissions``) is read per project only where one of them is managed (``detail_fields``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ProviderError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import fan_out, or_none
from reconciler.providers.dataiku.resources._base import MODIFIED, DataikuResource, modified
from reconciler.providers.dataiku.resources._permissions import (
    Principal,
    live_permissions,
    merge_permissions,
    normalize_permissions,
)
from reconciler.providers.models import Model

ID_PATTERN = r"^[A-Za-z0-9_.-]+$"
KEY_PATTERN = r"^[A-Za-z0-9_]+$"
INFRA_FLAGS = ("read", "deploy", "admin")
PUBLISHED_FLAGS = ("read", "write", "deploy", "admin")
GovernPolicy = Literal["NO_CHECK", "PREVENT", "WARN"]
#: infra spec field -> settings key
INFRA_KEYS = {"automation_node_url": "automationNodeUrl", "admin_api_key": "adminApiKey",
              "trust_all_ssl_certificates": "trustAllSSLCertificates", "govern_check_policy": "governCheckPolicy"}


class InfraPermission(Principal):
    model_config = ConfigDict(extra="forbid")

    group: str | None = Field(None, description="DSS group (or give user)")
    user: str | None = Field(None, description="DSS user login (or give group)")
    read: bool = Field(False, description="see the infra")
    deploy: bool = Field(False, description="deploy to it")
    admin: bool = Field(False, description="administer it")


class PublishedPermission(Principal):
    model_config = ConfigDict(extra="forbid")

    group: str | None = Field(None, description="DSS group (or give user)")
    user: str | None = Field(None, description="DSS user login (or give group)")
    read: bool = Field(False, description="see the published project")
    write: bool = Field(False, description="publish bundles to it")
    deploy: bool = Field(False, description="deploy its bundles")
    admin: bool = Field(False, description="administer it")


class DeployerInfraSpec(Model):
    """A project deployer infrastructure."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, description="infra id")
    stage: str = Field(description="Development, Test, Production...; changing it replaces the infra")
    automation_node_url: str | None = Field(None, description="URL of the automation node")
    admin_api_key: str | None = Field(None, description="admin API key on the automation node (write-only secret; "
                                                        "use ${env:...})")
    trust_all_ssl_certificates: bool = Field(False, description="skip TLS checks towards the node")
    govern_check_policy: GovernPolicy = Field("NO_CHECK", description="Govern sign-off check before deploying")
    permissions: list[InfraPermission] | None = Field(None, description="the complete permission set; left alone "
                                                                        "when omitted")


class DeployerProjectSpec(Model):
    """A published project on the project deployer."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN, description="published project key")
    design_project: str | None = Field(None, description="design project whose bundles are published (default: "
                                                         "key), usually ${dataiku_project.<name>.key}")
    bundles: list[str] | None = Field(None, description="bundle ids that must be published (a set); missing ones "
                                                        "are exported and published, others deleted")
    permissions: list[PublishedPermission] | None = Field(None, description="the complete permission set")
    owner: str | None = Field(None, description="owner login; left alone when omitted")


class DeployerInfra(DataikuResource):
    type_name: ClassVar[str] = "dataiku_deployer_infra"
    spec_model: ClassVar[type[BaseModel]] = DeployerInfraSpec
    description: ClassVar[str] = "A project deployer infrastructure (automation node, stage, permissions)"
    natural_key: ClassVar[tuple[str, ...]] = ("id",)
    unique_key: ClassVar[str | None] = "a Dataiku deployer infrastructure id is unique"
    server_owned: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset({"id", "stage"})
    #: the key is write-only: ``read`` never returns it (so it is in no fingerprint); the engine's
    #: keyed hash in state detects a new value in the specs
    sensitive: ClassVar[frozenset[str]] = frozenset({"admin_api_key"})
    delete_note: ClassVar[str | None] = "DSS refuses while deployments use the infra"

    def read(self, object_id: str) -> Live | None:
        settings = or_none(lambda: self.client.get_infra_settings(object_id))
        return _infra_view(settings) if settings is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """Every infra, its settings read (the list holds statuses)."""
        ids = [str(i["infraBasicInfo"]["id"]) for i in self.client.list_infras()
               if (i.get("infraBasicInfo") or {}).get("id")]
        return [(live["id"], live) for live in fan_out(self.read, ids) if live is not None]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = DeployerInfraSpec.model_validate(spec)
        answer = self.client.create_infra({"id": want.id, "stage": want.stage,
                                           "governCheckPolicy": want.govern_check_policy})
        try:
            settings = self._save(want.id, spec, set(spec), answer if "stage" in (answer or {}) else None)
        except ProviderError as exc:
            raise CreatedButFailed(want.id, exc) from exc
        return want.id, _infra_view(settings)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        return _infra_view(self._save(object_id, spec, set(changed) & set(spec)))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_infra(object_id))

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        if "permissions" in out:
            out["permissions"] = normalize_permissions(out["permissions"] or [], INFRA_FLAGS)
        if "automation_node_url" in out and out["automation_node_url"] == "":
            out["automation_node_url"] = None
        return out

    def _save(self, infra_id: str, spec: Spec, fields: set[str], settings: dict[str, Any] | None = None
              ) -> dict[str, Any]:
        """The settings (``settings`` when the caller has them, unless fields are written) with
        ``fields`` written, PUT only if changed; the settings as they are now."""
        wanted = [f for f in (*INFRA_KEYS, "permissions") if f in fields and spec[f] is not None]
        if settings is not None and not wanted:
            return settings
        settings = self.client.get_infra_settings(infra_id)
        new = dict(settings)
        for f in wanted:
            if f == "permissions":
                new["permissions"] = merge_permissions(settings.get("permissions"), spec[f], INFRA_FLAGS)
            else:
                new[INFRA_KEYS[f]] = spec[f]
        if new != settings:
            self.client.put_infra_settings(infra_id, new)
        return new


class DeployerProject(DataikuResource):
    type_name: ClassVar[str] = "dataiku_deployer_project"
    spec_model: ClassVar[type[BaseModel]] = DeployerProjectSpec
    description: ClassVar[str] = "A published project on the project deployer (bundles, permissions)"
    natural_key: ClassVar[tuple[str, ...]] = ("key",)
    unique_key: ClassVar[str | None] = "a Dataiku deployer project key is unique"
    server_owned: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset({"key"})
    local_fields: ClassVar[frozenset[str]] = frozenset({"design_project"})
    delete_note: ClassVar[str | None] = "deletes its published bundles; DSS refuses while deployments use it"
    settles_later: ClassVar[Mapping[str, str]] = {
        "bundles": "a bundle a deployment still uses is deleted by a later apply, once no deployment uses it"}

    #: only the settings document has them (one GET per published project)
    detail_fields: ClassVar[frozenset[str]] = frozenset({"permissions", "owner"})

    def read(self, object_id: str) -> Live | None:
        status = or_none(lambda: self.client.get_published_project(object_id))
        return _published_view(status) if status else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """Every published project, with its bundles (the settings are details)."""
        return [(live["key"], live) for live in map(_published_view, self.client.list_published_projects())
                if live["key"]]

    def read_details(self, object_id: str, listed: Live, fields: frozenset[str]) -> Live | None:
        settings = or_none(lambda: self.client.get_published_project_settings(object_id))
        return {**listed, **_published_settings_view(settings)} if settings is not None else None

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = DeployerProjectSpec.model_validate(spec)
        self.client.create_published_project(want.key)
        try:
            return want.key, self._save(want.key, spec, set(spec), created=True)
        except ProviderError as exc:
            raise CreatedButFailed(want.key, exc) from exc

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        return self._save(object_id, spec, set(changed) & set(spec))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_published_project(object_id))

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        if "permissions" in out:
            out["permissions"] = normalize_permissions(out["permissions"] or [], PUBLISHED_FLAGS)
        if isinstance(out.get("bundles"), list):
            out["bundles"] = sorted(set(out["bundles"]), key=str)
        elif "bundles" in out and out["bundles"] is None:
            out["bundles"] = []
        return out

    def _save(self, key: str, spec: Spec, fields: set[str], *, created: bool = False) -> Live:
        """The settings and the published bundles holding ``fields`` brought in line; the live view
        (a new published project has no bundles; the settings read only where they are managed)."""
        live: Live = {"key": key, "bundles": []}
        wanted = [f for f in ("permissions", "owner") if f in fields and spec[f] is not None]
        if wanted or self.detail_fields & set(spec):
            settings = self.client.get_published_project_settings(key)
            new = dict(settings)
            if "permissions" in wanted:
                new["permissions"] = merge_permissions(settings.get("permissions"), spec["permissions"],
                                                       PUBLISHED_FLAGS)
            if "owner" in wanted:
                new["owner"] = spec["owner"]
            if new != settings:
                self.client.put_published_project_settings(key, new)
            live.update(_published_settings_view(new))
        if "bundles" in fields and spec["bundles"] is not None:
            live["bundles"] = self._sync_bundles(key, spec.get("design_project") or key, set(spec["bundles"]))
        elif not created:
            live["bundles"] = _published_view(self.client.get_published_project(key))["bundles"]
        return live

    def _sync_bundles(self, key: str, design_project: str, wanted: set[str]) -> list[str]:
        """Publish the missing bundles, delete those no longer wanted; the bundles published now."""
        published = {p.get("id") for p in self.client.get_published_project(key).get("packages") or []}
        missing = sorted(wanted - published)
        if missing:
            exported = {b.get("bundleId") for b in self.client.list_exported_bundles(design_project)}
            for bundle_id in missing:
                if bundle_id not in exported:
                    self.notify(f"exporting bundle {bundle_id} of project {design_project}")
                    self.client.export_bundle(design_project, bundle_id)
                self.notify(f"publishing bundle {bundle_id} to {key}")
                self.client.publish_bundle(design_project, bundle_id, key)
        in_use = {d.get("bundleId") for d in self.client.get_published_project(key).get("deployments") or []}
        kept = set()
        for bundle_id in sorted(published - wanted):
            if bundle_id in in_use:
                self.notify(f"keeping bundle {bundle_id} of {key}: a deployment still uses it (the next apply "
                            "deletes it once no deployment does)")
                kept.add(bundle_id)
                continue
            self.client.delete_published_bundle(key, bundle_id)
        return sorted(str(b) for b in (published & wanted) | set(missing) | kept)


def _infra_view(settings: Mapping[str, Any]) -> Live:
    return {
        "id": settings.get("id"),
        "stage": settings.get("stage"),
        "automation_node_url": settings.get("automationNodeUrl") or None,
        "trust_all_ssl_certificates": bool(settings.get("trustAllSSLCertificates", False)),
        "govern_check_policy": settings.get("governCheckPolicy") or "NO_CHECK",
        "permissions": live_permissions(settings.get("permissions"), INFRA_FLAGS),
        MODIFIED: modified(settings.get("versionTag")),
    }


def _published_view(status: Mapping[str, Any]) -> Live:
    """A published project's status (as listed) in spec vocabulary: its key and bundles."""
    info = status.get("projectBasicInfo") or {}
    return {"key": info.get("id"), "bundles": sorted(str(p["id"]) for p in status.get("packages") or [] if p.get("id")),
            MODIFIED: modified(info.get("versionTag"))}


def _published_settings_view(settings: Mapping[str, Any]) -> Live:
    return {"permissions": live_permissions(settings.get("permissions"), PUBLISHED_FLAGS),
            "owner": settings.get("owner")}
