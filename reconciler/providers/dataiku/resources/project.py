"""``dataiku_project``: a DSS project with its metadata, tags, variables, permissions and folder.

The id is the project key (natural key, immutable: a new key means replace). A project is
several documents on the platform; each is read-modify-written on its own, and only when one of
its fields changed, so keys we do not manage (``checklists``, ``custom``, dashboard
authorizations, unknown keys) are sent back untouched:

    spec field(s)                                 platform document
    name, description, short_description, tags,   GET/PUT /projects/{k}/metadata (label, description, shortDesc,
      checklists, custom_fields, custom_metadata    tags, checklists, customFields, custom.kv)
    owner, permissions                            GET/PUT /projects/{k}/permissions
    variables                                     GET/PUT /projects/{k}/variables/
    folder                                        GET /project-folders/locate-project/{k}; POST .../projects/{k}/move

A refresh reads the project list (summaries with name, descriptions, tags and folder), then
each project's permissions and variables; its metadata document only when checklists, custom
fields or custom metadata are managed (``detail_fields``).

``drop_data_on_destroy`` is ours, not the platform's: it is never compared (``normalize`` drops
it) and tells ``delete`` whether to clear managed data when the engine passes the last applied
attributes. Checklists are matched by title and their items by text, so the ids and stamps DSS
adds to them survive an update. Drift names who changed the project last (its ``versionTag``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Collection, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import fan_out
from reconciler.providers.dataiku.resources._base import MODIFIED, DataikuResource, modified
from reconciler.providers.dataiku.resources._checklists import (
    Checklist,
    live_checklists,
    merge_checklists,
    normalize_checklists,
)
from reconciler.providers.dataiku.resources._common import (
    Principal,
    declared,
    live_permissions,
    merge_permissions,
    normalize_permissions,
    normalize_tags,
    text,
)
from reconciler.providers.dataiku.resources._scope import projects_in_scope
from reconciler.providers.dataiku.resources.folder import ROOT
from reconciler.providers.models import Model

#: the per-principal flags of DSS 13-15 project permissions, in the platform's spelling
PROJECT_FLAGS = (
    "admin", "editPermissions", "readProjectContent", "writeProjectContent", "exportDatasetsData",
    "readDashboards", "writeDashboards", "moderateDashboards", "publishToDataCollections",
    "shareToWorkspaces", "runScenarios", "manageDashboardAuthorizations", "manageExposedElements",
    "manageAdditionalDashboardUsers", "executeApp",
)
METADATA_FIELDS = {"name": "label", "description": "description", "short_description": "shortDesc", "tags": "tags",
                   "checklists": "checklists", "custom_fields": "customFields", "custom_metadata": "custom"}
KEY_PATTERN = r"^[A-Za-z0-9_]+$"
#: fields the creation POST sets (the rest is written document by document after it)
CREATED_WITH = frozenset({"key", "name", "description", "tags", "owner", "permissions", "folder"})


class ProjectPermission(Principal):
    """One principal's rights on a project; every flag omitted is False."""

    model_config = ConfigDict(extra="forbid")

    group: str | None = Field(None, description="DSS group the flags apply to (or give user)")
    user: str | None = Field(None, description="DSS user login the flags apply to (or give group)")
    admin: bool = Field(False, description="administer the project")
    editPermissions: bool = Field(False, description="edit the project's permissions")
    readProjectContent: bool = Field(False, description="read the project's content")
    writeProjectContent: bool = Field(False, description="write the project's content")
    exportDatasetsData: bool = Field(False, description="export datasets' data")
    readDashboards: bool = Field(False, description="read dashboards")
    writeDashboards: bool = Field(False, description="write dashboards")
    moderateDashboards: bool = Field(False, description="moderate dashboards")
    publishToDataCollections: bool = Field(False, description="publish datasets to data collections")
    shareToWorkspaces: bool = Field(False, description="share objects to workspaces")
    runScenarios: bool = Field(False, description="run scenarios")
    manageDashboardAuthorizations: bool = Field(False, description="manage dashboard authorizations")
    manageExposedElements: bool = Field(False, description="manage exposed (shared) elements")
    manageAdditionalDashboardUsers: bool = Field(False, description="manage additional dashboard users")
    executeApp: bool = Field(False, description="execute the project as an application")


class ProjectVariables(Model):
    """Project variables; each map is authoritative (keys not listed are removed)."""

    model_config = ConfigDict(extra="forbid")

    standard: dict[str, Any] = Field(default_factory=dict, description="variables exported with bundles")
    local: dict[str, Any] = Field(default_factory=dict, description="variables kept on this instance (override standard)")


