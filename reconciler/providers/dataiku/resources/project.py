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

``list`` is the project list with locations (name, descriptions, tags, owner, folder); the
permissions, variables and metadata documents are ``detail_fields``, read (``read_details``) only
for the projects whose state or spec manages them: the permissions document for ``permissions``,
the variables for ``variables``, the metadata for checklists, custom fields or custom metadata.
A create or an update builds the live view from what it sent and the documents it wrote.

``drop_data_on_destroy`` is ours, not the platform's: it is never compared (``normalize`` drops
it) and tells ``delete`` whether to clear managed data when the engine passes the last applied
attributes. Checklists are matched by title and their items by text, so the ids and stamps DSS
adds to them survive an update. Drift names who changed the project last (its ``versionTag``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import as_set, declared, or_none, text
from reconciler.providers.dataiku.resources._base import MODIFIED, DataikuResource, modified
from reconciler.providers.dataiku.resources._checklists import (
    Checklist,
    live_checklists,
    merge_checklists,
    normalize_checklists,
)
from reconciler.providers.dataiku.resources._permissions import (
    Principal,
    live_permissions,
    merge_permissions,
    normalize_permissions,
)
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
#: detail fields of the metadata document (the list has the other metadata fields)
METADATA_DETAILS = frozenset({"checklists", "custom_fields", "custom_metadata"})
#: a new project's variables document
EMPTY_VARIABLES = {"standard": {}, "local": {}}


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
    #: each needs a GET of its document per project; the list has everything else
    detail_fields: ClassVar[frozenset[str]] = frozenset({"permissions", "variables"}) | METADATA_DETAILS

    # -- reading ------------------------------------------------------------------------------
    def read(self, object_id: str) -> Live | None:
        """The project's summary and folder (its documents hold the details)."""
        summary = or_none(lambda: self.client.get_project(object_id))
        location = or_none(lambda: self.client.locate_project(object_id)) if summary is not None else None
        return _summary_view(object_id, summary, location.get("id")) if location is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """Every project, from one list call with locations."""
        return [(str(p["projectKey"]), _summary_view(str(p["projectKey"]), p,
                                                     (p.get("projectLocation") or {}).get("projectFolderId")))
                for p in self.client.list_projects(include_location=True) if p.get("projectKey")]

    def read_details(self, object_id: str, listed: Live, fields: frozenset[str]) -> Live | None:
        """``listed`` with the documents holding ``fields``: permissions, variables, metadata."""
        live = dict(listed)
        try:
            if "permissions" in fields:
                live.update(_permissions_view(self.client.get_project_permissions(object_id)))
            if "variables" in fields:
                live.update(_variables_view(self.client.get_project_variables(object_id)))
            if fields & METADATA_DETAILS:
                meta = _metadata_view(self.client.get_project_metadata(object_id))
                live.update({k: v for k, v in meta.items() if k in METADATA_DETAILS})
        except NotFoundError:
            return None
        return live

    # -- writing ------------------------------------------------------------------------------
    def create(self, spec: Spec) -> tuple[str, Live]:
        """One POST with the fields it takes; then each other document holding a declared field
        (variables, the rest of the metadata) read-modify-written. The live view is what the POST
        sent (a new project has no short description and no variables) and the documents written."""
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
        live = {"id": want.key, "key": want.key, "name": want.name, "description": text(want.description),
                "short_description": "", "tags": as_set(want.tags), "folder": want.folder or ROOT,
                **_variables_view({}), **_permissions_view({"owner": owner, "permissions": permissions})}
        try:
            covered = CREATED_WITH if want.owner else CREATED_WITH - {"owner"}  # "" was not what the POST sent
            live.update(self._sync(want.key, spec, set(spec) - covered, new=True))
        except ProviderError as exc:
            raise CreatedButFailed(want.key, exc) from exc
        return want.key, live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        """The documents holding changed fields read-modify-written; then the project read back,
        but for the managed documents just written."""
        written = self._sync(object_id, spec, set(changed) & set(spec))
        new = self.read(object_id)
        if new is not None:
            new = self.read_details(object_id, new, self.detail_fields & (set(spec) - set(written)))
        if new is None:
            raise NotFoundError(f"project {object_id} vanished during update")
        return {**new, **written}

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        """Delete the project; clear managed data only if ``attrs`` says ``drop_data_on_destroy``."""
        drop = bool((attrs or {}).get("drop_data_on_destroy", False))
        or_none(lambda: self.client.delete_project(
            object_id,
            clear_managed_datasets=drop,
            clear_output_managed_folders=drop,
            clear_job_and_scenario_logs=True,
            clear_managed_knowledge_banks=drop,
        ))

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
            out["tags"] = as_set(out["tags"])
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
    def _sync(self, key: str, spec: Spec, fields: set[str], *, new: bool = False) -> Live:
        """Bring the documents holding ``fields`` in line with ``spec`` (PUT only what differs);
        the live fields of the documents written. ``new``: the project was just created (its
        variables are known to be empty: not read first)."""
        out: Live = {}
        meta = self._save_metadata(key, spec, declared(spec, [f for f in METADATA_FIELDS if f in fields]))
        if meta is not None:
            out.update(_metadata_view(meta))
        perms = self._save_permissions(key, spec, declared(spec, [f for f in ("owner", "permissions") if f in fields]))
        if perms is not None:
            out.update(_permissions_view(perms))
        if "variables" in fields and spec.get("variables") is not None:
            out.update(_variables_view(self._save_variables(key, spec["variables"], EMPTY_VARIABLES if new else None)))
        if "folder" in fields:
            out["folder"] = self._move(key, spec.get("folder") or ROOT)
        return out

    def _save_metadata(self, key: str, spec: Spec, fields: list[str]) -> dict[str, Any] | None:
        fields = [f for f in fields if not (spec[f] is None and f in METADATA_DETAILS)]
        if not fields:
            return None
        meta = self.client.get_project_metadata(key)
        new = dict(meta)
        for f in fields:
            value = spec[f]
            if f == "tags":
                value = as_set(value)
            elif f in ("description", "short_description"):
                value = text(value)
            elif f == "checklists":
                value = merge_checklists(meta.get("checklists"), value)
            elif f == "custom_metadata":
                value = {**(meta.get("custom") if isinstance(meta.get("custom"), dict) else {}), "kv": dict(value)}
            new[METADATA_FIELDS[f]] = value
        if new != meta:
            self.client.put_project_metadata(key, new)
        return new

    def _save_permissions(self, key: str, spec: Spec, fields: list[str]) -> dict[str, Any] | None:
        fields = [f for f in fields if spec[f] is not None]
        if not fields:
            return None
        doc = self.client.get_project_permissions(key)
        new = dict(doc)
        if "owner" in fields:
            new["owner"] = spec["owner"]
        if "permissions" in fields:
            new["permissions"] = merge_permissions(doc.get("permissions"), spec["permissions"], PROJECT_FLAGS)
        if new != doc:
            self.client.put_project_permissions(key, new)
        return new

    def _save_variables(self, key: str, variables: Mapping[str, Any],
                        current: Mapping[str, Any] | None = None) -> dict[str, Any]:
        doc = dict(current) if current is not None else self.client.get_project_variables(key)
        new = {**doc, "standard": dict(variables.get("standard") or {}), "local": dict(variables.get("local") or {})}
        if new != doc:
            self.client.put_project_variables(key, new)
        return new

    def _move(self, key: str, destination: str) -> str:
        current = self.client.locate_project(key).get("id") or ROOT
        if current != destination:
            self.client.move_project(current, key, destination)
        return destination


def _summary_view(key: str, summary: Mapping[str, Any], folder: str | None) -> Live:
    """A project-list item (or ``GET /projects/{k}``) and its folder in spec vocabulary."""
    return {
        "id": key,
        "key": key,
        "name": summary.get("name"),
        "description": text(summary.get("description")),
        "short_description": text(summary.get("shortDesc")),
        "tags": as_set(summary.get("tags")),
        "folder": folder or ROOT,
        "owner": summary.get("ownerLogin"),
        MODIFIED: modified(summary.get("versionTag")),
    }


def _metadata_view(meta: Mapping[str, Any]) -> Live:
    custom = meta.get("custom") if isinstance(meta.get("custom"), dict) else {}
    return {
        "name": meta.get("label"),
        "description": text(meta.get("description")),
        "short_description": text(meta.get("shortDesc")),
        "tags": as_set(meta.get("tags")),
        "checklists": live_checklists(meta.get("checklists")),
        "custom_fields": meta.get("customFields") or {},
        "custom_metadata": custom.get("kv") or {},
    }


def _permissions_view(doc: Mapping[str, Any]) -> Live:
    return {"owner": doc.get("owner"), "permissions": live_permissions(doc.get("permissions"), PROJECT_FLAGS)}


def _variables_view(doc: Mapping[str, Any]) -> Live:
    return {"variables": {"standard": doc.get("standard") or {}, "local": doc.get("local") or {}}}
