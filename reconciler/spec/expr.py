"""The expression language inside ``${...}``: its grammar, its syntax tree, and printing a tree back.

Owns: turning the text between ``${`` and ``}`` into a tree of frozen nodes (``parse_expression``),
and the inverse (``render``), which the loader uses to keep the part of an expression that only
apply can evaluate (``${upper(dataiku_project.sales.key)}``) as template text in a resource's
attributes. Evaluating a tree is ``evaluate``'s; the functions are ``functions``'.

The syntax is HCL's expression syntax, the part a YAML user needs (the README's language
reference is the user's description):

    literals      "text" 'text' 12 1.5 true false null [a, b] {key = value, "k": v}
    names         var.NAME  local.NAME  each.key  each.value  <type>.<name>.<attr>
    traversal     x.attr  x[index]  x.0
    calls         upper(var.stage)   format("%s-%d", a, 1)
    operators     !x  -x   * / %   + -   < <= > >=   == !=   &&   ||   cond ? a : b

As in HCL, a name may hold ``-`` (``var.warehouse-name``): write a minus between spaces.

The parser is lark's LALR(1) parser (a well-kept, dependency-free parsing library) built once
per process from the grammar below, when the first expression is parsed (the templates that hold
expressions are parsed once each: ``interpolate.parse``).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from typing import Any

from lark import Lark, Token as LarkToken, Transformer, v_args
from lark.exceptions import (LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken,
                             VisitError)


class ExprError(ValueError):
    """An expression that cannot be parsed or evaluated; the caller adds where it was written.
    ``hint`` says what is allowed or what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(message)


# -- the tree ----------------------------------------------------------------------------------------


class Node:
    """Base of the syntax tree's nodes (frozen dataclasses, hashable, compared by value)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Lit(Node):
    """A literal value (also a value the loader already knew, inlined into a kept expression)."""

    value: Any


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A bare name: the root of a traversal (``var``, ``local``, ``each``, a resource type)."""

    name: str


@dataclass(frozen=True, slots=True)
class GetAttr(Node):
    """``obj.name`` (``name`` may be digits: ``tags.0``)."""

    obj: Node
    name: str


@dataclass(frozen=True, slots=True)
class Index(Node):
    """``obj[key]``."""

    obj: Node
    key: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``name(args...)``."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Cond(Node):
    """``test ? then : other``."""

    test: Node
    then: Node
    other: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """``left op right``: op is one of ``|| && == != < <= > >= + - * / %``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """``!x`` or ``-x``."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    """``[a, b, ...]``."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class MapExpr(Node):
    """``{key = value, ...}``: keys are names or strings, written in the order given."""

    items: tuple[tuple[str, Node], ...]


@dataclass(frozen=True, slots=True)
class Fail(Node):
    """A branch the loader could not evaluate (kept when the branch is chosen only at apply):
    evaluating it raises ``ExprError(message)``."""

    message: str


# -- the grammar ------------------------------------------------------------------------------------

_GRAMMAR = r"""
?start: expr

?expr: or_expr
     | or_expr "?" expr ":" expr          -> cond

?or_expr: and_expr
        | or_expr "||" and_expr           -> or_
?and_expr: cmp_expr
         | and_expr "&&" cmp_expr         -> and_
?cmp_expr: add_expr
         | add_expr CMP add_expr          -> binary
?add_expr: mul_expr
         | add_expr ADD mul_expr          -> binary
?mul_expr: unary
         | mul_expr MUL unary             -> binary
?unary: postfix
      | "!" unary                         -> not_
      | "-" unary                         -> neg
?postfix: primary
        | postfix "." NAME                -> getattr
        | postfix "." INT                 -> getattr
        | postfix "[" expr "]"            -> index
?primary: NUMBER                          -> number
        | INT                             -> number
        | STRING                          -> string
        | "true"                          -> true
        | "false"                         -> false
        | "null"                          -> null
        | NAME                            -> name
        | NAME "(" [expr ("," expr)* [","]] ")"   -> call
        | "(" expr ")"
        | "[" [expr ("," expr)* [","]] "]"        -> list
        | "{" [pair ("," pair)* [","]] "}"        -> map
pair: (NAME | STRING) ("=" | ":") expr

CMP: "==" | "!=" | "<=" | ">=" | "<" | ">"
ADD: "+" | "-"
MUL: "*" | "/" | "%"
NAME.0: /[A-Za-z_][A-Za-z0-9_-]*/
INT.1: /[0-9]+/
NUMBER.2: /[0-9]+(\.[0-9]+([eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)/
STRING: /"(\\.|[^"\\\n])*"/ | /'(\\.|[^'\\\n])*'/

%ignore /[ \t\r\n]+/
"""

