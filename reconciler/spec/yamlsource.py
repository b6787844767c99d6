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
  then the first mapping merged) work; each alias gives its own copy of the value. What aliases
  bring in is limited to ``MAX_ALIAS_VALUES`` values (a small file can expand exponentially:
  "billion laughs"), and values may nest ``MAX_DEPTH`` levels deep.
- ``Document.locations`` maps every path (mapping keys and list indexes from the root) to the
  line and column where it was written: the key of a mapping entry, the item of a list; below
  an alias, where the anchored values were written. ``Document.location_of`` gives a ``Location``.
- A key repeated in one mapping is a problem returned with both lines, not an error: the last
  one wins.
- Text that is not YAML raises ``SpecSyntaxError`` naming ``file:line:column``, in words a user
  can act on; never a traceback.

The reader is PyYAML's parser: libyaml's through ``yaml.CSafeLoader`` when PyYAML was built with
libyaml, else the pure-Python ``yaml.SafeLoader`` (the same events, with the same marks).
``_Builder`` turns its events into plain data in one pass, keeping each node's line and column.
It reads the events rather than PyYAML's composed node tree: the tree holds a node and two
marks for every value until the whole file is composed, which costs more than building the
values and keeps the cyclic collector walking it; here an anchor is an entry in a dictionary.

Not ruamel.yaml: it would be a second YAML dependency, its YAML 1.2 typing lives in its
pure-Python loaders (its C loader types scalars as YAML 1.1 does), and its line numbers come
attached to its own container types, which we would convert anyway.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (AliasEvent, DocumentStartEvent, Event, MappingEndEvent, MappingStartEvent, NodeEvent,
                         ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent)

from reconciler.errors import Location, SpecSyntaxError, SpecValidationError

Path = tuple[Any, ...]
#: (line, column), both from 1, in a known file
Position = tuple[int, int]

#: at most this many values reached through aliases in one document
MAX_ALIAS_VALUES = 100_000
#: at most this deep
MAX_DEPTH = 200


@dataclass(frozen=True)
class Document:
    """One parsed file: ``data`` (plain dicts/lists/scalars) and where each node came from.

    ``locations`` maps a path from the document root (mapping keys and list indexes) to the
    position in ``file`` of the mapping key (for mapping entries) or of the item (for list
    items); ``()`` is the document's first node.
    """

    file: str
    data: Any
    locations: Mapping[Path, Position]

    def location_of(self, path: Path) -> Location:
        """The location of ``path``, or of its nearest recorded ancestor."""
        for end in range(len(path), -1, -1):
            at = self.locations.get(tuple(path[:end]))
            if at is not None:
                return Location(self.file, *at)
        return Location(self.file, 1)


#: PyYAML's parser: libyaml's when PyYAML was built with it (only its events are used)
_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    except _Invalid as exc:
        raise _error(file, exc.location, exc.problem, exc.hint) from None


def _read(file: str, text: str) -> tuple[Document, list[SpecValidationError]]:
    parser = _Parser(text)
    try:
        builder = _Builder(file, parser.get_event)
        data = builder.document()
    finally:
        parser.dispose()
    return Document(file, data, builder.locations), builder.problems


# -- scalars ---------------------------------------------------------------------------------------

_STR, _INT, _FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_BOOL, _NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"

_INT_TEXT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT_TEXT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
                         r"|\.(?:nan|NaN|NAN)")
_BOOL_TEXT = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL_TEXT = ("", "~", "null", "Null", "NULL")
#: the plain scalars that are not text, by the YAML 1.2 core schema
_TYPED = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in (
    ("bool", "|".join(_BOOL_TEXT)), ("int", _INT_TEXT.pattern), ("float", _FLOAT_TEXT.pattern),
    ("null", "|".join(_NULL_TEXT)))))
_TAG_OF = {"bool": _BOOL, "int": _INT, "float": _FLOAT, "null": _NULL}


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


#: a scalar's value by its tag (from its text, or written: ``!!int "12"``)
_SCALARS: dict[str, Callable[[str], Any]] = {_STR: str, _INT: _to_int, _FLOAT: _to_float, _BOOL: _to_bool,
                                             _NULL: _to_null}
_TAGS = "!!str, !!int, !!float, !!bool, !!null, !!seq, !!map"


