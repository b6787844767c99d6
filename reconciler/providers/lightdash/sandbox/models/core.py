"""The Lightdash world's state, ids, clock and the lookups every model family shares.

State is one JSON-ready dict (``snapshot``/``restore`` are deep copies)::

    org           {organizationUuid, name, chartColors, defaultProjectUuid, createdAt}
    emailDomains  {emailDomains, role, projects: [{projectUuid, role}]}
    users         {userUuid: {userUuid, email, firstName, lastName, role, isActive, isPending, ...}}
    invites       {inviteCode: {inviteCode, email, userUuid, expiresAt, ...}}
    groups        {uuid: {uuid, name, createdAt, createdByUserUuid, updatedAt, updatedByUserUuid, members: [userUuid]}}
    projects      {projectUuid: {..., explores, access: {userUuid: role}, groupAccess: {groupUuid: role}}}
    spaces        {uuid: {uuid, projectUuid, name, slug, path (ltree), parentSpaceUuid, isPrivate,
                          access: {userUuid: role}, groupAccess: {groupUuid: role}, ...}}
    charts        {uuid: saved chart with its versions}
    dashboards    {uuid: dashboard with tiles, tabs, filters and dashboardVersionId}
    attributes    {uuid: user attribute}
    schedulers    {schedulerUuid: scheduler with its targets (savedChartUuid or dashboardUuid)}
    validations   {projectUuid: [validation errors of the project's last validation run]}
    counter       ids come from random.Random(f"{seed}:{counter}"): stable given the seed

Every request acts as the seeded admin (the personal access token's user). Model methods
validate everything before changing anything, raise ``errors.LightdashApiError`` subclasses
and return copies. No HTTP here.
"""

from __future__ import annotations

import copy
import random
import re
import time
import uuid as uuidlib
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from reconciler.providers.lightdash.sandbox import seed
from reconciler.providers.lightdash.sandbox.errors import NotFoundError, ParameterError
from reconciler.sandbox.world import World

STATE_KEYS = ("org", "emailDomains", "users", "invites", "groups", "projects", "spaces", "charts",
              "dashboards", "attributes", "schedulers", "validations", "counter")
_SLUG_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"

Doc = dict[str, Any]


def copied(value: Any) -> Any:
    return copy.deepcopy(value)


def generate_slug(name: str) -> str:
    """Lightdash's ``generateSlug``: lowercase, runs of non ``[a-z0-9]`` become ``-``, trimmed."""
    return re.sub(r"^-+|-+$", "", re.sub(r"[^a-z0-9]+", "-", name.lower()))


def ltree_from_code_path(path: str) -> str:
    """``finance/q-reports`` -> ``finance.q_reports`` (``getLtreePathFromContentAsCodePath``)."""
    return path.replace("-", "_").replace("/", ".")


def code_path_from_ltree(path: str) -> str:
    """``finance.q_reports`` -> ``finance/q-reports`` (``getContentAsCodePathFromLtreePath``)."""
    return path.replace("_", "-").replace(".", "/")


class WorldBase(World):
    """State, ids, time and shared lookups; the model families are mixins over it."""

    platform = "Lightdash"
    state_keys = STATE_KEYS

    def __init__(self, seed_value: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.seed = seed_value
        self._clock = clock
        self._s: dict[str, Any] = {}
        self.reset()

    # -- lifecycle ------------------------------------------------------------------------------
    def reset(self) -> None:
        self._s = seed.seeded_state()

    # -- ids and time ---------------------------------------------------------------------------
    def _rng(self) -> random.Random:
        self._s["counter"] += 1
        return random.Random(f"{self.seed}:{self._s['counter']}")

    def new_uuid(self) -> str:
        return str(uuidlib.UUID(int=self._rng().getrandbits(128), version=4))

    def random_suffix(self, length: int) -> str:
        rng = self._rng()
        return "".join(rng.choice(_SLUG_ALPHABET) for _ in range(length))

    def now(self) -> str:
        moment = datetime.fromtimestamp(self._clock(), tz=timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    @property
    def caller(self) -> Doc:
        """The user every request acts as: the personal access token's owner (an admin)."""
        return self._s["users"][seed.ADMIN_UUID]

    # -- shared lookups -------------------------------------------------------------------------
    def _user(self, user_uuid: str) -> Doc:
        user = self._s["users"].get(user_uuid)
        if user is None:
            raise NotFoundError(f"User not found: {user_uuid}")
        return user

    def _user_by_email(self, email: str) -> Doc | None:
        wanted = email.strip().lower()
        return next((u for u in self._s["users"].values() if u["email"].lower() == wanted), None)

    def _project(self, project_uuid: str) -> Doc:
        project = self._s["projects"].get(project_uuid)
        if project is None:
            raise NotFoundError(f"Project {project_uuid} not found")
        return project

    def _group(self, group_uuid: str) -> Doc:
        group = self._s["groups"].get(group_uuid)
        if group is None:
            raise NotFoundError("No group found")
        return group

    def _space(self, project_uuid: str, space_uuid: str) -> Doc:
        self._project(project_uuid)
        space = self._s["spaces"].get(space_uuid)
        if space is None or space["projectUuid"] != project_uuid:
            raise NotFoundError(f"Space with uuid {space_uuid} does not exist")
        return space

    def _drop_schedulers_of(self, *, chart_uuid: str | None = None, dashboard_uuid: str | None = None) -> None:
        """The cascade of deleting a chart or a dashboard."""
        for uuid in [u for u, s in self._s["schedulers"].items()
                     if (chart_uuid and s["savedChartUuid"] == chart_uuid)
                     or (dashboard_uuid and s["dashboardUuid"] == dashboard_uuid)]:
            del self._s["schedulers"][uuid]

    def _updated_by(self) -> Doc:
        me = self.caller
        return {"userUuid": me["userUuid"], "firstName": me["firstName"], "lastName": me["lastName"]}

    @staticmethod
    def _paginate(rows: list[Doc], page: int | None, page_size: int | None) -> Doc:
        """``{data, pagination?}``: ``pagination`` only when both ``page`` and ``pageSize`` are given."""
        if page is None or page_size is None:
            return {"data": rows}
        if page < 1 or page_size < 1:
            raise ParameterError("page and pageSize must be at least 1")
        start = (page - 1) * page_size
        total_pages = -(-len(rows) // page_size) if rows else 0
        return {"data": rows[start:start + page_size],
                "pagination": {"page": page, "pageSize": page_size, "totalResults": len(rows),
                               "totalPageCount": total_pages}}
