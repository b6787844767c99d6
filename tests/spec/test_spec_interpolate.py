"""${...} parsing, load-time substitution, and resolve()."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.errors import ReferenceError_
from reconciler.plan.model import Unknown
from reconciler.spec import resolve
from reconciler.spec.interpolate import TemplateError, Token, find_references, parse, substitute

SALES = Address("test_project", "sales")


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("plain", ["plain"], id="no-interpolation"),
        pytest.param("${var.x}", [Token("var", "${var.x}", name="x")], id="var"),
        pytest.param("${env:HOME}", [Token("env", "${env:HOME}", name="HOME")], id="env"),
        pytest.param("a${test_project.sales.key}b",
                     ["a", Token("ref", "${test_project.sales.key}", address=SALES, attr=("key",)), "b"], id="ref"),
        pytest.param("${test_project.sales.variables.standard.x}",
                     [Token("ref", "${test_project.sales.variables.standard.x}", address=SALES,
                            attr=("variables", "standard", "x"))], id="nested-attr"),
        pytest.param("$${x}", ["${x}"], id="escape"),
        pytest.param("$$${var.x}", ["$${var.x}"], id="escape-after-dollar"),
        pytest.param("cost: $5", ["cost: $5"], id="lone-dollar"),
    ],
)
def test_parse(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text, fragment",
    [
        pytest.param("${", "unterminated", id="unterminated"),
        pytest.param("${}", "the expression is empty", id="empty"),
        pytest.param("${var.}", "the expression ends too early at column 4; expected a name", id="var-without-name"),
        pytest.param("${env:A-B}", "not a valid environment reference", id="env-bad-name"),
        pytest.param("${upper(}", "ends too early", id="unclosed-call"),
    ],
)
def test_parse_strict_rejects_malformed(text, fragment):
    with pytest.raises(TemplateError, match=fragment):
        parse(text)


@pytest.mark.parametrize(
    "text, fragment",
    [
        pytest.param("${test_project.sales}", "names a resource but no attribute", id="ref-without-attr"),
        pytest.param("${projectKey}", "unknown name 'projectKey'; names are var.NAME", id="unknown-name"),
    ],
)
def test_substitute_rejects_what_names_nothing(text, fragment):
    sub = substitute(text, variables={}, env={})
    assert sub.value == text
    assert fragment in sub.errors[0][1]


def test_parse_lenient_keeps_everything_but_references_as_text():
    assert parse("${projectKey}-${", strict=False) == ["${projectKey}-${"]


def test_substitute_reports_paths_and_collects_references():
    sub = substitute(
        {"a": ["${var.x}", "${env:E}"], "b": {"c": "${test_project.sales.key}"}, "d": "${var.nope}"},
        variables={"x": 1}, env={"E": "e"},
    )
    assert sub.value == {"a": [1, "e"], "b": {"c": "${test_project.sales.key}"}, "d": "${var.nope}"}
    assert [(p, t.text) for p, t in sub.references] == [(("b", "c"), "${test_project.sales.key}")]
    assert sub.from_env == {("a", 1)}
    assert [(p, m.split(";")[0]) for p, m, _ in sub.errors] == [(("d",), "undefined variable 'nope' in '${var.nope}'")]


def test_find_references_walks_everything():
    value = {"a": ["x-${test_project.sales.key}", {"b": "${test_project.o.id}"}], "c": "$${test_project.no.x}"}
    found = [(p, t.text) for p, t in find_references(value)]
    # "$${...}" is an escape in template form, not a reference
    assert found == [(("a", 0), "${test_project.sales.key}"), (("a", 1, "b"), "${test_project.o.id}")]


VALUES = {("key",): "SALES", ("tags",): ["a", "b"], ("n",): 3, ("flag",): False, ("id",): Unknown("id")}


def lookup(address, attr):
    assert address == SALES
    return VALUES[attr]  # KeyError for anything else


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("${test_project.sales.tags}", ["a", "b"], id="whole-keeps-list"),
        pytest.param("${test_project.sales.n}", 3, id="whole-keeps-int"),
        pytest.param("n=${test_project.sales.n}/${test_project.sales.flag}", "n=3/false", id="embedded-is-text"),
        pytest.param("${test_project.sales.id}", Unknown("id"), id="whole-unknown-stays-unknown"),
        pytest.param("x-${test_project.sales.id}", Unknown("x-${test_project.sales.id}"),
                     id="embedded-unknown-makes-the-string-unknown"),
        pytest.param("$${k}-${test_project.sales.key}", "${k}-SALES", id="escape-undone-in-template"),
        pytest.param("${projectKey}", "${projectKey}", id="final-string-left-alone"),
        pytest.param("$${k}", "$${k}", id="string-without-reference-untouched"),
        pytest.param({"a": ["${test_project.sales.key}", 1, None], "b": {"c": "${test_project.sales.n}"}},
                     {"a": ["SALES", 1, None], "b": {"c": 3}}, id="walks-dicts-and-lists"),
    ],
)
def test_resolve(value, expected):
    assert resolve(value, lookup) == expected


@pytest.mark.parametrize(
    "value, fragment",
    [
        pytest.param("${test_project.sales.nope}", "test_project.sales has no attribute 'nope'", id="missing-attr"),
        pytest.param("x${test_project.sales.tags}", "is embedded in a larger string, but it is a list", id="embed-list"),
    ],
)
def test_resolve_errors(value, fragment):
    with pytest.raises(ReferenceError_, match=fragment) as info:
        resolve({"f": value}, lookup)
    assert info.value.address == "test_project.sales"


def test_resolve_does_not_change_its_input():
    value = {"a": ["${test_project.sales.key}"]}
    resolve(value, lookup)
    assert value == {"a": ["${test_project.sales.key}"]}
