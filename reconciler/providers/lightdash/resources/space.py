"""``lightdash_space``: a space of a project, where it sits in the tree, and who may open it.

Identity: the id is ``<projectUuid>/<spaceUuid>`` and reads go by uuid, so a rename in the UI is
drift on ``name`` (Lightdash keeps the slug and path on a rename) rather than a delete and a
create. The natural key, for adoption, is ``project`` + ``parent`` + ``name`` (two spaces may
share a name under different parents; two under one parent are ambiguous); ``parent`` is ``""``
at the top level (a key field the engine can look up by), read as ``None``. Paths are
Lightdash's content-as-code paths: slugs joined by ``/`` (``finance/q-reports``); ``path`` is
server-owned and referable (``parent: ${lightdash_space.finance.path}``, a chart's ``space``).
``users`` / ``groups`` are the *direct* shares (inherited access is not touched); each is
authoritative when declared. The share endpoints are upserts.

    list    GET    /projects/{p}/spaces       (no shares: ``users``/``groups`` are detail fields;
                                               lookups and export list, reads by id do not)
    read    GET    /projects/{p}/spaces/{s}   (access rows with hasDirectAccess, groupsAccess)
    create  POST   /projects/{p}/spaces {name, isPrivate, parentSpaceUuid, access: [{userUuid, role}]}
    update  POST   /api/v2/content/{p}/move {item: {uuid, contentType: space}, action: {type: move,
                                              targetSpaceUuid}}  (a new ``parent``; null: top level)
            PATCH  /projects/{p}/spaces/{s} {name, isPrivate?}; POST .../share, .../group/share;
            DELETE .../share/{userUuid}, .../group/share/{groupUuid}
    delete  DELETE /projects/{p}/spaces/{s}   (child spaces, charts and dashboards go with it)

Create and PATCH answer the whole space, shares included; the share calls answer nothing, so
the live view is that answer with the shares as they were set. Lightdash makes the creator of a
private space its admin; when ``users`` is declared that share is removed again unless the
creator is listed. A new ``parent`` moves the space in place with Lightdash's v2 content move
(2025+): it keeps its uuid, shares, child spaces, charts and dashboards, and its path (and theirs)
follows; ``parent`` removed or ``""`` moves it to the top level.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import ApiError, ProviderError
from reconciler.providers.base import Collateral, CreatedButFailed, Live, ResourceType, Spec
from reconciler.providers.common import or_none, split_id
from reconciler.providers.lightdash.client import LightdashClient
from reconciler.providers.lightdash.resources._common import (
    PATH_PATTERN,
    SpaceGroupGrant,
    SpaceUserGrant,
    code_path,
    email_key,
    normalize_grants,
    parent_path,
)
from reconciler.providers.models import Model


class SpaceSpec(Model):
    """A space in a project."""

    @model_validator(mode="after")
    def _one_privacy(self) -> "SpaceSpec":
        if self.private is not None and self.inherit_parent_permissions is not None \
                and self.private == self.inherit_parent_permissions:
            raise ValueError("private is the opposite of inherit_parent_permissions: give one of them")
        return self

    model_config = ConfigDict(extra="forbid")

    project: str = Field(min_length=1, description="project uuid, e.g. ${lightdash_project.<name>.uuid}")
    name: str = Field(min_length=1, description="display name; with parent, identifies the space")
    parent: str | None = Field("", pattern=r"^$|" + PATH_PATTERN,
                               description="path of the parent space (finance/q-reports); top level when empty or "
                                           "left out")
    private: bool | None = Field(
        None, description="Restricted Access: only people invited (and admins) open it; the opposite of "
                          "inherit_parent_permissions. Left out: true, unless inherit_parent_permissions is given")
    inherit_parent_permissions: bool | None = Field(
        None, description="Inherited Access (Lightdash's inheritParentPermissions): who may open the parent space "
                          "(a top-level space: everyone in the project) may open it, with the same role. Left out: "
                          "the opposite of private")
    users: list[SpaceUserGrant] | None = Field(
        None, description="direct user shares [{email, role}]; authoritative when given")
    groups: list[SpaceGroupGrant] | None = Field(
        None, description="group shares [{group, role}]; authoritative when given")


def privacy(inherit: Any, private: Any, *, default_private: bool = False) -> dict[str, Any]:
    """``private`` and ``inherit_parent_permissions``, one the opposite of the other: from
    ``inheritParentPermissions`` where the server (or the spec) has it, else from the older
    ``isPrivate`` (servers before it read ``inherit`` as ``not isPrivate``), else the default.
    Values that are not booleans (known after apply) pass through."""
    if isinstance(inherit, bool):
        return {"private": not inherit, "inherit_parent_permissions": inherit}
    if isinstance(private, bool):
        return {"private": private, "inherit_parent_permissions": not private}
    if inherit is None and private is None:
        return {"private": default_private, "inherit_parent_permissions": not default_private}
    return {"private": private, "inherit_parent_permissions": inherit}


def _privacy_body(spec: Spec) -> dict[str, Any]:
    """Both keys: ``inheritParentPermissions`` for current servers, ``isPrivate`` for older ones
    (which ignore the key they do not know)."""
    both = privacy(spec.get("inherit_parent_permissions"), spec.get("private"), default_private=True)
    return {"isPrivate": both["private"], "inheritParentPermissions": both["inherit_parent_permissions"]}


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


def _split(object_id: str) -> tuple[str, str]:
    """``<projectUuid>/<spaceUuid>`` -> the two uuids."""
    project, space_uuid = split_id(object_id, "space", sep="/")
    return project, space_uuid


def shares(space: Mapping[str, Any]) -> tuple[dict[str, dict], dict[str, dict]]:
    """The direct user shares (by lowercased email) and group shares (by name) of a ``Space``."""
    users = {email_key(a["email"]): {"email": a["email"], "role": a["role"], "userUuid": a["userUuid"]}
             for a in space.get("access") or [] if a.get("hasDirectAccess")}
    groups = {g["groupName"]: {"group": g["groupName"], "role": g["spaceRole"], "groupUuid": g["groupUuid"]}
              for g in space.get("groupsAccess") or []}
    return users, groups


class Space(ResourceType):
    type_name: ClassVar[str] = "lightdash_space"
    spec_model: ClassVar[type[BaseModel]] = SpaceSpec
    description: ClassVar[str] = "A space (nested by parent path) with its user and group shares"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "parent", "name")
    ref_fields: ClassVar[Mapping[str, str]] = {"parent": "lightdash_space.path"}
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "uuid", "path", "slug"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project"})
    container: ClassVar[str | None] = "project"
    detail_fields: ClassVar[frozenset[str]] = frozenset({"users", "groups"})
    delete_note: ClassVar[str | None] = "deletes the space, its child spaces and every chart and dashboard in them"

    client: LightdashClient

    @classmethod
    def identity_of(cls, spec: Mapping[str, Any]) -> str | None:
        name = spec.get("name")
        if not isinstance(name, str):
            return None
        parent = spec.get("parent")
        return f"{parent}/{name}" if isinstance(parent, str) and parent else name

    def container_of(self, object_id: str) -> str | None:
        """None: a space known by id is read alone (one GET, shares included). The project's list
        holds no shares, so where a spec or state manages them (what the type is for) a listed
        space would cost that GET anyway, after the list; read alone it costs only the GET."""
        _split(object_id)
        return None

    # -- reading ----------------------------------------------------------------------------------
    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """The project's spaces without their shares (the list does not hold them)."""
        spaces = (or_none(lambda: self.client.spaces(container)) if container else None) or []
        paths = space_paths(spaces)
        return [(f"{container}/{s['uuid']}", self._live(container, s, paths[s["uuid"]])) for s in spaces]

    def read(self, object_id: str) -> Live | None:
        project, space_uuid = _split(object_id)
        space = or_none(lambda: self.client.space(project, space_uuid))
        if space is None:
            return None
        return self._whole(self._live(project, space, self._path(project, space)), *shares(space))

    def read_details(self, object_id: str, listed: Live, fields: frozenset[str]) -> Live | None:
        """A listed space with its shares (one GET); a space ``read`` gave already holds them."""
        if fields <= listed.keys():
            return listed
        project, space_uuid = _split(object_id)
        space = or_none(lambda: self.client.space(project, space_uuid))
        return self._whole(listed, *shares(space)) if space is not None else None

    @staticmethod
    def _live(project: str, space: Mapping[str, Any], path: str) -> Live:
        """The fields a ``SpaceSummary`` and a ``Space`` both hold."""
        return {"id": f"{project}/{space['uuid']}", "uuid": space["uuid"], "project": project, "name": space["name"],
                "parent": parent_path(path), "path": path, "slug": space.get("slug"),
                **privacy(space.get("inheritParentPermissions"), space.get("isPrivate"))}

    def _path(self, project: str, space: Mapping[str, Any]) -> str:
        """The space's path, from its ``path`` or (an older server) the parent chain in the list."""
        if space.get("path"):
            return code_path(space["path"])
        return space_paths(self.client.spaces(project))[space["uuid"]]

    @staticmethod
    def _whole(live: Live, users: Mapping[str, dict], groups: Mapping[str, dict]) -> Live:
        """``live`` with the direct shares ``users`` and ``groups`` (as ``shares`` gives them)."""
        def grants(entries: Iterable[dict], key: str) -> list:
            return normalize_grants([{key: e[key], "role": e["role"]} for e in entries], key)

        return {**live, "users": grants(users.values(), "email"), "groups": grants(groups.values(), "group")}

    # -- writing ----------------------------------------------------------------------------------
    def create(self, spec: Spec) -> tuple[str, Live]:
        want = SpaceSpec.model_validate(spec)
        body: dict[str, Any] = {"name": want.name, **_privacy_body(spec)}
        if want.parent:
            body["parentSpaceUuid"] = self._space_at(want.project, want.parent)
        if want.users:
            body["access"] = [{"userUuid": self.client.user_uuid(u.email), "role": u.role} for u in want.users]
        created = self.client.create_space(want.project, body)
        object_id = f"{want.project}/{created['uuid']}"
        try:
            users, groups = self._sync(object_id, created, spec, {"users", "groups"})
        except ProviderError as exc:
            raise CreatedButFailed(object_id, exc) from exc
        live = self._live(want.project, created, self._path(want.project, created))
        return object_id, self._whole(live, users, groups)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, space_uuid = _split(object_id)
        if "parent" in changed:  # first, so that the answers below carry the new path
            target = self._space_at(project, spec["parent"]) if spec.get("parent") else None
            self.client.move_space(project, space_uuid, target)
        if changed & {"name", "private", "inherit_parent_permissions"}:
            declared = "private" in spec or "inherit_parent_permissions" in spec
            body = {"name": spec["name"], **(_privacy_body(spec) if declared else {})}
            space = self.client.update_space(project, space_uuid, body)
        else:
            space = self.client.space(project, space_uuid)
        users, groups = self._sync(object_id, space, spec, set(changed))
        return self._whole(self._live(project, space, self._path(project, space)), users, groups)

    @staticmethod
    def export_view(live: Live) -> Live:
        """Privacy written once, in Lightdash's current vocabulary (``inherit_parent_permissions``)."""
        return {k: v for k, v in live.items() if k != "private"}

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        project, space_uuid = _split(object_id)
        or_none(lambda: self.client.delete_space(project, space_uuid))

    def cascades(self, object_id: str, live: Live) -> list[Collateral]:
        """Its child spaces (any depth) and every chart and dashboard in it or in them."""
        project, space_uuid = _split(object_id)
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
            items = self.client.content(project, ["chart", "dashboard"], space_uuids)
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
        if "private" in out or "inherit_parent_permissions" in out:  # each as the other implies; none added
            both = privacy(out.get("inherit_parent_permissions"), out.get("private"), default_private=True)
            out.update({k: both[k] for k in ("private", "inherit_parent_permissions") if k in out})
        return out

    # -- helpers ----------------------------------------------------------------------------------
    def _space_at(self, project: str, path: str) -> str:
        paths = space_paths(self.client.spaces(project))
        found = [uuid for uuid, p in paths.items() if p == path]
        if not found:
            raise ProviderError(f"project {project} has no space at path {path!r}",
                                hint="create the parent first (reference ${lightdash_space.<name>.path})")
        return found[0]

    def _sync(self, object_id: str, space: Mapping[str, Any], spec: Spec,
              fields: set[str]) -> tuple[dict[str, dict], dict[str, dict]]:
        """Bring the declared direct shares of ``space`` (the space as just read or answered) in
        line (share = upsert, unshare what is not declared); the shares as they are afterwards."""
        users, groups = shares(space)
        project, space_uuid = _split(object_id)
        if "users" in fields and spec.get("users") is not None:
            wanted = {g["email"]: g for g in normalize_grants(spec["users"], "email")}
            for email, grant in wanted.items():
                have = users.get(email)
                if have is None or have["role"] != grant["role"]:
                    uuid = have["userUuid"] if have else self.client.user_uuid(email)
                    self.client.share_space(project, space_uuid, uuid, grant["role"])
                    users[email] = {"email": email, "role": grant["role"], "userUuid": uuid}
            for email in [e for e in users if e not in wanted]:
                self.client.unshare_space(project, space_uuid, users.pop(email)["userUuid"])
        if "groups" in fields and spec.get("groups") is not None:
            wanted = {g["group"]: g for g in normalize_grants(spec["groups"], "group")}
            for name, grant in wanted.items():
                have = groups.get(name)
                if have is None or have["role"] != grant["role"]:
                    uuid = have["groupUuid"] if have else self.client.group_uuid(name)
                    self.client.share_space_group(project, space_uuid, uuid, grant["role"])
                    groups[name] = {"group": name, "role": grant["role"], "groupUuid": uuid}
            for name in [n for n in groups if n not in wanted]:
                self.client.unshare_space_group(project, space_uuid, groups.pop(name)["groupUuid"])
        return users, groups
