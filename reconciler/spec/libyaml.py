"""The PyYAML (libyaml) reader of spec files: what ``blockyaml`` does not read, and every
syntax error, with the clearer messages of PyYAML's pure-Python parser. Imported only when a
file needs it (``yamlsource.parse_document``).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.errors import Location, SpecSyntaxError, SpecValidationError
from reconciler.spec.yamlsource import MAX_ALIAS_VALUES, MAX_DEPTH, Document, Path

_MERGE_TAG = "tag:yaml.org,2002:merge"
#: ``Location`` built without its Python-level ``__new__`` (one per node of every spec file)
_new_tuple = tuple.__new__
_STR_TAG = "tag:yaml.org,2002:str"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_BOOLS = {"true": True, "false": False}


class _Loader(yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """Safe construction with YAML 1.2 core scalar resolution (see module docstring)."""

    yaml_implicit_resolvers: dict = {}


class _PyLoader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _Loader):
    """The pure-Python parser: slower, but its error messages are the clearer ones."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Loader.__init__(self)


if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(yaml.cyaml.CParser, _Loader):
        """libyaml's parser (about 3x faster here), with the same nodes and marks."""

        def __init__(self, stream: str) -> None:
            yaml.cyaml.CParser.__init__(self, stream)
            _Loader.__init__(self)

else:  # pragma: no cover - depends on how PyYAML was built
    _FastLoader = _PyLoader  # type: ignore[misc,assignment]


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_Loader.add_implicit_resolver(_MERGE_TAG, re.compile(r"^(?:<<)$"), ["<"])

_DEFAULT_TAGS = {ScalarNode: _STR_TAG, SequenceNode: "tag:yaml.org,2002:seq", MappingNode: "tag:yaml.org,2002:map"}


def _resolve(self: _Loader, kind: type, value: Any, implicit: Any) -> str:
    """``BaseResolver.resolve`` without path resolvers (none are registered): the parser calls it
    for every node, so the common case (a plain text scalar) is kept to one dict lookup."""
    if kind is ScalarNode and implicit[0]:
        for tag, regexp in self.yaml_implicit_resolvers.get(value[:1] if value else "", ()):
            if regexp.match(value):
                return tag
    return _DEFAULT_TAGS[kind]


def _no_path_resolver(self: _Loader, *args: Any) -> None:
    """No path resolvers are registered: nothing to track while descending."""


_Loader.resolve = _resolve  # type: ignore[method-assign,assignment]
_Loader.descend_resolver = _no_path_resolver  # type: ignore[method-assign]
_Loader.ascend_resolver = _no_path_resolver  # type: ignore[method-assign]


def _construct_int(loader: yaml.SafeLoader, node: ScalarNode) -> int:
    text = loader.construct_scalar(node)
    try:
        if text.startswith("0x"):
            return int(text[2:], 16)
        if text.startswith("0o"):
            return int(text[2:], 8)
        return int(text, 10)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        raise yaml.MarkedYAMLError(problem=f"an integer of {len(text):,} digits is too long; quote it to keep it as "
                                   "text", problem_mark=node.start_mark) from None


def _construct_float(loader: yaml.SafeLoader, node: ScalarNode) -> float:
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def parse_document(file: str, text: str) -> tuple[Document, list[SpecValidationError]]:
    """``yamlsource.parse_document`` through libyaml (any YAML): the document and its non-fatal
    problems, or ``SpecSyntaxError`` with ``file:line:column`` (the pure-Python parser's wording)."""
    try:
        node, builder, data = _parse(file, text, _FastLoader)
    except RecursionError:
        raise _located(SpecSyntaxError(f"{file}: values are nested too deeply to read; specs are limited to "
                                       f"{MAX_DEPTH} levels"), Location(file, 1)) from None
    except yaml.YAMLError as fast_exc:
        try:  # parse again with the parser whose messages are clearer
            _parse(file, text, _PyLoader)
            exc = fast_exc
        except yaml.YAMLError as slow_exc:
            exc = slow_exc
        except RecursionError:
            exc = fast_exc
        if isinstance(exc, yaml.MarkedYAMLError):
            raise _syntax_error(file, exc) from None
        raise _located(SpecSyntaxError(f"{file}: invalid YAML: {exc}"), Location(file, 1)) from None
    return Document(file, data, builder.locations if node is not None else {(): Location(file, 1)}), (
        builder.problems if node is not None else []
    )


def _parse(file: str, text: str, loader_cls: type) -> tuple[Node | None, "_Builder", Any]:
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        builder = _Builder(file, loader)
        return node, builder, (builder.build(node) if node is not None else None)
    finally:
        loader.dispose()


def _syntax_error(file: str, exc: yaml.MarkedYAMLError) -> SpecSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem, hint = _plain(exc.problem or "not valid YAML")
    context = ""
    if exc.context and exc.context_mark and exc.context_mark is not mark:
        context = f" ({_plain(exc.context)[0]} at line {exc.context_mark.line + 1})"
    err = SpecSyntaxError(f"{file}:{line}:{column}: invalid YAML: {problem}{context}", hint=hint)
    return _located(err, Location(file, line, column))


