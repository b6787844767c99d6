"""The block-YAML fast path: same result as libyaml + _Builder, or it declines (never raises)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from benchmarks.estate import build, select, write_specs
from benchmarks.estate.registry import GENERATORS
from reconciler.errors import Location, SpecSyntaxError
from reconciler.spec import blockyaml, libyaml, yamlsource
from reconciler.spec.blockyaml import parse_block
from reconciler.spec.yamlsource import parse_document

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def slow_path_only() -> Iterator[None]:
    """``parse_document`` with the fast path switched off (the name ``yamlsource`` calls)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlsource, "parse_block", lambda file, text, **_: None)
        yield


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (1 != 1.0 != True), NaN equal to NaN,
    mappings in the same key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def slow(text: str) -> tuple[Any, dict, list] | SpecSyntaxError:
    try:
        with slow_path_only():
            doc, problems = parse_document("f.yaml", text)
    except SpecSyntaxError as exc:
        return exc
    return doc.data, doc.locations, [(str(p), p.location) for p in problems]


def test_the_slow_path_is_really_the_libyaml_one():
    """The differential tests below compare with libyaml only if switching the fast path off works."""
    calls = []
    with slow_path_only(), pytest.MonkeyPatch.context() as patch:
        real = libyaml._parse
        patch.setattr(libyaml, "_parse", lambda *a: calls.append(1) or real(*a))
        slow("a: 1\n")
    assert calls


def check(text: str, expected: Any = None) -> bool:
    """Fast result equal to the slow one, or declined (always when the slow path raises).
    Returns whether the fast path took it."""
    fast = parse_block("f.yaml", text)
    reference = expected if expected is not None else slow(text)
    if isinstance(reference, SpecSyntaxError):
        assert fast is None, f"accepted invalid YAML {text!r}: {fast!r}"
        return False
    if fast is None:
        return False
    data, locations, problems = fast
    assert same(data, reference[0]), f"{text!r}: {data!r} != {reference[0]!r}"
    assert locations == reference[1], f"{text!r}: locations differ"
    assert [(str(p), p.location) for p in problems] == reference[2], f"{text!r}: problems differ"
    for depth in range(5):
        check_depth(text, depth, fast)
    return True


def check_depth(text: str, depth: int, full: tuple[Any, dict, list]) -> None:
    """With ``depth``: the same data and problems, the locations of the paths at most that long;
    or declined, which only a key repeated deeper than that may cause."""
    shallow = parse_block("f.yaml", text, depth=depth)
    if shallow is None:
        assert full[2], f"{text!r}: declined at depth {depth} without a repeated key"
        return
    data, locations, problems = shallow
    assert same(data, full[0]), f"{text!r} at depth {depth}: {data!r} != {full[0]!r}"
    assert locations == {p: loc for p, loc in full[1].items() if len(p) <= depth}, \
        f"{text!r} at depth {depth}: locations differ"
    assert [(str(p), p.location) for p in problems] == [(str(p), p.location) for p in full[2]]


# --- corpus -------------------------------------------------------------------------------

