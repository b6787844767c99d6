"""Behaviour of the Lightdash resource types beyond the lifecycle harness: adoption by natural
key, crash recovery, idempotent re-grants, space shares and paths, cascades, singletons, batching."""

from __future__ import annotations

import httpx
import pytest

from reconciler.diff import compare
from reconciler.errors import ApiError, ProviderError
from reconciler.plan.model import Unknown
from reconciler.providers.base import Collateral
from reconciler.providers.lightdash.sandbox import LightdashEmulator, seed
from reconciler.providers.lightdash.sandbox.routes import ROUTES
from reconciler.providers.registry import PROVIDERS
from reconciler.providers.settings import resolve_settings
from reconciler.reads import find_one, list_container, read_group, read_groups
from reconciler.sandbox import Router, Sandbox
from reconciler.testing import SANDBOX_BASE_URL
from tests.providers.lightdash.conftest import ORG, PROJECT, SHARED

CHART = {"project": PROJECT, "slug": "orders", "name": "Orders", "space": "shared", "table_name": "orders",
         "metric_query": {"dimensions": ["orders_status"]}, "chart_config": {"type": "table", "config": {}}}


def session_for(sandbox: Sandbox, transport: httpx.BaseTransport | None = None):
    spec = PROVIDERS["lightdash"]
    settings = resolve_settings(spec, None, sandbox.env(SANDBOX_BASE_URL))
    return spec.connect(settings, transport or sandbox.transport())


# -- adoption and crash recovery ---------------------------------------------------------------------
@pytest.mark.parametrize("type_name, spec", [
    pytest.param("lightdash_group", {"name": "analysts", "members": ["bob@acme.io"]}, id="group-by-name"),
    pytest.param("lightdash_organization_member", {"email": "new@acme.io", "role": "viewer"}, id="member-by-email"),
    pytest.param("lightdash_space", {"project": PROJECT, "name": "Finance"}, id="space-by-path"),
    pytest.param("lightdash_chart", CHART, id="chart-by-slug"),
    pytest.param("lightdash_dashboard", {"project": PROJECT, "slug": "ops", "name": "Ops", "space": "shared"},
                 id="dashboard-by-slug"),
    pytest.param("lightdash_user_attribute", {"name": "region"}, id="attribute-by-name"),
    pytest.param("lightdash_project_access", {"project": PROJECT, "users": [{"email": "cy@acme.io", "role": "viewer"}]},
                 id="project-access-by-project"),
])
def test_an_object_whose_create_was_not_recorded_is_found_by_its_natural_key(sandbox, type_name, spec):
    """As after an apply killed between the platform's answer and the journal: a second session
    (a new run) finds the object by natural key instead of creating it again."""
    object_id, _ = session_for(sandbox).resource(type_name).create(dict(spec))
    found = find_one(session_for(sandbox).resource(type_name), dict(spec))
    assert found is not None and found[0] == object_id
    assert not compare(session_for(sandbox).resource(type_name), spec, found[1])


def test_a_member_invited_twice_is_refused_then_adopted(session):
    members = session.resource("lightdash_organization_member")
    object_id, _ = members.create({"email": "new@acme.io", "role": "viewer"})
    members.update(object_id, {}, {"email": "new@acme.io", "role": "viewer"}, frozenset())
    with pytest.raises(ApiError):  # an active member cannot be invited again
        members.create({"email": "bob@acme.io", "role": "editor"})
    assert find_one(members, {"email": "BOB@acme.io"})[0] == seed.USERS[1][0]


def test_a_chart_create_racing_an_existing_slug_converges_without_a_duplicate(session, client):
    charts = session.resource("lightdash_chart")
    first, _ = charts.create(dict(CHART))
    second, live = charts.create({**CHART, "name": "Orders again"})
    assert first == second and live["name"] == "Orders again"
    assert [c["slug"] for c in client.charts(PROJECT)] == ["orders"]


# -- project access ------------------------------------------------------------------------------
class GrantFirst(httpx.BaseTransport):
    """Lets another admin grant the same access just before our request lands (a race)."""

    def __init__(self, sandbox: Sandbox, path_suffix: str, grant) -> None:
        self.inner = sandbox.transport()
        self.path_suffix, self.grant, self.fired = path_suffix, grant, False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith(self.path_suffix) and not self.fired:
            self.fired = True
            self.grant()
        return self.inner.handle_request(request)


