"""Evaluating an expression tree (``expr``): at load time as far as the specs tell, at plan and
apply time the rest.

Owns the meaning of names (``var.``, ``local.``, ``each.``, resource references), operators,
conditionals, ``try`` / ``can``, calling ``functions``, and unknown values.

Two moments, one evaluator:

- **load** (``lookup=None``): variables, locals, ``each`` and functions of known values are
  evaluated; a resource reference is not known yet, so whatever depends on one is kept as a
  ``Residual`` tree, every known part inlined as a literal (``upper(var.x) == dataiku_project.a.key``
  keeps ``"PROD" == dataiku_project.a.key``). The references found are collected (they are the
  dependency edges). A branch that cannot be evaluated, in a conditional whose test waits for
  apply, becomes a ``Fail`` node: an error only if it is chosen.
- **resolve** (``lookup`` given): references are looked up; a value known only after apply is an
  ``Unknown``, and anything computed from one is ``Unknown`` too (a conditional on it, a function
  of it, an operator on it); a list or map literal may hold one as an item.

Nothing here runs Python the user wrote: the only operations are the operators below and the
functions of ``functions.FUNCTIONS``. Types are checked: ``+`` takes numbers, ``&&`` booleans,
a conditional's test a boolean; ``ExprError`` says what was given and what is allowed.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reconciler.addresses import MODULE_STEP_RE, Address
from reconciler.errors import ReferenceError_
from reconciler.spec.expr import (Binary, Call, Cond, ExprError, Fail, GetAttr, Index, ListExpr, Lit, MapExpr, Name,
                                  Node, Unary, render)
from reconciler.spec.functions import FUNCTIONS, allowed_names, equal, is_number, kind
from reconciler.values import Unknown, contains_unknown

Lookup = Callable[[Address, tuple[str, ...]], Any]

#: a resource type's shape (``<provider>_<kind>``): a name with this shape roots a reference
RESOURCE_TYPE = re.compile(r"^[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]$")
NAMES = "var.NAME, local.NAME, each.key, each.value or <type>.<name>.<attribute>"


@dataclass(frozen=True, slots=True)
class Residual:
    """The part of an expression only a later moment can evaluate (see the module docstring)."""

    node: Node


@dataclass(frozen=True)
class Ref:
    """A resource reference met while evaluating: its address, attribute path, and its text."""

    address: Address
    attr: tuple[str, ...]
    text: str


@dataclass
class Scope:
    """What names mean where an expression is evaluated.

    ``variables`` None: ``var.`` is not allowed here (``var_note`` says why). ``local`` resolves a
    local's value by name (raises ``ExprError``), None where locals are not allowed. ``each`` is
    ``(key, value)`` inside a ``for_each`` block. ``refs_allowed`` is None where resource
    references are allowed, else where we are (``in variables``) for the message. ``secret_vars``
    name variables whose values must not be shown. ``root`` is the specs directory (``file``).
    """

    variables: Mapping[str, Any] | None = None
    var_note: str = "variables cannot use other variables"
    local: Callable[[str], Any] | None = None
    each: tuple[Any, Any] | None = None
    refs_allowed: str | None = None
    secret_vars: frozenset[str] = frozenset()
    #: variables declared ``sensitive`` (also hidden; where they may go is the loader's rule)
    sensitive_vars: frozenset[str] = frozenset()
    root: Path | None = None
    lookup: Lookup | None = None
    #: the instance keys of a ``for_each`` block (None for a plain block); None: not known here
    instances: Callable[[Address], list[str] | None] | None = None
    #: the module instance being loaded (``module.team["sales"]``; "" at the root): its resource
    #: references are to its own resources
    module: str = ""
    #: ``module.PATH.OUTPUT`` at load time: (full module path, output name) -> the output's value
    #: (a ``Passed`` when it waits for apply; raises ``ExprError``); None where not allowed
    module_output: Callable[[str, str], Any] | None = None

    def but(self, **changes: Any) -> "Scope":
        """A copy with ``changes``."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Passed:
    """A value that waits for apply, handed from one scope to another (a module's input, a
    module's output): its tree, with the references in it (they carry the dependency edges)."""

    node: Node
    refs: tuple[Ref, ...]


