"""Pure decisions of the Lightdash provider, as tables: canonical content, grant sets, paths, ids."""

from __future__ import annotations

import pytest

from reconciler.errors import ProviderError
from reconciler.plan.model import Unknown
from reconciler.providers.lightdash.resources import _content
from reconciler.providers.lightdash.resources._common import code_path, normalize_emails, normalize_grants, parent_path
from reconciler.providers.lightdash.resources.chart import Chart
from reconciler.providers.lightdash.resources.dashboard import Dashboard
from reconciler.providers.lightdash.resources.space import Space, space_paths
from reconciler.providers.lightdash.sandbox.models.core import code_path_from_ltree, generate_slug, ltree_from_code_path
from reconciler.providers.lightdash.sandbox.models.spaces import friendly_name

UNKNOWN = Unknown("${lightdash_chart.x.slug}")


@pytest.mark.parametrize("value, table, expected", [
    pytest.param({"exploreName": "orders", "dimensions": ["a"], "metrics": [], "filters": {}, "sorts": [], "limit": 500,
                  "tableCalculations": [], "additionalMetrics": [], "customDimensions": [], "metricOverrides": {}},
                 "orders", {"dimensions": ["a"], "limit": 500}, id="server-defaults-dropped"),
    pytest.param({"dimensions": ["a"]}, "orders", {"dimensions": ["a"], "limit": 500}, id="limit-always-shown"),
    pytest.param({"exploreName": "orders", "limit": 10}, "payments", {"exploreName": "orders", "limit": 10},
                 id="explore-other-than-table-kept"),
    pytest.param({"sorts": [{"fieldId": "a", "descending": True}], "timezone": None}, None,
                 {"sorts": [{"fieldId": "a", "descending": True}], "limit": 500}, id="none-dropped-non-default-kept"),
    pytest.param(UNKNOWN, "orders", UNKNOWN, id="unknown-passes"),
])
def test_metric_query(value, table, expected):
    assert _content.metric_query(value, table) == expected


@pytest.mark.parametrize("fn, value, expected", [
    pytest.param(_content.table_config, None, {}, id="table-config-none"),
    pytest.param(_content.table_config, {"columnOrder": []}, {}, id="table-config-empty-order"),
    pytest.param(_content.table_config, {"columnOrder": ["a"]}, {"columnOrder": ["a"]}, id="table-config-order"),
    pytest.param(_content.pivot_config, {"columns": []}, None, id="pivot-without-columns"),
    pytest.param(_content.pivot_config, {"columns": ["a"]}, {"columns": ["a"]}, id="pivot-columns"),
    pytest.param(_content.tabs, None, [], id="tabs-none"),
    pytest.param(_content.tabs, [{"uuid": "b", "name": "B", "order": 1}, {"uuid": "a", "name": "A", "order": 0}],
                 [{"uuid": "a", "name": "A", "order": 0}, {"uuid": "b", "name": "B", "order": 1}], id="tabs-by-order"),
    pytest.param(_content.filters, None, {}, id="filters-none"),
    pytest.param(_content.filters, {"dimensions": [], "metrics": [], "tableCalculations": []}, {}, id="filters-empty"),
])
def test_small_canonical_forms(fn, value, expected):
    assert fn(value) == expected


def test_filters_are_keyed_by_field_without_rule_ids():
    rules = [{"id": "u1", "target": {"fieldId": "status"}, "operator": "equals", "values": ["x"], "tileTargets": {}},
             {"id": "u2", "target": {"fieldId": "status"}, "operator": "notNull"},
             {"target": {"fieldId": "date"}, "operator": "inThePast", "values": [3], "settings": {"unitOfTime": "days"}}]
    assert _content.filters({"dimensions": rules, "metrics": []}) == {"dimensions": {
        "status": {"target": {"fieldId": "status"}, "operator": "equals", "values": ["x"]},
        "status+": {"target": {"fieldId": "status"}, "operator": "notNull"},
        "date": {"target": {"fieldId": "date"}, "operator": "inThePast", "values": [3], "settings": {"unitOfTime": "days"}},
    }}


def chart_tile(slug, **extra):
    return {"type": "saved_chart", "x": 0, "y": 0, "w": 6, "h": 3, "properties": {"chartSlug": slug, **extra}}


@pytest.mark.parametrize("desired, live", [
    pytest.param([chart_tile("a")],
                 [{**chart_tile("a", chartName="A", title="", hideTitle=False), "tabUuid": None, "tileSlug": "a"}],
                 id="server-added-keys"),
    pytest.param([chart_tile("a"), chart_tile("a", title="again")],
                 [{**chart_tile("a"), "tileSlug": "a-1"}, {**chart_tile("a", title="again"), "tileSlug": "a-2"}],
                 id="repeated-chart-slugs"),
    pytest.param([{**chart_tile("a"), "tileSlug": "custom"}], [{**chart_tile("a"), "tileSlug": "a"}],
                 id="tile-slug-recomputed-by-the-server"),
    pytest.param([{"type": "markdown", "x": 0, "y": 0, "w": 1, "h": 1, "properties": {"title": "t", "content": "c"}}],
                 [{"type": "markdown", "x": 0, "y": 0, "w": 1, "h": 1, "tabUuid": None,
                   "properties": {"title": "t", "content": "c", "hideTitle": False}}], id="markdown-defaults"),
])
def test_tiles_compare_equal_once_server_noise_is_gone(desired, live):
    assert _content.tiles(desired) == _content.tiles(live)