def test_regranting_a_user_that_appeared_meanwhile_is_idempotent(sandbox, world):
    race = GrantFirst(sandbox, f"/projects/{PROJECT}/access",
                      lambda: world.grant_project_access(PROJECT, {"email": "cy@acme.io", "role": "viewer",
                                                                   "sendEmail": False}))
    access = session_for(sandbox, race).resource("lightdash_project_access")
    _, live = access.create({"project": PROJECT, "users": [{"email": "cy@acme.io", "role": "editor"}]})
    assert race.fired and live["users"] == [{"email": "cy@acme.io", "role": "editor"}]


def test_regranting_a_group_that_appeared_meanwhile_is_idempotent(sandbox, world):
    group = world.create_group({"name": "finance"})["uuid"]
    race = GrantFirst(sandbox, f"/groups/{group}/projects/{PROJECT}",
                      lambda: world.add_group_project_access(group, PROJECT, {"role": "viewer"}))
    access = session_for(sandbox, race).resource("lightdash_project_access")
    _, live = access.create({"project": PROJECT, "groups": [{"group": "finance", "role": "admin"}]})
    assert race.fired and live["groups"] == [{"group": "finance", "role": "admin"}]


def test_project_access_is_authoritative_and_only_explicit(session, world):
    world.grant_project_access(PROJECT, {"email": "dan@acme.io", "role": "viewer", "sendEmail": False})
    access = session.resource("lightdash_project_access")
    found = find_one(access, {"project": PROJECT})
    assert found[1]["users"] == [{"email": "dan@acme.io", "role": "viewer"}]  # org roles are not listed
    live = access.update(PROJECT, found[1], {"project": PROJECT, "users": [{"email": "erin@acme.io", "role": "editor"}],
                                             "groups": []}, frozenset({"users"}))
    assert live["users"] == [{"email": "erin@acme.io", "role": "editor"}]


def test_project_access_must_grant_something():
    from reconciler.providers.lightdash.resources.project_access import ProjectAccessSpec

    with pytest.raises(ValueError, match="grant at least one user or group"):
        ProjectAccessSpec.model_validate({"project": PROJECT})


# -- spaces ---------------------------------------------------------------------------------------
def test_the_creators_automatic_admin_share_is_removed_only_when_users_are_declared(session):
    spaces = session.resource("lightdash_space")
    _, managed = spaces.create({"project": PROJECT, "name": "A", "users": [{"email": "bob@acme.io", "role": "viewer"}]})
    assert managed["users"] == [{"email": "bob@acme.io", "role": "viewer"}]
    _, unmanaged = spaces.create({"project": PROJECT, "name": "B"})
    assert unmanaged["users"] == [{"email": "ann@acme.io", "role": "admin"}]


def test_nested_spaces_are_found_under_their_parent_only(session):
    spaces = session.resource("lightdash_space")
    parent_id, parent = spaces.create({"project": PROJECT, "name": "Finance"})
    child_id, child = spaces.create({"project": PROJECT, "name": "Reports", "parent": parent["path"]})
    spaces.create({"project": PROJECT, "name": "Reports"})
    assert child["path"] == "finance/reports" and child["parent"] == "finance"
    assert find_one(spaces, {"project": PROJECT, "name": "Reports", "parent": "finance"})[0] == child_id
    assert find_one(spaces, {"project": PROJECT, "name": "Reports"})[0] != child_id
    assert find_one(spaces, {"project": PROJECT, "name": "Reports", "parent": Unknown("${x}")}) is None
    with pytest.raises(ProviderError, match="has no space at path 'nowhere'"):
        spaces.create({"project": PROJECT, "name": "X", "parent": "nowhere"})


def test_two_spaces_with_one_name_under_one_parent_are_ambiguous(session, world):
    for _ in range(2):
        world.create_space(PROJECT, {"name": "Twin"})
    with pytest.raises(ProviderError, match="2 lightdash_space objects have the key Twin: "):
        find_one(session.resource("lightdash_space"), {"project": PROJECT, "name": "Twin"})


def test_a_space_renamed_in_the_ui_is_read_by_id_and_differs_only_by_name(session, world):
    spaces = session.resource("lightdash_space")
    object_id, _ = spaces.create({"project": PROJECT, "name": "Finance", "users": [{"email": "bob@acme.io", "role": "editor"}]})
    world.update_space(PROJECT, object_id.split("/")[1], {"name": "Finance (old)"})
    live = spaces.read(object_id)
    diff = compare(spaces, {"project": PROJECT, "name": "Finance",
                            "users": [{"email": "bob@acme.io", "role": "editor"}]}, live)
    assert [(d.path_str(), d.old, d.new) for d in diff] == [("name", "Finance (old)", "Finance")]
    assert live["path"] == "finance"  # slug and path survive a rename


