"""``dataiku_group``: a DSS group, its global permissions and its external group mappings.

The name is the natural key and the id (``/admin/groups/{name}``; a name cannot change, so it is
create-only). ``GET /admin/groups/`` lists the definitions whole. A create is the client's
``POST /admin/groups/ {name, description, sourceType}`` followed by a PUT of the whole
definition (what Dataiku's own Ansible collection does: the POST takes no permissions). Updates
read the definition, lay the managed fields over it and PUT it back.

``permissions`` is the complete set of global permissions, one field per DSS flag in DSS's own
keys (``mayCreateProjects``, ``mayWriteUnsafeCode``, ``admin``...): a flag left out is false. An
unknown flag is refused by ``validate`` with the allowed names. The group mappings
(``ldap_group_names``, ``sso_group_names``, ``azure_ad_group_names``, ``custom_group_names``)
are sets; DSS from 12.6 keeps each as one comma-separated string (the Ansible collection's
``dss_group`` module), older versions as a list: both are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ReconcilerError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import as_set, or_none, text
from reconciler.providers.dataiku.resources._base import DataikuResource
from reconciler.providers.models import Model

SOURCE_TYPES = ("LOCAL", "LDAP", "SAAS", "AZURE_AD", "LOCAL_NO_AUTH", "CUSTOM")
SourceType = Literal["LOCAL", "LDAP", "SAAS", "AZURE_AD", "LOCAL_NO_AUTH", "CUSTOM"]

#: DSS's global permission flags of a group (design / automation / deployer nodes)
PERMISSION_FLAGS = (
    "admin", "mayCreateActiveWebContent", "mayCreateAuthenticatedConnections", "mayCreateClusters",
    "mayCreateCodeEnvs", "mayCreateCodeStudioTemplates", "mayCreateDataCollections", "mayCreateProjects",
    "mayCreateProjectsFromDataikuApps", "mayCreateProjectsFromMacros", "mayCreateProjectsFromTemplates",
    "mayCreatePublishedAPIServices", "mayCreatePublishedProjects", "mayCreateWorkspaces", "mayDevelopPlugins",
    "mayEditLibFolders", "mayManageClusters", "mayManageCodeEnvs", "mayManageCodeStudioTemplates",
    "mayManageFeatureStore", "mayManageUDM", "mayPublishToDataCollections", "mayShareToWorkspaces",
    "mayViewIndexedHiveConnections", "mayWriteInRootProjectFolder", "mayWriteSafeCode", "mayWriteUnsafeCode",
)

#: spec field -> DSS key of the external group mappings
MAPPINGS = {"ldap_group_names": "ldapGroupNames", "sso_group_names": "ssoGroupNames",
            "azure_ad_group_names": "azureADGroupNames", "custom_group_names": "customGroupNames"}
FIELDS = ("description", "permissions", *MAPPINGS)


def _flag(description: str) -> Any:
    return Field(False, description=description)


class GroupPermissions(Model):
    """A group's global permissions: every DSS flag, false unless given."""

    model_config = ConfigDict(extra="forbid")

    admin: bool = _flag("administrator of the instance")
    mayCreateActiveWebContent: bool = _flag("create webapps, reports, dashboards that run code")
    mayCreateAuthenticatedConnections: bool = _flag("create connections with per-user credentials")
    mayCreateClusters: bool = _flag("create clusters")
    mayCreateCodeEnvs: bool = _flag("create code environments")
    mayCreateCodeStudioTemplates: bool = _flag("create code studio templates")
    mayCreateDataCollections: bool = _flag("create data collections")
    mayCreateProjects: bool = _flag("create projects")
    mayCreateProjectsFromDataikuApps: bool = _flag("create projects from Dataiku applications")
    mayCreateProjectsFromMacros: bool = _flag("create projects from macros")
    mayCreateProjectsFromTemplates: bool = _flag("create projects from templates")
    mayCreatePublishedAPIServices: bool = _flag("publish API services to the API deployer")
    mayCreatePublishedProjects: bool = _flag("publish projects to the project deployer")
    mayCreateWorkspaces: bool = _flag("create workspaces")
    mayDevelopPlugins: bool = _flag("develop plugins")
    mayEditLibFolders: bool = _flag("edit the global code libraries")
    mayManageClusters: bool = _flag("manage every cluster")
    mayManageCodeEnvs: bool = _flag("manage every code environment")
    mayManageCodeStudioTemplates: bool = _flag("manage every code studio template")
    mayManageFeatureStore: bool = _flag("manage the feature store")
    mayManageUDM: bool = _flag("manage user-defined meanings")
    mayPublishToDataCollections: bool = _flag("publish to data collections")
    mayShareToWorkspaces: bool = _flag("share to workspaces")
    mayViewIndexedHiveConnections: bool = _flag("view indexed Hive connections")
    mayWriteInRootProjectFolder: bool = _flag("write in the root project folder")
    mayWriteSafeCode: bool = _flag("write isolated (safe) code")
    mayWriteUnsafeCode: bool = _flag("write unisolated (unsafe) code")


