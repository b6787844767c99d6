"""One object, one address, statically: blocks whose natural keys the specs alone show equal are
refused by ``load_specs`` (so by ``validate`` and every command), naming both blocks with
``file:line``; keys scoped by a container clash only in one container; a key a reference leaves
unknown until refresh is left to ``plan``."""

from __future__ import annotations

import textwrap

import pytest

from reconciler.errors import SpecValidationError
from reconciler.providers.registry import PROVIDERS
from reconciler.spec import load_specs
from reconciler.spec.identity import clashes, key_of
from reconciler.addresses import Address
from reconciler.providers.base import all_types
from reconciler.values import Unknown

TYPES = all_types(PROVIDERS)
PROJECTS = """
resources:
  dataiku_project.sales:
    key: SALES
    name: Sales
  dataiku_project.finance:
    key: FINANCE
    name: Finance
"""


@pytest.fixture
def load(tmp_path, monkeypatch):
    def _load(files: dict[str, str]):
        root = tmp_path / "specs"
        root.mkdir(exist_ok=True)
        for name, text in files.items():
            (root / name).write_text(textwrap.dedent(text).lstrip("\n"))
        monkeypatch.chdir(tmp_path)
        return load_specs("specs", registry=PROVIDERS, env={})

    return _load


def _dataset(name: str, project: str, dataset: str = "orders") -> str:
    return f"""
  dataiku_dataset.{name}:
    project: {project}
    name: {dataset}
    type: PostgreSQL
    params: {{connection: dwh, table: {dataset}}}
"""


def test_two_projects_with_one_key_in_two_files_are_refused_naming_both_blocks(load):
    with pytest.raises(SpecValidationError) as caught:
        load({"a.yaml": PROJECTS, "b.yaml": "resources:\n  dataiku_project.sales_again:\n    key: SALES\n"
                                            "    name: Sales again\n"})
    message = str(caught.value)
    assert message.startswith("specs/b.yaml:2: dataiku_project.sales_again: has the same natural key (key SALES) "
                              "as dataiku_project.sales (specs/a.yaml:2)")
    assert "give each block its own key" in message


def test_every_provider_s_keys_are_checked(load):
    files = {"g.yaml": """
        resources:
          lightdash_group.a:
            name: Analysts
          lightdash_group.b:
            name: Analysts
        """}
    with pytest.raises(SpecValidationError, match="lightdash_group.b: has the same natural key"):
        load(files)


@pytest.mark.parametrize("first, second, refused", [
    pytest.param("${dataiku_project.sales.key}", "${dataiku_project.sales.key}", True, id="same-reference"),
    pytest.param("${dataiku_project.sales.key}", "SALES", True, id="reference-to-a-literal-key"),
    pytest.param("${dataiku_project.sales.key}", "${dataiku_project.finance.key}", False, id="other-project"),
    pytest.param("SALES", "FINANCE", False, id="other-literal-project"),
    pytest.param("${dataiku_project.sales.id}", "SALES", False, id="server-owned-known-only-later"),
])
def test_dataset_names_clash_only_within_one_project(load, first, second, refused):
    files = {"p.yaml": PROJECTS, "d.yaml": "resources:" + _dataset("one", first) + _dataset("two", second)}
    if refused:
        with pytest.raises(SpecValidationError, match=r"specs/d.yaml:\d+: dataiku_dataset.two: has the same natural "
                                                      r"key \(project SALES, name orders\) as dataiku_dataset.one"):
            load(files)
    else:
        assert len(load(files).resources) == 4


def test_one_unknown_container_referenced_twice_is_one_container(load):
    """Both deployments name the Workspace that apply creates: its id is unknown, but one value."""
    deployment = """
  astro_deployment.{name}:
    workspace: ${{astro_workspace.{ws}.id}}
    name: etl
    cloud_provider: AWS
    region: us-east-1
"""
    base = "resources:\n  astro_workspace.w:\n    name: W\n  astro_workspace.v:\n    name: V\n"
    with pytest.raises(SpecValidationError, match=r"astro_deployment.b: has the same natural key \(workspace "
                                                  r"\$\{astro_workspace.w.id\}, name etl\)"):
        load({"a.yaml": base + deployment.format(name="a", ws="w") + deployment.format(name="b", ws="w")})
    loaded = load({"a.yaml": base + deployment.format(name="a", ws="w") + deployment.format(name="b", ws="v")})
    assert len(loaded.resources) == 4


def test_data_sources_may_read_one_object_twice(load):
    files = {"s.yaml": """
        resources:
          dataiku_root_folder.a: {}
          dataiku_root_folder.b: {}
        """}
    assert len(load(files).resources) == 2


@pytest.mark.parametrize("attrs, key", [
    pytest.param({"key": "SALES", "name": "x"}, ("SALES",), id="literal"),
    pytest.param({"name": "x"}, None, id="key-unset"),
    pytest.param({"key": Unknown("${a.b.key}")}, (Unknown("${a.b.key}"),), id="unknown-stays-symbolic"),
])
def test_key_of(attrs, key):
    assert key_of(TYPES["dataiku_project"](None), attrs) == key


def test_clashes_groups_equal_keys_per_type():
    project, dataset = TYPES["dataiku_project"](None), TYPES["dataiku_dataset"](None)
    a, b, c = Address("dataiku_project", "a"), Address("dataiku_project", "b"), Address("dataiku_dataset", "c")
    assert clashes([(a, project, {"key": "K"}), (b, project, {"key": "K"}),
                    (c, dataset, {"project": "K", "name": "K"})]) == [[a, b]]
    assert clashes([(a, project, {"key": Unknown("${x.y.id}")}), (b, project, {"key": "K"})]) == []
