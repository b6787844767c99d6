"""``moved:`` and ``import:`` entries as the specs alone tell them (``spec.moves``)."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.errors import SpecError
from reconciler.spec.moves import ImportSpec, MovedSpec

BLOCKS = """
variables:
  prefix: T
resources:
  test_project.team:
    for_each: [a, b]
    key: ${upper(each.key)}
    name: Team ${each.key}
  test_project.solo:
    key: SOLO
    name: Solo
"""


def team(key: str) -> Address:
    return Address("test_project", "team", key)


def test_moves_and_imports_load_with_their_lines(load):
    specs = load({"a.yaml": BLOCKS, "moves.yaml": """
        moved:
          - from: test_project.a
            to: test_project.team["a"]
          - {from: test_project.old, to: test_project.solo}
        import:
          - to: test_project.team["b"]
            id: ${var.prefix}_B
        """})
    assert specs.moved == (
        MovedSpec(Address("test_project", "a"), team("a"), specs.moved[0].location),
        MovedSpec(Address("test_project", "old"), Address("test_project", "solo"), specs.moved[1].location))
    assert [str(m.location) for m in specs.moved] == ["specs/moves.yaml:2", "specs/moves.yaml:4"]
    assert specs.imports == (ImportSpec(team("b"), "T_B", specs.imports[0].location),)
    assert str(specs.imports[0].location) == "specs/moves.yaml:6"


def test_entries_from_several_files_are_merged_and_a_chain_is_allowed(load):
    specs = load({"a.yaml": BLOCKS, "m1.yaml": "moved:\n  - {from: test_project.x, to: test_project.y}\n",
                  "m2.yaml": "moved:\n  - {from: test_project.y, to: test_project.solo}\n"})
    assert [(str(m.source), str(m.target)) for m in specs.moved] == [
        ("test_project.x", "test_project.y"), ("test_project.y", "test_project.solo")]


def test_a_whole_block_rename_and_a_move_out_of_for_each_are_allowed(load):
    specs = load({"a.yaml": BLOCKS, "m.yaml": """
        moved:
          - {from: test_project.teams, to: test_project.team}
          - {from: 'test_project.old["x"]', to: test_project.solo}
        """})
    assert len(specs.moved) == 2


@pytest.mark.parametrize("entries, expected", [
    pytest.param("moved:\n  - {from: test_project.solo2, to: test_project.solo2}\n",
                 "m.yaml:2: moved[0]: from and to are both test_project.solo2", id="from-equals-to"),
    pytest.param("moved:\n  - {from: test_project.x, to: test_project.solo}\n"
                 "  - {from: test_project.x, to: 'test_project.team[\"a\"]'}\n",
                 "m.yaml:3: moved: test_project.x is moved twice", id="two-moves-from-one-address"),
    pytest.param("moved:\n  - {from: test_project.x, to: test_project.solo}\n"
                 "  - {from: test_project.y, to: test_project.solo}\n",
                 "m.yaml:3: moved: two entries move to test_project.solo", id="two-moves-to-one-address"),
    pytest.param("moved:\n  - {from: test_project.solo, to: 'test_project.team[\"a\"]'}\n",
                 "m.yaml:2: moved from test_project.solo, which the specs still declare", id="from-still-declared"),
    pytest.param("moved:\n  - {from: test_project.x, to: test_project.nope}\n",
                 "m.yaml:2: moved to test_project.nope, which is not declared in the specs", id="to-undeclared"),
    pytest.param("moved:\n  - {from: test_project.x, to: 'test_project.team[\"zz\"]'}\n",
                 "not declared in the specs", id="to-unknown-instance"),
    pytest.param("moved:\n  - {from: 'test_project.x[\"k\"]', to: test_project.team}\n",
                 "test_project.team has for_each, so an instance moves to one of its instances", id="instance-to-block"),
    pytest.param("moved:\n  - {from: test_project x, to: test_project.solo}\n",
                 "m.yaml:2: moved[0].from: 'test_project x' is not a resource address; expected", id="malformed-from"),
    pytest.param("moved:\n  - {from: test_project.x, to: 'test_project.team[a]'}\n",
                 "moved[0].to: 'test_project.team[a]' is not a resource address", id="malformed-key"),
    pytest.param("moved:\n  - {from: test_dataset.x, to: test_project.solo}\n",
                 "a move keeps the resource type, but from is test_dataset and to is test_project", id="type-change"),
    pytest.param("moved:\n  - {from: testt_project.x, to: test_project.solo}\n",
                 "unknown resource type 'testt_project'", id="unknown-type"),
    pytest.param("moved:\n  - {from: test_project.x, too: test_project.solo}\n",
                 "key 'too' is not allowed; allowed keys: from, to", id="unknown-key"),
    pytest.param("moved:\n  - {from: test_project.x}\n", "'to' is required", id="missing-to"),
    pytest.param("moved:\n  - test_project.x\n", "each entry is a mapping with keys from, to", id="entry-not-a-mapping"),
    pytest.param("moved: {from: test_project.x, to: test_project.solo}\n",
                 "'moved' must be a list of {from: ADDRESS, to: ADDRESS} entries, got a mapping", id="not-a-list"),
    pytest.param("moved:\n  - {from: test_project.x, to: test_project.y}\n  - {from: test_project.y, to: test_project.x}\n",
                 "moved entries loop: test_project.x -> test_project.y -> test_project.x", id="loop"),
    pytest.param("import:\n  - {to: test_project.nope, id: X}\n",
                 "m.yaml:2: import[0]: import to test_project.nope, which is not declared in the specs",
                 id="import-undeclared"),
    pytest.param("import:\n  - {to: test_project.team, id: X}\n",
                 'test_project.team has for_each: import into one of its instances, e.g. test_project.team["a"]',
                 id="import-to-a-for-each-block"),
    pytest.param("import:\n  - {to: test_project.solo, id: X}\n  - {to: test_project.solo, id: Y}\n",
                 "m.yaml:3: import[1]: test_project.solo is imported twice", id="import-twice"),
    pytest.param("import:\n  - {to: test_project.solo, id: '${test_project.team[\"a\"].key}'}\n",
                 "resource references are not allowed in an import id", id="import-id-reference"),
    pytest.param("import:\n  - {to: test_project.solo, id: '${var.nope}'}\n", "var.nope", id="import-id-undefined-var"),
    pytest.param("import:\n  - {to: test_project.solo, id: [a]}\n",
                 "import[0].id: expected the object's id (a non-empty string), got a list", id="import-id-a-list"),
    pytest.param("import:\n  - {to: test_project.solo}\n", "'id' is required", id="import-without-id"),
])
def test_bad_entries_name_file_line_and_what_is_allowed(load, entries, expected):
    with pytest.raises(SpecError) as info:
        load({"a.yaml": BLOCKS, "m.yaml": entries})
    assert expected in str(info.value)


def test_an_import_id_from_the_environment_is_refused(load):
    with pytest.raises(SpecError) as info:
        load({"a.yaml": BLOCKS, "m.yaml": "import:\n  - {to: test_project.solo, id: '${env:SECRET_ID}'}\n"},
             env={"SECRET_ID": "hidden"})
    assert "import[0].id uses a sensitive or environment value" in str(info.value)
    assert "hidden" not in str(info.value)


def test_empty_sections_are_fine(load):
    specs = load({"a.yaml": BLOCKS, "m.yaml": "moved:\nimport: []\n"})
    assert specs.moved == () and specs.imports == ()


MODULE_ROOT = {"a.yaml": BLOCKS + "modules:\n  squad:\n    source: ./mod\n    for_each: [x, y]\n    k: ${each.key}\n",
               "mod/main.yaml": "variables:\n  k: {type: string}\nresources:\n  test_project.p:\n    key: K_${var.k}\n"
                                "    name: N\n"}


def test_a_module_instance_moves_as_a_whole(load):
    specs = load({**MODULE_ROOT, "m.yaml": "moved:\n  - {from: module.team, to: module.squad}\n"
                                           "  - {from: test_project.x, to: 'module.squad[\"x\"].test_project.p'}\n"})
    assert [(m.source, str(m.target)) for m in specs.moved] == [
        ("module.team", "module.squad"), (Address("test_project", "x"), 'module.squad["x"].test_project.p')]
    assert specs.moved[0].modules and not specs.moved[1].modules


@pytest.mark.parametrize("entries, expected", [
    pytest.param("moved:\n  - {from: module.squad, to: module.other}\n",
                 "moved from module.squad, which the specs still declare", id="module-still-declared"),
    pytest.param("moved:\n  - {from: module.gone, to: module.nowhere}\n",
                 "moved to module.nowhere, which is not declared in the specs", id="module-to-undeclared"),
    pytest.param("moved:\n  - {from: module.gone, to: test_project.solo}\n",
                 "a module instance moves to a module instance and a resource to a resource", id="module-to-resource"),
    pytest.param("moved:\n  - {from: 'module.gone[x]', to: module.squad}\n",
                 "or a module instance: module.NAME or module.NAME[\"key\"]", id="malformed-module-path"),
])
def test_bad_module_entries(load, entries, expected):
    with pytest.raises(SpecError) as info:
        load({**MODULE_ROOT, "m.yaml": entries})
    assert expected in str(info.value)


def test_an_import_into_a_module_instance(load):
    specs = load({**MODULE_ROOT, "m.yaml": "import:\n  - {to: 'module.squad[\"x\"].test_project.p', id: K_x}\n"})
    assert [str(i.address) for i in specs.imports] == ['module.squad["x"].test_project.p']
