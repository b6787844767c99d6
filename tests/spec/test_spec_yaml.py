"""Reading YAML: locations for every node, YAML 1.2 scalars, duplicate keys, anchors and merge
keys, limits, syntax errors."""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.errors import Location, SpecSyntaxError
from reconciler.spec.yamlsource import MAX_ALIAS_VALUES, MAX_DEPTH, parse_document


@pytest.mark.parametrize(
    "text, value",
    [
        pytest.param("no", "no", id="no-is-a-string"),
        pytest.param("on", "on", id="on-is-a-string"),
        pytest.param("yes", "yes", id="yes-is-a-string"),
        pytest.param("NO", "NO", id="upper-no-is-a-string"),
        pytest.param("true", True, id="true"),
        pytest.param("False", False, id="False"),
        pytest.param("TRUE", True, id="TRUE"),
        pytest.param("tRue", "tRue", id="mixed-case-true-is-a-string"),
        pytest.param("012", 12, id="leading-zero-is-decimal"),
        pytest.param("0x1f", 31, id="hex"),
        pytest.param("0o17", 15, id="octal"),
        pytest.param("0o8", "0o8", id="bad-octal-is-a-string"),
        pytest.param("0b1", "0b1", id="binary-is-a-string"),
        pytest.param("1_000", "1_000", id="underscores-are-a-string"),
        pytest.param("+1", 1, id="plus-sign"),
        pytest.param("-0", 0, id="minus-zero"),
        pytest.param("1.5e3", 1500.0, id="float"),
        pytest.param("1e3", 1000.0, id="exponent-without-dot"),
        pytest.param("1.", 1.0, id="trailing-dot"),
        pytest.param(".5", 0.5, id="leading-dot"),
        pytest.param("-.inf", -math.inf, id="minus-infinity"),
        pytest.param(".INF", math.inf, id="infinity"),
        pytest.param("12:30", "12:30", id="sexagesimal-is-a-string"),
        pytest.param("2024-01-01", "2024-01-01", id="date-is-a-string"),
        pytest.param("~", None, id="tilde"),
        pytest.param("Null", None, id="Null"),
        pytest.param("", None, id="empty"),
        pytest.param("'012'", "012", id="quoted"),
        pytest.param('"true"', "true", id="double-quoted"),
        pytest.param("x#y", "x#y", id="hash-without-space-is-text"),
        pytest.param("http://x:8080/p", "http://x:8080/p", id="colons-without-space-are-text"),
        pytest.param("<<", "<<", id="merge-sign-as-a-value-is-text"),
        pytest.param("!!str 12", "12", id="str-tag"),
        pytest.param("!!int '12'", 12, id="int-tag"),
        pytest.param("!!float 1", 1.0, id="float-tag"),
    ],
)
def test_scalars_follow_yaml_1_2(text, value):
    doc, _ = parse_document("f.yaml", f"v: {text}\n")
    assert doc.data == {"v": value} and type(doc.data["v"]) is type(value)


def test_nan():
    assert math.isnan(parse_document("f.yaml", "v: .NaN\n")[0].data["v"])


def test_keys_are_kept_as_written():
    doc, _ = parse_document("f.yaml", "1: a\ntrue: b\n~: c\n0x1F: d\n'q k': e\n\"dq\": f\n'it''s': g\n")
    assert list(doc.data) == ["1", "true", "~", "0x1F", "q k", "dq", "it's"]


@pytest.mark.parametrize("text", ["", "# only a comment\n\n", "---\n"])
def test_an_empty_document_is_none(text):
    doc, problems = parse_document("f.yaml", text)
    assert doc.data is None and problems == [] and doc.location_of(("a",)).file == "f.yaml"


def test_every_node_has_a_location_and_keys_stay_text():
    doc, problems = parse_document("f.yaml", "a:\n  b: [1, {c: d}]\n  200: ok\n")
    assert problems == []
    assert doc.data == {"a": {"b": [1, {"c": "d"}], "200": "ok"}}
    assert doc.locations == {  # (line, column)
        (): (1, 1), ("a",): (1, 1), ("a", "b"): (2, 3), ("a", "b", 0): (2, 7), ("a", "b", 1): (2, 10),
        ("a", "b", 1, "c"): (2, 11), ("a", "200"): (3, 3),
    }
    assert doc.location_of(("a", "b", 1, "c", "deeper")) == Location("f.yaml", 2, 11)


