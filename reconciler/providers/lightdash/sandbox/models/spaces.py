"""Spaces (nested, with a slug and an ltree path) and their user and group shares.

A space's slug comes from its name (``-<10 random chars>`` appended on a collision within the
project) and its ``path`` is its ancestors' slugs in ltree form (``finance.q_reports``); a rename
changes neither (inferred). Deleting a space deletes its descendants and everything in them.
Moving a space (v2 content move) keeps its uuid, slug, shares and content; the paths of the space
and of its descendants follow the new parent.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.providers.lightdash.sandbox import payloads as p
from reconciler.providers.lightdash.sandbox.errors import NotFoundError, ParameterError, ValidateError
from reconciler.providers.lightdash.sandbox.models.core import Doc, WorldBase, generate_slug, ltree_from_code_path

#: project role -> the space role it gives on a public space (inferred)
_SPACE_ROLE_OF = {"viewer": "viewer", "interactive_viewer": "viewer", "editor": "editor", "developer": "editor",
                  "admin": "admin"}
_ROLE_RANK = ("viewer", "interactive_viewer", "editor", "developer", "admin")


def friendly_name(text: str) -> str:
    """Lightdash's ``friendlyName`` for a created space: ``q_reports`` -> ``Q reports``."""
    words = re.sub(r"[-_]+", " ", text).strip()
    return words[:1].upper() + words[1:].lower()