#: what the syntax allows, for error messages
SYNTAX = ("literals (\"text\", 12, true, null, [list], {map}), names (var.NAME, local.NAME, each.key, "
          "each.value, <type>.<name>.<attribute>), function calls, x[index], ! - * / % + - < <= > >= == != && || "
          "and cond ? a : b")

_KEYWORDS = {"true": True, "false": False, "null": None}


def _unquote(text: str) -> str:
    if text.startswith("'"):  # a single-quoted string: the same escapes as a double-quoted one
        body = text[1:-1].replace('\\\'', "'").replace('"', '\\"')
        text = f'"{body}"'
    try:
        return json.loads(text)
    except ValueError:
        raise ExprError(f"the string {text} has an invalid escape; allowed: \\\" \\' \\\\ \\n \\t \\uXXXX") from None


@functools.cache
def _parser() -> tuple[Any, Any]:
    """lark's parser for the grammar, and the transformer from its trees to our nodes."""
    @v_args(inline=True)
    class Build(Transformer):
        """lark's parse tree → our nodes."""

        def number(self, token: LarkToken) -> Lit:
            text = str(token)
            return Lit(int(text) if text.isdigit() else float(text))

        def string(self, token: LarkToken) -> Lit:
            return Lit(_unquote(str(token)))

        def true(self) -> Lit:
            return Lit(True)

        def false(self) -> Lit:
            return Lit(False)

        def null(self) -> Lit:
            return Lit(None)

        def name(self, token: LarkToken) -> Node:
            return Name(str(token))

        def getattr(self, obj: Node, token: LarkToken) -> Node:
            return GetAttr(obj, str(token))

        def index(self, obj: Node, key: Node) -> Node:
            return Index(obj, key)

        def call(self, token: LarkToken, *args: Node | None) -> Node:
            return Call(str(token), tuple(a for a in args if a is not None))

        def list(self, *items: Node | None) -> Node:
            return ListExpr(tuple(i for i in items if i is not None))

        def map(self, *pairs: tuple[str, Node] | None) -> Node:
            return MapExpr(tuple(p for p in pairs if p is not None))

        def pair(self, key: LarkToken, value: Node) -> tuple[str, Node]:
            return (_unquote(str(key)) if key.type == "STRING" else str(key), value)

        def cond(self, test: Node, then: Node, other: Node) -> Node:
            return Cond(test, then, other)

        def or_(self, left: Node, right: Node) -> Node:
            return Binary("||", left, right)

        def and_(self, left: Node, right: Node) -> Node:
            return Binary("&&", left, right)

        def binary(self, left: Node, op: LarkToken, right: Node) -> Node:
            return Binary(str(op), left, right)

        def not_(self, operand: Node) -> Node:
            return Unary("!", operand)

        def neg(self, operand: Node) -> Node:
            if isinstance(operand, Lit) and type(operand.value) in (int, float):
                return Lit(-operand.value)
            return Unary("-", operand)

    return Lark(_GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=True), Build()


_TERMINALS = {"RPAR": "')'", "LPAR": "'('", "RSQB": "']'", "LSQB": "'['", "RBRACE": "'}'", "LBRACE": "'{'",
              "COMMA": "','", "DOT": "'.'", "COLON": "':'", "QMARK": "'?'", "EQUAL": "'='", "BANG": "'!'",
              "MINUS": "'-'", "NAME": "a name", "NUMBER": "a number", "INT": "a number", "STRING": "a string",
              "CMP": "a comparison", "ADD": "'+' or '-'", "MUL": "'*', '/' or '%'", "OROR": "'||'", "ANDAND": "'&&'",
              "TRUE": "true", "FALSE": "false", "NULL": "null", "$END": "the end"}


