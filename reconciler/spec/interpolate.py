"""``${...}`` interpolation: parsing templates, substituting variables / env vars and evaluating
expressions at load time, and resolving resource references later (``resolve``) once their
values are known.

Forms: ``${var.NAME}``, ``${env:NAME}``, ``${<type>.<name>.<attr>[.<sub>...]}`` (read without the
expression parser: most templates are one of these), and any other expression (``expr``:
``${upper(var.stage)}``, ``${local.x}``, ``${each.key}``, ``${a ? b : c}``...); ``$${`` is a literal
``${``. A string that is exactly one ``${...}`` takes the value with its type (list, int...);
``${...}`` inside a larger string is concatenated as text. Mapping keys are never interpolated.

Load time (``substitute``) evaluates everything the specs tell and leaves resource references in
place, with whatever depends on them (``evaluate.Residual``, written back as ``${...}`` text). A
string still holding a reference is in *template form* (literal ``${`` written ``$${``); every
other string is final. ``resolve`` therefore only rewrites strings that hold a reference, and
leaves any other ``${...}`` text alone.
"""

from __future__ import annotations

import copy
import difflib
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from reconciler.addresses import ADDRESS_RE, Address
from reconciler.errors import Location, ReferenceError_
from reconciler.spec.evaluate import Evaluator, Passed, Ref, Residual, Scope, references_in
from reconciler.spec.expr import (Call, ExprError, GetAttr, ListExpr, Lit, MapExpr, Name, Node, parse_expression,
                                  render)
from reconciler.values import Unknown, contains_unknown

Lookup = Callable[[Address, tuple[str, ...]], Any]
AttrPath = tuple[Any, ...]

_ADDR = ADDRESS_RE.pattern.removeprefix("^").removesuffix("$")
_REF_RE = re.compile(rf"^{_ADDR}\.(?P<attr>[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)$")
_VAR_RE = re.compile(r"^var\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)$")
_ENV_RE = re.compile(r"^env:(?P<name>[A-Za-z_][A-Za-z0-9_]*)$")
FORMS = ("${var.NAME}, ${local.NAME}, ${env:NAME}, ${<type>.<name>.<attribute>} or an expression of them "
         "(${upper(var.stage)}, ${var.prod ? \"a\" : \"b\"}; see the README's language reference)")
ESCAPE_HINT = "to write a literal ${...} (e.g. a platform's own variable), write $${...}"


@dataclass(frozen=True)
class Token:
    """One ``${...}``: ``kind`` is ``var`` | ``env`` | ``ref`` (the plain forms, read without the
    expression parser) | ``expr`` (anything else: ``node`` is its tree); ``text`` is as written."""

    kind: str
    text: str
    name: str = ""
    address: Address | None = None
    attr: tuple[str, ...] = ()
    #: an ``expr`` token's tree
    node: Node | None = field(default=None, compare=False)