class SpaceModels(WorldBase):
    """``/api/v1/projects/{p}/spaces[/{s}[/share|/group/share]]``."""

    def _descendants(self, space: Doc) -> list[Doc]:
        prefix = space["path"] + "."
        return [s for s in self._s["spaces"].values()
                if s["projectUuid"] == space["projectUuid"] and s["path"].startswith(prefix)]

    def _space_summary(self, space: Doc) -> Doc:
        charts = [c for c in self._s["charts"].values() if c["spaceUuid"] == space["uuid"]]
        dashboards = [d for d in self._s["dashboards"].values() if d["spaceUuid"] == space["uuid"]]
        return {"organizationUuid": self._s["org"]["organizationUuid"], "projectUuid": space["projectUuid"],
                "uuid": space["uuid"], "name": space["name"], "isPrivate": space["isPrivate"],
                "inheritParentPermissions": space["inheritParentPermissions"],
                "pinnedListUuid": space["pinnedListUuid"], "pinnedListOrder": space["pinnedListOrder"],
                "slug": space["slug"], "parentSpaceUuid": space["parentSpaceUuid"], "path": space["path"],
                "chartCount": len(charts), "dashboardCount": len(dashboards),
                "access": [s["userUuid"] for s in self._shares(space) if s["hasDirectAccess"]]}

    def _project_role(self, user: Doc, project: Doc) -> tuple[str, str] | None:
        """(inheritedFrom, project role) a user has on a project, highest first; None if none."""
        found: list[tuple[str, str]] = []
        if user["role"] != "member":
            found.append(("organization", user["role"]))
        if user["userUuid"] in project["access"]:
            found.append(("project", project["access"][user["userUuid"]]))
        for group_uuid, role in project["groupAccess"].items():
            if user["userUuid"] in self._s["groups"][group_uuid]["members"]:
                found.append(("group", role))
        return max(found, key=lambda f: _ROLE_RANK.index(f[1])) if found else None

    def _shares(self, space: Doc) -> list[Doc]:
        """``SpaceShare`` rows: direct shares, and who else can see the space and why."""
        project = self._s["projects"][space["projectUuid"]]
        rows = []
        for user in self._s["users"].values():
            base = {"userUuid": user["userUuid"], "email": user["email"], "firstName": user["firstName"],
                    "lastName": user["lastName"]}
            inherited = self._project_role(user, project)
            if inherited:
                base["projectRole"] = inherited[1]
            direct = space["access"].get(user["userUuid"])
            if direct is not None:
                rows.append({**base, "role": direct, "hasDirectAccess": True})
                continue
            if user["role"] == "admin":
                rows.append({**base, "role": "admin", "hasDirectAccess": False, "inheritedFrom": "organization",
                             "inheritedRole": "admin"})
            elif space["isPrivate"]:
                group_roles = [r for g, r in space["groupAccess"].items()
                               if user["userUuid"] in self._s["groups"][g]["members"]]
                if group_roles:
                    role = max(group_roles, key=lambda r: _ROLE_RANK.index(r))
                    rows.append({**base, "role": role, "hasDirectAccess": False, "inheritedFrom": "space_group",
                                 "inheritedRole": role})
            elif inherited:
                rows.append({**base, "role": _SPACE_ROLE_OF[inherited[1]], "hasDirectAccess": False,
                             "inheritedFrom": inherited[0], "inheritedRole": inherited[1]})
        return rows

    def _space_doc(self, space: Doc) -> Doc:
        groups = self._s["groups"]
        doc = self._space_summary(space)
        doc.pop("chartCount"), doc.pop("dashboardCount")
        crumbs, parent = [], space
        while parent is not None:
            crumbs.insert(0, {"uuid": parent["uuid"], "name": parent["name"]})
            parent = self._s["spaces"].get(parent["parentSpaceUuid"] or "")
        doc.update({
            "access": self._shares(space),
            "groupsAccess": [{"groupUuid": g, "groupName": groups[g]["name"], "spaceRole": r}
                             for g, r in space["groupAccess"].items()],
            "queries": [self._chart_summary(c) for c in self._s["charts"].values() if c["spaceUuid"] == space["uuid"]],
            "dashboards": [self._dashboard_basic(d) for d in self._s["dashboards"].values()
                           if d["spaceUuid"] == space["uuid"]],
            "childSpaces": [self._space_summary(s) for s in self._s["spaces"].values()
                            if s["parentSpaceUuid"] == space["uuid"]],
            "breadcrumbs": crumbs,
        })
        return doc

    def _chart_summary(self, chart: Doc) -> Doc:  # pragma: no cover - provided by ChartModels
        raise NotImplementedError

    def _dashboard_basic(self, dashboard: Doc) -> Doc:  # pragma: no cover - provided by DashboardModels
        raise NotImplementedError

    def _delete_content_in(self, space_uuids: set[str]) -> None:  # pragma: no cover - provided by ChartModels
        raise NotImplementedError

    # -- operations -------------------------------------------------------------------------------
    def list_spaces(self, project_uuid: str) -> list[Doc]:
        self._project(project_uuid)
        return [self._space_summary(s) for s in self._s["spaces"].values() if s["projectUuid"] == project_uuid]

    def get_space(self, project_uuid: str, space_uuid: str) -> Doc:
        return self._space_doc(self._space(project_uuid, space_uuid))

    def _unique_space_slug(self, project_uuid: str, name: str) -> str:
        slug = generate_slug(name) or self.random_suffix(5)
        taken = {s["slug"] for s in self._s["spaces"].values() if s["projectUuid"] == project_uuid}
        return f"{slug}-{self.random_suffix(10)}" if slug in taken else slug

    def _insert_space(self, project_uuid: str, name: str, slug: str, parent: Doc | None, inherit: bool) -> Doc:
        label = slug.replace("-", "_")
        space = {"uuid": self.new_uuid(), "projectUuid": project_uuid, "name": name, "slug": slug,
                 "path": f"{parent['path']}.{label}" if parent else label,
                 "parentSpaceUuid": parent["uuid"] if parent else None, "inheritParentPermissions": inherit,
                 "isPrivate": True, "pinnedListUuid": None, "pinnedListOrder": None, "access": {},
                 "groupAccess": {}, "createdAt": self.now()}
        self._s["spaces"][space["uuid"]] = space
        self._settle_privacy(project_uuid)
        return space

    def _settle_privacy(self, project_uuid: str) -> None:
        """Every space's ``isPrivate`` from the ``inheritParentPermissions`` chain: a space that does
        not inherit is restricted; one that does has its parent's privacy (the project's: public, at
        the top level)."""
        spaces = [s for s in self._s["spaces"].values() if s["projectUuid"] == project_uuid]
        for space in sorted(spaces, key=lambda s: s["path"].count(".")):
            parent = self._s["spaces"].get(space["parentSpaceUuid"] or "")
            inherit = space.setdefault("inheritParentPermissions", not space["isPrivate"])
            space["isPrivate"] = (not inherit) or bool(parent and parent["isPrivate"])

    @staticmethod
    def _inherits(inherit: bool | None, private: bool | None, default: bool) -> bool:
        """``inheritParentPermissions`` from a body: given, else the opposite of the older
        ``isPrivate``, else ``default``."""
        if inherit is not None:
            return inherit
        return (not private) if private is not None else default

    def create_space(self, project_uuid: str, body: Any) -> Doc:
        data = p.parse(p.CreateSpace, body)
        self._project(project_uuid)
        if not data.name.strip():
            raise ParameterError("Space name cannot be empty")
        parent = self._space(project_uuid, data.parentSpaceUuid) if data.parentSpaceUuid else None
        for share in data.access or []:
            self._user(share.userUuid)
        inherit = self._inherits(data.inheritParentPermissions, data.isPrivate, default=parent is not None)
        space = self._insert_space(project_uuid, data.name, self._unique_space_slug(project_uuid, data.name),
                                   parent, inherit)
        for share in data.access or []:
            space["access"][share.userUuid] = share.role
        me = self.caller["userUuid"]
        if not inherit and me not in space["access"]:
            space["access"][me] = "admin"
        return self._space_doc(space)

    def update_space(self, project_uuid: str, space_uuid: str, body: Any) -> Doc:
        data = p.parse(p.UpdateSpace, body)
        space = self._space(project_uuid, space_uuid)
        if not data.name.strip():
            raise ParameterError("Space name cannot be empty")
        space["name"] = data.name
        if data.inheritParentPermissions is not None or data.isPrivate is not None:
            space["inheritParentPermissions"] = self._inherits(data.inheritParentPermissions, data.isPrivate,
                                                               default=space["inheritParentPermissions"])
            self._settle_privacy(project_uuid)
        return self._space_doc(space)

    def delete_space(self, project_uuid: str, space_uuid: str) -> None:
        space = self._space(project_uuid, space_uuid)
        doomed = {space["uuid"]} | {s["uuid"] for s in self._descendants(space)}
        self._delete_content_in(doomed)
        for uuid in doomed:
            del self._s["spaces"][uuid]

    def move_content(self, project_uuid: str, body: Any) -> None:
        """``POST /api/v2/content/{projectUuid}/move``: one chart, dashboard or space into another
        space of the project (``targetSpaceUuid: null``: a space to the top level). A moved space
        keeps its uuid, slug, shares and content; its path and its descendants' paths follow it."""
        data = p.parse(p.MoveContent, body)
        if data.action.type != "move":
            raise ParameterError("Invalid action type")
        item = data.item
        if item.contentType == "chart" and item.source is None:
            raise ValidateError("", {"body.item.source": {"message": "'source' is required"}})
        self._project(project_uuid)
        target = self._space(project_uuid, data.action.targetSpaceUuid) if data.action.targetSpaceUuid else None
        if item.contentType == "space":
            self._move_space(self._space(project_uuid, item.uuid), target)
            return
        store = self._s["charts" if item.contentType == "chart" else "dashboards"]
        found = store.get(item.uuid)
        if found is None or found["projectUuid"] != project_uuid:
            raise NotFoundError(f"{item.contentType.capitalize()} {item.uuid} not found")
        if target is None:
            raise ParameterError(f"A {item.contentType} must be moved into a space")
        found["spaceUuid"] = target["uuid"]

    def _move_space(self, space: Doc, target: Doc | None) -> None:
        if target is not None and (target["uuid"] == space["uuid"] or target["path"].startswith(space["path"] + ".")):
            raise ParameterError("Cannot move a space into itself or one of its child spaces")
        old = space["path"]
        label = old.rsplit(".", 1)[-1]
        new = f"{target['path']}.{label}" if target else label
        for moved in [space] + self._descendants(space):
            moved["path"] = new + moved["path"][len(old):]
        space["parentSpaceUuid"] = target["uuid"] if target else None
        self._settle_privacy(space["projectUuid"])

    def share_space_with_user(self, project_uuid: str, space_uuid: str, body: Any) -> None:
        data = p.parse(p.AddSpaceUserAccess, body)
        space = self._space(project_uuid, space_uuid)
        self._user(data.userUuid)
        space["access"][data.userUuid] = data.spaceRole

    def unshare_space_with_user(self, project_uuid: str, space_uuid: str, user_uuid: str) -> None:
        self._space(project_uuid, space_uuid)["access"].pop(user_uuid, None)

    def share_space_with_group(self, project_uuid: str, space_uuid: str, body: Any) -> None:
        data = p.parse(p.AddSpaceGroupAccess, body)
        space = self._space(project_uuid, space_uuid)
        self._group(data.groupUuid)
        space["groupAccess"][data.groupUuid] = data.spaceRole

    def unshare_space_with_group(self, project_uuid: str, space_uuid: str, group_uuid: str) -> None:
        self._space(project_uuid, space_uuid)["groupAccess"].pop(group_uuid, None)

    # -- content as code: spaces by path ------------------------------------------------------------
    def space_by_code_path(self, project_uuid: str, code_path: str) -> Doc | None:
        path = ltree_from_code_path(code_path)
        return next((s for s in self._s["spaces"].values()
                     if s["projectUuid"] == project_uuid and s["path"] == path), None)

    def get_or_create_space(self, project_uuid: str, code_path: str, *, skip_create: bool = False,
                            public_create: bool = False) -> tuple[Doc, list[Doc]]:
        """The space at ``code_path`` (``finance/q-reports``), creating missing ones along the way
        as ``CoderService.getOrCreateSpace`` does; returns it and the spaces it created."""
        existing = self.space_by_code_path(project_uuid, code_path)
        if existing is not None:
            return existing, []
        if skip_create:
            raise NotFoundError(f"Space {code_path} does not exist, skipping creation")
        labels = [x for x in ltree_from_code_path(code_path).split(".") if x]
        if not labels or any(not re.fullmatch(r"[a-z0-9_]+", x) for x in labels):
            raise ParameterError(f"Invalid space slug {code_path!r}")
        ancestor, depth = None, 0
        for i in range(len(labels), 0, -1):
            found = self.space_by_code_path(project_uuid, "/".join(labels[:i]).replace("_", "-"))
            if found is not None:
                ancestor, depth = found, i
                break
        private = ancestor["isPrivate"] if ancestor else not public_create
        created, parent = [], ancestor
        for label in labels[depth:]:
            space = self._insert_space(project_uuid, friendly_name(label), label.replace("_", "-"), parent,
                                       inherit=parent is not None or public_create)
            if private and parent is not None:
                space["access"] = dict(parent["access"])
                space["groupAccess"] = dict(parent["groupAccess"])
            elif private:
                space["access"][self.caller["userUuid"]] = "admin"
            created.append(space)
            parent = space
        return parent, created
