"""``lightdash_space``: a space of a project, where it sits in the tree, and who may open it.

Identity: the path within the project (``parent`` path + ``name``) is the natural key used for
adoption; the id is ``<projectUuid>/<spaceUuid>`` and reads go by uuid, so a rename in the UI is
drift on ``name`` (Lightdash keeps the slug and path on a rename) rather than a delete and a
create. Paths are Lightdash's content-as-code paths: slugs joined by ``/`` (``finance/q-reports``);
``path`` is server-owned and referable (``parent: ${lightdash_space.finance.path}``, a chart's
``space``). ``users`` / ``groups`` are the *direct* shares (inherited access is not touched);
each is authoritative when declared. The share endpoints are upserts.

    create  POST   /projects/{p}/spaces {name, isPrivate, parentSpaceUuid, access: [{userUuid, role}]}
    read    GET    /projects/{p}/spaces/{s}   (access rows with hasDirectAccess, groupsAccess)
    update  PATCH  /projects/{p}/spaces/{s} {name, isPrivate}; POST .../share, .../group/share;
            DELETE .../share/{userUuid}, .../group/share/{groupUuid}
    delete  DELETE /projects/{p}/spaces/{s}   (child spaces, charts and dashboards go with it)

Lightdash makes the creator of a private space its admin; when ``users`` is declared that
share is removed again unless the creator is listed. Moving a space (a new ``parent``) is not
in the v1 API: it replaces the space, which the cascade guard makes visible.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ApiError, NotFoundError, ProviderError
from reconciler.values import contains_unknown
from reconciler.providers.base import Collateral, CreatedButFailed, Live, ResourceType, Spec
from reconciler.providers.lightdash.client import LightdashClient
from reconciler.providers.lightdash.resources._common import (
    PATH_PATTERN,
    SpaceGroupGrant,
    SpaceUserGrant,
    code_path,
    email_key,
    normalize_grants,
    parent_path,
    projects_in_scope,
    split_id,
)
from reconciler.providers.models import Model


class SpaceSpec(Model):
    """A space in a project."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(min_length=1, description="project uuid, e.g. ${lightdash_project.<name>.uuid}")
    name: str = Field(min_length=1, description="display name; with parent, identifies the space")
    parent: str | None = Field(None, pattern=PATH_PATTERN,
                               description="path of the parent space (finance/q-reports); top level when left out")
    private: bool = Field(True, description="only people with access see it (false: everyone in the project)")
    users: list[SpaceUserGrant] | None = Field(
        None, description="direct user shares [{email, role}]; authoritative when given")
    groups: list[SpaceGroupGrant] | None = Field(
        None, description="group shares [{group, role}]; authoritative when given")


def space_paths(spaces: list[dict[str, Any]]) -> dict[str, str]:
    """space uuid -> content-as-code path, from ``path`` or (older servers) the parent chain."""
    by_uuid = {s["uuid"]: s for s in spaces}
    out: dict[str, str] = {}

    def path_of(space: dict[str, Any]) -> str:
        if space["uuid"] not in out:
            if space.get("path"):
                out[space["uuid"]] = code_path(space["path"])
            else:
                parent = by_uuid.get(space.get("parentSpaceUuid") or "")
                out[space["uuid"]] = f"{path_of(parent)}/{space['slug']}" if parent else space["slug"]
        return out[space["uuid"]]

    for space in spaces:
        path_of(space)
    return out