class TemplateError(ValueError):
    """A ``${...}`` that cannot be parsed; the caller adds where it was."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(message)



def parse(text: str, *, strict: bool = True) -> list[str | Token]:
    """Split ``text`` into literal strings (escapes undone) and tokens.

    ``strict``: a malformed or unknown ``${...}`` raises ``TemplateError``; otherwise it is
    kept as literal text (what ``resolve`` does with final strings). The same templates recur
    (every dataset of a project names its key): each distinct text is parsed once per process.
    """
    return list(_parse(text, strict))


@functools.lru_cache(maxsize=65536)
def _parse(text: str, strict: bool) -> tuple[str | Token, ...]:
    parts: list[str | Token] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        j = text.find("$", i)
        if j < 0:
            buf.append(text[i:])
            break
        buf.append(text[i:j])
        if text.startswith("$${", j):
            buf.append("${")
            i = j + 3
        elif text.startswith("${", j):
            end = _closing(text, j + 2)
            if end < 0 and not strict:
                end = text.find("}", j + 2)
            if end < 0:
                if strict:
                    raise TemplateError(f"unterminated '${{' in {text!r}: expected {FORMS}", ESCAPE_HINT)
                buf.append(text[j:])
                break
            raw = text[j : end + 1]
            token = _token(raw, strict)
            if token is None:
                buf.append(raw)
            else:
                if literal := "".join(buf):
                    parts.append(literal)
                buf = []
                parts.append(token)
            i = end + 1
        else:
            buf.append("$")
            i = j + 1
    if literal := "".join(buf):
        parts.append(literal)
    return tuple(parts)


def _closing(text: str, start: int) -> int:
    """The index of the ``}`` that closes a ``${`` whose inside starts at ``start`` (braces of maps
    and quoted strings inside are skipped), or -1."""
    depth, i, n = 0, start, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            i += 1
            while i < n and text[i] != c:
                i += 2 if text[i] == "\\" else 1
            if i >= n:
                return -1
        elif c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def _token(raw: str, strict: bool) -> Token | None:
    inner = raw[2:-1].strip()
    if m := _REF_RE.match(inner):
        return Token("ref", raw, address=Address(m["type"], m["name"]), attr=tuple(m["attr"].split(".")))
    if not strict:  # (resolve: final strings may hold "${...}" text; only what names a resource counts)
        try:
            node = parse_expression(inner)
        except ExprError:
            return None
        return Token("expr", raw, node=node) if references_in(node) else None
    if m := _VAR_RE.match(inner):
        return Token("var", raw, name=m["name"])
    if m := _ENV_RE.match(inner):
        return Token("env", raw, name=m["name"])
    if inner.startswith("env:"):
        raise TemplateError(f"'{raw}' is not a valid environment reference; expected ${{env:NAME}} "
                            "(NAME: letters, digits and _)")
    try:
        node = parse_expression(inner)
    except ExprError as exc:
        raise TemplateError(f"'{raw}' is not an expression reconciler understands: {exc}",
                            exc.hint if raw.strip() != "${}" else f"expected {FORMS}; {ESCAPE_HINT}") from None
    return Token("expr", raw, node=node)


def passed(value: Any, references: list[Ref]) -> Any:
    """A substituted value handed to another scope: as it is when final, else a ``Passed`` (its
    tree, and the ``references`` met substituting it)."""
    if not references:
        return value
    return Passed(_template_node(value), tuple(references))


def _template_node(value: Any) -> Node:
    """The expression tree of a value in template form."""
    if isinstance(value, dict):
        return MapExpr(tuple((str(k), _template_node(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ListExpr(tuple(_template_node(v) for v in value))
    if not isinstance(value, str) or "${" not in value:
        return Lit(value)
    nodes = [Lit(p) if isinstance(p, str) else (p.node if p.node is not None else _as_expr(p).node)
             for p in parse(value, strict=False)]
    return nodes[0] if len(nodes) == 1 else Call("join", (Lit(""), ListExpr(tuple(nodes))))


def _as_expr(token: Token) -> Token:
    """A plain reference token (``${type.name.attr}``) as an expression token, its tree built from
    what the token already holds (the evaluator then applies a module path, or for_each rules)."""
    assert token.address is not None
    node: Node = GetAttr(Name(token.address.type), token.address.name)
    for part in token.attr:
        node = GetAttr(node, part)
    return Token("expr", token.text, node=node)


def escape(text: str) -> str:
    """Template form of a final string: literal ``${`` becomes ``$${``."""
    return text.replace("${", "$${")


def as_text(value: Any) -> str:
    """A value embedded in a larger string. Raises ``TypeError`` for null, lists and mappings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    what = "null" if value is None else ("a list" if isinstance(value, (list, tuple)) else "a mapping")
    raise TypeError(f"it is {what}, which cannot be embedded in a string (use the whole string for it)")


def find_references(value: Any, path: AttrPath = ()) -> Iterator[tuple[AttrPath, Token]]:
    """Every resource reference in ``value`` (dicts / lists / template strings), with its path."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from find_references(v, path + (k,))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from find_references(v, path + (i,))
    elif isinstance(value, str) and "${" in value:
        for part in parse(value, strict=False):
            if isinstance(part, Token):
                yield path, part


# -- load time ----------------------------------------------------------------------------------


@dataclass
class Substitution:
    """What ``substitute`` made of a value, and what it found on the way.

    ``errors`` are ``(path, message, hint)``; ``from_env`` are paths whose value came (in part)
    from the environment or a sensitive variable, so messages must not show them.
    """

    value: Any = None
    references: list[tuple[AttrPath, Token]] = field(default_factory=list)
    from_env: set[AttrPath] = field(default_factory=set)
    #: paths whose value came (in part) from a variable declared ``sensitive``
    sensitive: set[AttrPath] = field(default_factory=set)
    errors: list[tuple[AttrPath, str, str | None]] = field(default_factory=list)


def substitute(
    value: Any,
    *,
    variables: Mapping[str, Any] | None,
    env: Mapping[str, str],
    refs_allowed: str | None = None,
    env_variables: frozenset[str] = frozenset(),
    scope: Scope | None = None,
) -> Substitution:
    """Replace ``${var.*}`` and ``${env:*}`` in ``value`` and evaluate expressions as far as the
    specs tell; keep resource references (and what depends on them) in template form.

    ``variables=None`` means ``${var.*}`` is not allowed here; ``refs_allowed`` is ``None`` when
    references are allowed, else where we are (``in variables``) for the error message.
    ``env_variables`` names variables whose values came from the environment (kept hidden).
    ``scope`` gives what else names mean (locals, ``each``, the specs directory); its
    ``variables``, ``refs_allowed`` and ``secret_vars`` are taken from the arguments above.
    """
    out = Substitution()
    base = (scope or Scope()).but(variables=variables, refs_allowed=refs_allowed, secret_vars=env_variables)
    ctx = _Ctx(variables, env, refs_allowed, env_variables, out, base)
    out.value = _sub(value, (), ctx)
    return out


#: a reference kept as written (template form)
_KEPT = Residual(Name("(as written)"))

#: value classes that never hold a template
_PLAIN = frozenset({int, float, bool, type(None)})


@dataclass
class _Ctx:
    variables: Mapping[str, Any] | None
    env: Mapping[str, str]
    refs_allowed: str | None
    env_variables: frozenset[str]
    out: Substitution
    scope: Scope


def _sub(value: Any, path: AttrPath, ctx: _Ctx) -> Any:
    out = ctx.out
    if isinstance(value, dict):
        copied = {}
        for k, v in value.items():  # a plain value (most of them) is taken without a call
            kind = v.__class__
            copied[k] = v if kind in _PLAIN or (kind is str and "$" not in v) else _sub(v, path + (k,), ctx)
        return copied
    if isinstance(value, list):
        return [v if v.__class__ in _PLAIN or (v.__class__ is str and "$" not in v) else _sub(v, path + (i,), ctx)
                for i, v in enumerate(value)]
    if not isinstance(value, str) or "$" not in value:
        return value
    try:
        parts = parse(value)
    except TemplateError as exc:
        out.errors.append((path, str(exc), exc.hint))
        return value
    instances = ctx.scope.instances
    if ctx.scope.module:  # inside a module, references name the module instance's resources: evaluated
        parts = [_as_expr(p) if isinstance(p, Token) and p.kind == "ref" else p for p in parts]
    elif instances is not None and any(isinstance(p, Token) and p.kind == "ref" and instances(p.address) is not None
                                       for p in parts):  # all the instances of a for_each block: an expression
        parts = [_as_expr(p) if isinstance(p, Token) and p.kind == "ref" and instances(p.address) is not None else p
                 for p in parts]
    tokens = [p for p in parts if isinstance(p, Token)]
    refs = [t for t in tokens if t.kind == "ref"]
    if refs and ctx.refs_allowed is not None:
        out.errors.append((path, f"'{refs[0].text}': resource references are not allowed {ctx.refs_allowed}", None))
        return value
    values: dict[str, Any] = {}
    for t in tokens:
        if t.kind == "ref":
            out.references.append((path, t))
            values[t.text] = _KEPT
            continue
        if t.kind == "expr":
            found, v = _evaluate(t, path, ctx)
        else:
            found, v = _lookup_plain(t, path, ctx)
        if not found:
            return value
        values[t.text] = v
    if len(parts) == 1 and tokens:
        v = values[tokens[0].text]
        if tokens[0].kind == "ref":
            return value
        if isinstance(v, Residual):
            return "${" + render(v.node) + "}"
        return copy.deepcopy(v)
    # embedded: final text if nothing waits for apply, else template form
    chunks: list[str] = []
    run: list[str] = []
    kept = False
    for p in parts:
        if isinstance(p, str):
            run.append(p)
            continue
        v = values[p.text]
        if isinstance(v, Residual):
            chunks.append(escape("".join(run)))
            run = []
            chunks.append(p.text if p.kind == "ref" else "${" + render(v.node) + "}")
            kept = True
            continue
        try:
            run.append(as_text(v))
        except TypeError as exc:
            out.errors.append((path, f"'{p.text}' is embedded in a larger string, but {exc}", None))
            return value
    if not kept:
        return "".join(run)
    chunks.append(escape("".join(run)))
    return "".join(chunks)


def _evaluate(t: Token, path: AttrPath, ctx: _Ctx) -> tuple[bool, Any]:
    """An expression evaluated as far as load time allows: (False, None) after an error."""
    assert t.node is not None
    ev = Evaluator(ctx.scope, t.text)
    try:
        value = ev.run(t.node)
        if isinstance(value, Residual):
            render(value.node)  # (a value with no literal form: NaN...)
    except ExprError as exc:
        ctx.out.errors.append((path, f"'{t.text}': {exc}", exc.hint))
        return False, None
    except RecursionError:
        ctx.out.errors.append((path, f"'{t.text}': the expression nests too deeply", None))
        return False, None
    for ref in ev.references:
        ctx.out.references.append((path, Token("ref", ref.text, address=ref.address, attr=ref.attr)))
    if ev.secret:
        ctx.out.from_env.add(path)
    if ev.sensitive:
        ctx.out.sensitive.add(path)
    return True, value


def _lookup_plain(t: Token, path: AttrPath, ctx: _Ctx) -> tuple[bool, Any]:
    out, env, variables = ctx.out, ctx.env, ctx.variables
    if t.kind == "env":
        if t.name not in env:
            out.errors.append((path, f"environment variable {t.name} is not set (needed by '{t.text}')",
                               f"export {t.name}=... before running"))
            return False, None
        out.from_env.add(path)
        return True, env[t.name]
    if variables is None:
        out.errors.append((path, f"'{t.text}': {ctx.scope.var_note}; only ${{env:NAME}}", None))
        return False, None
    if t.name in variables and isinstance(variables[t.name], Passed):  # a module input that waits for apply
        passed = variables[t.name]
        out.references.extend((path, Token("ref", r.text, address=r.address, attr=r.attr)) for r in passed.refs)
        return True, Residual(passed.node)
    if t.name not in variables:
        defined = ", ".join(sorted(variables)) or "(none)"
        close = difflib.get_close_matches(t.name, list(variables), n=1)
        hint = f"did you mean ${{var.{close[0]}}}?" if close else None
        out.errors.append((path, f"undefined variable '{t.name}' in '{t.text}'; defined variables: {defined}", hint))
        return False, None
    if t.name in ctx.env_variables:
        out.from_env.add(path)
    if t.name in ctx.scope.sensitive_vars:
        out.from_env.add(path)
        out.sensitive.add(path)
    return True, variables[t.name]


# -- after load: resource references ------------------------------------------------------------


def resolve(value: Any, lookup: Lookup, *, location: Location | None = None,
            where: Callable[[AttrPath], Location] | None = None, _path: AttrPath = ()) -> Any:
    """A copy of ``value`` with every resource reference (and expression holding one) replaced
    by its value, references read with ``lookup(address, attr)``.

    A whole-string ``${...}`` takes its value as is (an ``Unknown`` stays one); an embedded one is
    concatenated as text, and if its value is or holds an ``Unknown`` the whole string becomes
    ``Unknown(original_string)``. ``lookup`` raising ``KeyError`` (no such attribute), or an
    expression failing, becomes ``ReferenceError_`` at ``where(path)`` (else ``location``).
    Strings without a reference are returned unchanged.
    """
    if isinstance(value, dict):
        return {k: resolve(v, lookup, location=location, where=where, _path=_path + (k,)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [resolve(v, lookup, location=location, where=where, _path=_path + (i,)) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value
    parts = parse(value, strict=False)
    if not any(isinstance(p, Token) for p in parts):
        return value
    at = where(_path) if where is not None else location
    if len(parts) == 1:
        return _value_of(parts[0], lookup, at)
    text: list[str] = []
    for p in parts:
        if isinstance(p, str):
            text.append(p)
            continue
        v = _value_of(p, lookup, at)
        if isinstance(v, Unknown) or contains_unknown(v):
            return Unknown(value)
        try:
            text.append(as_text(v))
        except TypeError as exc:
            raise ReferenceError_(f"'{p.text}' is embedded in a larger string, but {exc}",
                                  location=at, address=str(p.address) if p.address else None) from None
    return "".join(text)


def _value_of(token: Token, lookup: Lookup, location: Location | None) -> Any:
    if token.kind == "ref":
        return _lookup_ref(token, lookup, location)
    assert token.node is not None
    try:
        return Evaluator(Scope(lookup=lookup), token.text).run(token.node)
    except ExprError as exc:
        raise ReferenceError_(f"'{token.text}': {exc}", location=location, hint=exc.hint) from None


def _lookup_ref(token: Token, lookup: Lookup, location: Location | None) -> Any:
    assert token.address is not None
    try:
        return lookup(token.address, token.attr)
    except KeyError:
        raise ReferenceError_(
            f"'{token.text}': {token.address} has no attribute '{'.'.join(token.attr)}'",
            location=location,
            address=str(token.address),
        ) from None
