"""A pure-Python fast path for the common subset of block YAML that spec files are written in.

``parse_block(file, text)`` returns ``(data, locations, problems)`` EXACTLY as
``yamlsource.parse_document`` computes them through libyaml and ``_Builder`` (same values and
types, same ``Location`` for every path, same duplicate-key problems in the same order), or
``None`` when the text is outside the subset; the caller then takes the libyaml path, which also
reports every syntax error. This function never raises for bad input: it declines.

``parse_block(file, text, depth=d)`` records only the locations of paths at most ``d`` long
(a third of the work is recording them): the same data, those locations, the same problems; it
declines when a key is repeated deeper than ``d`` (the full parse reports it with its location).

The subset, one line at a time (indentation by spaces only):

- block mappings (``key: value``, ``key:`` followed by a more-indented block, or by a block
  sequence at the key's own indent) and block sequences (``- value``, ``- key: value`` compact
  mappings continued at the column of ``key``, ``-`` followed by a more-indented block);
- one-line scalars: plain (YAML 1.2 core typing, as in yamlsource), single-quoted, and
  double-quoted without backslashes; keys are plain or quoted scalars, kept as written;
- ``[]``, ``{}`` and one-line flow sequences of such scalars (``[a, "b c", 3]``);
- full-line and trailing comments, blank lines; duplicate keys (reported, the last one wins).

It declines on anything else: multi-line scalars, block scalars (``|``, ``>``), anchors,
aliases, tags, explicit keys (``?``), merge keys (``<<``), nested or multi-line flow
collections, flow mappings with content, ``---``/``...``/``%`` lines, tabs, CR, a BOM,
non-printable characters, root scalars, empty documents, more than 50 levels of nesting.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.errors import Location, SpecValidationError

Path = tuple[Any, ...]
Result = tuple[Any, dict[Path, Location], list[SpecValidationError]]

#: deeper than this many levels of blocks: decline (yamlsource allows MAX_DEPTH = 200)
MAX_BLOCK_DEPTH = 50
_new_tuple = tuple.__new__

#: anything that is not ``\n`` or a printable character libyaml reads as one (no tab, CR, BOM,
#: NEL or Unicode line/paragraph separators)
_BAD_CHAR = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_BAD_ASCII = re.compile("[^\n\x20-\x7e]")

# A plain scalar in block context: it cannot start with an indicator (except ``-?:`` before a
# non-space); ``#`` after a space starts a comment, ``:`` before a space (or the end) ends it.
_WORD_REST = r"[^ :\n]*+(?::(?=[^ \n])[^ :\n]*+)*+"
_PLAIN = (r"(?:[^ \n\-?:,\[\]{}#&*!|>'\"%@`]|[-?:](?=[^ \n]))" + _WORD_REST
          + r"(?: +(?:[^ :#\n]|:(?=[^ \n]))" + _WORD_REST + r")*+")
_SINGLE = r"'(?:[^'\n]|'')*+'"
_DOUBLE = r'"[^"\\\n]*+"'
# A plain scalar inside a flow sequence: no ``:``, ``#``, ``?`` or flow indicators at all.
_FLOW_PLAIN = r"(?:[^ \n\-?:,\[\]{}#&*!|>'\"%@`]|-(?=[^ \n,\[\]{}#:?]))[^\n,\[\]{}#:?]*+"
_FLOW_ITEM = f"(?:{_FLOW_PLAIN}|{_SINGLE}|{_DOUBLE})"
_FLOW_SEQ = rf"\[ *(?:{_FLOW_ITEM} *(?:, *{_FLOW_ITEM} *)*)?\]"

#: one line: (indent) (dash and the spaces after it) (key, raw) (value, raw), then a comment
_LINE = re.compile(
    r"( *)(- +|-$)?"
    rf"(?:({_PLAIN}|{_SINGLE}|{_DOUBLE}) *:(?: +|$))?"
    rf"({_PLAIN}|{_SINGLE}|{_DOUBLE}|{_FLOW_SEQ}|\{{ *\}})?"
    r" *(?:(?<![^ ])#.*)?$"
)
_FLOW_ITEMS = re.compile(_FLOW_ITEM)

_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
#: plain scalars that are not text, by their exact spelling (yamlsource's resolvers)
_CONSTANTS: dict[str, Any] = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(("~", "null", "Null", "NULL"), None),
    **{sign + dot: float(sign + "inf") for sign in ("", "+", "-") for dot in (".inf", ".Inf", ".INF")},
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
}
#: first characters of values that may need more than "the text as written"
_SPECIAL_FIRST = frozenset("'\"[{tTfF~nN<-+.0123456789")
#: first characters of keys that are not the text as written (quoted) or that decline (``<<``)
_ODD_KEY_FIRST = frozenset("'\"<")
_DECLINE = object()
_MISSING = object()


def _plain(text: str) -> Any:
    """A plain scalar's value (YAML 1.2 core, as yamlsource resolves it); ``_DECLINE`` for ``<<``
    and for decimal ints too long for ``int()``."""
    value = _CONSTANTS.get(text, _MISSING)
    if value is not _MISSING:
        return value
    if _INT.fullmatch(text):
        if text.startswith("0x"):
            return int(text[2:], 16)
        if text.startswith("0o"):
            return int(text[2:], 8)
        # past Python's digit limit (at least 640) int() raises, and so does yamlsource: decline
        return int(text, 10) if len(text) < 600 else _DECLINE
    if _FLOAT.fullmatch(text):
        return float(text)
    return _DECLINE if text == "<<" else text


def _scalar(raw: str) -> Any:
    """A one-line scalar as matched by ``_LINE``: quoted (always text) or plain."""
    first = raw[0]
    if first == "'":
        return raw[1:-1].replace("''", "'")
    if first == '"':
        return raw[1:-1]
    return _plain(raw)


def _value(raw: str, file: str, line: int, column: int, path: Path | None, locations: dict[Path, Location],
           depth: int) -> Any:
    """A value whose first character is in ``_SPECIAL_FIRST``; ``column`` is where it starts
    (0-based), for the locations of flow sequence items (kept if their paths are at most
    ``depth`` long; ``path`` is None where the value's own location is not kept)."""
    first = raw[0]
    if first == "{":
        return {}
    if first != "[":
        return _scalar(raw)
    items = []
    if path is not None and len(path) >= depth:
        path = None
    for match in _FLOW_ITEMS.finditer(raw):
        item = _scalar(match.group().rstrip(" "))
        if item is _DECLINE:
            return _DECLINE
        if path is not None:
            locations[path + (len(items),)] = _new_tuple(Location, (file, line, column + match.start() + 1))
        items.append(item)
    return items


def parse_block(file: str, text: str, *, depth: int | None = None) -> Result | None:
    """``(data, locations, problems)`` of ``text`` exactly as yamlsource builds them, or ``None``
    when ``text`` is outside the subset this module reads (see the module docstring). With
    ``depth``, ``locations`` holds only the paths at most that long."""
    if (_BAD_ASCII if text.isascii() else _BAD_CHAR).search(text) is not None:
        return None
    if text.startswith(("---", "...")) or "\n---" in text or "\n..." in text:
        return None
    return _parse(file, text, MAX_BLOCK_DEPTH + 1 if depth is None else max(0, depth))


def _parse(file: str, text: str, depth: int) -> Result | None:
    """The line loop. A frame is ``[indent, is_sequence, container, path, serial, record]``; the
    value of the last ``key:`` or ``-`` without a value stays pending until the next content line
    says whether a nested block follows. The root is the pending value of a virtual frame.
    ``record``: the locations of the container's entries are kept (their paths are at most
    ``depth`` long); where they are not, paths are not built either (``None``)."""
    locations: dict[Path, Location] = {}
    problems: list[tuple[int, SpecValidationError]] = []
    firsts: dict[tuple[int, str], Location] = {}  # (mapping serial, key) -> first location, for duplicates
    holder: list[Any] = [None]
    stack: list[list[Any]] = [[-1, True, holder, (), 0, True]]
    indent, is_seq, cont, path, serial, record = -1, True, holder, (), 0, True
    serials = 0
    # the pending value: its container, slot and path; for sequence items and the root (whose
    # locations are where their node starts) ``p_empty``, the location of an empty item
    pending, p_cont, p_slot, p_path = True, holder, 0, ()
    p_empty: Location | None = _new_tuple(Location, (file, 1, 1))
    special, match, new, loc_cls, odd_key = _SPECIAL_FIRST, _LINE.match, _new_tuple, Location, _ODD_KEY_FIRST
    for lineno, line in enumerate(text.split("\n"), 1):
        m = match(line)
        if m is None:
            return None
        if m.lastindex == 1:  # blank or comment only
            continue
        ind, dash, key, raw = m.groups()
        col = len(ind)
        if pending:
            pending = False
            if col > indent or (col == indent and dash is not None and not is_seq):
                if dash is not None:  # a nested block sequence (same indent allowed under a key)
                    child: Any = []
                    is_seq = True
                elif key is not None:
                    child = {}
                    is_seq = False
                    serials += 1
                else:  # a scalar on the next line (possibly multi-line): not in the subset
                    return None
                p_cont[p_slot] = child
                if p_empty is not None:
                    locations[p_path] = new(loc_cls, (file, lineno, col + 1))
                indent, cont, path, serial = col, child, p_path, serials
                record = path is not None and len(path) < depth
                stack.append([indent, is_seq, cont, path, serial, record])
                if len(stack) > MAX_BLOCK_DEPTH:
                    return None
            elif p_empty is not None:  # an empty item (or an empty document)
                if not p_path:
                    return None
                locations[p_path] = p_empty
        while col < indent or (col == indent and is_seq and dash is None):
            stack.pop()
            indent, is_seq, cont, path, serial, record = stack[-1]
        if col != indent:
            return None
        if dash is not None:
            if not is_seq:
                return None
            at = path + (len(cont),) if record else None
            col += len(dash)
            if key is None:
                if raw is None:  # '-' alone: a nested block or an empty item follows
                    cont.append(None)
                    pending, p_cont, p_slot, p_path = True, cont, len(cont) - 1, at
                    p_empty = new(loc_cls, (file, lineno, col - len(dash) + 2)) if record else None
                    continue
                if record:
                    locations[at] = new(loc_cls, (file, lineno, col + 1))
                if raw[0] in special:
                    value = _value(raw, file, lineno, col, at, locations, depth)
                    if value is _DECLINE:
                        return None
                    cont.append(value)
                else:
                    cont.append(raw)
                continue
            child = {}  # '- key: ...': a compact mapping starts at the key
            cont.append(child)
            if record:
                locations[at] = new(loc_cls, (file, lineno, col + 1))
            serials += 1
            indent, is_seq, cont, path, serial = col, False, child, at, serials
            record = at is not None and len(at) < depth
            stack.append([indent, is_seq, cont, path, serial, record])
            if len(stack) > MAX_BLOCK_DEPTH:
                return None
        elif key is None or is_seq:
            return None
        # key: value, in the mapping ``cont``
        if key[0] in odd_key:
            if key == "<<":
                return None
            key = _scalar(key)
        if len(line) > 1000 and m.end(3) > 1000:  # libyaml: a key is at most 1024 characters long
            return None
        if record:
            at = path + (key,)
            where = new(loc_cls, (file, lineno, col + 1))
            if key in cont:
                seen = firsts.setdefault((serial, key), locations[at])
                problems.append((serial, SpecValidationError(
                    f"key '{key}' appears twice in one mapping (first at {seen}); keep only one", location=where)))
            locations[at] = where
        elif key in cont:  # a repeated key reported where its locations are not kept: the full parse does
            return None
        else:
            at = None
        if raw is None:
            cont[key] = None
            pending, p_cont, p_slot, p_path, p_empty = True, cont, key, at, None
        elif raw[0] in special:
            value = _value(raw, file, lineno, m.start(4), at, locations, depth)
            if value is _DECLINE:
                return None
            cont[key] = value
        else:
            cont[key] = raw
    if pending and p_empty is not None:
        if not p_path:  # nothing but comments and blank lines
            return None
        locations[p_path] = p_empty
    problems.sort(key=lambda entry: entry[0])
    return holder[0], locations, [problem for _, problem in problems]
