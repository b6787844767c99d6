"""Resource types are imported when a run first meets them (``LazyTypes``), and every table entry
names the class of that type."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reconciler.providers.base import LazyTypes, ResourceType, all_types
from reconciler.providers.registry import PROVIDERS


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_every_entry_loads_the_class_of_its_type(provider):
    table = PROVIDERS[provider].resource_types
    assert len(table) == len(list(table)) > 0
    for name in table:
        cls = table[name]
        assert issubclass(cls, ResourceType) and cls.type_name == name
        assert table[name] is cls  # loaded once


def test_an_entry_naming_another_class_is_refused_and_unknown_names_are_key_errors():
    table = LazyTypes({"dataiku_project": "reconciler.providers.dataiku.resources.dataset:Dataset"})
    assert "dataiku_project" in table and "nope" not in table
    with pytest.raises(TypeError, match="is not the resource type 'dataiku_project'"):
        table["dataiku_project"]
    with pytest.raises(KeyError):
        table["nope"]
    index = all_types(PROVIDERS)
    assert index["semantic_model"].type_name == "semantic_model" and "astro_deploy" in index
    with pytest.raises(KeyError):
        index["nope_thing"]


def test_the_cli_imports_no_resource_type_nor_the_ci_commands_and_a_load_only_the_types_it_meets(tmp_path):
    (tmp_path / "p.yaml").write_text("resources:\n  dataiku_project.p:\n    key: P\n    name: P\n")
    code = ("import sys\n"
            "import reconciler.cli\n"
            "assert not [m for m in sys.modules if m.startswith('reconciler.ci')], 'ci loaded'\n"
            "before = sorted(m for m in sys.modules if '.resources.' in m)\n"
            "from reconciler.providers.registry import PROVIDERS\n"
            "from reconciler.spec import load_specs\n"
            f"load_specs({str(tmp_path)!r}, registry=PROVIDERS, env={{}})\n"
            "after = sorted(m.rsplit('.', 1)[1] for m in sys.modules if '.resources.' in m)\n"
            "print(before, after)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    before, after = out.split("] [")
    assert before == "[" and "'project'" in after
    for unused in ("'recipe'", "'scenario'", "'deployer'", "'chart'", "'deploy'", "'model'"):
        assert unused not in after, after
