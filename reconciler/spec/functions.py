"""The functions an expression may call: the standard library of ``${...}``.

Owns: each function's name, signature, one-line description (the README's table is written from
``FUNCTIONS``) and its checks. Every function is a pure function of plain data (strings,
numbers, booleans, null, lists, maps) and gives the same answer on every run; none reaches the
network, the clock or a random source. ``file`` alone reads, and only inside the specs directory.
``try`` and ``can`` take their arguments unevaluated, so ``evaluate`` implements them;
they are listed here for the documentation and the "allowed functions" message.

A wrong argument raises ``ExprError`` naming the function, the argument and what it takes.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from reconciler.spec.expr import ExprError

#: ``file`` reads at most this much (a spec file's own limit)
MAX_FILE_BYTES = 10 * 10**6


@dataclass(frozen=True)
class Function:
    """One library function: ``impl(*args)`` (``impl(root, *args)`` when ``reads_files``)."""

    name: str
    signature: str
    summary: str
    impl: Callable[..., Any] | None
    min_args: int
    max_args: int | None  # None: any number
    reads_files: bool = False


FUNCTIONS: dict[str, Function] = {}


def _fn(signature: str, summary: str, min_args: int, max_args: int | None = -1, *,
        reads_files: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        name = signature.split("(", 1)[0]
        FUNCTIONS[name] = Function(name, signature, summary, impl, min_args,
                                   min_args if max_args == -1 else max_args, reads_files)
        return impl
    return register


# -- describing values ------------------------------------------------------------------------------

def kind(value: Any) -> str:
    """What ``value`` is, in the words of error messages: ``a string ("x")``, ``a list``..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        shown = value if len(value) <= 30 else value[:27] + "..."
        return f"a string ({json.dumps(shown, ensure_ascii=False)})"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return f"a map of {len(value)}"
    return f"a {type(value).__name__}"


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _want(fn: str, position: int, value: Any, check: Callable[[Any], bool], wanted: str) -> Any:
    if not check(value):
        raise ExprError(f"{fn}(): argument {position} must be {wanted}, got {kind(value)}",
                        f"{fn}: {FUNCTIONS[fn].signature}")
    return value


def _str(fn: str, position: int, value: Any) -> str:
    return _want(fn, position, value, lambda v: isinstance(v, str), "a string")


def _list(fn: str, position: int, value: Any) -> list:
    return _want(fn, position, value, lambda v: isinstance(v, (list, tuple)), "a list")


def _map(fn: str, position: int, value: Any) -> dict:
    return _want(fn, position, value, lambda v: isinstance(v, dict), "a map")


def _num(fn: str, position: int, value: Any) -> int | float:
    return _want(fn, position, value, is_number, "a number")


def _int(fn: str, position: int, value: Any) -> int:
    return _want(fn, position, value, lambda v: is_number(v) and float(v).is_integer(), "a whole number")


