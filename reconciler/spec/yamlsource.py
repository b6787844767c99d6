"""Reading one YAML spec file into plain data plus a ``file:line:column`` for every node.

Owns: parsing, scalar typing, anchors and merge keys, duplicate-key detection, the limits on
what a file may expand to, and syntax errors. It knows nothing of resources, variables or
interpolation.

What ``parse_document`` promises:

- Scalars follow the YAML 1.2 core schema, not PyYAML's YAML 1.1 defaults: only ``true`` /
  ``false`` (also ``True``, ``TRUE``...) are booleans (``yes``, ``no``, ``on`` stay text);
  ``012`` is twelve, ``0o17`` octal, ``0x1f`` hex; ``12:30``, ``1_000`` and ``2024-01-01`` stay
  text; ``null``, ``~`` and nothing are None. Mapping keys are kept as the text the user wrote
  (``200: ok`` has the key ``"200"``). An explicit tag may be one of the core schema's
  (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!seq``, ``!!map``).
- Anchors, aliases and merge keys (``<<: *base``, ``<<: [*a, *b]``; the mapping's own keys win,
  then the first mapping merged) work. What aliases and merge keys bring in is limited to
  ``MAX_ALIAS_VALUES`` values (a small file can expand exponentially: "billion laughs"), and
  values may nest ``MAX_DEPTH`` levels deep.
- ``Document.locations`` maps every path (mapping keys and list indexes from the root) to where
  it was written: the key of a mapping entry, the item of a list.
- A key repeated in one mapping is a problem returned with both lines, not an error: the last
  one wins.
- Text that is not YAML raises ``SpecSyntaxError`` naming ``file:line:column``, in words a user
  can act on; never a traceback.

The reader is PyYAML's: its composer builds the node tree, each node with its start mark
(libyaml's parser through ``yaml.CSafeLoader`` when PyYAML was built with libyaml, else the
pure-Python ``yaml.SafeLoader``: the same nodes and marks), typing plain scalars by the core
schema (``_Loader.resolve``); ``_Builder`` turns the tree into plain data and keeps each node's
line and column.
Not ruamel.yaml: it would be a second YAML dependency (PyYAML is one already), its YAML 1.2
typing lives in its pure-Python loaders (its C loader types scalars as YAML 1.1 does), and its
line numbers come attached to its own container types, which we would convert anyway.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.errors import Location, SpecSyntaxError, SpecValidationError

Path = tuple[Any, ...]

#: at most this many values reached through aliases and merge keys in one document
MAX_ALIAS_VALUES = 100_000
#: at most this deep
MAX_DEPTH = 200


@dataclass(frozen=True)
class Document:
    """One parsed file: ``data`` (plain dicts/lists/scalars) and where each node came from.

    ``locations`` maps a path from the document root (mapping keys and list indexes) to the
    location of the mapping key (for mapping entries) or of the item (for list items); ``()``
    is the document's first node.
    """

    file: str
    data: Any
    locations: Mapping[Path, Location]

    def location_of(self, path: Path) -> Location:
        """The location of ``path``, or of its nearest recorded ancestor."""
        for end in range(len(path), -1, -1):
            loc = self.locations.get(tuple(path[:end]))
            if loc is not None:
                return loc
        return Location(self.file, 1)


def parse_document(file: str, text: str) -> tuple[Document, list[SpecValidationError]]:
    """Parse ``text`` (the content of ``file``): the document and the non-fatal problems found
    (a key repeated in one mapping). Raises ``SpecSyntaxError`` (see the module docstring)."""
    try:
        return _read(file, text)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(file, text, exc) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(file, text, exc) from None
    except yaml.YAMLError as exc:  # (PyYAML raises the two kinds above)
        raise _error(file, Location(file, 1, 1), str(exc)) from None
    except RecursionError:  # the pure-Python composer on deep nesting (libyaml stops at a depth)
        raise _error(file, Location(file, 1, 1), _TOO_DEEP) from None
    except _Invalid as exc:
        raise _error(file, exc.location, exc.problem, exc.hint) from None


def _read(file: str, text: str) -> tuple[Document, list[SpecValidationError]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    if node is None:  # nothing but comments, or nothing at all
        return Document(file, None, {(): Location(file, 1)}), []
    builder = _Builder(file)
    builder.locations[()] = builder.where(node)
    return Document(file, builder.build(node, ()), builder.locations), builder.problems


# -- the node tree -------------------------------------------------------------------------------

_STR, _INT, _FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_BOOL, _NULL, _MERGE = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:merge"
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


_INT_TEXT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT_TEXT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
                         r"|\.(?:nan|NaN|NAN)")
_BOOL_TEXT = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL_TEXT = ("", "~", "null", "Null", "NULL")
#: the plain scalars that are not text, by the YAML 1.2 core schema (and ``<<``, the merge key)
_TYPED = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in (
    ("bool", "|".join(_BOOL_TEXT)), ("int", _INT_TEXT.pattern), ("float", _FLOAT_TEXT.pattern),
    ("null", "|".join(_NULL_TEXT)), ("merge", "<<"))))
_TAG_OF = {"bool": _BOOL, "int": _INT, "float": _FLOAT, "null": _NULL, "merge": _MERGE}


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader (libyaml's parser when PyYAML has it) with the YAML 1.2 core
    schema's tags. Only its composer is used (``get_single_node``)."""

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        """The tag of a node written without one: a plain scalar's by its text (``_TYPED``),
        any other scalar is text; a list or mapping by its kind."""
        if kind is ScalarNode:
            typed = _TYPED.fullmatch(value) if implicit[0] else None
            return _STR if typed is None else _TAG_OF[typed.lastgroup]  # type: ignore[index]
        return _SEQ if kind is SequenceNode else _MAP