@dataclass
class Evaluator:
    """One evaluation of one ``${...}``: ``text`` is its text as written (``Unknown`` carries it).
    ``references``, ``secret`` (a value to hide was read) and ``sensitive`` (a sensitive
    variable's value was read) are what it met."""

    scope: Scope
    text: str
    references: list[Ref] = field(default_factory=list)
    secret: bool = False
    sensitive: bool = False

    def run(self, node: Node) -> Any:
        """The value of ``node``, a ``Residual`` (at load) or an ``Unknown`` (at resolve)."""
        return self.eval(node)

    # -- nodes ------------------------------------------------------------------------------------
    def eval(self, node: Node) -> Any:
        method = _METHODS[type(node)]
        return method(self, node)

    def _lit(self, node: Lit) -> Any:
        return node.value

    def _fail(self, node: Fail) -> Any:
        raise ExprError(node.message)

    def _list(self, node: ListExpr) -> Any:
        items = [self.eval(i) for i in node.items]
        if any(isinstance(i, Residual) for i in items):
            return Residual(ListExpr(tuple(_node(i) for i in items)))
        return items

    def _map(self, node: MapExpr) -> Any:
        values = [(k, self.eval(v)) for k, v in node.items]
        if any(isinstance(v, Residual) for _, v in values):
            return Residual(MapExpr(tuple((k, _node(v)) for k, v in values)))
        return dict(values)

    def _unary(self, node: Unary) -> Any:
        value = self.eval(node.operand)
        if isinstance(value, Residual):
            return Residual(Unary(node.op, value.node))
        if isinstance(value, Unknown):
            return self.unknown()
        if node.op == "!":
            return not self.want(value, bool, "true or false", "!")
        return -self.want_number(value, "-")

    def _binary(self, node: Binary) -> Any:
        op = node.op
        left = self.eval(node.left)
        if op in ("&&", "||") and not isinstance(left, (Residual, Unknown)):
            self.want(left, bool, "true or false", op)
            if left is (op == "||"):  # false && x, true || x: x is not evaluated
                return left
        right = self.eval(node.right)
        if isinstance(left, Residual) or isinstance(right, Residual):
            for known in (left, right):  # what is known now is checked now (before any request)
                if not isinstance(known, (Residual, Unknown)):
                    if op in ("&&", "||"):
                        self.want(known, bool, "true or false", op)
                    elif op not in ("==", "!="):
                        self.want_number(known, op)
            return Residual(Binary(op, _node(left), _node(right)))
        if isinstance(left, Unknown) or isinstance(right, Unknown) or (
                op in ("==", "!=") and (contains_unknown(left) or contains_unknown(right))):
            return self.unknown()
        if op in ("&&", "||"):
            return self.want(right, bool, "true or false", op)
        if op == "==":
            return equal(left, right)
        if op == "!=":
            return not equal(left, right)
        if op in ("<", "<=", ">", ">="):
            a, b = self.want_number(left, op), self.want_number(right, op)
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        a, b = self.want_number(left, op), self.want_number(right, op)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            raise ExprError(f"'{op}' by zero in {render(node)}")
        if op == "%":
            return a % b
        quotient = a / b
        return int(quotient) if isinstance(a, int) and isinstance(b, int) and a % b == 0 else quotient

    def _cond(self, node: Cond) -> Any:
        test = self.eval(node.test)
        if isinstance(test, Residual):  # decided at apply: keep both branches, as far as they go
            return Residual(Cond(test.node, self.kept(node.then), self.kept(node.other)))
        if isinstance(test, Unknown):
            return self.unknown()
        if not isinstance(test, bool):
            raise ExprError(f"a conditional's test must be true or false, got {kind(test)}",
                            "compare with ==, !=, <, >... to make a boolean")
        return self.eval(node.then if test else node.other)

    def kept(self, node: Node) -> Node:
        """``node`` evaluated as far as now allows, as a node (a ``Fail`` if it cannot be)."""
        try:
            return _node(self.eval(node))
        except ExprError as exc:
            return Fail(str(exc))

    def _call(self, node: Call) -> Any:
        fn = FUNCTIONS.get(node.name)
        if fn is None:
            close = difflib.get_close_matches(node.name, list(FUNCTIONS), n=1)
            raise ExprError(f"unknown function '{node.name}'; allowed functions: {allowed_names()}",
                            f"did you mean {close[0]}()?" if close else "see the README's function reference")
        count = len(node.args)
        if count < fn.min_args or (fn.max_args is not None and count > fn.max_args):
            raise ExprError(f"{node.name}() takes {_arity(fn.min_args, fn.max_args)}, got {count}",
                            f"{fn.name}: {fn.signature}")
        if node.name == "try":
            return self._try(node)
        if node.name == "can":
            return self._can(node)
        args = [self.eval(a) for a in node.args]
        if any(isinstance(a, Residual) for a in args):
            if fn.reads_files:
                raise ExprError(f"{node.name}(): the path must be known when the specs load (not from another resource)")
            return Residual(Call(node.name, tuple(_node(a) for a in args)))
        if any(contains_unknown(a) for a in args):
            return self.unknown()
        assert fn.impl is not None
        return fn.impl(self.scope.root, *args) if fn.reads_files else fn.impl(*args)

    def _try(self, node: Call) -> Any:
        last: ExprError | None = None
        for i, arg in enumerate(node.args):
            try:
                value = self.eval(arg)
            except ExprError as exc:
                last = exc
                continue
            if isinstance(value, Residual):  # whether it fails is known at apply only
                return Residual(Call("try", (value.node, *(self.kept(a) for a in node.args[i + 1:]))))
            return value
        assert last is not None
        raise ExprError(f"try(): every expression failed; the last: {last}", last.hint)

    def _can(self, node: Call) -> Any:
        try:
            value = self.eval(node.args[0])
        except ExprError:
            return False
        if isinstance(value, Residual):
            return Residual(Call("can", (value.node,)))
        return True

    # -- names ------------------------------------------------------------------------------------
    def _name(self, node: Name) -> Any:
        if node.name in ("var", "local", "each"):
            form = {"var": "var.NAME", "local": "local.NAME", "each": "each.key or each.value"}[node.name]
            raise ExprError(f"'{node.name}' needs a name after it: {form}")
        if RESOURCE_TYPE.match(node.name):
            raise ExprError(f"'{node.name}' names a resource type but no resource and attribute; expected "
                            f"{node.name}.<name>.<attribute>")
        hint = ("write a minus between spaces (a - 1): a name may hold '-'" if "-" in node.name else
                "to write a literal ${...} (e.g. a platform's own variable), write $${...}")
        raise ExprError(f"unknown name '{node.name}'; names are {NAMES}", hint)

    def _traverse(self, node: GetAttr | Index) -> Any:
        steps: list[GetAttr | Index] = []
        root: Node = node
        while isinstance(root, (GetAttr, Index)):
            steps.append(root)
            root = root.obj
        steps.reverse()
        if isinstance(root, Name):
            if root.name == "var":
                return self.walk(self.variable(steps[0]), steps[1:])
            if root.name == "local":
                return self.walk(self.local(steps[0]), steps[1:])
            if root.name == "each":
                return self.walk(self.each(steps[0]), steps[1:])
            if root.name == "module":
                return self.module_traversal(steps)
            if RESOURCE_TYPE.match(root.name):
                return self.reference(root.name, steps)
        return self.walk(self.eval(root), steps)

    def module_traversal(self, steps: list[GetAttr | Index]) -> Any:
        """``module.NAME[KEY]...``: a module's output (at load), or a resource inside a module
        instance (``module.team["sales"].dataiku_project.p.key``, as the loader writes references
        made inside a module)."""
        path: list[str] = []
        i = 0
        while True:
            if i >= len(steps) or not isinstance(steps[i], GetAttr):
                raise ExprError("'module' needs a module name after it: module.NAME.OUTPUT or "
                                "module.NAME[\"key\"].OUTPUT")
            step = "module." + steps[i].name  # type: ignore[union-attr]
            i += 1
            if i < len(steps) and isinstance(steps[i], Index):
                key = self.eval(steps[i].key)  # type: ignore[union-attr]
                if not isinstance(key, str) or not key:
                    raise ExprError(f"a module instance key is a string known when the specs load ({step}[\"key\"]), "
                                    f"got {'a value known only at apply' if isinstance(key, (Residual, Unknown)) else kind(key)}")
                step += "[" + json.dumps(key, ensure_ascii=False) + "]"
                i += 1
            path.append(step)
            if i < len(steps) and isinstance(steps[i], GetAttr) and steps[i].name == "module":  # type: ignore[union-attr]
                i += 1
                continue
            break
        full = ".".join(([self.scope.module] if self.scope.module else []) + path)
        rest = steps[i:]
        if rest and isinstance(rest[0], GetAttr) and RESOURCE_TYPE.match(rest[0].name) and len(rest) > 1:
            return self.reference(rest[0].name, rest[1:], module=full)
        if not rest or not isinstance(rest[0], GetAttr):
            raise ExprError(f"'{full}' names a module but no output; expected {full}.<output>")
        if self.scope.module_output is None:
            raise ExprError(f"'{full}.{rest[0].name}': module outputs are not allowed here")
        return self.walk(self.taken(self.scope.module_output(full, rest[0].name)), rest[1:])

    def _step_name(self, step: GetAttr | Index, what: str) -> str:
        if isinstance(step, GetAttr):
            return step.name
        key = self.eval(step.key)
        if not isinstance(key, str):
            raise ExprError(f"{what}[...] takes a name in quotes, got {kind(key)}")
        return key

    def variable(self, step: GetAttr | Index) -> Any:
        name = self._step_name(step, "var")
        variables = self.scope.variables
        if variables is None:
            raise ExprError(f"'var.{name}': {self.scope.var_note}")
        if name not in variables:
            close = difflib.get_close_matches(name, list(variables), n=1)
            raise ExprError(f"undefined variable '{name}'; defined variables: {', '.join(sorted(variables)) or '(none)'}",
                            f"did you mean var.{close[0]}?" if close else "declare it under variables:")
        if name in self.scope.secret_vars:
            self.secret = True
        if name in self.scope.sensitive_vars:
            self.secret = self.sensitive = True
        return self.taken(variables[name])

    def taken(self, value: Any) -> Any:
        """``value`` as this evaluation uses it: a ``Passed`` value becomes a ``Residual`` whose
        references are this evaluation's too."""
        if isinstance(value, Passed):
            if self.scope.refs_allowed is not None:
                raise ExprError(f"'{self.text}' waits for {value.refs[0].text}, known only at apply; resource "
                                f"references are not allowed {self.scope.refs_allowed}")
            self.references.extend(value.refs)
            return Residual(value.node)
        return value

    def local(self, step: GetAttr | Index) -> Any:
        name = self._step_name(step, "local")
        if self.scope.local is None:
            raise ExprError(f"'local.{name}': locals are not allowed here")
        value, secret, sensitive = self.scope.local(name)
        self.secret = self.secret or secret or sensitive
        self.sensitive = self.sensitive or sensitive
        return value

    def each(self, step: GetAttr | Index) -> Any:
        name = self._step_name(step, "each")
        if self.scope.each is None:
            raise ExprError(f"'each.{name}' is usable only in a resource block with for_each")
        if name not in ("key", "value"):
            raise ExprError(f"'each.{name}' is not allowed; allowed: each.key, each.value")
        return self.scope.each[0] if name == "key" else self.scope.each[1]

    def reference(self, type_name: str, steps: list[GetAttr | Index], module: str | None = None) -> Any:
        """``type.name.attr...`` / ``type.name["key"].attr...``: a placeholder at load, the
        looked-up value at resolve. ``type.name.attr`` of a ``for_each`` block is the map of its
        instances' ``attr`` (one reference per instance). Inside a module the address is the
        module instance's (``module``, default the scope's)."""
        if not isinstance(steps[0], GetAttr):
            raise ExprError(f"'{type_name}[...]': expected {type_name}.<name>.<attribute>")
        address = Address(type_name, steps[0].name, "", self.scope.module if module is None else module)
        steps = steps[1:]
        if steps and isinstance(steps[0], Index):  # an instance of a for_each block
            key = self.eval(steps[0].key)
            if not isinstance(key, str) or not key:
                raise ExprError(f"an instance key is a string known when the specs load ({address}[\"key\"]), "
                                f"got {'a value known only at apply' if isinstance(key, (Residual, Unknown)) else kind(key)}")
            address, steps = address.instance(key), steps[1:]
        elif self.scope.instances is not None and (keys := self.scope.instances(address)) is not None:
            if not steps:
                raise ExprError(f"names a resource but no attribute; expected ${{{address}.<attribute>}} (a map of "
                                f"its instances' values) or ${{{address}[\"key\"].<attribute>}}")
            each: list[tuple[str, Node]] = []
            for key in keys:
                node: Node = Index(GetAttr(_root(type_name, address.module), address.name), Lit(key))
                for step in steps:
                    node = GetAttr(node, step.name) if isinstance(step, GetAttr) else Index(node, step.key)
                each.append((key, node))
            return self.eval(MapExpr(tuple(each)))
        attr: list[str] = []
        for step in steps:
            if isinstance(step, GetAttr):
                attr.append(step.name)
                continue
            key = self.eval(step.key)
            if isinstance(key, (Residual, Unknown)):
                raise ExprError(f"an index into {address}'s attributes must be known when the specs load")
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise ExprError(f"an index into {address}'s attributes must be a string or a whole number, "
                                f"got {kind(key)}")
            attr.append(str(key))
        if not attr:
            raise ExprError(f"names a resource but no attribute; expected ${{{address}.<attribute>}}")
        text = "${" + ".".join((str(address), *attr)) + "}"
        if self.scope.refs_allowed is not None:
            raise ExprError(f"'{text}': resource references are not allowed {self.scope.refs_allowed}")
        lookup = self.scope.lookup
        if lookup is None:
            self.references.append(Ref(address, tuple(attr), text))
            node = GetAttr(_root(type_name, address.module), address.name)
            if address.key:
                node = Index(node, Lit(address.key))
            for part in attr:
                node = GetAttr(node, part) if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*|[0-9]+", part) else Index(node, Lit(part))
            return Residual(node)
        try:
            return lookup(address, tuple(attr))
        except KeyError:
            raise ExprError(f"'{text}': {address} has no attribute '{'.'.join(attr)}'") from None
        except ReferenceError_ as exc:
            raise ExprError(exc.message) from None

    def walk(self, value: Any, steps: list[GetAttr | Index]) -> Any:
        """``value`` followed down ``steps`` (map keys, list indexes)."""
        for step in steps:
            if isinstance(value, Residual):
                key_node = Lit(step.name) if isinstance(step, GetAttr) else _node(self.eval(step.key))
                value = Residual(Index(value.node, key_node))
                continue
            if isinstance(value, Unknown):
                return value
            key = step.name if isinstance(step, GetAttr) else self.eval(step.key)
            if isinstance(key, Residual):
                value = Residual(Index(Lit(value), key.node))
                continue
            if isinstance(key, Unknown):
                return self.unknown()
            value = _step(value, key)
        return value

    # -- checks -----------------------------------------------------------------------------------
    def unknown(self) -> Unknown:
        return Unknown(self.text)

    def want(self, value: Any, cls: type, wanted: str, op: str) -> Any:
        if not isinstance(value, cls):
            raise ExprError(f"'{op}' takes {wanted}, got {kind(value)}")
        return value

    def want_number(self, value: Any, op: str) -> int | float:
        if not is_number(value):
            hint = "to join text, write both in one string (\"${a}-${b}\") or use format()" if (
                op == "+" and isinstance(value, str)) else None
            raise ExprError(f"'{op}' takes numbers, got {kind(value)}", hint)
        return value