def parse_expression(text: str) -> Node:
    """The tree of ``text`` (what is between ``${`` and ``}``). Raises ``ExprError`` saying
    where in the text the syntax breaks and what could come there."""
    if not text.strip():
        raise ExprError("the expression is empty", f"allowed: {SYNTAX}")
    parser, build = _parser()
    try:
        return build.transform(parser.parse(text))
    except VisitError as exc:
        if isinstance(exc.orig_exc, ExprError):
            raise exc.orig_exc from None
        raise ExprError(f"cannot read the expression: {exc.orig_exc}") from None
    except UnexpectedInput as exc:
        raise ExprError(_syntax_message(text, exc), f"allowed: {SYNTAX}") from None
    except LarkError as exc:  # (lark raises the kinds above for bad input)
        raise ExprError(f"cannot read the expression: {exc}") from None


def _syntax_message(text: str, exc: Any) -> str:
    column = getattr(exc, "column", None)
    at = f" at column {column}" if isinstance(column, int) and column > 0 else ""
    if isinstance(exc, UnexpectedEOF):
        found = "the end of the expression"
    elif isinstance(exc, UnexpectedToken):
        found = "the end of the expression" if exc.token.type == "$END" else repr(str(exc.token))
    elif isinstance(exc, UnexpectedCharacters):
        found = repr(text[exc.pos_in_stream]) if 0 <= exc.pos_in_stream < len(text) else "a character"
    else:
        found = "something"
    expected = sorted({_TERMINALS.get(t, t.lower()) for t in (getattr(exc, "expected", None) or ())})
    wanted = f"; expected {', '.join(expected[:8])}" if expected else ""
    if found == "the end of the expression":
        return f"the expression ends too early{at}{wanted}"
    return f"unexpected {found}{at} of the expression{wanted}"


# -- printing a tree back ---------------------------------------------------------------------------

_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3, "+": 4, "-": 4, "*": 5,
               "/": 5, "%": 5}


def literal(value: Any) -> str:
    """``value`` (plain data) written as an expression literal. Raises ``ExprError`` for a value
    that has none (NaN, infinity, a non-text mapping key)."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ExprError(f"{value} cannot be written in an expression")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {literal(v)}" for k, v in value.items()) + "}"
    raise ExprError(f"a {type(value).__name__} cannot be written in an expression")


def render(node: Node) -> str:
    """The text of ``node``: ``parse_expression(render(n)) == n`` (up to a ``Fail`` node, which
    renders as a call that raises its message)."""
    return _render(node, 0)


def _render(node: Node, outer: int) -> str:
    if isinstance(node, Lit):
        return literal(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, GetAttr):
        return f"{_render(node.obj, 9)}.{node.name}"
    if isinstance(node, Index):
        return f"{_render(node.obj, 9)}[{_render(node.key, 0)}]"
    if isinstance(node, Call):
        return f"{node.name}({', '.join(_render(a, 0) for a in node.args)})"
    if isinstance(node, ListExpr):
        return "[" + ", ".join(_render(i, 0) for i in node.items) + "]"
    if isinstance(node, MapExpr):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_render(v, 0)}" for k, v in node.items) + "}"
    if isinstance(node, Unary):
        return f"{node.op}{_render(node.operand, 8)}"
    if isinstance(node, Fail):
        return f"fail({literal(node.message)})"
    if isinstance(node, Binary):
        mine = _PRECEDENCE[node.op]
        text = f"{_render(node.left, mine)} {node.op} {_render(node.right, mine + 1)}"
        return f"({text})" if mine < outer else text
    if isinstance(node, Cond):
        text = f"{_render(node.test, 1)} ? {_render(node.then, 0)} : {_render(node.other, 0)}"
        return f"({text})" if outer > 0 else text
    raise TypeError(f"not an expression node: {node!r}")