def _to_int(text: str) -> int:
    if _INT_TEXT.fullmatch(text) is None:
        raise ValueError(f"'{text}' is not an integer")
    if text.startswith(("0x", "0o")):
        return int(text[2:], 16 if text[1] == "x" else 8)
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        raise ValueError(f"an integer of {len(text):,} digits is too long; quote it to keep it as text") from None


def _to_float(text: str) -> float:
    if _FLOAT_TEXT.fullmatch(text) is None:
        raise ValueError(f"'{text}' is not a number")
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    return float("nan") if lowered == ".nan" else float(text)


def _to_bool(text: str) -> bool:
    if text not in _BOOL_TEXT:
        raise ValueError(f"'{text}' is not true or false")
    return _BOOL_TEXT[text]


def _to_null(text: str) -> None:
    if text not in _NULL_TEXT:
        raise ValueError(f"'{text}' is not null")


#: a scalar's value by its tag (implicit from the text, or written: ``!!int "12"``)
_SCALARS: dict[str, Callable[[str], Any]] = {
    _STR: str, _INT: _to_int, _FLOAT: _to_float, _BOOL: _to_bool, _NULL: _to_null,
    _MERGE: str,  # ``<<`` is a merge key only as a key; as a value it is the text
}
_TAGS = "!!str, !!int, !!float, !!bool, !!null, !!seq, !!map"


class _Invalid(Exception):
    """A node the builder cannot turn into a spec value: what is wrong, where, and a hint."""

    def __init__(self, location: Location, problem: str, hint: str | None = None) -> None:
        super().__init__(problem)
        self.location, self.problem, self.hint = location, problem, hint


class _Builder:
    """Turns a composed node tree into plain data, recording locations and repeated keys."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.locations: dict[Path, Location] = {}
        self.problems: list[SpecValidationError] = []
        self._seen: set[int] = set()  # nodes built once: a second visit comes through an alias
        self._open: set[int] = set()  # the collections being built (an alias to one is a loop)
        self._reported: set[int] = set()  # repeated keys reported (a mapping may be built again)
        self._expanded = 0  # values reached through aliases and merge keys

    def where(self, node: Node) -> Location:
        mark = node.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)

    def build(self, node: Node, path: Path) -> Any:
        """The value of ``node``, found at ``path``. Records the locations of what it holds (a
        mapping entry's at its key, a list item's at the item); ``path``'s own is the caller's."""
        if id(node) in self._seen:
            self._count(node)
        else:
            self._seen.add(id(node))
        if len(path) > MAX_DEPTH:
            raise _Invalid(self.where(node), _TOO_DEEP)
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        self._enter(node)
        try:
            if isinstance(node, SequenceNode) and node.tag == _SEQ:
                return self._sequence(node, path)
            if isinstance(node, MappingNode) and node.tag == _MAP:
                return self._mapping(node, path)
            raise self._bad_tag(node)
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: ScalarNode) -> Any:
        construct = _SCALARS.get(node.tag)
        if construct is None:
            raise self._bad_tag(node)
        try:
            return construct(node.value)
        except ValueError as exc:
            raise _Invalid(self.where(node), str(exc)) from None

    def _sequence(self, node: SequenceNode, path: Path) -> list[Any]:
        out = []
        for index, item in enumerate(node.value):
            at = path + (index,)
            self.locations[at] = self.where(item)
            out.append(self.build(item, at))
        return out

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        entries: list[tuple[str, Location, Node]] = []
        first: dict[str, Location] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            key, where = self._key(key_node), self.where(key_node)
            if key not in first:
                first[key] = where
            elif id(key_node) not in self._reported:  # (reported once if the mapping is built again)
                self._reported.add(id(key_node))
                self.problems.append(SpecValidationError(
                    f"key '{key}' appears twice in one mapping (first at {first[key]}); keep only one",
                    location=where))
            entries.append((key, where, value_node))
        out: dict[str, Any] = {}
        for key, (key_node, value_node) in self._merged(merges).items():
            if key not in first:  # the mapping's own keys win
                at = path + (key,)
                self.locations[at] = self.where(key_node)
                out[key] = self.build(value_node, at)
        for key, where, value_node in entries:  # a repeated key: the last wins
            at = path + (key,)
            self.locations[at] = where
            out[key] = self.build(value_node, at)
        return out

    def _merged(self, values: list[Node]) -> dict[str, tuple[Node, Node]]:
        """What merge keys with these values bring in: key -> (key node, value node). Of several
        mappings merged, the first wins; a merged mapping's own keys win over what it merges."""
        out: dict[str, tuple[Node, Node]] = {}
        for value in values:
            for source in value.value if isinstance(value, SequenceNode) else [value]:
                if not isinstance(source, MappingNode):
                    raise _Invalid(self.where(source), "a merge key (<<) takes a mapping or a list of mappings",
                                   hint="e.g. '<<: *defaults' or '<<: [*base, *extra]'")
                self._enter(source)
                try:
                    own = [(self._key(k), (k, v)) for k, v in source.value if k.tag != _MERGE]
                    inner = self._merged([v for k, v in source.value if k.tag == _MERGE])
                    for key, pair in [*own, *inner.items()]:
                        self._count(source)
                        out.setdefault(key, pair)
                finally:
                    self._open.discard(id(source))
        return out

    def _key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise _Invalid(self.where(node), "a mapping key must be a plain value (text or number), "
                                             "not a list or mapping")
        return node.value

    def _enter(self, node: Node) -> None:
        if id(node) in self._open:
            raise _Invalid(self.where(node), "an alias refers to a node that contains it")
        self._open.add(id(node))

    def _count(self, node: Node) -> None:
        self._expanded += 1
        if self._expanded > MAX_ALIAS_VALUES:
            raise _Invalid(self.where(node), f"aliases expand to more than {MAX_ALIAS_VALUES:,} values "
                                             "(aliases referring to aliases?); specs are limited to that")

    def _bad_tag(self, node: Node) -> _Invalid:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!", 1)
        return _Invalid(self.where(node), f"the tag '{tag}' is not supported",
                        hint=f"spec values are text, numbers, true/false, null, lists and mappings; "
                             f"the tags allowed are {_TAGS}")


