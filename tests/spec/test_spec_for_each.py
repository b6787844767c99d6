"""for_each: instances, each.key / each.value, references to one instance or to all, and bad input."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.errors import SpecError
from reconciler.spec import resolve

TEAMS = """
variables:
  teams:
    type: map(map(string))
    default:
      sales: {tag: fin}
      marketing: {tag: mkt}
resources:
  test_project.team:
    for_each: ${var.teams}
    key: ${upper(each.key)}
    name: Team ${each.key}
    tags: ["${each.value.tag}"]
"""


def team(key: str) -> Address:
    return Address("test_project", "team", key)


def test_a_map_makes_one_instance_per_key(load):
    specs = load({"a.yaml": TEAMS})
    assert list(specs.resources) == [team("marketing"), team("sales")]
    assert specs.resources[team("sales")].attrs == {"key": "SALES", "name": "Team sales", "tags": ["fin"]}
    assert str(team("sales")) == 'test_project.team["sales"]'
    assert specs.resources[team("sales")].location.line == 8  # the block's line


def test_a_list_of_strings_makes_one_instance_per_string(load):
    specs = load({"a.yaml": """
        resources:
          test_project.p:
            for_each: [a, b]
            key: K_${upper(each.value)}
            name: ${each.key}
        """})
    assert {str(a): r.attrs["key"] for a, r in specs.resources.items()} == {'test_project.p["a"]': "K_A",
                                                                          'test_project.p["b"]': "K_B"}


def test_references_to_one_instance_and_to_all_of_them_carry_edges(load):
    specs = load({"a.yaml": TEAMS + """
  test_dataset.orders:
    project: ${test_project.team["sales"].key}
    name: orders
    type: PostgreSQL
    description: ${join(",", values(test_project.team.key))}
    params: {all: "${test_project.team.name}"}
  test_dataset.other:
    project: x
    name: other
    type: PostgreSQL
    depends_on: [test_project.team]
"""})
    orders = specs.resources[Address("test_dataset", "orders")]
    assert orders.dependencies() == (team("marketing"), team("sales"))
    assert specs.resources[Address("test_dataset", "other")].dependencies() == (team("marketing"), team("sales"))
    names = {"sales": {"key": "SALES", "name": "Team sales"}, "marketing": {"key": "MARKETING", "name": "Team mkt"}}

    def lookup(address, attr):
        return names[address.key][attr[0]]

    resolved = resolve(orders.attrs, lookup)
    assert resolved["project"] == "SALES"
    assert resolved["description"] == "MARKETING,SALES"  # values() in key order: marketing, sales
    assert resolved["params"] == {"all": {"sales": "Team sales", "marketing": "Team mkt"}}


@pytest.mark.parametrize("for_each, fragments", [
    ("3", ["specs/a.yaml:3", "for_each is a number (3); for_each takes a map (its keys name the instances) or a list "
                             "of distinct strings"]),
    ("[a, b, a]", ["specs/a.yaml:3", "for_each: 'a' is listed twice (items 1 and 3)"]),
    ("[a, 1]", ["specs/a.yaml:3", "for_each: item 2 is a number (1)"]),
    ("${test_project.base.tags}", ["specs/a.yaml:3", "for_each uses '${test_project.base.tags}', known only at plan "
                                                     "or apply: the instances' keys would be unknown until apply"]),
    ("${var.nope}", ["specs/a.yaml:3", "undefined variable 'nope'"]),
])
def test_bad_for_each(load, for_each, fragments):
    with pytest.raises(SpecError) as info:
        load({"a.yaml": f"""
            resources:
              test_project.p:
                for_each: {for_each}
                key: K
                name: n
              test_project.base: {{key: B, name: b}}
            """})
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize("ref, fragments", [
    ('${test_project.team["nope"].key}', ['test_project.team has no instance "nope"; its keys: "sales", "marketing"']),
    ('${test_project.solo["x"].key}', ["test_project.solo has no for_each, so no instance 'x'"]),
    ("${each.key}", ["'each.key' is usable only in a resource block with for_each"]),
])
def test_bad_instance_references(load, ref, fragments):
    with pytest.raises(SpecError) as info:
        load({"a.yaml": TEAMS + f"""
  test_project.solo:
    key: SOLO
    name: '{ref}'
"""})
    for fragment in fragments:
        assert fragment in str(info.value)
    assert "specs/a.yaml:16" in str(info.value)


def test_an_unknown_instance_in_depends_on(load):
    with pytest.raises(SpecError) as info:
        load({"a.yaml": TEAMS + """
  test_project.solo:
    key: SOLO
    name: s
    depends_on: ['test_project.team["nope"]']
"""})
    assert 'depends_on: test_project.team has no instance "nope"; its keys: "sales", "marketing"' in str(info.value)


def _expand(load, n: int) -> float:
    import time

    keys = ", ".join(f"k{i}" for i in range(n))
    started = time.process_time()
    specs = load({"a.yaml": f"resources:\n  test_project.p:\n    for_each: [{keys}]\n    key: K_${{each.key}}\n"
                            f"    name: ${{upper(each.value)}}\n  test_dataset.d:\n    for_each: [{keys}]\n"
                            f"    project: ${{test_project.p[each.key].key}}\n    name: d\n    type: PostgreSQL\n"})
    assert len(specs.resources) == 2 * n
    assert specs.resources[Address("test_project", "p", "k1")].attrs == {"key": "K_k1", "name": "K1"}
    return time.process_time() - started


def test_expanding_is_linear_in_the_instances(load, tmp_path):
    # each instance substitutes the block's body (parsed once) and checks its references in O(1):
    # four times the instances cost about four times the CPU (a quadratic expansion: sixteen)
    small = min(_expand(load, 1000) for _ in range(2))
    large = _expand(load, 4000)
    assert large < 9 * small, (small, large)