SUBSET = {
    "mapping": "a: 1\nb: two\n",
    "nested": "a:\n  b:\n    c: d\n  e: f\ng: h\n",
    "comments": "# head\na: 1 # trailing\n\n  # indented comment\nb: 'x # not a comment' # c\nc: a#b\n",
    "colons": "url: http://x:8080/p\nt: 12:30\nk:v: w\n",
    "dots-and-refs": "dataiku_project.p1:\n  folder: ${dataiku_project_folder.f.id}\n  name: etl-${var.stage}\n",
    "empty-values": "a:\nb: # nothing\nc:\n",
    "empty-items": "-\n- \n- # c\n-   \n- a\n",
    "seq-of-maps": "- name: a\n  tags:\n  - x\n  - y\n- name: b\n  k: v\n",
    "same-indent-seq": "tags:\n- a\n- b\nnext: 1\n",
    "seq-under-compact-key": "- a:\n  - x\n  b: 1\n",
    "nested-seq-on-next-line": "-\n  - x\n  - y\n-\n  k: v\n",
    "nested-map-in-seq": "a:\n  -\n    k: 1\n  - j: 2\n",
    "scalars": ("a: 012\nb: 0x1F\nc: 1e3\nd: .5\ne: -.inf\nf: .NaN\ng: +1\nh: yes\ni: no\nj: on\nk: ~\nl:\n"
                "m: '123'\nn: 1.0\no: true\np: FALSE\nq: Null\nr: 0o17\ns: -0\nt: 1.\nu: .INF\nv: 2024-01-01\n"
                "w: \"true\"\nx: 0b1\ny: 1_000\nz: +.inf\n"),
    "keys-are-text": "1: a\ntrue: b\n~: c\n0x1F: d\n'q k': e\n\"dq\": f\n'it''s': g\n",
    "quotes": "a: 'it''s'\nb: \"say 'hi'\"\nc: ''\nd: \"\"\ne: '  spaced  '\nf: '#x'\n",
    "flow": "a: []\nb: {}\nc: [ ]\nd: [a, \"b c\", 3, 'd', -1, true, ~, x y ]\ne: { }\n",
    "flow-in-seq": "- [a, b] # c\n- {}\n- []\n",
    "unicode": "ключ: значение\nemoji: 🎉 party\nnbsp: a\xa0b\n'é': 'ü'\n",
    "duplicates": "a: 1\nb: 2\na: 3\n",
    "nested-duplicates": "a:\n  x: 1\n  x: 2\na: 3\nb:\n  y: 1\n  y: 2\n  y: 3\n",
    "duplicate-mappings": "a:\n  x: 1\na:\n  x: 2\n  x: 3\n",
    "trailing-spaces": "a: b   \nc:   \nd:  'q'  \ne:\n- x  \n-   \n",
    "indent-1": "a:\n b:\n  c: 1\n d:\n - x\n",
    "indent-3": "a:\n   b:\n      - x\n      - k: v\n        j: w\n",
    "indent-4": "a:\n    b: 1\n    c:\n        - 1\n        - 2\n",
    "indented-root": "  a: 1\n  b: 2\n",
    "root-seq": "# c\n\n- a\n- b: c\n",
    "deep": "".join(" " * i + f"k{i}:\n" for i in range(30)) + " " * 30 + "v: 1\n",
    "dash-words": "- -x\n- ?y\n- :z\n- a - b\n- k :v\n",
    "no-final-newline": "a: 1\nb: [x]",
    "spaces-before-colon": "a   : b\n'q' : c\n",
    "commented-block": "a:\n# c\n  b: 1\n",
}

OUT_OF_SUBSET = {
    "document-start": "---\na: 1\n",
    "document-end": "a: 1\n...\n",
    "directive": "%YAML 1.2\n---\na: 1\n",
    "anchor-alias": "a: &x 1\nb: *x\n",
    "tag": "a: !!str 1\n",
    "literal": "a: |\n  text\n",
    "folded": "a: >\n  text\n",
    "explicit-key": "? a\n: 1\n",
    "merge": "base: {}\nm:\n  <<: {}\n",
    "tab": "a:\n\tb: 1\n",
    "tab-in-value": "a: b\tc\n",
    "cr": "a: 1\r\nb: 2\r\n",
    "bom": "\ufeffa: 1\n",
    "control": "a: \x07\n",
    "nel": "a: b\x85c\n",
    "empty": "",
    "comment-only": "# just a comment\n\n",
    "root-scalar": "hello\n",
    "root-flow": "[a, b]\n",
    "multi-line-plain": "a: one\n  two\n",
    "multi-line-item": "- one\n  two\n",
    "next-line-scalar": "a:\n  value\n",
    "multi-line-quoted": "a: 'one\n  two'\n",
    "backslash": "a: \"x\\ty\"\n",
    "flow-mapping": "a: {b: 1}\n",
    "nested-flow": "a: [b, [c]]\n",
    "multi-line-flow": "a: [b,\n  c]\n",
    "trailing-comma": "a: [b, c,]\n",
    "colon-space-in-value": "a: b: c\n",
    "value-ends-with-colon": "a: b:\n",
    "dash-dash": "- - a\n",
    "too-deep": "".join(" " * i + f"k{i}:\n" for i in range(60)) + " " * 60 + "v: 1\n",
    "bad-indent": "a:\n    b: 1\n  c: 2\n",
    "quote-then-text": "a: 'b' c\n",
    "quote-then-hash": "a: 'b'#c\n",
    "long-key": "k" * 1100 + ": v\n",
    "unclosed": "key: [unclosed\n",
}


