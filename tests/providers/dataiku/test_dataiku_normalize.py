"""``normalize`` of each Dataiku resource type, and the permission helpers, as tables."""

from __future__ import annotations

import pytest

from reconciler.diff import compare
from reconciler.plan.model import Unknown
from reconciler.providers.dataiku.resources import Dataset, Project, ProjectFolder
from reconciler.providers.dataiku.resources._permissions import merge_permissions
from reconciler.providers.dataiku.resources.project import PROJECT_FLAGS

FALSE_FLAGS = {f: False for f in PROJECT_FLAGS}


@pytest.mark.parametrize(
    "attrs, expected",
    [
        pytest.param({"tags": ["b", "a", "b"]}, {"tags": ["a", "b"]}, id="tags-sorted-deduplicated"),
        pytest.param({"tags": None}, {"tags": []}, id="tags-none-is-empty"),
        pytest.param({"description": None, "short_description": None}, {"description": "", "short_description": ""},
                     id="texts-none-is-empty"),
        pytest.param({"folder": None}, {"folder": "ROOT"}, id="folder-none-is-root"),
        pytest.param({"variables": {"standard": {"a": 1}}}, {"variables": {"standard": {"a": 1}, "local": {}}},
                     id="variables-local-filled"),
        pytest.param({"variables": None}, {"variables": {"standard": {}, "local": {}}}, id="variables-none"),
        pytest.param({"permissions": [{"user": "zed", "admin": True}, {"group": "b", "readDashboards": True},
                                      {"group": "a"}]},
                     {"permissions": [{"group": "a", **FALSE_FLAGS},
                                      {"group": "b", **FALSE_FLAGS, "readDashboards": True},
                                      {"user": "zed", **FALSE_FLAGS, "admin": True}]},
                     id="permissions-flags-filled-and-sorted"),
        pytest.param({"permissions": [{"group": "a", "user": None, "type": "legacy", "admin": None}]},
                     {"permissions": [{"group": "a", **FALSE_FLAGS}]}, id="permissions-unknown-keys-dropped"),
        pytest.param({"drop_data_on_destroy": True, "key": "K"}, {"key": "K"}, id="local-option-never-compared"),
        pytest.param({"tags": ["x", Unknown("${a.b.c}")]}, {"tags": ["x", Unknown("${a.b.c}")]}, id="unknown-kept"),
    ],
)
def test_project_normalize(attrs, expected):
    assert Project(None).normalize(attrs) == expected


@pytest.mark.parametrize(
    "attrs, expected",
    [
        pytest.param({"parent": None}, {"parent": "ROOT"}, id="parent-none-is-root"),
        pytest.param({"parent": Unknown("${dataiku_project_folder.a.id}")},
                     {"parent": Unknown("${dataiku_project_folder.a.id}")}, id="parent-unknown-kept"),
        pytest.param({"permissions": [{"group": "g", "read": True}]},
                     {"permissions": [{"group": "g", "read": True, "writeContents": False, "admin": False}]},
                     id="permissions-flags-filled"),
        pytest.param({"permissions": None}, {"permissions": []}, id="permissions-none-is-empty"),
        pytest.param({"name": "n", "owner": "o"}, {"name": "n", "owner": "o"}, id="plain-fields-untouched"),
    ],
)
def test_folder_normalize(attrs, expected):
    assert ProjectFolder(None).normalize(attrs) == expected


@pytest.mark.parametrize(
    "attrs, expected",
    [
        pytest.param({"tags": ["z", "a"]}, {"tags": ["a", "z"]}, id="tags-sorted"),
        pytest.param({"format_params": None, "params": None}, {"format_params": {}, "params": {}}, id="maps-none-empty"),
        pytest.param({"schema_columns": None}, {"schema_columns": []}, id="columns-none-empty"),
        pytest.param({"schema_columns": [{"name": "b", "type": "int", "comment": None}, {"name": "a", "type": "string"}]},
                     {"schema_columns": [{"name": "b", "type": "int"}, {"name": "a", "type": "string"}]},
                     id="columns-keep-order-drop-nulls"),
        pytest.param({"partitioning": {"dimensions": [], "ignoreNonMatchingFile": False}}, {"partitioning": None},
                     id="no-dimensions-is-unpartitioned"),
        pytest.param({"partitioning": {"dimensions": [{"name": "day", "type": "time"}]}},
                     {"partitioning": {"dimensions": [{"name": "day", "type": "time"}]}}, id="partitioned-kept"),
        pytest.param({"description": None}, {"description": ""}, id="description-none-empty"),
    ],
)
def test_dataset_normalize(attrs, expected):
    assert Dataset(None).normalize(attrs) == expected


@pytest.mark.parametrize(
    "desired, live, diff_paths",
    [
        pytest.param({"tags": ["a", "b"]}, {"tags": ["b", "a"], "name": "x"}, [], id="tag-order-is-no-diff"),
        pytest.param({"permissions": [{"group": "g", "readProjectContent": True}]},
                     {"permissions": [{"group": "g", **FALSE_FLAGS, "readProjectContent": True}]}, [],
                     id="omitted-flags-equal-false"),
        pytest.param({"permissions": [{"group": "g", "admin": True}]},
                     {"permissions": [{"group": "g", **FALSE_FLAGS}]}, ["permissions[group=g].admin"], id="flag-change"),
        pytest.param({"variables": {"standard": {"a": 1}}}, {"variables": {"standard": {"a": 1}, "local": {"x": 2}}},
                     ["variables.local.x"], id="variables-are-authoritative"),
        pytest.param({"name": "n"}, {"name": "n", "tags": ["t"]}, [], id="undeclared-fields-not-compared"),
    ],
)
def test_project_compare(desired, live, diff_paths):
    assert [item.path_str() for item in compare(Project(None), desired, live)] == diff_paths


@pytest.mark.parametrize(
    "live, desired, expected",
    [
        pytest.param([], [{"group": "g", "read": True}],
                     [{"group": "g", "read": True, "writeContents": False, "admin": False}], id="new-principal"),
        pytest.param([{"group": "g", "read": False, "futureFlag": True}], [{"group": "g", "admin": True}],
                     [{"group": "g", "read": False, "futureFlag": True, "writeContents": False, "admin": True}],
                     id="unknown-keys-of-kept-principal-survive"),
        pytest.param([{"group": "g", "read": True}, {"user": "u", "read": True}], [{"user": "u", "read": True}],
                     [{"user": "u", "read": True, "writeContents": False, "admin": False}], id="undesired-principal-dropped"),
        pytest.param([{"group": "u", "read": True}], [{"user": "u"}],
                     [{"user": "u", "read": False, "writeContents": False, "admin": False}], id="group-and-user-differ"),
    ],
)
def test_merge_permissions(live, desired, expected):
    assert merge_permissions(live, desired, ("read", "writeContents", "admin")) == expected


@pytest.mark.parametrize(
    "rt, spec, identity",
    [
        pytest.param(ProjectFolder, {"name": "Analytics"}, "ROOT/Analytics", id="folder-parent-defaults-to-root"),
        pytest.param(ProjectFolder, {"name": "Sub", "parent": "KdLmPU6"}, "KdLmPU6/Sub", id="folder-under-parent"),
        pytest.param(Project, {"key": "SALES", "name": "Sales"}, "SALES", id="project-key"),
        pytest.param(Dataset, {"project": "SALES", "name": "orders"}, "SALES/orders", id="dataset-project-name"),
        pytest.param(Dataset, {"name": "orders"}, None, id="dataset-without-project"),
    ],
)
def test_identity_of(rt, spec, identity):
    assert rt.identity_of(spec) == identity