class ProjectSpec(Model):
    """A DSS project."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN, description="project key (letters, digits, _); changing it replaces the project")
    name: str = Field(description="display name (metadata label)")
    description: str | None = Field(None, description="long description (Markdown)")
    short_description: str | None = Field(None, description="one-line summary (metadata shortDesc)")
    tags: list[str] = Field(default_factory=list, description="tags (a set: order does not matter)")
    folder: str | None = Field(None, description="id of the project folder holding it (ROOT when null); a change moves it")
    variables: ProjectVariables | None = Field(None, description="{standard: {...}, local: {...}}; left alone when omitted")
    permissions: list[ProjectPermission] | None = Field(
        None, description="the complete permission set, keyed by group or user; left alone when omitted")
    checklists: list[Checklist] | None = Field(
        None, description="checklists in order, each {title, items: [{text, done}]}; left alone when omitted")
    custom_fields: dict[str, Any] | None = Field(
        None, description="values of the instance's custom fields (metadata customFields); left alone when omitted")
    custom_metadata: dict[str, Any] | None = Field(
        None, description="free key-values (metadata custom.kv); compared as a whole; left alone when omitted")
    owner: str | None = Field(None, description="owner login (default at create: the API key's user)")
    drop_data_on_destroy: bool = Field(False, description="on destroy, also clear the data of managed datasets and folders")


class Project(DataikuResource):
    type_name: ClassVar[str] = "dataiku_project"
    spec_model: ClassVar[type[BaseModel]] = ProjectSpec
    description: ClassVar[str] = "A project (metadata, checklists, custom fields, tags, variables, permissions, folder)"
    natural_key: ClassVar[tuple[str, ...]] = ("key",)
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    create_only: ClassVar[frozenset[str]] = frozenset({"key"})
    delete_note: ClassVar[str | None] = "deletes the project and every dataset, recipe and scenario in it"
    local_fields: ClassVar[frozenset[str]] = frozenset({"drop_data_on_destroy"})
    ref_fields: ClassVar[Mapping[str, str]] = {"folder": "dataiku_project_folder"}
    #: only the metadata document has them (one GET per project); the list's summaries have the rest
    detail_fields: ClassVar[frozenset[str]] = frozenset({"checklists", "custom_fields", "custom_metadata"})

    def read(self, object_id: str) -> Live | None:
        try:
            summary = self.client.get_project(object_id)
            folder = self.client.locate_project(object_id).get("id")
            return self._read_documents(object_id, summary, folder)
        except NotFoundError:
            return None

    def batch_key(self, object_id: str) -> Any:
        return "projects"  # the list (with locations) gives each summary and folder

    def read_many(self, object_ids: Sequence[str], brief: Collection[str] = ()) -> Mapping[str, Live | None]:
        """One list call for the summaries and folders, then each project's permissions and
        variables (the list has neither), several projects at a time; its metadata document too,
        unless the project is in ``brief``: the summary then gives name, descriptions and tags,
        and the live object has no ``detail_fields``."""
        summaries = {p.get("projectKey"): p for p in self.client.list_projects(include_location=True)}
        brief = frozenset(brief)

        def one(key: str) -> Live | None:
            location = summaries[key].get("projectLocation") or {}
            try:
                return self._read_documents(key, summaries[key], location.get("projectFolderId"),
                                            brief=key in brief)
            except NotFoundError:
                return None

        keys = [k for k in object_ids if k in summaries]
        return dict(zip(keys, fan_out(one, keys)))

    def _read_documents(self, object_id: str, summary: Mapping[str, Any], folder: str | None, *,
                        brief: bool = False) -> Live:
        if brief:  # the summary holds the metadata fields that are not details, under its own names
            meta = {"label": summary.get("name"), "description": summary.get("description"),
                    "shortDesc": summary.get("shortDesc"), "tags": summary.get("tags")}
        else:
            meta = self.client.get_project_metadata(object_id)
        perms = self.client.get_project_permissions(object_id)
        variables = self.client.get_project_variables(object_id)
        custom = meta.get("custom") if isinstance(meta.get("custom"), dict) else {}
        live = {
            "id": object_id,
            "key": object_id,
            "name": meta.get("label"),
            "description": text(meta.get("description")),
            "short_description": text(meta.get("shortDesc")),
            "tags": normalize_tags(meta.get("tags")),
            "folder": folder or ROOT,
            "variables": {"standard": variables.get("standard") or {}, "local": variables.get("local") or {}},
            "permissions": live_permissions(perms.get("permissions"), PROJECT_FLAGS),
            "owner": perms.get("owner"),
            MODIFIED: modified(summary.get("versionTag")),
        }
        if not brief:
            live.update({
                "checklists": live_checklists(meta.get("checklists")),
                "custom_fields": meta.get("customFields") or {},
                "custom_metadata": custom.get("kv") or {},
            })
        return live

    def discover(self, scope: Mapping[str, str]) -> Iterable[tuple[str, Live]]:
        """The projects of ``scope`` (see ``_scope``). The list holds summaries only (no permissions,
        variables, checklists), so each project is read."""
        return [(key, live) for key in projects_in_scope(self.client, scope)
                for live in [self.read(key)] if live is not None]

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        key = spec.get("key")
        live = self.read(key) if isinstance(key, str) else None
        return (key, live) if live is not None else None

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = ProjectSpec.model_validate(spec)
        owner = want.owner or self.client.auth_info().get("authIdentifier")
        permissions = [p.model_dump(exclude_none=True) for p in want.permissions or []]
        self.client.create_project({
            "projectKey": want.key,
            "name": want.name,
            "owner": owner,
            "settings": None,
            "description": want.description,
            "permissions": permissions,
            "tags": want.tags,
        }, folder_id=want.folder)
        try:
            covered = CREATED_WITH if want.owner else CREATED_WITH - {"owner"}  # "" was not what the POST sent
            self._sync(want.key, spec, set(spec) - covered)
            live = self.read(want.key)
        except ProviderError as exc:
            raise CreatedButFailed(want.key, exc) from exc
        if live is None:
            raise CreatedButFailed(want.key, NotFoundError(f"project {want.key} vanished after create"))
        return want.key, live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        self._sync(object_id, spec, set(changed) & set(spec))
        new = self.read(object_id)
        if new is None:
            raise NotFoundError(f"project {object_id} vanished during update")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        """Delete the project; clear managed data only if ``attrs`` says ``drop_data_on_destroy``."""
        drop = bool((attrs or {}).get("drop_data_on_destroy", False))
        try:
            self.client.delete_project(
                object_id,
                clear_managed_datasets=drop,
                clear_output_managed_folders=drop,
                clear_job_and_scenario_logs=True,
                clear_managed_knowledge_banks=drop,
            )
        except NotFoundError:
            pass

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        for f in ("custom_fields", "custom_metadata"):
            if f in out and out[f] is None:
                out[f] = {}
        if "checklists" in out:
            out["checklists"] = normalize_checklists(out["checklists"])
        for f in ("description", "short_description"):
            if f in out:
                out[f] = text(out[f])
        if "tags" in out:
            out["tags"] = normalize_tags(out["tags"])
        if "folder" in out and out["folder"] is None:
            out["folder"] = ROOT
        if "permissions" in out:
            out["permissions"] = normalize_permissions(out["permissions"] or [], PROJECT_FLAGS)
        if isinstance(out.get("variables"), Mapping):
            v = out["variables"]
            out["variables"] = {**v, "standard": v.get("standard") or {}, "local": v.get("local") or {}}
        elif "variables" in out and out["variables"] is None:
            out["variables"] = {"standard": {}, "local": {}}
        return out

    # -- one read-modify-write per platform document ----------------------------------------
    def _sync(self, key: str, spec: Spec, fields: set[str]) -> None:
        """Bring the documents holding ``fields`` in line with ``spec``; PUT only what differs."""
        self._save_metadata(key, spec, declared(spec, [f for f in METADATA_FIELDS if f in fields]))
        self._save_permissions(key, spec, declared(spec, [f for f in ("owner", "permissions") if f in fields]))
        if "variables" in fields and spec.get("variables") is not None:
            self._save_variables(key, spec["variables"])
        if "folder" in fields:
            self._move(key, spec.get("folder") or ROOT)

    def _save_metadata(self, key: str, spec: Spec, fields: list[str]) -> None:
        if not fields:
            return
        meta = self.client.get_project_metadata(key)
        new = dict(meta)
        for f in fields:
            value = spec[f]
            if value is None and f in ("checklists", "custom_fields", "custom_metadata"):
                continue
            if f == "tags":
                value = normalize_tags(value)
            elif f in ("description", "short_description"):
                value = text(value)
            elif f == "checklists":
                value = merge_checklists(meta.get("checklists"), value)
            elif f == "custom_metadata":
                value = {**(meta.get("custom") if isinstance(meta.get("custom"), dict) else {}), "kv": dict(value)}
            new[METADATA_FIELDS[f]] = value
        if new != meta:
            self.client.put_project_metadata(key, new)

    def _save_permissions(self, key: str, spec: Spec, fields: list[str]) -> None:
        fields = [f for f in fields if spec[f] is not None]
        if not fields:
            return
        doc = self.client.get_project_permissions(key)
        new = dict(doc)
        if "owner" in fields:
            new["owner"] = spec["owner"]
        if "permissions" in fields:
            new["permissions"] = merge_permissions(doc.get("permissions"), spec["permissions"], PROJECT_FLAGS)
        if new != doc:
            self.client.put_project_permissions(key, new)

    def _save_variables(self, key: str, variables: Mapping[str, Any]) -> None:
        doc = self.client.get_project_variables(key)
        new = {**doc, "standard": dict(variables.get("standard") or {}), "local": dict(variables.get("local") or {})}
        if new != doc:
            self.client.put_project_variables(key, new)

    def _move(self, key: str, destination: str) -> None:
        current = self.client.locate_project(key).get("id") or ROOT
        if current != destination:
            self.client.move_project(current, key, destination)
