"""Typed calls to the Lightdash API (v1 and v2), one method per endpoint the resource types use.

Owns the wire details: the ``{status: "ok", results}`` envelope (``results`` may be missing),
the error body ``{status: "error", error: {statusCode, name, message, data}}`` (a 422
``ValidateError`` is rendered with the fields that failed), pagination (``page``/``pageSize``
on members and groups, ``offset``/``total`` on content as code, ``page`` on v2 content), and the
organization directory (members by email, groups by name) that most resource types translate
through. No business logic: diffing and choosing calls belong to ``resources/``.

The directory (members, groups, the organization and its projects) is listed once per client and
shared by every caller (concurrent callers wait for the one listing); a write that changes an
entry of it drops that entry, so the next caller lists it again. Writes to spaces, access, charts
and dashboards leave the directory as it is. The name and uuid of a group this client created or
renamed are known from the write's answer, and translated without listing the groups again.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Callable
from urllib.parse import quote

import httpx

from reconciler.errors import ProviderError
from reconciler.providers.http import HttpClient, default_error_message


V1 = "/api/v1"
PAGE_SIZE = 100
#: ``includeMembers`` page size when reading a group (the API limits embedded members by count)
MEMBER_PAGE = 500

Doc = dict[str, Any]


def _error_doc(response: httpx.Response) -> Doc | None:
    try:
        doc = json.loads(response.content) if response.content.strip() else None
    except ValueError:
        return None
    error = doc.get("error") if isinstance(doc, dict) and doc.get("status") == "error" else None
    return error if isinstance(error, dict) else None


def error_message(response: httpx.Response) -> str:
    """``"<name>: <message>"``; a ``ValidateError`` lists each failing field and why."""
    error = _error_doc(response)
    if error is None:
        return default_error_message(response)
    name = str(error.get("name") or "LightdashError")
    message = str(error.get("message") or "").strip()
    data = error.get("data")
    if name == "ValidateError" and isinstance(data, dict) and data:
        fields = []
        for field, detail in data.items():
            text = detail.get("message") if isinstance(detail, dict) else detail
            value = detail.get("value") if isinstance(detail, dict) and "value" in detail else None
            fields.append(f"{field} {text}" + (f" (got {value!r})" if value is not None else ""))
        message = (message + "; " if message else "") + "; ".join(fields)
    return f"{name}: {message or 'no message'}"


def is_not_found(response: httpx.Response) -> bool:
    """A 404 carrying Lightdash's error envelope; a bare 404 (wrong base URL, a proxy) is not
    "the object is gone" (reading it so would make a plan create everything again)."""
    return response.status_code == 404 and _error_doc(response) is not None


def error_name(exc: ProviderError) -> str:
    """The Lightdash error name an ``ApiError``'s detail starts with (``AlreadyExistsError``)."""
    return str(getattr(exc, "detail", "")).split(":", 1)[0].strip()


def _q(segment: str) -> str:
    return quote(str(segment), safe="")