_PLAIN = (
    # (what the parser says, what we say, hint)
    ("expected <block end>", "bad indentation: this line does not line up with the lines above it", None),
    ("but found another document", "more than one YAML document ('---') in one file",
     "put each document in its own file"),
    ("found character '\\t'", "a tab character where indentation was expected",
     "YAML indentation must use spaces, not tabs"),
    ("mapping values are not allowed here", "unexpected ':' (mapping values are not allowed here)",
     "quote a value that contains ': ', or check the indentation of this key"),
    ("found undefined alias", "an alias (*name) refers to an anchor (&name) that is not defined", None),
)


def _plain(problem: str) -> tuple[str, str | None]:
    """The parser's wording, translated where it is jargon; and a hint when one helps."""
    for needle, text, hint in _PLAIN:
        if needle in problem:
            return text, hint
    text = problem.replace("<stream end>", "the end of the file").replace("<block end>", "the end of the block")
    text = text.replace("end of stream", "end of the file")
    return text, None


def _located(err: SpecSyntaxError, location: Location) -> SpecSyntaxError:
    err.location = location
    return err


class _Builder:
    """Turns a composed node tree into plain data, recording locations and duplicate keys."""

    def __init__(self, file: str, loader: _Loader) -> None:
        self.file = file
        self.loader = loader
        self.locations: dict[Path, Location] = {}
        self.problems: list[SpecValidationError] = []
        self._active: set[int] = set()
        self._seen: set[int] = set()  # nodes built once (a second visit comes through an alias)

    def loc(self, node: Node) -> Location:
        mark = node.start_mark
        return _new_tuple(Location, (self.file, mark.line + 1, mark.column + 1))

    def build(self, node: Node, path: Path = ()) -> Any:
        if path == ():
            self.locations[()] = self.loc(node)
        seen = self._seen
        if id(node) in seen:  # reached again through an alias: count what aliases expand to
            self._expanded = getattr(self, "_expanded", 0) + 1
            if self._expanded > MAX_ALIAS_VALUES:  # a small file can expand exponentially (billion laughs)
                raise yaml.MarkedYAMLError(problem=f"aliases expand to more than {MAX_ALIAS_VALUES:,} values "
                                           "(aliases referring to aliases?); specs are limited to that",
                                           problem_mark=node.start_mark)
        else:
            seen.add(id(node))
        if len(path) > MAX_DEPTH:
            raise yaml.MarkedYAMLError(problem=f"values are nested more than {MAX_DEPTH} levels deep; "
                                       "specs are limited to that", problem_mark=node.start_mark)
        if isinstance(node, ScalarNode):
            if node.tag == _STR_TAG:  # most values: the text as written, no constructor needed
                return node.value
            if node.tag == _BOOL_TAG and node.value.lower() in _BOOLS:  # the next most common
                return _BOOLS[node.value.lower()]
            return self.loader.construct_object(node, deep=True)
        if id(node) in self._active:
            raise yaml.MarkedYAMLError(problem="an alias refers to a node that contains it",
                                       problem_mark=node.start_mark)
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                out_list = []
                locations, seen_nodes, file = self.locations, self._seen, self.file
                for index, item in enumerate(node.value):
                    at = path + (index,)
                    mark = item.start_mark
                    locations[at] = _new_tuple(Location, (file, mark.line + 1, mark.column + 1))
                    if item.__class__ is ScalarNode and item.tag == _STR_TAG and id(item) not in seen_nodes:
                        seen_nodes.add(id(item))  # most items: text, reached once
                        out_list.append(item.value)
                    else:
                        out_list.append(self.build(item, at))
                return out_list
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
        finally:
            self._active.discard(id(node))
        return self.loader.construct_object(node, deep=True)  # pragma: no cover - no other node kinds

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        seen: dict[str, Location] = {}
        keys: list[tuple[str, Location]] = []
        merges = False
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                merges = True
                continue
            key = self._key(key_node)
            mark = key_node.start_mark
            where = _new_tuple(Location, (self.file, mark.line + 1, mark.column + 1))
            keys.append((key, where))
            if key in seen:
                self.problems.append(
                    SpecValidationError(
                        f"key '{key}' appears twice in one mapping (first at {seen[key]}); keep only one",
                        location=where,
                    )
                )
            else:
                seen[key] = where
        out: dict[str, Any] = {}
        if not merges:  # the keys are the ones just read: reuse their text and location
            locations, seen_nodes = self.locations, self._seen
            for (key, where), (_, value_node) in zip(keys, node.value):
                at = path + (key,)
                locations[at] = where
                if value_node.__class__ is ScalarNode and value_node.tag == _STR_TAG \
                        and id(value_node) not in seen_nodes:  # most values: text, reached once
                    seen_nodes.add(id(value_node))
                    out[key] = value_node.value
                else:
                    out[key] = self.build(value_node, at)
            return out
        self.loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self._key(key_node)
            self.locations[path + (key,)] = self.loc(key_node)
            out[key] = self.build(value_node, path + (key,))
        return out

    def _key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise yaml.MarkedYAMLError(
                problem="a mapping key must be a plain value (text or number), not a list or mapping",
                problem_mark=node.start_mark,
            )
        return node.value