# -- errors ----------------------------------------------------------------------------------------

_TOO_DEEP = f"values are nested more than {MAX_DEPTH} levels deep; specs are limited to that"

#: (what PyYAML or libyaml says, what we say, hint): the first whose needle is found
_PLAIN: tuple[tuple[str, str, str | None], ...] = (
    ("expected <block end>", "bad indentation: this line does not line up with the lines above it", None),
    ("did not find expected key", "bad indentation: this line does not line up with the lines above it", None),
    ("did not find expected '-' indicator", "bad indentation: this line does not line up with the lines above it",
     None),
    ("but found another document", "more than one YAML document ('---') in one file",
     "put each document in its own file"),
    ("mapping values are not allowed", "unexpected ':' (mapping values are not allowed here)",
     "quote a value that contains ': ', or check the indentation of this key"),
    ("found undefined alias", "an alias (*name) refers to an anchor (&name) that is not defined", None),
    ("exceeded maximum nesting depth", _TOO_DEEP, None),
)
#: the parsers' jargon, in words
_WORDS = (("did not find expected node content", "expected a value"), ("did not find expected", "expected"),
          ("<stream end>", "the end of the file"), ("end of stream", "end of the file"),
          ("<block end>", "the end of the block"), ("node content", "value"))


def _syntax_error(file: str, text: str, exc: yaml.MarkedYAMLError) -> SpecSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem, hint = _plain(exc.problem or exc.context or "not valid YAML", _char_at(text, mark))
    context = exc.context if exc.problem else None
    at = exc.context_mark
    if context and at is not None and (at.line, at.column) != (line - 1, column - 1):
        problem += f" ({_plain(context, '')[0]} at line {at.line + 1})"
    return _error(file, Location(file, line, column), problem, hint)


def _plain(problem: str, char: str) -> tuple[str, str | None]:
    """The parser's wording, translated where it is jargon; and a hint when one helps. ``char``
    is the character the problem points at."""
    if "cannot start any token" in problem:
        if char == "\t":
            return "a tab character where indentation was expected", "YAML indentation must use spaces, not tabs"
        return f"a value cannot start with {char!r}", f"quote the value: '{char}...'"
    for needle, text, hint in _PLAIN:
        if needle in problem:
            return text, hint
    for jargon, words in _WORDS:
        problem = problem.replace(jargon, words)
    return problem, None


def _char_at(text: str, mark: Any) -> str:
    """The character at ``mark`` (a line and column: libyaml counts bytes in ``index``)."""
    if mark is None:
        return ""
    lines = text.split("\n", mark.line + 1)
    return lines[mark.line][mark.column:mark.column + 1] if mark.line < len(lines) else ""


def _reader_error(file: str, text: str, exc: yaml.reader.ReaderError) -> SpecSyntaxError:
    """A character YAML does not allow (a control character, say): PyYAML names it, and where
    it first occurs is where reading stopped."""
    at = max(text.find(chr(exc.character)), 0)
    line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
    return _error(file, Location(file, line, column), f"the character U+{exc.character:04X} is not allowed in YAML",
                  hint=f'remove it, or write it as "\\u{exc.character:04X}" in a double-quoted string')


def _error(file: str, location: Location, problem: str, hint: str | None = None) -> SpecSyntaxError:
    err = SpecSyntaxError(f"{file}:{location.line}:{location.column}: invalid YAML: {problem}", hint=hint)
    err.location = location
    return err