def test_tiles_are_keyed_so_a_change_names_the_tile():
    tiles = _content.tiles([chart_tile("a"), {"type": "markdown", "x": 0, "y": 9, "w": 1, "h": 1, "properties": {}},
                            {"type": "loom", "x": 1, "y": 9, "w": 1, "h": 1, "properties": {"url": "u"}},
                            {"type": "markdown", "x": 2, "y": 9, "w": 1, "h": 1, "properties": {}}])
    assert list(tiles) == ["a", "markdown-1", "loom-1", "markdown-2"]
    assert _content.tiles(UNKNOWN) is UNKNOWN
    assert list(_content.tiles([chart_tile(UNKNOWN)])) == ["saved_chart-1"]


@pytest.mark.parametrize("values, expected", [
    pytest.param(["B@acme.io", "a@acme.io", "b@acme.io"], ["a@acme.io", "b@acme.io"], id="case-and-duplicates"),
    pytest.param(None, [], id="none-is-empty"),
    pytest.param(UNKNOWN, UNKNOWN, id="unknown-passes"),
])
def test_normalize_emails(values, expected):
    assert normalize_emails(values) == expected


def test_normalize_grants_one_per_principal_sorted():
    grants = [{"email": "Cy@acme.io", "role": "viewer"}, {"email": "ann@acme.io", "role": "admin"}]
    assert normalize_grants(grants, "email") == [{"email": "ann@acme.io", "role": "admin"},
                                                 {"email": "cy@acme.io", "role": "viewer"}]
    assert normalize_grants([{"group": "b", "role": "x"}, {"group": "a", "role": "y"}], "group")[0]["group"] == "a"


@pytest.mark.parametrize("ltree, path, parent", [
    pytest.param("finance", "finance", None, id="top-level"),
    pytest.param("finance.q_reports", "finance/q-reports", "finance", id="nested"),
    pytest.param("a.b_c.d", "a/b-c/d", "a/b-c", id="deep"),
])
def test_paths(ltree, path, parent):
    assert code_path(ltree) == path == code_path_from_ltree(ltree)
    assert ltree_from_code_path(path) == ltree
    assert parent_path(path) == parent


def test_space_paths_from_an_older_server_without_path():
    spaces = [{"uuid": "1", "slug": "finance", "parentSpaceUuid": None},
              {"uuid": "2", "slug": "q-reports", "parentSpaceUuid": "1"}]
    assert space_paths(spaces) == {"1": "finance", "2": "finance/q-reports"}


@pytest.mark.parametrize("object_id, ok", [
    pytest.param("p/s", True, id="composite"),
    pytest.param("s", False, id="no-project"),
    pytest.param("/s", False, id="empty-project"),
    pytest.param("p/", False, id="empty-uuid"),
])
@pytest.mark.parametrize("type_", [Space, Chart, Dashboard], ids=lambda t: t.type_name)
def test_project_scoped_ids(type_, object_id, ok):
    """``<projectUuid>/<uuid>``: the project is the container; anything else is refused before a request."""
    rt = type_(None)
    if ok:
        assert rt.container_of(object_id) == (None if type_ is Space else "p")  # a space is read alone
    else:
        with pytest.raises(ProviderError, match="is not a .* id: expected <container>/<"):
            rt.container_of(object_id)


@pytest.mark.parametrize("name, slug", [
    pytest.param("Orders by status", "orders-by-status", id="words"),
    pytest.param("  Sales & Ops!! ", "sales-ops", id="punctuation-trimmed"),
    pytest.param("Ünïcode", "n-code", id="non-ascii-becomes-dash"),
    pytest.param("!!!", "", id="empty"),
])
def test_generate_slug(name, slug):
    assert generate_slug(name) == slug


def test_friendly_name():
    assert friendly_name("q_reports") == "Q reports" and friendly_name("jaffle-shop") == "Jaffle shop"


@pytest.mark.parametrize("spec, identity", [
    pytest.param({"project": "p", "name": "Finance"}, "Finance", id="top-level"),
    pytest.param({"project": "p", "name": "Reports", "parent": "finance"}, "finance/Reports", id="nested"),
    pytest.param({"project": "p", "name": UNKNOWN}, None, id="unknown-name"),
])
def test_space_identity_is_its_path(spec, identity):
    assert Space.identity_of(spec) == identity


def test_chart_normalize_makes_desired_and_live_comparable():
    desired = {"description": "", "metric_query": {"exploreName": "orders", "dimensions": ["a"]}, "table_name": "orders",
               "table_config": None, "pivot_config": {"columns": []}}
    live = {"description": None, "metric_query": {"exploreName": "orders", "dimensions": ["a"], "metrics": [],
                                                  "limit": 500, "filters": {}},
            "table_name": "orders", "table_config": {"columnOrder": []}, "pivot_config": None}
    assert Chart(None).normalize(desired) == Chart(None).normalize(live)


def test_dashboard_normalize_accepts_its_own_output():
    dashboard = Dashboard(None)
    once = dashboard.normalize({"tiles": [chart_tile("a")], "filters": None, "tabs": None, "description": ""})
    assert dashboard.normalize(once) == once
