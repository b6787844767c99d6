"""Thin HTTP adapters for the organization, members, groups, access and attributes routes.

Every handler is ``(world, request, params) -> SandboxResponse``; status codes are what the real
controllers set (reference/lightdash.md §A.5): 201 for group creation and invite links, 201/204
for adding a group member, 200/204 for removing one or a group's project access.
"""

from __future__ import annotations

from reconciler.providers.lightdash.sandbox.handlers.common import Params, body, no_content, number, ok, site_url
from reconciler.providers.lightdash.sandbox.models import LightdashWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

W = LightdashWorld
R = SandboxRequest


# -- instance, caller, organization ---------------------------------------------------------------
def health(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.health())


def get_user(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.current_user())


def get_org(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.get_organization())


def update_org(w: W, r: R, p: Params) -> SandboxResponse:
    w.update_organization(body(r))
    return ok()


def get_email_domains(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.get_email_domains())


def update_email_domains(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.update_email_domains(body(r)))


def list_projects(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.list_projects())


def get_project(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.get_project(p["projectUuid"]))


def list_explores(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.list_explores(p["projectUuid"]))


def get_explore(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.get_explore(p["projectUuid"], p["exploreId"]))


# -- members ----------------------------------------------------------------------------------------
def list_members(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.list_members(page=number(r, "page"), page_size=number(r, "pageSize"), search=r.arg("searchQuery"),
                             include_groups=number(r, "includeGroups"), project_uuid=r.arg("projectUuid")))


def get_member(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.get_member(p["userUuid"]))


def get_member_by_email(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.get_member_by_email(p["email"]))


def update_member(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.update_member(p["userUuid"], body(r)))


def delete_member(w: W, r: R, p: Params) -> SandboxResponse:
    w.delete_member(p["userUuid"])
    return ok()


def create_invite(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.create_invite(body(r), site_url(r)), 201)


# -- groups -----------------------------------------------------------------------------------------
def list_groups(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.list_groups(page=number(r, "page"), page_size=number(r, "pageSize"),
                            include_members=number(r, "includeMembers"), search=r.arg("searchQuery")))


def create_group(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.create_group(body(r)), 201)


def get_group(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.get_group(p["groupUuid"], number(r, "includeMembers"), number(r, "offset") or 0))


def update_group(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.update_group(p["groupUuid"], body(r)))


def delete_group(w: W, r: R, p: Params) -> SandboxResponse:
    w.delete_group(p["groupUuid"])
    return ok()


def group_members(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.group_members(p["groupUuid"]))


def add_group_member(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(status=201) if w.add_group_member(p["groupUuid"], p["userUuid"]) else no_content()


def remove_group_member(w: W, r: R, p: Params) -> SandboxResponse:
    return ok() if w.remove_group_member(p["groupUuid"], p["userUuid"]) else no_content()


# -- project access ---------------------------------------------------------------------------------
def project_access(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.project_access(p["projectUuid"]))


def grant_project_access(w: W, r: R, p: Params) -> SandboxResponse:
    w.grant_project_access(p["projectUuid"], body(r))
    return ok()


def project_member_access(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.project_member_access(p["projectUuid"], p["userUuid"]))


def update_project_access(w: W, r: R, p: Params) -> SandboxResponse:
    w.update_project_access(p["projectUuid"], p["userUuid"], body(r))
    return ok()


def revoke_project_access(w: W, r: R, p: Params) -> SandboxResponse:
    w.revoke_project_access(p["projectUuid"], p["userUuid"])
    return ok()


def project_group_accesses(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.project_group_accesses(p["projectUuid"]))


def add_group_project_access(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.add_group_project_access(p["groupUuid"], p["projectUuid"], body(r)))


def update_group_project_access(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.update_group_project_access(p["groupUuid"], p["projectUuid"], body(r)))


def remove_group_project_access(w: W, r: R, p: Params) -> SandboxResponse:
    return ok() if w.remove_group_project_access(p["groupUuid"], p["projectUuid"]) else no_content()


# -- user attributes --------------------------------------------------------------------------------
def list_attributes(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.list_attributes())


def create_attribute(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.create_attribute(body(r)))


def update_attribute(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.update_attribute(p["attributeUuid"], body(r)))


def delete_attribute(w: W, r: R, p: Params) -> SandboxResponse:
    w.delete_attribute(p["attributeUuid"])
    return ok()