def test_block_lists_and_compact_mappings():
    text = "tags:\n- a\n- b\nitems:\n  - name: x\n    cols:\n    - id\n  -\n    k: v\n"
    doc, _ = parse_document("f.yaml", text)
    assert doc.data == {"tags": ["a", "b"], "items": [{"name": "x", "cols": ["id"]}, {"k": "v"}]}
    assert doc.locations[("items", 0, "cols", 0)] == (7, 7)
    assert doc.locations[("items", 1, "k")] == (9, 5)


def test_anchors_and_merge_keys_work_and_are_not_duplicates():
    doc, problems = parse_document("f.yaml", "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n")
    assert problems == []
    assert doc.data["m"] == {"x": 1, "y": 3}
    assert doc.locations[("m", "x")] == (1, 11)  # where it is written
    assert doc.locations[("m", "y")] == (4, 3)


def test_of_several_mappings_merged_the_first_wins_and_own_keys_win_over_all():
    text = "a: &a {p: 1, s: a}\nb: &b {p: 2, q: 2}\nm:\n  r: 3\n  <<: [*a, *b]\n  s: own\n"
    doc, problems = parse_document("f.yaml", text)
    assert problems == [] and doc.data["m"] == {"p": 1, "s": "own", "q": 2, "r": 3}
    assert doc.locations[("m", "q")] == (2, 14)


def test_merged_mappings_may_merge_themselves_and_be_written_in_place():
    doc, _ = parse_document("f.yaml", "d: &d {<<: {q: 1}, r: 2}\ne: {<<: *d, s: 3}\n")
    assert doc.data == {"d": {"q": 1, "r": 2}, "e": {"q": 1, "r": 2, "s": 3}}


def test_each_alias_is_its_own_copy():
    doc, _ = parse_document("f.yaml", "a: &a {k: [1]}\nb: *a\n")
    assert doc.data["a"] == doc.data["b"] and doc.data["a"] is not doc.data["b"]
    assert doc.data["a"]["k"] is not doc.data["b"]["k"]
    assert doc.locations[("b", "k", 0)] == (1, 12)


def test_a_key_twice_in_one_mapping_is_reported_with_both_lines():
    doc, problems = parse_document("f.yaml", "a: 1\nb: 2\na: 3\n")
    assert doc.data == {"a": 3, "b": 2}
    assert [str(p) for p in problems] == ["f.yaml:3: key 'a' appears twice in one mapping (first at f.yaml:1); "
                                          "keep only one"]


def test_repeated_keys_at_every_depth_are_reported_and_the_last_wins():
    doc, problems = parse_document("f.yaml", "a:\n  x: 1\n  x: 2\na: 3\nb:\n  y: 1\n  y: 2\n")
    assert doc.data == {"a": 3, "b": {"y": 2}}
    assert doc.locations[("a",)] == (4, 1)
    assert sorted((p.location.line, str(p)) for p in problems) == [
        (3, "f.yaml:3: key 'x' appears twice in one mapping (first at f.yaml:2); keep only one"),
        (4, "f.yaml:4: key 'a' appears twice in one mapping (first at f.yaml:1); keep only one"),
        (7, "f.yaml:7: key 'y' appears twice in one mapping (first at f.yaml:6); keep only one"),
    ]


