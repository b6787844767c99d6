"""``outputs:``: validated at load like everything else; evaluated against a state after apply."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.errors import SpecError
from reconciler.secrets import SecretHasher
from reconciler.spec.outputs import evaluate_outputs
from reconciler.state.model import ResourceState, State

SALES = Address("test_project", "sales")

PROJECT = """
resources:
  test_project.sales:
    key: SALES
    name: Sales
"""


def test_outputs_load_with_references_and_evaluate_against_the_state(load):
    specs = load({"a.yaml": PROJECT + """
locals:
  team: finance
variables:
  token:
    default: hunter2
    sensitive: true
outputs:
  key:
    value: ${test_project.sales.key}
    description: the project key
  url:
    value: https://dss/${test_project.sales.id}/${local.team}
  secret:
    value: ${var.token}
    sensitive: true
"""})
    outs = specs.outputs
    assert sorted(outs) == ["key", "secret", "url"]
    assert outs["key"].description == "the project key" and not outs["key"].sensitive
    assert [str(r.address) for r in outs["url"].references] == ["test_project.sales"]
    assert outs["secret"].sensitive
    assert "hunter2" not in repr(outs["secret"])

    hasher = SecretHasher(b"k")
    state = State(lineage="l", resources={SALES: ResourceState(SALES, "7", {"key": "SALES", "name": "Sales"},
                                                               outputs={"id": "7"})})
    recorded = evaluate_outputs(outs, state, hasher)
    assert recorded["key"] == {"value": "SALES", "description": "the project key"}
    assert recorded["url"] == {"value": "https://dss/7/finance"}
    assert recorded["secret"] == {"sensitive": True, "hash": hasher.digest("hunter2")}
    # before the project is applied, outputs that need it are left out
    assert sorted(evaluate_outputs(outs, State(lineage="l"), hasher)) == ["secret"]


@pytest.mark.parametrize("files, fragments", [
    ({"a.yaml": PROJECT + "outputs:\n  x:\n    value: ${test_project.nope.key}\n"},
     ["specs/a.yaml:7", "output.x", "refers to test_project.nope, which is not defined in the specs",
      "did you mean test_project.sales?"]),
    ({"a.yaml": PROJECT + "outputs:\n  x:\n    value: ${test_project.sales.kye}\n"},
     ["specs/a.yaml:7", "test_project has no attribute 'kye'"]),
    ({"a.yaml": PROJECT + "outputs:\n  x:\n    value: ${local.nope}\n"},
     ["specs/a.yaml:7", "undefined local 'nope'"]),
    ({"a.yaml": PROJECT + "outputs:\n  x:\n    description: no value\n"},
     ["specs/a.yaml:6", "output 'x' must be a mapping with 'value'"]),
    ({"a.yaml": PROJECT + "outputs:\n  x:\n    value: a\n    sensitiv: true\n"},
     ["specs/a.yaml:8", "key 'sensitiv' is not allowed", "did you mean 'sensitive'?"]),
    ({"a.yaml": PROJECT + "outputs:\n  x:\n    value: a\n    sensitive: yes please\n"},
     ["specs/a.yaml:8", "sensitive must be true or false"]),
    ({"a.yaml": "variables:\n  t:\n    default: s3cr3t\n    sensitive: true\noutputs:\n  x:\n    value: ${var.t}\n"},
     ["specs/a.yaml:7", "output 'x' uses a sensitive variable", "add sensitive: true"]),
    ({"a.yaml": "resources:\n  test_dataset.d:\n    project: P\n    name: d\n    type: PostgreSQL\n"
                "outputs:\n  x:\n    value: ${test_dataset.d.password}\n    sensitive: true\n"},
     ["specs/a.yaml:8", "'${test_dataset.d.password}' is a sensitive field of test_dataset, which is never stored"]),
    ({"a.yaml": "outputs:\n  x: {value: a}\n", "b.yaml": "outputs:\n  x: {value: b}\n"},
     ["output 'x' is defined twice"]),
])
def test_bad_outputs_are_errors_with_file_and_line(load, files, fragments):
    with pytest.raises(SpecError) as info:
        load(files)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert "s3cr3t" not in str(info.value)