def estate_files(tmp_path: Path) -> list[Path]:
    return write_specs(tmp_path / "estate", build(60, select(GENERATORS).used))


def repo_files() -> list[Path]:
    found = []
    for folder in ("specs", "tests", "docs", "examples"):
        found += sorted((ROOT / folder).rglob("*.yaml")) + sorted((ROOT / folder).rglob("*.yml"))
    return found


@pytest.mark.parametrize("name", sorted(SUBSET))
def test_subset_snippets_take_the_fast_path_and_match(name):
    assert check(SUBSET[name]), f"{name}: declined"


@pytest.mark.parametrize("name", sorted(OUT_OF_SUBSET))
def test_out_of_subset_snippets_decline(name):
    text = OUT_OF_SUBSET[name]
    assert parse_block("f.yaml", text) is None
    check(text)  # and the slow path still reads (or rejects) them


def test_an_int_past_pythons_digit_limit_declines():
    # int() refuses it, in yamlsource's constructor too: the fast path must not raise
    assert parse_block("f.yaml", "a: " + "1" * 5000 + "\n") is None
    assert parse_block("f.yaml", "a: [" + "1" * 5000 + "]\n") is None


def test_repo_spec_files_match_and_plain_ones_take_the_fast_path():
    files = repo_files()
    assert files, "no spec files found"
    taken = {path.relative_to(ROOT).as_posix() for path in files if check(path.read_text(encoding="utf-8"))}
    # the files written in the subset (the others use flow mappings or block scalars)
    for expected in ("specs/variables.yaml", "specs/astro/deployments.yaml", "specs/dataiku/projects.yaml",
                     "specs/lightdash/access.yaml", "specs/datarobot/deployments.yaml"):
        assert expected in taken


def test_benchmark_estates_take_the_fast_path_and_match(tmp_path):
    files = estate_files(tmp_path)
    assert len(files) == len(select(GENERATORS).used) >= 1
    for path in files:
        assert check(path.read_text(encoding="utf-8")), f"{path}: declined"


def test_duplicate_keys_are_reported_in_the_builders_order():
    text = "a:\n  x: 1\n  x: 2\na: 3\nb:\n  y: 1\n  y: 2\n"
    assert check(text)
    assert parse_block("f.yaml", text, depth=1) is None  # 'y' is repeated deeper: the full parse reports it
    data, locations, problems = parse_block("f.yaml", text)
    assert data == {"a": 3, "b": {"y": 2}}
    assert locations[("a",)].line == 4 and locations[("a", "x")].line == 3  # the last occurrence
    assert [str(p) for p in problems] == [
        "f.yaml:4: key 'a' appears twice in one mapping (first at f.yaml:1); keep only one",
        "f.yaml:3: key 'x' appears twice in one mapping (first at f.yaml:2); keep only one",
        "f.yaml:7: key 'y' appears twice in one mapping (first at f.yaml:6); keep only one",
    ]


# --- randomized ---------------------------------------------------------------------------