def test_cascades_list_child_spaces_and_their_content(session, sandbox):
    spaces, charts = session.resource("lightdash_space"), session.resource("lightdash_chart")
    parent_id, _ = spaces.create({"project": PROJECT, "name": "Finance"})
    child_id, _ = spaces.create({"project": PROJECT, "name": "Reports", "parent": "finance"})
    chart_id, _ = charts.create({**CHART, "space": "finance/reports"})
    dash_id, _ = session.resource("lightdash_dashboard").create(
        {"project": PROJECT, "slug": "ops", "name": "Ops", "space": "finance"})
    expected = {Collateral("lightdash_space", child_id, "finance/reports"),
                Collateral("lightdash_chart", chart_id, "orders"), Collateral("lightdash_dashboard", dash_id, "ops")}
    assert set(spaces.cascades(parent_id, {})) == expected

    older = LightdashEmulator()  # a server from before /api/v2/content
    older.router = Router([r for r in ROUTES if not r.pattern.startswith("/api/v2")])
    older.world.restore(sandbox.emulators["lightdash"].world.snapshot())
    old_sandbox = Sandbox(token=sandbox.token, emulators={"lightdash": older})
    collateral = session_for(old_sandbox).resource("lightdash_space").cascades(parent_id, {})
    assert {(c.type_name, c.object_id) for c in collateral} == {(c.type_name, c.object_id) for c in expected}


def test_a_chart_in_a_space_that_does_not_exist_is_refused_not_created(session, client):
    with pytest.raises(ApiError, match="Space finance/nope does not exist"):
        session.resource("lightdash_chart").create({**CHART, "space": "finance/nope"})
    assert [s["name"] for s in client.spaces(PROJECT)] == ["Shared"]


# -- singletons and data sources ------------------------------------------------------------------
def test_organization_settings_singleton(session):
    settings = session.resource("lightdash_organization_settings")
    assert settings.deletable is False
    object_id, live = settings.create({"organization": ORG, "name": "Acme Inc", "chart_colors": ["#000000"]})
    assert object_id == ORG and (live["name"], live["chart_colors"]) == ("Acme Inc", ["#000000"])
    assert find_one(settings, {"organization": ORG})[1] == settings.read(ORG)
    live = settings.update(ORG, live, {"organization": ORG, "name": "Acme", "default_project": None},
                           frozenset({"name", "default_project"}))
    assert (live["name"], live["chart_colors"], live["default_project"]) == ("Acme", ["#000000"], None)
    settings.delete(ORG)
    assert settings.read(ORG) is not None  # cannot be deleted: the engine only forgets it
    assert find_one(settings, {"organization": "another-org"}) is None
    with pytest.raises(ProviderError, match="belongs to organization"):
        settings.create({"organization": "another-org", "name": "Other"})


def test_allowed_email_domains_keep_fields_the_spec_leaves_out(session):
    domains = session.resource("lightdash_allowed_email_domains")
    domains.create({"organization": ORG, "email_domains": ["acme.io"], "role": "editor",
                    "projects": [{"project": PROJECT, "role": "viewer"}]})
    live = domains.update(ORG, {}, {"organization": ORG, "email_domains": ["acme.io", "ACME.dev"]},
                          frozenset({"email_domains"}))
    assert live == {"id": ORG, "organization": ORG, "email_domains": ["acme.dev", "acme.io"], "role": "editor",
                    "projects": [{"project": PROJECT, "role": "viewer"}]}


def test_a_user_attribute_update_keeps_values_the_spec_leaves_out(session):
    attributes = session.resource("lightdash_user_attribute")
    object_id, _ = attributes.create({"name": "region", "users": [{"email": "bob@acme.io", "value": "EU"}]})
    live = attributes.update(object_id, {}, {"name": "region", "default_value": "US"}, frozenset({"default_value"}))
    assert live["users"] == [{"email": "bob@acme.io", "value": "EU"}] and live["default_value"] == "US"


@pytest.mark.parametrize("type_name, spec, expected", [
    pytest.param("lightdash_organization", {}, {"uuid": ORG, "name": "Acme Analytics", "default_project": PROJECT},
                 id="organization"),
    pytest.param("lightdash_project", {"name": "Jaffle shop"}, {"uuid": PROJECT, "type": "DEFAULT"}, id="project"),
    pytest.param("lightdash_user", {"email": "Dan@acme.io"}, {"uuid": seed.USERS[3][0], "role": "developer"}, id="user"),
])
def test_data_sources(session, type_name, spec, expected):
    rt = session.resource(type_name)
    assert rt.data_source
    object_id, live = rt.find(spec)
    assert object_id == expected["uuid"] and expected.items() <= live.items()
    assert rt.read(object_id) == live


