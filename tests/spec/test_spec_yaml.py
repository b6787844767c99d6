"""Reading YAML: locations for every node, YAML 1.2 scalars, duplicate keys, syntax errors."""

from __future__ import annotations

import pytest

from reconciler.errors import Location, SpecSyntaxError
from reconciler.spec.yamlsource import parse_document


@pytest.mark.parametrize(
    "text, value",
    [
        pytest.param("no", "no", id="no-is-a-string"),
        pytest.param("on", "on", id="on-is-a-string"),
        pytest.param("true", True, id="true"),
        pytest.param("False", False, id="False"),
        pytest.param("012", 12, id="leading-zero-is-decimal"),
        pytest.param("0x1f", 31, id="hex"),
        pytest.param("0o17", 15, id="octal"),
        pytest.param("1.5e3", 1500.0, id="float"),
        pytest.param("12:30", "12:30", id="sexagesimal-is-a-string"),
        pytest.param("2024-01-01", "2024-01-01", id="date-is-a-string"),
        pytest.param("~", None, id="tilde"),
        pytest.param("", None, id="empty"),
        pytest.param("'012'", "012", id="quoted"),
    ],
)
def test_scalars_follow_yaml_1_2(text, value):
    doc, _ = parse_document("f.yaml", f"v: {text}\n")
    assert doc.data == {"v": value}


def test_every_node_has_a_location_and_keys_stay_text():
    doc, problems = parse_document("f.yaml", "a:\n  b: [1, {c: d}]\n  200: ok\n")
    assert problems == []
    assert doc.data == {"a": {"b": [1, {"c": "d"}], "200": "ok"}}
    assert {p: (loc.line, loc.column) for p, loc in doc.locations.items()} == {
        (): (1, 1), ("a",): (1, 1), ("a", "b"): (2, 3), ("a", "b", 0): (2, 7), ("a", "b", 1): (2, 10),
        ("a", "b", 1, "c"): (2, 11), ("a", "200"): (3, 3),
    }
    assert doc.location_of(("a", "b", 1, "c", "deeper")) == Location("f.yaml", 2, 11)


def test_anchors_and_merge_keys_work_and_are_not_duplicates():
    doc, problems = parse_document("f.yaml", "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n")
    assert problems == []
    assert doc.data["m"] == {"x": 1, "y": 3}


def test_a_key_twice_in_one_mapping_is_reported_with_both_lines():
    doc, problems = parse_document("f.yaml", "a: 1\nb: 2\na: 3\n")
    assert doc.data == {"a": 3, "b": 2}
    assert [str(p) for p in problems] == ["f.yaml:3: key 'a' appears twice in one mapping (first at f.yaml:1); "
                                          "keep only one"]


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("a: b: c\n", "f.yaml:1:5: invalid YAML: unexpected ':'", id="colon"),
        pytest.param("a: 1\n---\nb: 2\n", "f.yaml:2:1: invalid YAML: more than one YAML document", id="two-documents"),
        pytest.param("a: *nope\n", "f.yaml:1:4: invalid YAML: an alias (*name) refers to an anchor", id="bad-alias"),
        pytest.param("a: &x [*x]\n", "invalid YAML: an alias refers to a node that contains it", id="recursive"),
        pytest.param("? [a]\n: 1\n", "a mapping key must be a plain value", id="complex-key"),
        pytest.param("a: 'open\n", "f.yaml:2:1: invalid YAML: found unexpected end of the file", id="open-quote"),
    ],
)
def test_syntax_errors(text, message):
    with pytest.raises(SpecSyntaxError) as info:
        parse_document("f.yaml", text)
    assert message in str(info.value)
    assert info.value.location.file == "f.yaml" and info.value.location.line >= 1


def test_an_integer_too_long_for_python_is_a_syntax_error_not_a_traceback():
    with pytest.raises(SpecSyntaxError, match=r"f\.yaml:2:9: .*5,000 digits is too long; quote it"):
        parse_document("f.yaml", "a: 1\nserial: " + "9" * 5000 + "\n")
    assert parse_document("f.yaml", f"serial: '{'9' * 5000}'\n")[0].data == {"serial": "9" * 5000}