SCALARS = [
    "a", "foo bar", "x#y", "http://h:1/p", "${a.b.c}", "etl-${var.stage}", "1", "012", "0x1F", "0o17", "0o8",
    "1e3", ".5", "1.", "-.inf", ".NaN", "-.nan", "+1", "-1", "-", "yes", "no", "on", "true", "False", "TRUE",
    "tRue", "~", "null", "NULL", "nul", "'q'", "'it''s'", "'a #b'", '"d q"', '""', "''", '"a: b"', "[]", "{}",
    "[ ]", '[a, "b", 3]', "[-1, x y]", "-x", "?x", ":x", "a:b", "é ü", "🎉", "12:30", "2024-01-01", "<<",
    "<x", "a # c", "a  b", "&a x", "*a", "!t x", "|", ">", "[a, [b]]", "{a: 1}", '"a\\"b"', "a: b", "a:",
    "@x", "`x", "%x", "'open", "[a,]", "[a, b", "a\tb", ", x", "a,b", "a]b", "#",
]
KEYS = ["a", "b", "c", "key.with.dots", "x y", "'q k'", '"dq"', "1", "true", "~", "-k", "a:b", "a#b", "<<",
        "? k", "'a''b'", "é", "[k]", "&k a", "k "]
MUTATIONS = [":", "-", "'", '"', "#", " ", "  ", "\n", "[", "]", "{", "}", ",", "\t", "?", "|", "&", "*", "!", "x"]


def gen_mapping(rng: random.Random, indent: int, depth: int, lines: list[str]) -> None:
    for _ in range(rng.randint(1, 4)):
        key = rng.choice(KEYS[:12] if rng.random() < 0.9 else KEYS)
        gen_entry(rng, " " * indent + key + ":", indent, depth, lines)


def gen_entry(rng: random.Random, head: str, indent: int, depth: int, lines: list[str]) -> None:
    """``head`` (``  key:`` or ``  -``) and its value: inline scalar, empty, or a nested block."""
    roll = rng.random()
    width = rng.choice((1, 2, 2, 3, 4))
    comment = rng.choice(("", "", "", " # c", "   #x", "  "))
    if roll < 0.55 or depth > 4:
        scalar = rng.choice(SCALARS[:60] if rng.random() < 0.85 else SCALARS)
        lines.append(f"{head} {scalar}{comment}")
    elif roll < 0.65:
        lines.append(head + comment)
    elif roll < 0.8:
        lines.append(head + comment)
        if rng.random() < 0.2:
            lines.append(rng.choice(("", "# between", "      # deep comment")))
        gen_mapping(rng, indent + width, depth + 1, lines)
    else:
        lines.append(head + comment)
        same_indent = head.lstrip().endswith(":") and rng.random() < 0.4
        gen_sequence(rng, indent if same_indent else indent + width, depth + 1, lines)


def gen_sequence(rng: random.Random, indent: int, depth: int, lines: list[str]) -> None:
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.35 and depth <= 4:  # compact mapping: "- key: ..." then keys under it
            spaces = rng.choice((1, 1, 2))
            sub: list[str] = []
            gen_mapping(rng, indent + 1 + spaces, depth + 1, sub)
            sub[0] = " " * indent + "-" + sub[0][indent + 1:]
            lines.extend(sub)
        else:
            gen_entry(rng, " " * indent + "-", indent, depth, lines)


def gen_document(rng: random.Random) -> str:
    lines: list[str] = []
    if rng.random() < 0.2:
        lines.append("# header")
    if rng.random() < 0.75:
        gen_mapping(rng, 0, 0, lines)
    else:
        gen_sequence(rng, 0, 0, lines)
    return "\n".join(lines) + rng.choice(("\n", "", "\n\n"))


def mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        if rng.random() < 0.4 and text:
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + rng.choice(MUTATIONS) + text[at:]
    return text


