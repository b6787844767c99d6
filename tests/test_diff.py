"""diff.compute: field-level differences, set-like and keyed lists, unknowns and masking."""

from __future__ import annotations

import pytest

from reconciler.diff import compute
from reconciler.plan.model import SENSITIVE_MASK, Unknown


def paths(diff):
    return [(d.op, d.path_str(), d.old, d.new) for d in diff]


@pytest.mark.parametrize("before, after, expected", [
    pytest.param({"a": 1}, {"a": 1}, [], id="equal"),
    pytest.param({"a": 1}, {"a": 2}, [("change", "a", 1, 2)], id="scalar-change"),
    pytest.param({}, {"a": 1}, [("add", "a", None, 1)], id="added-field"),
    pytest.param({"a": 1}, {}, [("remove", "a", 1, None)], id="removed-field"),
    pytest.param({"v": {"s": {"k": 1}}}, {"v": {"s": {"k": 1, "j": 2}}}, [("add", "v.s.j", None, 2)], id="nested-add"),
    pytest.param({"t": ["a", "b"]}, {"t": ["a", "c"]},
                 [("remove", 't["b"]', "b", None), ("add", 't["c"]', None, "c")], id="set-like-list"),
    pytest.param({"t": ["b", "a"]}, {"t": ["a", "b"]}, [("change", "t[0]", "b", "a"), ("change", "t[1]", "a", "b")],
                 id="ordered-list-keeps-positions"),
    pytest.param({"p": [{"group": "a", "read": True}, {"group": "b", "read": True}]},
                 {"p": [{"group": "b", "read": False}, {"group": "c", "read": True}]},
                 [("remove", "p[group=a]", {"group": "a", "read": True}, None),
                  ("change", "p[group=b].read", True, False),
                  ("add", "p[group=c]", None, {"group": "c", "read": True})], id="permissions-keyed-by-principal"),
    pytest.param({"cols": [{"name": "id", "type": "int"}]}, {"cols": [{"name": "id", "type": "bigint"}]},
                 [("change", "cols[name=id].type", "int", "bigint")], id="columns-keyed-by-name"),
    pytest.param({"f": "x"}, {"f": Unknown("${a.b.id}")}, [("change", "f", "x", Unknown("${a.b.id}"))], id="unknown"),
])
def test_compute(before, after, expected):
    assert paths(compute(before, after)) == expected


def test_sensitive_fields_are_masked():
    diff = compute({"token": "old-secret"}, {"token": "new-secret"}, sensitive={"token"})
    assert paths(diff) == [("change", "token", SENSITIVE_MASK, SENSITIVE_MASK)]