class GroupSpec(Model):
    """A DSS group."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="group name (the id; changing it makes a new group)")
    description: str = Field("", description="free text")
    source_type: SourceType = Field("LOCAL", description="where members come from; changing it makes a new group")
    permissions: GroupPermissions | None = Field(
        None, description="the complete set of global permissions (DSS flag names; a flag left out is false); "
                          "left alone when omitted")
    ldap_group_names: list[str] = Field([], description="LDAP groups mapped to this group (a set)")
    sso_group_names: list[str] = Field([], description="SSO groups mapped to this group (a set)")
    azure_ad_group_names: list[str] = Field([], description="Azure AD groups mapped to this group (a set)")
    custom_group_names: list[str] = Field([], description="custom-authenticator groups mapped to this group (a set)")


def names(value: Any) -> list[str]:
    """A mapping as DSS keeps it (a comma-separated string, or a list) -> a sorted set of names."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    return as_set([v for v in value or [] if v])


def permissions_view(doc: Mapping[str, Any]) -> dict[str, bool]:
    return {f: bool(doc.get(f, False)) for f in PERMISSION_FLAGS}


def live_view(doc: Mapping[str, Any]) -> Live:
    out: Live = {"name": doc.get("name"), "description": text(doc.get("description")),
                 "source_type": doc.get("sourceType") or "LOCAL", "permissions": permissions_view(doc)}
    out.update({f: names(doc.get(key)) for f, key in MAPPINGS.items()})
    return out


def overlay(doc: Mapping[str, Any], spec: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """``doc`` with the spec's ``fields`` written in DSS's keys; a mapping keeps the form DSS used."""
    new = dict(doc)
    for f in fields:
        value = spec.get(f)
        if f == "description":
            new["description"] = text(value)
        elif f == "permissions" and value is not None:
            given = value.model_dump() if isinstance(value, BaseModel) else dict(value)
            new.update({flag: bool(given.get(flag, False)) for flag in PERMISSION_FLAGS})
        elif f in MAPPINGS:
            wanted = names(value)
            new[MAPPINGS[f]] = wanted if isinstance(doc.get(MAPPINGS[f]), list) else ",".join(wanted)
    return new


class Group(DataikuResource):
    type_name: ClassVar[str] = "dataiku_group"
    spec_model: ClassVar[type[BaseModel]] = GroupSpec
    description: ClassVar[str] = "A DSS group: description, global permissions, LDAP / SSO / Azure AD group mappings"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    unique_key: ClassVar[str | None] = "a Dataiku group name is unique in its instance"
    server_owned: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset({"name", "source_type"})
    delete_note: ClassVar[str | None] = "its members lose the permissions it grants"

    def read(self, object_id: str) -> Live | None:
        doc = or_none(lambda: self.client.get_group(object_id))
        return live_view(doc) if doc is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return [(str(g["name"]), live_view(g)) for g in self.client.list_groups() if g.get("name")]

    def id_of(self, spec: Spec) -> str | None:
        name = spec.get("name")
        return name if isinstance(name, str) else None

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = GroupSpec.model_validate(spec)
        self.client.create_group({"name": want.name, "description": want.description,
                                  "sourceType": want.source_type})
        try:
            return want.name, self._save(want.name, spec, [f for f in FIELDS if f in spec])
        except ReconcilerError as exc:
            raise CreatedButFailed(want.name, exc) from exc

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        return self._save(object_id, spec, [f for f in FIELDS if f in changed and f in spec])

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_group(object_id))

    def export_view(self, live: Live) -> Live | None:
        """Permissions as the flags granted only (a flag left out is false)."""
        granted = {f: True for f, on in (live.get("permissions") or {}).items() if on}
        return {**live, "permissions": granted}

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        if "description" in out:
            out["description"] = text(out["description"])
        if isinstance(out.get("permissions"), Mapping):
            out["permissions"] = permissions_view(out["permissions"])
        for f in MAPPINGS:
            if f in out and (out[f] is None or isinstance(out[f], (list, tuple, str))):
                out[f] = names(out[f])
        if "source_type" in out and out["source_type"] is None:
            out["source_type"] = "LOCAL"
        return out

    def _save(self, name: str, spec: Spec, fields: list[str]) -> Live:
        """Read the definition, write ``fields`` over it, PUT it when it changed; the live view."""
        doc = self.client.get_group(name)
        new = overlay(doc, spec, fields)
        if new != doc:
            self.client.put_group(name, new)
        return live_view(new)