class LightdashClient:
    """One Lightdash instance, as the API key's user."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http
        self._cache: dict[str, Any] = {}
        self._generation: dict[str, int] = {}
        self._loading: dict[str, threading.Lock] = {}
        self._written_groups: dict[str, str] = {}  # name -> uuid, from this client's own group writes
        self._lock = threading.Lock()

    def close(self) -> None:
        self.http.close()

    # -- envelope ---------------------------------------------------------------------------------
    def _get(self, path: str, **kw: Any) -> Any:
        body = self.http.json("GET", path, **kw)
        return body.get("results") if isinstance(body, dict) else None

    def _write(self, method: str, path: str, *, forgets: tuple[str, ...] = (), **kw: Any) -> Any:
        """Send a write; the directory entries ``forgets`` names are dropped before and after it
        (so that no listing made while it was in flight is kept)."""
        self._forget(forgets)
        try:
            result = self.http.request(method, path, **kw)
        finally:
            self._forget(forgets)
        body = result.json() if result.body.strip() else None
        return body.get("results") if isinstance(body, dict) else None

    def _forget(self, keys: tuple[str, ...]) -> None:
        with self._lock:
            for key in keys:
                self._generation[key] = self._generation.get(key, 0) + 1
                self._cache.pop(key, None)

    def _cached(self, key: str, load: Callable[[], Any]) -> Any:
        """The directory entry ``key``, listed by ``load`` once (concurrent callers wait for it)."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            gate = self._loading.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
                generation = self._generation.get(key, 0)
            value = load()
            with self._lock:
                if self._generation.get(key, 0) == generation:
                    self._cache[key] = value
            return value

    def _pages(self, path: str, params: Doc | None = None) -> list[Doc]:
        """Every row of a ``{data, pagination}`` list, page by page."""
        rows: list[Doc] = []
        page = 1
        while True:
            results = self._get(path, params={**(params or {}), "page": page, "pageSize": PAGE_SIZE}) or {}
            rows.extend(results.get("data") or [])
            pagination = results.get("pagination") or {}
            if page >= int(pagination.get("totalPageCount") or 1):
                return rows
            page += 1

    # -- organization -----------------------------------------------------------------------------
    def organization(self) -> Doc:
        return self._cached("org", lambda: self._get(V1 + "/org"))

    def update_organization(self, body: Doc) -> None:
        self._write("PATCH", V1 + "/org", json=body, forgets=("org",))

    def email_domains(self) -> Doc:
        return self._get(V1 + "/org/allowedEmailDomains")

    def update_email_domains(self, body: Doc) -> Doc:
        return self._write("PATCH", V1 + "/org/allowedEmailDomains", json=body)

    def projects(self) -> list[Doc]:
        return self._cached("projects", lambda: self._get(V1 + "/org/projects") or [])

    def project(self, project_uuid: str) -> Doc:
        return self._get(f"{V1}/projects/{_q(project_uuid)}")

    # -- members ----------------------------------------------------------------------------------
    def members(self) -> list[Doc]:
        """Every organization member (``OrganizationMemberProfile``), all pages."""
        return self._cached("members", lambda: self._pages(V1 + "/org/users"))

    def member(self, user_uuid: str) -> Doc:
        return self._get(f"{V1}/org/users/{_q(user_uuid)}")

    def member_by_email(self, email: str) -> Doc | None:
        wanted = email.strip().lower()
        return next((m for m in self.members() if str(m.get("email", "")).lower() == wanted), None)

    def user_uuid(self, email: str) -> str:
        """The uuid of the member with ``email``; ``ProviderError`` naming the email if none."""
        found = self.member_by_email(email)
        if found is None:
            raise ProviderError(f"no member of the Lightdash organization has the email {email!r}",
                                hint="invite them first (lightdash_organization_member) and reference it")
        return found["userUuid"]

    def email_of(self, user_uuid: str) -> str | None:
        return next((m["email"] for m in self.members() if m["userUuid"] == user_uuid), None)

    def update_member_role(self, user_uuid: str, role: str) -> Doc:
        return self._write("PATCH", f"{V1}/org/users/{_q(user_uuid)}", json={"role": role}, forgets=("members",))

    def delete_member(self, user_uuid: str) -> None:
        self._write("DELETE", f"{V1}/org/user/{_q(user_uuid)}", forgets=("members",))

    def invite(self, email: str, role: str, expires_at: str) -> Doc:
        """``POST /invite-links`` (201): creates a pending member and returns the invite link."""
        return self._write("POST", V1 + "/invite-links", json={"email": email, "role": role, "expiresAt": expires_at},
                           forgets=("members",))

    # -- groups -----------------------------------------------------------------------------------
    def groups(self) -> list[Doc]:
        return self._cached("groups", lambda: self._pages(V1 + "/org/groups"))

    def groups_with_members(self) -> list[Doc]:
        """Every group with up to ``MEMBER_PAGE`` embedded members (``includeMembers``), all pages."""
        return self._pages(V1 + "/org/groups", {"includeMembers": MEMBER_PAGE})

    def group_uuid(self, name: str) -> str:
        with self._lock:
            written = self._written_groups.get(name)
        found = {"uuid": written} if written else next((g for g in self.groups() if g["name"] == name), None)
        if found is None:
            raise ProviderError(f"no Lightdash group is named {name!r}",
                                hint="create it (lightdash_group) and reference it: ${lightdash_group.<name>.name}")
        return found["uuid"]

    def group_name(self, group_uuid: str) -> str | None:
        with self._lock:
            written = next((n for n, u in self._written_groups.items() if u == group_uuid), None)
        return written or next((g["name"] for g in self.groups() if g["uuid"] == group_uuid), None)

    def _wrote_group(self, group_uuid: str, group: Doc | None) -> None:
        """Keep the name ``group_uuid`` now has (``group``: the write's answer; None: deleted)."""
        with self._lock:
            self._written_groups = {n: u for n, u in self._written_groups.items() if u != group_uuid}
            if group is not None and group.get("name"):
                self._written_groups[group["name"]] = group_uuid

    def group(self, group_uuid: str) -> Doc:
        """The group with every member (embedded members are paged by ``includeMembers``/``offset``)."""
        offset, members, uuids = 0, [], []
        while True:
            doc = self._get(f"{V1}/groups/{_q(group_uuid)}", params={"includeMembers": MEMBER_PAGE, "offset": offset})
            page = doc.get("members") or []
            members.extend(page)
            uuids.extend(doc.get("memberUuids") or [m["userUuid"] for m in page])
            if len(page) < MEMBER_PAGE:
                return {**doc, "members": members, "memberUuids": uuids}
            offset += MEMBER_PAGE

    def create_group(self, name: str, member_uuids: list[str]) -> Doc:
        created = self._write("POST", V1 + "/org/groups", forgets=("groups",),
                              json={"name": name, "members": [{"userUuid": u} for u in member_uuids]})
        self._wrote_group(created["uuid"], created)
        return created

    def update_group(self, group_uuid: str, body: Doc) -> Doc:
        updated = self._write("PATCH", f"{V1}/groups/{_q(group_uuid)}", json=body, forgets=("groups",))
        self._wrote_group(group_uuid, updated)
        return updated

    def delete_group(self, group_uuid: str) -> None:
        self._wrote_group(group_uuid, None)
        self._write("DELETE", f"{V1}/groups/{_q(group_uuid)}", forgets=("groups",))

    # -- project access ---------------------------------------------------------------------------
    def project_access(self, project_uuid: str) -> list[Doc]:
        return self._get(f"{V1}/projects/{_q(project_uuid)}/access") or []

    def grant_user(self, project_uuid: str, email: str, role: str) -> None:
        self._write("POST", f"{V1}/projects/{_q(project_uuid)}/access",
                    json={"email": email, "role": role, "sendEmail": False})

    def update_user_grant(self, project_uuid: str, user_uuid: str, role: str) -> None:
        self._write("PATCH", f"{V1}/projects/{_q(project_uuid)}/access/{_q(user_uuid)}", json={"role": role})

    def revoke_user(self, project_uuid: str, user_uuid: str) -> None:
        self._write("DELETE", f"{V1}/projects/{_q(project_uuid)}/access/{_q(user_uuid)}")

    def group_accesses(self, project_uuid: str) -> list[Doc]:
        return self._get(f"{V1}/projects/{_q(project_uuid)}/groupAccesses") or []

    def grant_group(self, group_uuid: str, project_uuid: str, role: str) -> None:
        self._write("POST", f"{V1}/groups/{_q(group_uuid)}/projects/{_q(project_uuid)}", json={"role": role})

    def update_group_grant(self, group_uuid: str, project_uuid: str, role: str) -> None:
        self._write("PATCH", f"{V1}/groups/{_q(group_uuid)}/projects/{_q(project_uuid)}", json={"role": role},
                    idempotent=True)

    def revoke_group(self, group_uuid: str, project_uuid: str) -> None:
        self._write("DELETE", f"{V1}/groups/{_q(group_uuid)}/projects/{_q(project_uuid)}")

    # -- spaces -----------------------------------------------------------------------------------
    def spaces(self, project_uuid: str) -> list[Doc]:
        return self._get(f"{V1}/projects/{_q(project_uuid)}/spaces") or []

    def space(self, project_uuid: str, space_uuid: str) -> Doc:
        return self._get(f"{V1}/projects/{_q(project_uuid)}/spaces/{_q(space_uuid)}")

    def create_space(self, project_uuid: str, body: Doc) -> Doc:
        return self._write("POST", f"{V1}/projects/{_q(project_uuid)}/spaces", json=body)

    def update_space(self, project_uuid: str, space_uuid: str, body: Doc) -> Doc:
        return self._write("PATCH", f"{V1}/projects/{_q(project_uuid)}/spaces/{_q(space_uuid)}", json=body,
                           idempotent=True)

    def delete_space(self, project_uuid: str, space_uuid: str) -> None:
        self._write("DELETE", f"{V1}/projects/{_q(project_uuid)}/spaces/{_q(space_uuid)}")

    def share_space(self, project_uuid: str, space_uuid: str, user_uuid: str, role: str) -> None:
        """An upsert: sharing again with another role changes the role."""
        self._write("POST", f"{V1}/projects/{_q(project_uuid)}/spaces/{_q(space_uuid)}/share",
                    json={"userUuid": user_uuid, "spaceRole": role}, idempotent=True)

    def unshare_space(self, project_uuid: str, space_uuid: str, user_uuid: str) -> None:
        self._write("DELETE", f"{V1}/projects/{_q(project_uuid)}/spaces/{_q(space_uuid)}/share/{_q(user_uuid)}")

    def share_space_group(self, project_uuid: str, space_uuid: str, group_uuid: str, role: str) -> None:
        self._write("POST", f"{V1}/projects/{_q(project_uuid)}/spaces/{_q(space_uuid)}/group/share",
                    json={"groupUuid": group_uuid, "spaceRole": role}, idempotent=True)

    def unshare_space_group(self, project_uuid: str, space_uuid: str, group_uuid: str) -> None:
        self._write("DELETE",
                    f"{V1}/projects/{_q(project_uuid)}/spaces/{_q(space_uuid)}/group/share/{_q(group_uuid)}")

    # -- user attributes --------------------------------------------------------------------------
    def attributes(self) -> list[Doc]:
        return self._get(V1 + "/org/attributes") or []

    def create_attribute(self, body: Doc) -> Doc:
        return self._write("POST", V1 + "/org/attributes", json=body)

    def update_attribute(self, attribute_uuid: str, body: Doc) -> Doc:
        return self._write("PUT", f"{V1}/org/attributes/{_q(attribute_uuid)}", json=body)

    def delete_attribute(self, attribute_uuid: str) -> None:
        self._write("DELETE", f"{V1}/org/attributes/{_q(attribute_uuid)}")

    # -- content as code --------------------------------------------------------------------------
    def _as_code(self, kind: str, project_uuid: str, ids: list[str] | None) -> list[Doc]:
        """Every chart/dashboard as code (``ids``: uuids or slugs), following ``offset``/``total``."""
        out: list[Doc] = []
        offset = 0
        while True:
            params: Doc = {"offset": offset}
            if ids is not None:
                params["ids"] = ids
            results = self._get(f"{V1}/projects/{_q(project_uuid)}/{kind}/code", params=params) or {}
            out.extend(results.get(kind) or [])
            new_offset, total = int(results.get("offset") or 0), int(results.get("total") or 0)
            if new_offset >= total or new_offset <= offset:
                return out
            offset = new_offset

    def charts(self, project_uuid: str) -> list[Doc]:
        """Chart summaries of a project (``uuid``, ``slug``, ``spaceUuid``...)."""
        return self._get(f"{V1}/projects/{_q(project_uuid)}/charts") or []

    def dashboard(self, uuid_or_slug: str, project_uuid: str) -> Doc:
        """``GET /dashboards/{uuidOrSlug}?projectUuid=`` (the full dashboard, with its uuid)."""
        return self._get(f"{V1}/dashboards/{_q(uuid_or_slug)}", params={"projectUuid": project_uuid})

    def charts_as_code(self, project_uuid: str, ids: list[str] | None = None) -> list[Doc]:
        return self._as_code("charts", project_uuid, ids)

    def upsert_chart(self, project_uuid: str, slug: str, body: Doc) -> Doc:
        """``POST /projects/{p}/charts/{slug}/code``: create or update by slug (``PromotionChanges``)."""
        return self._write("POST", f"{V1}/projects/{_q(project_uuid)}/charts/{_q(slug)}/code", json=body,
                           idempotent=True)

    def delete_chart(self, chart_uuid: str) -> None:
        self._write("DELETE", f"{V1}/saved/{_q(chart_uuid)}")

    def dashboards_as_code(self, project_uuid: str, ids: list[str] | None = None) -> list[Doc]:
        return self._as_code("dashboards", project_uuid, ids)

    def upsert_dashboard(self, project_uuid: str, slug: str, body: Doc) -> Doc:
        return self._write("POST", f"{V1}/projects/{_q(project_uuid)}/dashboards/{_q(slug)}/code", json=body,
                           idempotent=True)

    def delete_dashboard(self, dashboard_uuid: str) -> None:
        self._write("DELETE", f"{V1}/dashboards/{_q(dashboard_uuid)}")

    # -- scheduled deliveries ---------------------------------------------------------------------
    def saved_chart(self, uuid_or_slug: str, project_uuid: str | None = None) -> Doc:
        """``GET /saved/{uuidOrSlug}?projectUuid=`` (express): the chart with its uuid and slug."""
        params = {"projectUuid": project_uuid} if project_uuid else None
        return self._get(f"{V1}/saved/{_q(uuid_or_slug)}", params=params)

    def dashboards(self, project_uuid: str) -> list[Doc]:
        """Dashboard summaries of a project (``uuid``, ``name``, ``spaceUuid``; no slug before ~0.1788)."""
        return self._get(f"{V1}/projects/{_q(project_uuid)}/dashboards") or []

    def schedulers_of(self, kind: str, uuid: str) -> list[Doc]:
        """The schedulers of a chart (``kind="saved"``) or a dashboard (``"dashboards"``) (express)."""
        return self._get(f"{V1}/{kind}/{_q(uuid)}/schedulers") or []

    def create_scheduler(self, kind: str, uuid: str, body: Doc) -> Doc:
        """``POST /saved/{chartUuid}/schedulers`` or ``/dashboards/{dashboardUuid}/schedulers``."""
        return self._write("POST", f"{V1}/{kind}/{_q(uuid)}/schedulers", json=body)

    def scheduler(self, scheduler_uuid: str) -> Doc:
        return self._get(f"{V1}/schedulers/{_q(scheduler_uuid)}")

    def update_scheduler(self, scheduler_uuid: str, body: Doc) -> Doc:
        """``PATCH /schedulers/{uuid}``; ``targets`` is the whole new list (kept ones carry their uuid)."""
        return self._write("PATCH", f"{V1}/schedulers/{_q(scheduler_uuid)}", json=body)

    def set_scheduler_enabled(self, scheduler_uuid: str, enabled: bool) -> Doc:
        return self._write("PATCH", f"{V1}/schedulers/{_q(scheduler_uuid)}/enabled", json={"enabled": enabled},
                           idempotent=True)

    def delete_scheduler(self, scheduler_uuid: str) -> None:
        self._write("DELETE", f"{V1}/schedulers/{_q(scheduler_uuid)}")

    def job_status(self, job_id: str) -> Doc:
        return self._get(f"{V1}/schedulers/job/{_q(job_id)}/status")

    # -- project settings and validation ---------------------------------------------------------
    def update_scheduler_settings(self, project_uuid: str, timezone: str) -> None:
        self._write("PATCH", f"{V1}/projects/{_q(project_uuid)}/schedulerSettings",
                    json={"schedulerTimezone": timezone}, idempotent=True)

    def update_project_metadata(self, project_uuid: str, upstream_project_uuid: str | None) -> None:
        self._write("PATCH", f"{V1}/projects/{_q(project_uuid)}/metadata",
                    json={"upstreamProjectUuid": upstream_project_uuid}, idempotent=True, forgets=("projects",))

    def validate_project(self, project_uuid: str) -> str:
        """Start a validation job of the project's content; its job id."""
        return self._write("POST", f"{V1}/projects/{_q(project_uuid)}/validate", json={})["jobId"]

    def validation_results(self, project_uuid: str, job_id: str) -> list[Doc]:
        return self._get(f"{V1}/projects/{_q(project_uuid)}/validate", params={"jobId": job_id}) or []

    # -- v2 content -------------------------------------------------------------------------------
    def content(self, project_uuid: str, types: list[str], space_uuids: list[str] | None = None) -> list[Doc]:
        """Charts/dashboards of a project (in the given spaces) (``GET /api/v2/content``), all pages."""
        rows: list[Doc] = []
        page = 1
        while True:
            params: Doc = {"projectUuids": [project_uuid], "contentTypes": types, "page": page, "pageSize": PAGE_SIZE}
            if space_uuids is not None:
                params["spaceUuids"] = space_uuids
            results = self._get("/api/v2/content", params=params) or {}
            rows.extend(results.get("data") or [])
            if page >= int((results.get("pagination") or {}).get("totalPageCount") or 1):
                return rows
            page += 1

    def move_space(self, project_uuid: str, space_uuid: str, target_space_uuid: str | None) -> None:
        """Move a space under another space of the project, or to the top level (``None``), keeping
        its uuid and content (``POST /api/v2/content/{projectUuid}/move``; replaying it is harmless)."""
        self._write("POST", f"/api/v2/content/{_q(project_uuid)}/move", idempotent=True,
                    json={"item": {"uuid": space_uuid, "contentType": "space"},
                          "action": {"type": "move", "targetSpaceUuid": target_space_uuid}})