def test_random_documents_match_or_decline():
    rng = random.Random(20240611)
    taken = 0
    for _ in range(400):
        text = gen_document(rng)
        taken += check(text)
    assert taken > 100  # the generator mostly stays inside the subset


def test_random_mutations_match_or_decline():
    rng = random.Random(7)
    texts = [gen_document(rng) for _ in range(60)] + list(SUBSET.values())
    taken = 0
    for _ in range(1000):
        taken += check(mutate(rng, rng.choice(texts)))
    assert taken > 50


# --- wiring -------------------------------------------------------------------------------

def _counting_reader(monkeypatch) -> list[int | None]:
    """Record the ``depth`` of each ``parse_block`` call ``yamlsource`` makes."""
    calls: list[int | None] = []
    real = blockyaml.parse_block
    monkeypatch.setattr(yamlsource, "parse_block",
                        lambda file, t, depth=None: calls.append(depth) or real(file, t, depth=depth))
    return calls


def test_parse_document_uses_the_fast_path(monkeypatch):
    text = "a:\n  b: [1, x]\n  c: 1\n  c: 2\n"
    reference = slow(text)
    calls = _counting_reader(monkeypatch)
    doc, problems = parse_document("f.yaml", text)
    assert calls == [yamlsource.SHALLOW]
    assert same(doc.data, reference[0]) and doc.locations == reference[1]
    assert [(str(p), p.location) for p in problems] == reference[2]
    assert doc.file == "f.yaml"


def test_deeper_locations_are_read_when_the_first_is_asked_for(monkeypatch):
    text = "resources:\n  t.a:\n    name: x\n    tags: [p, q]\n    cols:\n    - name: id\n"
    reference = slow(text)
    calls = _counting_reader(monkeypatch)
    doc, _ = parse_document("f.yaml", text)
    assert doc.location_of(("resources", "t.a")) == reference[1][("resources", "t.a")]
    assert ("resources",) in doc.locations and doc.locations.get(("nowhere",)) is None
    assert calls == [yamlsource.SHALLOW]  # shallow paths: nothing read again
    tag, column = ("resources", "t.a", "tags", 1), ("resources", "t.a", "cols", 0, "name")
    assert doc.location_of(tag) == reference[1][tag] == Location("f.yaml", 4, 15)
    assert doc.location_of(column) == reference[1][column]
    assert calls == [yamlsource.SHALLOW, None]  # the whole file once, then kept
    assert dict(doc.locations) == reference[1] and len(doc.locations) == len(reference[1])


def test_a_key_repeated_deeper_than_the_shallow_reading_is_still_reported(monkeypatch):
    text = "resources:\n  t.a:\n    name: x\n    name: y\n"
    calls = _counting_reader(monkeypatch)
    doc, problems = parse_document("f.yaml", text)
    assert calls == [yamlsource.SHALLOW, None]  # declined, then read whole by the fast path
    assert [(str(p), p.location) for p in problems] == slow(text)[2]
    assert [str(p) for p in problems] == ["f.yaml:4: key 'name' appears twice in one mapping (first at f.yaml:3); "
                                          "keep only one"]
    assert doc.data == {"resources": {"t.a": {"name": "y"}}}


def test_deeper_locations_come_from_libyaml_if_the_fast_path_declines_them(monkeypatch):
    text = "a:\n  b:\n    c: 1\n"
    doc, _ = parse_document("f.yaml", text)
    monkeypatch.setattr(yamlsource, "parse_block", lambda file, t, depth=None: None)
    assert doc.location_of(("a", "b", "c")) == Location("f.yaml", 3, 5)
    assert dict(doc.locations) == slow(text)[1]


def test_a_declined_file_still_gets_the_clear_syntax_error():
    with pytest.raises(SpecSyntaxError) as info:
        parse_document("f.yaml", "key: [unclosed\n")
    assert str(info.value).startswith("f.yaml:2:1: invalid YAML")
    assert info.value.location.file == "f.yaml" and info.value.location.line == 2