def text_of(value: Any) -> str:
    """A string, number or boolean as text (what ``${...}`` inside a larger string gives)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ExprError(f"{kind(value)} is not text", "tostring() takes a string, a number or a boolean; "
                    "jsonencode() writes any value as text")


# -- strings ----------------------------------------------------------------------------------------

_VERB = re.compile(r"%(?P<flags>[-+ 0]*)(?P<width>\d+)?(?:\.(?P<precision>\d+))?(?P<verb>[sdfvqxXeb%])|%(?P<bad>.?)")


@_fn("format(spec, values...)", "text with %s %d %f %.2f %v %q %x %% replaced by the values, in order", 1, None)
def _format(spec: Any, *values: Any) -> str:
    _str("format", 1, spec)
    out, queue = [], list(values)

    def substitute(match: re.Match) -> str:
        if match["bad"] is not None:
            raise ExprError(f"format(): '%{match['bad']}' is not a verb; allowed: %s %d %f %.Nf %v %q %x %X %e %b %%")
        verb = match["verb"]
        if verb == "%":
            return "%"
        if not queue:
            raise ExprError(f"format(): {spec!r} needs more values than the {len(values)} given")
        value = queue.pop(0)
        flags, width, precision = match["flags"] or "", match["width"] or "", match["precision"]
        head = f"%{flags}{width}" + (f".{precision}" if precision is not None else "")
        if verb in "dxXb":
            number = _int("format", len(values) - len(queue) + 1, value)
            if verb == "b":
                return format(int(number), f"{flags}{width}b")
            return (head + verb) % int(number)
        if verb in "fe":
            return (head + verb) % _num("format", len(values) - len(queue) + 1, value)
        if verb == "q":
            return json.dumps(text_of(value), ensure_ascii=False)
        if verb == "v" and not isinstance(value, (str, int, float, bool)):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return (head + "s") % text_of(value)

    out.append(_VERB.sub(substitute, spec))
    if queue:
        raise ExprError(f"format(): {spec!r} uses fewer values than the {len(values)} given")
    return "".join(out)


@_fn("upper(text)", "text in upper case", 1)
def _upper(text: Any) -> str:
    return _str("upper", 1, text).upper()


@_fn("lower(text)", "text in lower case", 1)
def _lower(text: Any) -> str:
    return _str("lower", 1, text).lower()


@_fn("title(text)", "text with each word's first letter in upper case", 1)
def _title(text: Any) -> str:
    return re.sub(r"\b[a-z]", lambda m: m[0].upper(), _str("title", 1, text))


@_fn("trimspace(text)", "text without leading and trailing white space", 1)
def _trimspace(text: Any) -> str:
    return _str("trimspace", 1, text).strip()


@_fn("trimprefix(text, prefix)", "text without prefix at its start (if it is there)", 2)
def _trimprefix(text: Any, prefix: Any) -> str:
    return _str("trimprefix", 1, text).removeprefix(_str("trimprefix", 2, prefix))


@_fn("trimsuffix(text, suffix)", "text without suffix at its end (if it is there)", 2)
def _trimsuffix(text: Any, suffix: Any) -> str:
    return _str("trimsuffix", 1, text).removesuffix(_str("trimsuffix", 2, suffix))


@_fn("replace(text, old, new)", "text with every old (a plain substring) replaced by new", 3)
def _replace(text: Any, old: Any, new: Any) -> str:
    return _str("replace", 1, text).replace(_str("replace", 2, old), _str("replace", 3, new))


@_fn("substr(text, offset, length)", "length characters from offset (length -1: to the end)", 3)
def _substr(text: Any, offset: Any, length: Any) -> str:
    s, start, n = _str("substr", 1, text), _int("substr", 2, offset), _int("substr", 3, length)
    start = int(start) if start >= 0 else max(len(s) + int(start), 0)
    return s[start:] if n < 0 else s[start:start + int(n)]


@_fn("startswith(text, prefix)", "whether text starts with prefix", 2)
def _startswith(text: Any, prefix: Any) -> bool:
    return _str("startswith", 1, text).startswith(_str("startswith", 2, prefix))


@_fn("endswith(text, suffix)", "whether text ends with suffix", 2)
def _endswith(text: Any, suffix: Any) -> bool:
    return _str("endswith", 1, text).endswith(_str("endswith", 2, suffix))


@_fn("join(separator, list)", "the list's strings joined with separator", 2)
def _join(separator: Any, items: Any) -> str:
    sep, values = _str("join", 1, separator), _list("join", 2, items)
    return sep.join(text_of(v) if not isinstance(v, (list, dict)) and v is not None
                    else _want("join", 2, items, lambda _: False, "a list of strings") for v in values)


@_fn("split(separator, text)", "text cut at each separator: a list of strings", 2)
def _split(separator: Any, text: Any) -> list[str]:
    sep, s = _str("split", 1, separator), _str("split", 2, text)
    if not sep:
        raise ExprError("split(): the separator must not be empty")
    return s.split(sep) if s else []


@_fn("tostring(value)", "a string, number or boolean as a string", 1)
def _tostring(value: Any) -> str | None:
    return None if value is None else text_of(value)


@_fn("tonumber(value)", "a number, or a string that holds one, as a number", 1)
def _tonumber(value: Any) -> int | float | None:
    if value is None or is_number(value):
        return value
    text = _str("tonumber", 1, value).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        raise ExprError(f"tonumber(): {kind(value)} is not a number") from None
    if not math.isfinite(number):
        raise ExprError(f"tonumber(): {kind(value)} is not a finite number")
    return number


@_fn("tobool(value)", "true / false, or the strings \"true\" / \"false\", as a boolean", 1)
def _tobool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ExprError(f"tobool(): {kind(value)} is not a boolean; allowed: true, false, \"true\", \"false\"")


# -- collections ------------------------------------------------------------------------------------

@_fn("length(value)", "the number of items of a list or map, or characters of a string", 1)
def _length(value: Any) -> int:
    return len(_want("length", 1, value, lambda v: isinstance(v, (str, list, tuple, dict)),
                     "a string, a list or a map"))


@_fn("keys(map)", "the map's keys, sorted", 1)
def _keys(mapping: Any) -> list[str]:
    return sorted(_map("keys", 1, mapping))


@_fn("values(map)", "the map's values, in the order of its sorted keys", 1)
def _values(mapping: Any) -> list[Any]:
    m = _map("values", 1, mapping)
    return [m[k] for k in sorted(m)]


@_fn("contains(list, value)", "whether the list holds value", 2)
def _contains(items: Any, value: Any) -> bool:
    return any(equal(v, value) for v in _list("contains", 1, items))


@_fn("merge(maps...)", "one map with every key of the maps; a later map's value wins", 0, None)
def _merge(*maps: Any) -> dict:
    out: dict = {}
    for i, m in enumerate(maps, 1):
        if m is not None:
            out.update(_map("merge", i, m))
    return out


@_fn("concat(lists...)", "one list with the items of every list, in order", 0, None)
def _concat(*lists: Any) -> list:
    out: list = []
    for i, items in enumerate(lists, 1):
        out.extend(_list("concat", i, items))
    return out


@_fn("lookup(map, key, default)", "the map's value at key, else default (without default: an error)", 2, 3)
def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    m, k = _map("lookup", 1, mapping), _str("lookup", 2, key)
    if k in m:
        return m[k]
    if default:
        return default[0]
    raise ExprError(f"lookup(): the map has no key {k!r}; its keys: {', '.join(sorted(m)) or '(none)'}",
                    "give a default as the third argument")


@_fn("coalesce(values...)", "the first value that is neither null nor an empty string", 1, None)
def _coalesce(*values: Any) -> Any:
    for v in values:
        if v is not None and v != "":
            return v
    raise ExprError("coalesce(): every value is null or empty", "add a last value that is always set")


@_fn("distinct(list)", "the list without repeated items (the first of each kept)", 1)
def _distinct(items: Any) -> list:
    out: list = []
    for v in _list("distinct", 1, items):
        if not any(equal(v, seen) for seen in out):
            out.append(v)
    return out


@_fn("flatten(list)", "a list of lists (at any depth) as one flat list", 1)
def _flatten(items: Any) -> list:
    out: list = []
    for v in _list("flatten", 1, items):
        out.extend(_flatten(v) if isinstance(v, (list, tuple)) else [v])
    return out


@_fn("reverse(list)", "the list in reverse order", 1)
def _reverse(items: Any) -> list:
    return list(reversed(_list("reverse", 1, items)))


@_fn("sort(list)", "a list of strings (or of numbers) sorted", 1)
def _sort(items: Any) -> list:
    values = _list("sort", 1, items)
    if all(isinstance(v, str) for v in values) or all(is_number(v) for v in values):
        return sorted(values)
    raise ExprError("sort(): the list must hold only strings or only numbers")


@_fn("zipmap(keys, values)", "a map from a list of keys and a list of values of the same length", 2)
def _zipmap(keys: Any, values: Any) -> dict:
    ks, vs = _list("zipmap", 1, keys), _list("zipmap", 2, values)
    if len(ks) != len(vs):
        raise ExprError(f"zipmap(): {len(ks)} keys but {len(vs)} values")
    return {_str("zipmap", 1, k): v for k, v in zip(ks, vs)}


@_fn("min(numbers...)", "the smallest number", 1, None)
def _min(*numbers: Any) -> Any:
    return min(_num("min", i, n) for i, n in enumerate(numbers, 1))


@_fn("max(numbers...)", "the largest number", 1, None)
def _max(*numbers: Any) -> Any:
    return max(_num("max", i, n) for i, n in enumerate(numbers, 1))


@_fn("abs(number)", "the number without its sign", 1)
def _abs(number: Any) -> Any:
    return abs(_num("abs", 1, number))


# -- encodings and files ----------------------------------------------------------------------------

@_fn("jsonencode(value)", "value as compact JSON text (map keys in the order written)", 1)
def _jsonencode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


@_fn("jsondecode(text)", "the value JSON text holds", 1)
def _jsondecode(text: Any) -> Any:
    try:
        return json.loads(_str("jsondecode", 1, text))
    except ValueError as exc:
        raise ExprError(f"jsondecode(): not JSON: {exc}") from None


@_fn("yamlencode(value)", "value as block-style YAML text (map keys in the order written)", 1)
def _yamlencode(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True)


@_fn("yamldecode(text)", "the value YAML text holds (one document, plain data)", 1)
def _yamldecode(text: Any) -> Any:
    try:
        return yaml.safe_load(_str("yamldecode", 1, text))
    except yaml.YAMLError as exc:
        raise ExprError(f"yamldecode(): not YAML: {str(exc).splitlines()[0]}") from None


@_fn("base64encode(text)", "text's UTF-8 bytes in base64", 1)
def _base64encode(text: Any) -> str:
    return base64.b64encode(_str("base64encode", 1, text).encode()).decode()


@_fn("base64decode(text)", "the UTF-8 text base64 holds", 1)
def _base64decode(text: Any) -> str:
    try:
        return base64.b64decode(_str("base64decode", 1, text), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ExprError("base64decode(): not base64 of UTF-8 text") from None


@_fn("file(path)", "the UTF-8 text of a file inside the specs directory (path relative to it)", 1, reads_files=True)
def _file(root: Path | None, path: Any) -> str:
    relative = _str("file", 1, path)
    if root is None:
        raise ExprError("file(): the path must be known when the specs load (not from another resource)")
    base = root.resolve()
    target = (base / relative).resolve()
    if Path(relative).is_absolute() or not target.is_relative_to(base):
        raise ExprError(f"file(): {relative!r} is outside the specs directory {root}",
                        "give a path relative to the specs directory, inside it")
    try:
        size = target.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ExprError(f"file(): {relative!r} is larger than {MAX_FILE_BYTES // 10**6} MB")
        return target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExprError(f"file(): no file {relative!r} in the specs directory {root}") from None
    except UnicodeDecodeError:
        raise ExprError(f"file(): {relative!r} is not UTF-8 text") from None
    except OSError as exc:
        raise ExprError(f"file(): cannot read {relative!r}: {exc.strerror or exc}") from None


@_fn("fail(message)", "stops the run with message (in a conditional: a value that must not be chosen)", 1)
def _fail(message: Any) -> Any:
    raise ExprError(text_of(message))


# the two that take their arguments unevaluated (implemented by ``evaluate``)
FUNCTIONS["try"] = Function("try", "try(expressions...)", "the first expression that evaluates without an error",
                            None, 1, None)
FUNCTIONS["can"] = Function("can", "can(expression)", "whether the expression evaluates without an error",
                            None, 1, 1)


def equal(a: Any, b: Any) -> bool:
    """``==`` of the language: plain-data equality where a boolean never equals a number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return a == b


def allowed_names() -> str:
    """The functions, for "unknown function" messages."""
    return ", ".join(sorted(FUNCTIONS))