def _step(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        if not isinstance(key, str):
            raise ExprError(f"a map's key is a string, got {kind(key)}")
        if key not in value:
            shown = ", ".join(sorted(map(str, value))[:20]) or "(none)"
            raise ExprError(f"the map has no key {key!r}; its keys: {shown}")
        return value[key]
    if isinstance(value, (list, tuple)):
        if isinstance(key, str) and key.isdigit():
            key = int(key)
        if not isinstance(key, int) or isinstance(key, bool):
            raise ExprError(f"a list's index is a whole number, got {kind(key)}")
        if not 0 <= key < len(value):
            raise ExprError(f"index {key} is out of range: the list has {len(value)} item(s)")
        return value[key]
    raise ExprError(f"{kind(value)} has no key or index {key!r}")


def _root(type_name: str, module: str) -> Node:
    """``type_name`` as the root of a reference, after its module path when it has one."""
    if not module:
        return Name(type_name)
    node: Node | None = None
    for step in MODULE_STEP_RE.finditer(module):
        node = GetAttr(Name("module") if node is None else GetAttr(node, "module"), step["name"])
        if step["key"]:
            node = Index(node, Lit(json.loads(step["key"])))
    assert node is not None
    return GetAttr(node, type_name)


def _node(value: Any) -> Node:
    return value.node if isinstance(value, Residual) else Lit(value)


def _arity(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low} argument{'s' if low != 1 else ''}"
    if low == high:
        return f"{low} argument{'s' if low != 1 else ''}"
    return f"{low} to {high} arguments"


_METHODS: dict[type, Callable[[Evaluator, Any], Any]] = {
    Lit: Evaluator._lit, Name: Evaluator._name, GetAttr: Evaluator._traverse, Index: Evaluator._traverse,
    Call: Evaluator._call, Cond: Evaluator._cond, Binary: Evaluator._binary, Unary: Evaluator._unary,
    ListExpr: Evaluator._list, MapExpr: Evaluator._map, Fail: Evaluator._fail,
}


def references_in(node: Node) -> bool:
    """Whether ``node`` holds a resource reference (a traversal rooted at a type-shaped name)."""
    if isinstance(node, (GetAttr, Index)):
        root: Node = node
        while isinstance(root, (GetAttr, Index)):
            if isinstance(root, Index) and references_in(root.key):
                return True
            root = root.obj
        if isinstance(root, Name):
            return root.name == "module" or (bool(RESOURCE_TYPE.match(root.name))
                                             and root.name not in ("var", "local", "each"))
        return references_in(root)
    if isinstance(node, Call):
        return any(references_in(a) for a in node.args)
    if isinstance(node, Cond):
        return references_in(node.test) or references_in(node.then) or references_in(node.other)
    if isinstance(node, Binary):
        return references_in(node.left) or references_in(node.right)
    if isinstance(node, Unary):
        return references_in(node.operand)
    if isinstance(node, ListExpr):
        return any(references_in(i) for i in node.items)
    if isinstance(node, MapExpr):
        return any(references_in(v) for _, v in node.items)
    return False