def test_data_sources_that_match_nothing_or_several(session, sandbox, world):
    assert session.resource("lightdash_project").find({"name": "Nope"}) is None
    assert session.resource("lightdash_user").find({"email": "who@acme.io"}) is None
    world._s["projects"]["other"] = {**world._s["projects"][PROJECT], "projectUuid": "other"}
    with pytest.raises(ProviderError, match="2 Lightdash projects are named 'Jaffle shop'"):
        session_for(sandbox).resource("lightdash_project").find({"name": "Jaffle shop"})


# -- batching and last modified --------------------------------------------------------------------
@pytest.mark.parametrize("type_name, specs", [
    pytest.param("lightdash_group", [{"name": "a", "members": ["bob@acme.io"]}, {"name": "b"}], id="groups"),
    pytest.param("lightdash_user_attribute", [{"name": "a"}, {"name": "b", "default_value": "x"}], id="attributes"),
    pytest.param("lightdash_organization_member", [{"email": "x@acme.io", "role": "viewer"}], id="members"),
    pytest.param("lightdash_chart", [CHART, {**CHART, "slug": "two", "name": "Two"}], id="charts"),
    pytest.param("lightdash_dashboard", [{"project": PROJECT, "slug": "a", "name": "A", "space": "shared"},
                                         {"project": PROJECT, "slug": "b", "name": "B", "space": "shared"}],
                 id="dashboards"),
])
def test_a_batched_read_returns_what_read_returns_in_fewer_calls(session, sandbox, type_name, specs):
    """Refresh reads the objects of one container with one ``list`` (a few requests), and an id the
    listing does not hold as gone."""
    rt = session.resource(type_name)
    ids = [rt.create(dict(s))[0] for s in specs]
    fresh = session_for(sandbox).resource(type_name)
    gone = f"{PROJECT}/00000000-0000-4000-8000-000000000000" if rt.container else "00000000-0000-4000-8000-000000000000"
    groups = read_groups(fresh, ids + [gone], {})
    assert len(groups) == 1 and groups[0].listed
    before = sandbox.counts["lightdash"]["requests"]
    many, _ = read_group(fresh, groups[0])
    calls = sandbox.counts["lightdash"]["requests"] - before
    assert calls <= 2 and many[gone] is None
    assert {i: fresh.read(i) for i in ids} == {i: many[i] for i in ids}


def test_spaces_are_listed_without_their_shares_and_read_by_id_alone(session, sandbox):
    """A space's shares are not in the project's list: lookups and export list (and read the
    shares of what they found), reads by id read each space alone, shares included."""
    spaces = session.resource("lightdash_space")
    object_id, live = spaces.create({"project": PROJECT, "name": "A", "users": [{"email": "bob@acme.io", "role": "editor"}]})
    listed = list_container(session_for(sandbox).resource("lightdash_space"), PROJECT).objects
    assert set(listed) == {object_id, f"{PROJECT}/{SHARED}"} and "users" not in listed[object_id]
    assert spaces.read_details(object_id, listed[object_id], spaces.detail_fields) == live
    assert find_one(spaces, {"project": PROJECT, "name": "A", "users": []}) == (object_id, live)
    groups = read_groups(spaces, [object_id, f"{PROJECT}/{SHARED}"], {object_id: frozenset({"users"})})
    assert [g.listed for g in groups] == [False, False]
    before = sandbox.counts["lightdash"]["requests"]
    assert read_group(spaces, groups[0])[0] == {object_id: live}
    assert sandbox.counts["lightdash"]["requests"] - before == 1  # its shares came with the read


def test_last_modified_names_who_changed_a_group(session):
    groups = session.resource("lightdash_group")
    _, live = groups.create({"name": "a"})
    who, when = groups.last_modified(live)
    assert who == "ann@acme.io" and when == live["updated_at"]
    assert session.resource("lightdash_chart").last_modified({"updated_at": "t"}) == (None, "t")


def test_shared_space_is_seeded_public(session):
    live = session.resource("lightdash_space").read(f"{PROJECT}/{SHARED}")
    assert (live["name"], live["private"], live["path"], live["parent"]) == ("Shared", False, "shared", None)