# -- the builder -----------------------------------------------------------------------------------

class _Invalid(Exception):
    """Something the builder cannot turn into a spec value: what is wrong, where, and a hint."""

    def __init__(self, location: Location, problem: str, hint: str | None = None) -> None:
        super().__init__(problem)
        self.location, self.problem, self.hint = location, problem, hint


@dataclass
class _Anchor:
    """An anchored value (``&name``) and the locations under it, relative to it."""

    depth: int  # the length of its path
    records: list[tuple[Path, Position]] = field(default_factory=list)
    value: Any = None
    text: str | None = None  # a scalar's text (an alias may be a key)
    done: bool = False  # (an alias inside it would be a loop)


#: what merge keys bring into a mapping: key -> (value, its locations relative to the mapping)
_Merged = dict[str, tuple[Any, list[tuple[Path, Position]]]]


class _Builder:
    """Turns the parser's events into plain data, recording locations and repeated keys."""

    def __init__(self, file: str, next_event: Callable[[], Event]) -> None:
        self.file = file
        self.next = next_event  # (the parser's get_event)
        self.locations: dict[Path, Position] = {}
        self.problems: list[SpecValidationError] = []
        self._anchors: dict[str, _Anchor] = {}
        self._recording: list[_Anchor] = []  # the anchored values being read
        self._expanded = 0  # values reached through aliases

    def position(self, event: Event) -> Position:
        mark = event.start_mark
        return mark.line + 1, mark.column + 1

    def where(self, event: Event) -> Location:
        return Location(self.file, *self.position(event))

    def record(self, path: Path, position: Position) -> None:
        """``path`` was written at ``position`` (also for the anchored values being read)."""
        self.locations[path] = position
        for anchor in self._recording:
            anchor.records.append((path[anchor.depth:], position))

    def document(self) -> Any:
        """The one document's value (None for an empty file)."""
        self.next()  # the stream's start
        if isinstance(self.next(), StreamEndEvent):
            self.locations[()] = (1, 0)
            return None
        event = self.next()
        self.locations[()] = self.position(event)
        data = self.value(event, ())
        self.next()  # the document's end
        event = self.next()
        if isinstance(event, DocumentStartEvent):
            raise _Invalid(self.where(event), "more than one YAML document ('---') in one file",
                           hint="put each document in its own file")
        return data

    def value(self, event: NodeEvent, path: Path) -> Any:
        """The value that starts with ``event``, found at ``path``. Records the locations of what
        it holds (a mapping entry's at its key, a list item's at the item); ``path``'s own is
        the caller's."""
        if len(path) > MAX_DEPTH:
            raise _Invalid(self.where(event), _TOO_DEEP)
        if isinstance(event, AliasEvent):
            return self._alias(event, path)
        anchor = None
        if event.anchor is not None:
            anchor = self._anchors[event.anchor] = _Anchor(len(path))
            self._recording.append(anchor)
        if isinstance(event, ScalarEvent):
            value = self._scalar(event)
        elif isinstance(event, SequenceStartEvent):
            value = self._sequence(event, path)
        else:
            value = self._mapping(event, path)
        if anchor is not None:
            self._recording.pop()
            anchor.value, anchor.done = value, True
            anchor.text = event.value if isinstance(event, ScalarEvent) else None
        return value

    def _scalar(self, event: ScalarEvent) -> Any:
        tag = event.tag
        if tag is None or tag == "!":  # no tag: a plain scalar's type is its text's
            typed = _TYPED.fullmatch(event.value) if event.implicit[0] else None
            tag = _STR if typed is None else _TAG_OF[typed.lastgroup]  # type: ignore[index]
        construct = _SCALARS.get(tag)
        if construct is None:
            raise self._bad_tag(event, tag)
        try:
            return construct(event.value)
        except ValueError as exc:
            raise _Invalid(self.where(event), str(exc)) from None

    def _sequence(self, event: SequenceStartEvent, path: Path) -> list[Any]:
        if event.tag not in (None, "!", _SEQ):
            raise self._bad_tag(event, event.tag)
        out: list[Any] = []
        while not isinstance(event := self.next(), SequenceEndEvent):
            at = path + (len(out),)
            self.record(at, self.position(event))
            out.append(self.value(event, at))
        return out

    def _mapping(self, event: MappingStartEvent, path: Path) -> dict[str, Any]:
        if event.tag not in (None, "!", _MAP):
            raise self._bad_tag(event, event.tag)
        out: dict[str, Any] = {}
        first: dict[str, Position] = {}
        merged: _Merged = {}
        while not isinstance(event := self.next(), MappingEndEvent):
            where = self.position(event)
            if isinstance(event, ScalarEvent) and event.value == "<<" and event.tag is None and event.implicit[0]:
                self._merge(self.next(), path, merged)
                continue
            key = self._key(event)
            if key not in first:
                first[key] = where
            else:
                self.problems.append(SpecValidationError(
                    f"key '{key}' appears twice in one mapping (first at {self.file}:{first[key][0]}); "
                    "keep only one", location=Location(self.file, *where)))
            at = path + (key,)
            self.record(at, where)
            out[key] = self.value(self.next(), at)  # a repeated key: the last wins
        if not merged:
            return out
        own, out = out, {}
        for key, (value, records) in merged.items():
            if key not in own:  # the mapping's own keys win
                for relative, position in records:
                    self.record(path + relative, position)
                out[key] = value
        out.update(own)
        return out

    def _merge(self, event: NodeEvent, path: Path, merged: _Merged) -> None:
        """Adds to ``merged`` what a merge key (``<<``) whose value starts with ``event`` brings
        in: key -> (value, its locations relative to ``path``); the first mapping merged wins."""
        saved = self._recording, self.locations
        capture = _Anchor(len(path))  # the value's locations: recorded later, for the keys taken
        self._recording, self.locations = [capture], {}
        try:
            value = self.value(event, path)
        finally:
            self._recording, self.locations = saved
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(source, dict) for source in sources):
            raise _Invalid(self.where(event), "a merge key (<<) takes a mapping or a list of mappings",
                           hint="e.g. '<<: *defaults' or '<<: [*base, *extra]'")
        under: dict[tuple[int, str], list[tuple[Path, Position]]] = {}  # (source, key) -> locations
        for relative, position in capture.records:
            index, relative = (relative[0], relative[1:]) if isinstance(value, list) else (0, relative)
            if relative:
                under.setdefault((index, relative[0]), []).append((relative, position))
        for index, source in enumerate(sources):
            for key, item in source.items():
                if key not in merged:
                    merged[key] = (item, under.get((index, key), []))

    def _alias(self, event: AliasEvent, path: Path) -> Any:
        anchor = self._anchor(event)
        self._expanded += 1 + len(anchor.records)
        if self._expanded > MAX_ALIAS_VALUES:
            raise _Invalid(self.where(event), f"aliases expand to more than {MAX_ALIAS_VALUES:,} values "
                                              "(aliases referring to aliases?); specs are limited to that")
        if len(path) + max((len(relative) for relative, _ in anchor.records), default=0) > MAX_DEPTH:
            raise _Invalid(self.where(event), _TOO_DEEP)
        for relative, position in anchor.records:
            self.record(path + relative, position)
        return copy.deepcopy(anchor.value)

    def _anchor(self, event: AliasEvent) -> _Anchor:
        anchor = self._anchors.get(event.anchor)
        if anchor is None:
            raise _Invalid(self.where(event), f"the alias *{event.anchor} refers to no anchor",
                           hint=f"an alias refers to an anchor written before it (&{event.anchor})")
        if not anchor.done:
            raise _Invalid(self.where(event), "an alias refers to a node that contains it")
        return anchor

    def _key(self, event: Event) -> str:
        if isinstance(event, ScalarEvent):
            if event.anchor is not None:
                self._anchors[event.anchor] = _Anchor(0, value=self._scalar(event), text=event.value, done=True)
            return event.value
        if isinstance(event, AliasEvent) and (text := self._anchor(event).text) is not None:
            return text
        raise _Invalid(self.where(event), "a mapping key must be a plain value (text or number), "
                                          "not a list or mapping")

    def _bad_tag(self, event: Event, tag: str) -> _Invalid:
        tag = tag.replace("tag:yaml.org,2002:", "!!", 1)
        return _Invalid(self.where(event), f"the tag '{tag}' is not supported",
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
    ("mapping values are not allowed", "unexpected ':' (mapping values are not allowed here)",
     "quote a value that contains ': ', or check the indentation of this key"),
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