def _laughs(levels: int) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_aliases_may_expand_only_so_far():
    assert len(parse_document("f.yaml", _laughs(3))[0].data["a2"]) == 10
    with pytest.raises(SpecSyntaxError, match=rf"f\.yaml:\d+:\d+: invalid YAML: aliases expand to more than "
                                              rf"{MAX_ALIAS_VALUES:,} values"):
        parse_document("f.yaml", _laughs(9))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x: " + "[" * 5000 + "]" * 5000 + "\n", id="flow"),
        pytest.param("".join(" " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 50)) + "v: 1\n", id="block"),
        pytest.param("a: &a " + "[" * 150 + "]" * 150 + "\nb: " + "[" * 100 + "*a" + "]" * 100 + "\n",
                     id="through-an-alias"),
    ],
)
def test_nesting_is_limited(text):
    with pytest.raises(SpecSyntaxError, match=rf"f\.yaml:\d+:\d+: invalid YAML: values are nested more than "
                                              rf"{MAX_DEPTH} levels deep"):
        parse_document("f.yaml", text)


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("a: b: c\n", "f.yaml:1:5: invalid YAML: unexpected ':'", id="colon"),
        pytest.param("a: 1\n---\nb: 2\n", "f.yaml:2:1: invalid YAML: more than one YAML document", id="two-documents"),
        pytest.param("a: *nope\n", "f.yaml:1:4: invalid YAML: the alias *nope refers to no anchor", id="bad-alias"),
        pytest.param("a: &x [*x]\n", "invalid YAML: an alias refers to a node that contains it", id="recursive"),
        pytest.param("a: &x {<<: *x}\n", "invalid YAML: an alias refers to a node that contains it",
                     id="recursive-merge"),
        pytest.param("? [a]\n: 1\n", "a mapping key must be a plain value", id="complex-key"),
        pytest.param("a: 'open\n", "f.yaml:2:1: invalid YAML: found unexpected end of the file", id="open-quote"),
        pytest.param("a:\n\tb: 1\n", "f.yaml:2:1: invalid YAML: a tab character where indentation was expected",
                     id="tab"),
        pytest.param("a: @x\n", "f.yaml:1:4: invalid YAML: a value cannot start with '@'", id="reserved-character"),
        pytest.param("a: 1\nb: c\x07\n", "f.yaml:2:5: invalid YAML: the character U+0007 is not allowed",
                     id="control-character"),
        pytest.param("a: !!timestamp 2024-01-01\n", "f.yaml:1:4: invalid YAML: the tag '!!timestamp' is not supported",
                     id="other-tag"),
        pytest.param("a: !mine x\n", "f.yaml:1:4: invalid YAML: the tag '!mine' is not supported", id="local-tag"),
        pytest.param("a: !!set {x}\n", "the tag '!!set' is not supported", id="collection-tag"),
        pytest.param("a: !!bool yes\n", "f.yaml:1:4: invalid YAML: 'yes' is not true or false", id="bad-bool"),
        pytest.param("m:\n  <<: 1\n", "f.yaml:2:7: invalid YAML: a merge key (<<) takes a mapping", id="bad-merge"),
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


CORPUS = [
    "a: 1\nb: [x, 'y z', {c: ~}]\n", "- a\n- b: c\n  d: [1, 2.5, true]\n", "a: |\n  text\n  more\nb: >\n  folded\n",
    "a: &a {p: 1}\nm: {<<: *a, q: 2}\n", "a: 1\na: 2\n", "", "a: b: c\n", "a:\n  - x\n  y: 1\n", "a: [b\n",
    "a:\n\tb: 1\n", "a: 'open\n", "a: *nope\n", "a: 1\n---\nb: 2\n", "a: b\x07\n", "\ufeffa: 1\n",
]


def _results(texts: list[str]) -> list[tuple]:
    out = []
    for text in texts:
        try:
            doc, problems = parse_document("f.yaml", text)
        except SpecSyntaxError as exc:
            out.append(("error", exc.location))
        else:
            out.append((repr(doc.data), sorted(doc.locations.items(), key=repr), [str(p) for p in problems]))
    return out


def test_without_libyaml_the_pure_python_parser_reads_the_same(tmp_path):
    """PyYAML built without libyaml: the reader takes PyYAML's pure-Python parser instead, with the
    same values, locations, problems and error positions (the wording of an error may differ)."""
    root = Path(__file__).resolve().parents[2]
    texts = CORPUS + [p.read_text(encoding="utf-8") for p in sorted((root / "specs").rglob("*.yaml"))]
    (tmp_path / "texts.json").write_text(json.dumps(texts))
    script = ("import json, pickle, sys, yaml\n"
              "del yaml.CSafeLoader  # as if PyYAML had been built without libyaml\n"
              "from tests.spec.test_spec_yaml import _results\n"
              f"texts = json.loads(open({str(tmp_path / 'texts.json')!r}).read())\n"
              "sys.stdout.buffer.write(pickle.dumps(_results(texts)))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, check=True)
    assert pickle.loads(done.stdout) == _results(texts)