class Space(ResourceType):
    type_name: ClassVar[str] = "lightdash_space"
    spec_model: ClassVar[type[BaseModel]] = SpaceSpec
    description: ClassVar[str] = "A space (nested by parent path) with its user and group shares"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "name")
    ref_fields: ClassVar[Mapping[str, str]] = {"parent": "lightdash_space.path"}
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "uuid", "path", "slug"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "parent"})
    delete_note: ClassVar[str | None] = "deletes the space, its child spaces and every chart and dashboard in them"

    client: LightdashClient

    @classmethod
    def identity_of(cls, spec: Mapping[str, Any]) -> str | None:
        name = spec.get("name")
        if not isinstance(name, str):
            return None
        parent = spec.get("parent")
        return f"{parent}/{name}" if isinstance(parent, str) and parent else name

    def read(self, object_id: str) -> Live | None:
        project, space_uuid = split_id(object_id, "space")
        try:
            space = self.client.space(project, space_uuid)
        except NotFoundError:
            return None
        path = code_path(space["path"]) if space.get("path") else space_paths(self.client.spaces(project))[space_uuid]
        users = [{"email": a["email"], "role": a["role"]} for a in space.get("access") or [] if a.get("hasDirectAccess")]
        groups = [{"group": g["groupName"], "role": g["spaceRole"]} for g in space.get("groupsAccess") or []]
        return {"id": object_id, "uuid": space_uuid, "project": project, "name": space["name"],
                "parent": parent_path(path), "path": path, "slug": space.get("slug"),
                "private": bool(space.get("isPrivate")), "users": normalize_grants(users, "email"),
                "groups": normalize_grants(groups, "group")}

    def discover(self, scope: Mapping[str, str]) -> Iterable[tuple[str, Live]]:
        out = []
        for project in projects_in_scope(self.client, scope):
            for space in self.client.spaces(project):
                live = self.read(f"{project}/{space['uuid']}")
                if live is not None:
                    out.append((live["id"], live))
        return out

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        project, name, parent = spec.get("project"), spec.get("name"), spec.get("parent")
        if contains_unknown(parent) or not isinstance(project, str):
            return None
        try:
            spaces = self.client.spaces(project)
        except NotFoundError:
            return None
        paths = space_paths(spaces)
        matches = [s for s in spaces if s["name"] == name and parent_path(paths[s["uuid"]]) == (parent or None)]
        if len(matches) > 1:
            where = ", ".join(paths[s["uuid"]] for s in matches)
            raise ProviderError(f"{len(matches)} spaces named {name!r} under {parent or 'the project root'} ({where})",
                                hint=f"adopt one explicitly: reconciler import <address> {project}/<spaceUuid>")
        if not matches:
            return None
        live = self.read(f"{project}/{matches[0]['uuid']}")
        return (live["id"], live) if live else None

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = SpaceSpec.model_validate(spec)
        body: dict[str, Any] = {"name": want.name, "isPrivate": want.private}
        if want.parent:
            body["parentSpaceUuid"] = self._space_at(want.project, want.parent)
        if want.users:
            body["access"] = [{"userUuid": self.client.user_uuid(u.email), "role": u.role} for u in want.users]
        created = self.client.create_space(want.project, body)
        object_id = f"{want.project}/{created['uuid']}"
        try:
            self._sync(object_id, spec, {"users", "groups"})
            live = self.read(object_id)
        except ProviderError as exc:
            raise CreatedButFailed(object_id, exc) from exc
        if live is None:
            raise CreatedButFailed(object_id, NotFoundError(f"space {want.name!r} vanished right after its creation"))
        return object_id, live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, space_uuid = split_id(object_id, "space")
        if changed & {"name", "private"}:
            private = spec["private"] if "private" in spec else self.client.space(project, space_uuid)["isPrivate"]
            self.client.update_space(project, space_uuid, {"name": spec["name"], "isPrivate": private})
        self._sync(object_id, spec, set(changed))
        new = self.read(object_id)
        if new is None:
            raise NotFoundError(f"space {object_id} vanished during update")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        project, space_uuid = split_id(object_id, "space")
        try:
            self.client.delete_space(project, space_uuid)
        except NotFoundError:
            pass

    def cascades(self, object_id: str, live: Live) -> list[Collateral]:
        """Its child spaces (any depth) and every chart and dashboard in it or in them."""
        project, space_uuid = split_id(object_id, "space")
        spaces = self.client.spaces(project)
        paths = space_paths(spaces)
        own = paths.get(space_uuid)
        if own is None:
            return []
        children = [s for s in spaces if paths[s["uuid"]].startswith(own + "/")]
        out = [Collateral("lightdash_space", f"{project}/{s['uuid']}", paths[s["uuid"]]) for s in children]
        uuids = [space_uuid] + [s["uuid"] for s in children]
        for kind, uuid, label in self._content_in(project, uuids):
            out.append(Collateral(f"lightdash_{kind}", f"{project}/{uuid}", label))
        return out

    def _content_in(self, project: str, space_uuids: list[str]) -> list[tuple[str, str, str]]:
        """(kind, uuid, label) of the charts and dashboards in the spaces: one paged v2 content list,
        or, on a server without ``/api/v2/content`` (before ~0.1788), each space's own document."""
        try:
            items = self.client.content(project, space_uuids, ["chart", "dashboard"])
            return [(i["contentType"], i["uuid"], i.get("slug") or i["name"]) for i in items
                    if i.get("contentType") in ("chart", "dashboard")]
        except ApiError as exc:
            if exc.status != 404:
                raise
        out = []
        for uuid in space_uuids:
            doc = self.client.space(project, uuid)
            out += [("chart", q["uuid"], q.get("slug") or q["name"]) for q in doc.get("queries") or []]
            out += [("dashboard", d["uuid"], d.get("slug") or d["name"]) for d in doc.get("dashboards") or []]
        return out

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if out.get("users") is not None:
            out["users"] = normalize_grants(out["users"], "email")
        if out.get("groups") is not None:
            out["groups"] = normalize_grants(out["groups"], "group")
        if "parent" in out and out["parent"] == "":
            out["parent"] = None
        return out

    # -- helpers ----------------------------------------------------------------------------------
    def _space_at(self, project: str, path: str) -> str:
        paths = space_paths(self.client.spaces(project))
        found = [uuid for uuid, p in paths.items() if p == path]
        if not found:
            raise ProviderError(f"project {project} has no space at path {path!r}",
                                hint="create the parent first (reference ${lightdash_space.<name>.path})")
        return found[0]

    def _sync(self, object_id: str, spec: Spec, fields: set[str]) -> None:
        """Bring the declared direct shares in line (share = upsert, unshare what is not declared)."""
        users = spec.get("users") if "users" in fields else None
        groups = spec.get("groups") if "groups" in fields else None
        if users is None and groups is None:
            return
        project, space_uuid = split_id(object_id, "space")
        space = self.client.space(project, space_uuid)
        if users is not None:
            current = {email_key(a["email"]): a for a in space.get("access") or [] if a.get("hasDirectAccess")}
            for grant in normalize_grants(users, "email"):
                have = current.pop(grant["email"], None)
                if have is None or have["role"] != grant["role"]:
                    uuid = have["userUuid"] if have else self.client.user_uuid(grant["email"])
                    self.client.share_space(project, space_uuid, uuid, grant["role"])
            for extra in current.values():
                self.client.unshare_space(project, space_uuid, extra["userUuid"])
        if groups is not None:
            current_groups = {g["groupName"]: g for g in space.get("groupsAccess") or []}
            for grant in normalize_grants(groups, "group"):
                have = current_groups.pop(grant["group"], None)
                if have is None or have["spaceRole"] != grant["role"]:
                    uuid = have["groupUuid"] if have else self.client.group_uuid(grant["group"])
                    self.client.share_space_group(project, space_uuid, uuid, grant["role"])
            for extra in current_groups.values():
                self.client.unshare_space_group(project, space_uuid, extra["groupUuid"])
