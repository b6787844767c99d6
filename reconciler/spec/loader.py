"""``load_specs``: find the spec files, merge them, interpolate, validate; return a ``SpecSet``.

Owns: the spec format's top level (``providers`` / ``variables`` / ``locals`` / ``resources`` /
``outputs`` / ``backend``; the lists ``moved`` / ``import`` are ``spec.moves``), the reserved
resource keys (``depends_on``, ``lifecycle``, ``for_each``: a block with ``for_each`` becomes
one ``ResourceSpec`` per instance, ``type.name["key"]``), the values of variables
(``variables``) and locals, checking references and types against the
provider registry, and collecting every problem of every file into one error. It does no I/O
beyond reading the spec files (and ``--var-file`` files, and what ``file()`` reads inside the specs
directory), and never talks to a platform.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import parse_qsl

from reconciler import instances
from reconciler.addresses import ADDRESS_FORMAT, MODULE_STEP_RE, Address, module_step
from reconciler.errors import Location, ReferenceError_, SpecError, SpecSyntaxError, SpecValidationError
from reconciler.providers.base import ProviderSpec, ResourceType, all_types
from reconciler.spec import validate
from reconciler.spec.evaluate import Passed, Ref, Scope
from reconciler.spec.expr import ExprError, Lit, MapExpr
from reconciler.spec.identity import static_clashes
from reconciler.spec.interpolate import Substitution, passed, substitute
from reconciler.spec.variables import (VALIDATION_KEYS, Declaration, Given, Validation, conforms,
                                       from_text, given_values, is_declaration, parse_type, show)
from reconciler.spec.functions import kind as value_kind
from reconciler.spec.moves import SECTIONS as MOVES_SECTIONS, Refactorings
from reconciler.spec.model import (BackendConfig, Lifecycle, OutputSpec, ProviderConfig, Reference, ResourceSpec,
                                   SpecSet)
from reconciler.spec.yamlsource import Document, Position, parse_document

TOP_LEVEL = ("providers", "variables", "locals", "resources", "modules", "outputs", "backend", *MOVES_SECTIONS)
#: what a module's own files may not declare: the root specs do, for every module
ROOT_ONLY = ("providers", "backend", *MOVES_SECTIONS)
#: the keys of a ``modules:`` block that are not inputs
MODULE_KEYS = ("source", "for_each", "providers")
OUTPUT_KEYS = ("value", "description", "sensitive")
BACKEND_KEYS = ("url", "name")
RESERVED = ("depends_on", "lifecycle", "for_each", "provider")
LIFECYCLE_KEYS = ("prevent_destroy", "ignore_changes", "allow_destroy", "create_before_destroy",
                  "replace_triggered_by")
SUFFIXES = (".yaml", ".yml")
#: a spec file larger than this is refused, not parsed (memory stays bounded)
MAX_FILE_BYTES = 10 * 10**6
#: a local whose value could not be evaluated
_FAILED = object()
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def load_specs(path: str | os.PathLike | Sequence[str | os.PathLike], *, registry: Mapping[str, ProviderSpec],
               env: Mapping[str, str] | None = None, var_args: Sequence[str] = (),
               var_files: Sequence[str] = (), stack_values: Sequence[Given] = ()) -> SpecSet:
    """Load every ``*.yaml`` / ``*.yml`` under ``path`` (or the one file ``path``).

    ``env`` (default ``os.environ``) feeds ``${env:NAME}`` and ``RECONCILER_VAR_NAME``;
    ``var_args`` are ``--var NAME=VALUE`` texts and ``var_files`` ``--var-file`` paths (see
    ``variables``: environment, then files, then ``--var``, the last one winning). Raises ``SpecSyntaxError`` for YAML
    that does not parse; otherwise collects every problem of every file and raises them together
    (one error: its class if all problems share one, else ``SpecValidationError``; ``.errors``
    lists them), each with ``file:line`` and the address.

    ``path`` may be several directories (a stack's): their files are merged as one set, and
    relative paths (``file()``) resolve against the first. ``stack_values`` (a stack's values,
    see ``spec.stacks``) rank below every other given value.
    """
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    path = paths[0]
    docs, problems, files = read_specs(path)
    for more in paths[1:]:  # (a stack's further directories; a file already read is read once)
        seen = set(files)
        more_docs, more_problems, more_files = read_specs(more)
        docs += [d for d in more_docs if d.file not in seen]
        problems += [p for p in more_problems if not p.location or p.location.file not in seen]
        files += tuple(f for f in more_files if f not in seen)
    root = FsPath(path) if FsPath(path).is_dir() else FsPath(path).parent
    env = os.environ if env is None else env
    given = [*stack_values, *given_values(var_args, var_files, env)]
    return _Merge(registry, env, problems, root, given).run(docs, files)


def read_specs(path: str | os.PathLike) -> tuple[list[Document], list[SpecError], tuple[str, ...]]:
    """The parsed documents of the spec files ``path`` stands for, the problems found parsing
    them, and the files; files inside a directory a ``modules:`` block of these files uses as its
    source are left out (they are the module's, loaded with each instance). Raises
    ``SpecSyntaxError`` (every file's) for what does not parse."""
    files = discover(path)
    docs, problems = [], []
    syntax: list[SpecError] = []
    for file in files:
        try:
            doc, found = _read(file)
        except SpecSyntaxError as exc:
            syntax.append(exc)
            continue
        docs.append(doc)
        problems.extend(found)
    raise_collected(syntax, files)
    top = FsPath(path).resolve()
    used = {u for u in module_sources(docs) if u != top and u.is_relative_to(top)}  # (only what lies inside)
    if used:
        inside = {d.file for d in docs if any(FsPath(d.file).resolve().is_relative_to(u) for u in used)}
        docs = [d for d in docs if d.file not in inside]
        problems = [p for p in problems if not p.location or p.location.file not in inside]
        files = tuple(f for f in files if f not in inside)
    return docs, problems, files


def module_sources(docs: Sequence[Document]) -> set[FsPath]:
    """The directories the ``modules:`` blocks of ``docs`` use (resolved; a source that is not a
    plain path is left to the loader to report)."""
    out: set[FsPath] = set()
    for doc in docs:
        section = doc.data.get("modules") if isinstance(doc.data, dict) else None
        if not isinstance(section, dict):
            continue
        for body in section.values():
            source = body.get("source") if isinstance(body, dict) else None
            if isinstance(source, str) and "${" not in source:
                out.add((FsPath(doc.file).parent / source).resolve())
    return out


def _read(file: str) -> tuple[Document, list[SpecError]]:
    """One spec file parsed; ``SpecSyntaxError`` when it cannot be."""
    try:
        size = FsPath(file).stat().st_size
        if size > MAX_FILE_BYTES:
            raise _at(SpecSyntaxError(
                f"{file}:1: the file is too large ({size / 1e6:.1f} MB); spec files are limited to {MAX_FILE_BYTES // 10**6} MB",
                hint="split it into several files in the specs directory"), Location(file, 1))
        raw_bytes = FsPath(file).read_bytes()
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw_bytes.count(b"\n", 0, exc.start) + 1
        raise _at(SpecSyntaxError(f"{file}:{line}: not UTF-8 text (byte {exc.start} is "
                                  f"0x{raw_bytes[exc.start]:02x})",
                                  hint="spec files must be UTF-8: save the file as UTF-8"),
                  Location(file, line)) from None
    except OSError as exc:
        raise SpecError(f"cannot read spec file {file}: {exc.strerror or exc}") from None
    return parse_document(file, text)


def discover(path: str | os.PathLike) -> tuple[str, ...]:
    """The spec files ``path`` stands for, sorted; hidden files and directories are skipped."""
    root = FsPath(path)
    if not root.exists():
        raise SpecError(f"spec path {root} does not exist", hint="pass --specs DIR or set RECONCILER_SPECS")
    if root.is_file():
        return (str(root),)
    found = sorted(
        p.relative_to(root)
        for p in root.rglob("*")
        if p.suffix in SUFFIXES and p.is_file() and not any(s.startswith(".") for s in p.relative_to(root).parts)
    )
    if not found:
        raise SpecError(f"no spec files found in {root}/; expected *.yaml")
    return tuple(str(root / p) for p in found)


def raise_collected(errors: list[SpecError], files: tuple[str, ...] = ()) -> None:
    """Raise nothing, the one error, or one error listing all (sorted by file and line)."""
    if not errors:
        return
    order = {f: i for i, f in enumerate(files)}

    def key(e: SpecError) -> tuple:
        loc = e.location
        return (order.get(loc.file, len(order)), loc.file, loc.line, loc.column) if loc else (len(order) + 1, "", 0, 0)

    errors = sorted(errors, key=key)
    if len(errors) == 1:
        errors[0].errors = errors  # type: ignore[attr-defined]
        raise errors[0]
    kinds = {type(e) for e in errors}
    cls = kinds.pop() if len(kinds) == 1 else SpecValidationError
    combined = cls(f"{len(errors)} problems in the specs:\n" + "\n".join(str(e) for e in errors))
    combined.location, combined.address = errors[0].location, errors[0].address
    combined.errors = errors  # type: ignore[attr-defined]
    raise combined


def _at(err: SpecError, location: Location) -> SpecError:
    err.location = location
    return err


def _body_locations(doc: Document) -> dict[Any, dict[tuple, Position]]:
    """The positions under each ``resources:`` entry of ``doc``, by the entry's key, relative to
    the entry (``{"t.a": {("name",): (3, 5), ("tags", 0): (4, 12)}}``): one pass over the
    document's."""
    bodies: dict[Any, dict[tuple, Position]] = {}
    for path, position in doc.locations.items():
        if len(path) > 2 and path[0] == "resources":
            body = bodies.get(path[1])
            if body is None:
                body = bodies[path[1]] = {}
            body[path[2:]] = position
    return bodies


@dataclass
class _Raw:
    """A spec entry before interpolation: its value, where it is, and its document; for a
    resource, the positions of its body (relative to it, as ``ResourceSpec.locations``)."""

    value: Any
    doc: Document
    path: tuple
    locations: dict[tuple, Position] = field(default_factory=dict)

    @property
    def location(self) -> Location:
        return self.doc.location_of(self.path)


class _Merge:
    """One load: merges documents, then checks and builds every section, collecting errors."""

    def __init__(self, registry: Mapping[str, ProviderSpec], env: Mapping[str, str], errors: list,
                 root: FsPath | None = None, given: Sequence[Given] = ()) -> None:
        self.registry = registry
        self.given = given  # variable values from outside the specs, lowest precedence first
        self.sensitive_vars: frozenset[str] = frozenset()
        self._scope: Scope | None = None  # (built once the variables are known)
        self.root = root  # the specs directory: file() reads inside it
        self.env = env
        self.errors: list[SpecError] = list(errors)
        self.types: Mapping[str, type[ResourceType]] = all_types(registry)
        self._attributes: dict[str, list[str]] = {}  # type -> the attributes a reference may name
        self.variables: dict[str, _Raw] = {}
        self.locals: dict[str, _Raw] = {}
        self.outputs: dict[str, _Raw] = {}
        #: local name -> (value, secret) once evaluated; None while it is being evaluated (a loop)
        self._local_values: dict[str, tuple[Any, bool, bool] | None] = {}
        self._values: dict[str, Any] = {}
        self._env_variables: frozenset[str] = frozenset()
        self.providers: dict[str, _Raw] = {}
        #: the root specs' ``providers:`` (the instances every module may use), and the instances
        #: this module instance was handed (name written in its files -> the root's instance)
        self.root_providers: dict[str, _Raw] = self.providers
        self.provider_map: dict[str, str] = {}
        self._bad_handovers: set[str] = set()  # module blocks whose providers: was reported
        self.resources: dict[Address, _Raw] = {}
        self.backend: _Raw | None = None
        #: block address -> its instances' (key, each.value) for a block with for_each
        self.for_each: dict[Address, list[tuple[str, Any]]] = {}
        #: the blocks of this module instance's own files (``resources`` holds every module's)
        self.own: list[Address] = []
        #: the module instance this merge loads ("" for the root specs), and the source
        #: directories from the root down to it (a source met twice is a loop)
        self.prefix = ""
        self.chain: tuple[FsPath, ...] = ()
        self.label = ""  # "module.team["sales"] (./modules/team)" in messages; "" at the root
        self.modules: dict[str, _Raw] = {}
        #: module block name -> {instance key ("" without for_each) -> its merge}; None while loading
        self.children: dict[str, dict[str, "_Merge"] | None] = {}
        self._module_keys: dict[str, list[str] | None] = {}
        self._output_values: dict[str, Any] = {}
        self.module_location: Location | None = None  # where the module block of this instance is
        self._instance_keys: dict[Address, list[str]] = {}
        self._instance_sets: dict[Address, frozenset[str]] = {}  # (membership tests stay O(1))
        #: ``moved:`` and ``import:`` entries (lists, not mappings: ``spec.moves``)
        self.refactorings = Refactorings(self.fail)

    def fail(self, cls: type[SpecError], message: str, location: Location, address: Any = None,
             hint: str | None = None) -> None:
        self.errors.append(cls(message, location=location, address=str(address) if address else None, hint=hint))

    # -- merging --------------------------------------------------------------------------------
    def run(self, docs: list[Document], files: tuple[str, ...]) -> SpecSet:
        self.load(docs)
        providers = self.build_providers(self._values, self._env_variables)
        resources = self.build_resources()
        backend = self.build_backend(self._values, self._env_variables)
        outputs = {name: out for name, raw in sorted(self.outputs.items())
                   if (out := self.build_output(name, raw, self._values, self._env_variables)) is not None}
        moved = self.refactorings.moved(resources, self.types)
        imports = self.refactorings.imports(resources, self.types, lambda value: substitute(
            value, variables=self._values, env=self.env, env_variables=self._env_variables, scope=self.scope(),
            refs_allowed="in an import id (it is known when the specs load)"))
        if not self.errors:  # (keys are compared once every block is valid)
            self.errors.extend(static_clashes(resources, self.types))
        raise_collected(self.errors, files)
        return SpecSet(resources=resources, providers=providers, variables=self._values, files=files,
                       backend=backend, locals=self._locals, outputs=outputs, moved=moved, imports=imports,
                       module_dirs=tuple(sorted({str(c.root) for c in self.descendants()})))

    def descendants(self) -> list["_Merge"]:
        """Every module instance loaded under this one."""
        out = []
        for by_key in self.children.values():
            for child in (by_key or {}).values():
                out += [child, *child.descendants()]
        return out

    def load(self, docs: list[Document]) -> None:
        """Everything but the resources' bodies: the documents merged, variables, locals, the
        blocks' ``for_each`` and every module instance (whose own blocks join ``resources``)."""
        for doc in docs:
            self.merge(doc)
        self._values, self._env_variables = self.build_variables()
        self._locals = self.build_locals()
        self._skipped = {a for a in self.own if not self.expand(a, self.resources[a])}
        for name in self.modules:
            self.instances_of(name)

    def build_resources(self) -> dict[Address, ResourceSpec]:
        """This merge's resources and those of every module instance under it, in address order."""
        resources: dict[Address, ResourceSpec] = {}
        for a in sorted(self.own):
            if a in self._skipped:
                continue
            raw = self.resources[a]
            instances = self.for_each.get(a)
            if instances is None:
                resources[a] = self.build_resource(a, raw, self._values, self._env_variables)
                continue
            for key, value in instances:  # (the block's body is read once; each instance substitutes it)
                resources[a.instance(key)] = self.build_resource(a.instance(key), raw, self._values,
                                                                 self._env_variables, each=(key, value))
        for instances in self.children.values():
            for child in (instances or {}).values():
                resources.update(child.build_resources())
        if self.for_each or self.children:  # instances in address order, as every other resource
            resources = dict(sorted(resources.items()))
        return resources

    def merge(self, doc: Document) -> None:
        data = doc.data
        if data is None:
            return
        if not isinstance(data, dict):
            self.fail(SpecValidationError, f"a spec file must be a mapping with keys {', '.join(TOP_LEVEL)}; "
                      f"got {_kind(data)}", doc.location_of(()))
            return
        for key, section in data.items():
            where = doc.location_of((key,))
            if key not in TOP_LEVEL:
                close = difflib.get_close_matches(key, TOP_LEVEL, n=1)
                self.fail(SpecValidationError, f"top-level key '{key}' is not allowed; allowed keys: "
                          f"{', '.join(TOP_LEVEL)}", where, hint=f"did you mean '{close[0]}'?" if close else None)
                continue
            if section is None:
                continue
            if self.prefix and key in ROOT_ONLY:
                self.fail(SpecValidationError, f"a module cannot declare '{key}' ({self.label}): the root specs "
                          f"declare {', '.join(ROOT_ONLY[:-1])} and {ROOT_ONLY[-1]} for every module", where,
                          hint=f"move the '{key}' block to the specs directory")
                continue
            if key in MOVES_SECTIONS:
                self.refactorings.add(key, section, doc.location_of)
                continue
            if not isinstance(section, dict):
                self.fail(SpecValidationError, f"'{key}' must be a mapping, got {_kind(section)}", where)
                continue
            getattr(self, f"merge_{key}")(doc, section)

    def _dup(self, seen: dict, key: Any, raw: _Raw, what: str) -> bool:
        first = seen.get(key)
        if first is None:
            seen[key] = raw
            return False
        self.fail(SpecValidationError, f"{what} '{key}' is defined twice: at {first.location} and at {raw.location}",
                  raw.location, hint="keep one definition")
        return True

    def merge_variables(self, doc: Document, section: dict) -> None:
        for name, value in section.items():
            raw = _Raw(value, doc, ("variables", name))
            if not _VAR_NAME.match(name):
                self.fail(SpecValidationError, f"'{name}' is not a valid variable name (letters, digits, _ and -)",
                          raw.location)
                continue
            self._dup(self.variables, name, raw, "variable")

    def merge_locals(self, doc: Document, section: dict) -> None:
        for name, value in section.items():
            raw = _Raw(value, doc, ("locals", name))
            if not _VAR_NAME.match(name):
                self.fail(SpecValidationError, f"'{name}' is not a valid local name (letters, digits, _ and -)",
                          raw.location)
                continue
            self._dup(self.locals, name, raw, "local")

    def merge_outputs(self, doc: Document, section: dict) -> None:
        for name, value in section.items():
            raw = _Raw(value, doc, ("outputs", name))
            if not _VAR_NAME.match(str(name)):
                self.fail(SpecValidationError, f"'{name}' is not a valid output name (letters, digits, _ and -)",
                          raw.location)
                continue
            self._dup(self.outputs, name, raw, "output")

    def merge_providers(self, doc: Document, section: dict) -> None:
        """Each key is a provider instance (``reconciler.instances``): a platform (its default
        instance) or ``<platform>.<alias>`` (a named one, e.g. a Dataiku automation node)."""
        for name, value in section.items():
            raw = _Raw(value, doc, ("providers", name))
            try:
                platform, _ = instances.parse(name)
            except ValueError as exc:
                self.fail(SpecValidationError, f"providers: {exc}", raw.location,
                          hint=f"known platforms: {', '.join(sorted(self.registry))}")
                continue
            if platform not in self.registry:
                close = difflib.get_close_matches(platform, list(self.registry), n=1)
                self.fail(SpecValidationError, f"unknown provider '{name}'; known providers: "
                          f"{', '.join(sorted(self.registry))} (a second instance of one is "
                          "<provider>.<alias>, e.g. dataiku.automation)", raw.location,
                          hint=f"did you mean '{close[0]}'?" if close else None)
                continue
            self._dup(self.providers, name, raw, "provider")

    def merge_backend(self, doc: Document, section: dict) -> None:
        raw = _Raw(section, doc, ("backend",))
        if self.backend is not None:
            self.fail(SpecValidationError, f"'backend' is defined twice: at {self.backend.location} and at "
                      f"{raw.location}", raw.location, hint="keep one backend block")
            return
        self.backend = raw

    def merge_resources(self, doc: Document, section: dict) -> None:
        bodies = _body_locations(doc)
        for key, body in section.items():
            raw = _Raw(body, doc, ("resources", key), bodies.get(key, {}))
            try:
                address = Address.parse(key)
            except ValueError:
                self.fail(SpecValidationError, f"'{key}' is not a resource address; expected {ADDRESS_FORMAT}",
                          raw.location)
                continue
            if address.module:
                self.fail(SpecValidationError, f"'{key}': a resource block's key has no module path; a module's "
                          "blocks are written as type.name in its own files", raw.location)
                continue
            if self.prefix:
                address = Address(address.type, address.name, address.key, self.prefix)
            if address.type not in self.types:
                close = difflib.get_close_matches(address.type, list(self.types), n=1)
                self.fail(SpecValidationError, f"unknown resource type '{address.type}'; known types: "
                          f"{', '.join(sorted(self.types))}", raw.location, address,
                          hint=f"did you mean '{close[0]}'?" if close else None)
                continue
            if self._dup(self.resources, address, raw, "resource"):
                continue
            if body is not None and not isinstance(body, dict):
                self.fail(SpecValidationError, f"a resource body must be a mapping of fields, got {_kind(body)}",
                          raw.location, address)
                self.resources.pop(address)
                continue
            self.own.append(address)

    def merge_modules(self, doc: Document, section: dict) -> None:
        for name, body in section.items():
            raw = _Raw(body, doc, ("modules", name))
            if not isinstance(name, str) or not _VAR_NAME.match(name):
                self.fail(SpecValidationError, f"'{name}' is not a valid module name (letters, digits, _ and -)",
                          raw.location)
                continue
            if not isinstance(body, dict) or not isinstance(body.get("source"), str):
                self.fail(SpecValidationError, f"module '{name}' must be a mapping with 'source' (a directory of spec "
                          f"files, relative to this file), its inputs and optionally 'for_each'; got "
                          f"{_kind(body) if not isinstance(body, dict) else 'no source'}", raw.location,
                          hint="e.g. source: ./modules/team")
                continue
            self._dup(self.modules, name, raw, "module")

    # -- building ---------------------------------------------------------------------------------
    def report(self, sub: Substitution, raw: _Raw, address: Any = None) -> None:
        for path, message, hint in sub.errors:
            self.fail(ReferenceError_, message, raw.doc.location_of(raw.path + path), address, hint)

    def build_variables(self) -> tuple[dict[str, Any], frozenset[str]]:
        """Every declared variable's value (given from outside, else its default), type-checked and
        validated; and the names of those whose value must not be shown."""
        decls = {name: self.declare(name, raw) for name, raw in self.variables.items()}
        self.sensitive_vars = frozenset(n for n, d in decls.items() if d is not None and d.sensitive)
        chosen: dict[str, Given] = {}
        for g in self.given:  # lowest precedence first: the last one wins
            if g.name in self.variables:
                chosen[g.name] = g
                continue
            declared = ", ".join(sorted(self.variables)) or "(none)"
            close = difflib.get_close_matches(g.name, list(self.variables), n=1)
            what = f"the module {self.label} declares no input '{g.name}'; its inputs" if self.prefix else \
                f"no variable '{g.name}' is declared in the specs; declared variables"
            self.errors.append(SpecValidationError(
                f"{g.source}: {what}: {declared}",
                location=g.location, hint=f"did you mean '{close[0]}'?" if close else "declare it under variables:"))
        values, hidden = {}, set(self.sensitive_vars)
        for name, decl in decls.items():
            if decl is None:
                continue
            g = chosen.get(name)
            if g is None:
                if not decl.has_default and self.prefix:
                    self.fail(SpecValidationError, f"{self.label}: input '{name}' is required (it has no default) "
                              f"and the module block does not give it", self.module_location,
                              hint=f"add {name}: ... to the module block (declared at {decl.location})")
                    continue
                if not decl.has_default:
                    self.fail(SpecValidationError, f"variable '{name}' has no value and no default", decl.location,
                              hint=f"give one: --var {name}=..., a --var-file, or {'RECONCILER_VAR_'}{name}=...")
                    continue
                value, source = decl.default, "its default"
                if name in self._default_from_env:
                    hidden.add(name)
            else:
                value, source = g.value, g.source
                if g.text:
                    try:
                        value = from_text(value, decl.vtype)
                    except ValueError as exc:
                        self.fail(SpecValidationError, f"variable '{name}' (from {source}): "
                                  f"{exc if not decl.sensitive else 'expected ' + decl.vtype.describe()}",
                                  decl.location, hint=f"its type is {decl.vtype}")
                        continue
            if isinstance(value, Passed):  # known only at apply: checked by the resources that use it
                values[name] = value
                continue
            if not conforms(value, decl.vtype):
                got = "a value of another type" if decl.sensitive else value_kind(value)
                self.fail(SpecValidationError, f"variable '{name}' (from {source}): expected "
                          f"{decl.vtype.describe()}, got {got}", g.location if g and g.location else decl.location,
                          hint=f"declared at {decl.location}" if g and g.location else f"its type is {decl.vtype}")
                continue
            if self.validate_variable(decl, value, source):
                values[name] = value
        return values, frozenset(hidden)

    def declare(self, name: str, raw: _Raw) -> Declaration | None:
        """``raw`` as a declaration (a plain value is an untyped default); None after an error."""
        if not hasattr(self, "_default_from_env"):
            self._default_from_env: set[str] = set()
        declared = is_declaration(raw.value)
        body = raw.value if declared else {"default": raw.value}
        decl = Declaration(name, raw.location)
        where = lambda key: raw.doc.location_of(raw.path + (key,))  # noqa: E731
        before = len(self.errors)
        if "type" in body:
            try:
                decl.vtype = parse_type(body["type"])
            except ValueError as exc:
                self.fail(SpecValidationError, f"variable '{name}': {exc}", where("type"))
        for key in ("description",):
            if key in body and not isinstance(body[key], str):
                self.fail(SpecValidationError, f"variable '{name}': description must be text", where(key))
        decl.description = body.get("description") or ""
        if "sensitive" in body:
            if not isinstance(body["sensitive"], bool):
                self.fail(SpecValidationError, f"variable '{name}': sensitive must be true or false, got "
                          f"{value_kind(body['sensitive'])}", where("sensitive"))
            else:
                decl.sensitive = body["sensitive"]
        if "default" in body:
            sub = substitute(body["default"], variables=None, env=self.env, refs_allowed="in variables",
                             scope=Scope(root=self.root))
            self.report(sub, _Raw(raw.value, raw.doc, raw.path + (("default",) if declared else ())))
            decl.default, decl.has_default = sub.value, True
            if sub.from_env:
                self._default_from_env.add(name)
            if decl.default is not None and not sub.errors and not conforms(decl.default, decl.vtype):
                got = "a value of another type" if decl.sensitive else value_kind(decl.default)
                self.fail(SpecValidationError, f"variable '{name}': the default is not {decl.vtype.describe()}: "
                          f"got {got}", where("default"))
        rules = body.get("validation") or []
        if isinstance(rules, dict):
            rules = [rules]
        if not isinstance(rules, list):
            self.fail(SpecValidationError, f"variable '{name}': validation must be a list of {{condition, message}}",
                      where("validation"))
            rules = []
        for i, rule in enumerate(rules):
            at = raw.doc.location_of(raw.path + ("validation", i)) if isinstance(body.get("validation"), list) \
                else where("validation")
            if not isinstance(rule, dict) or set(rule) - set(VALIDATION_KEYS) or "condition" not in rule \
                    or not isinstance(rule.get("message", ""), str):
                self.fail(SpecValidationError, f"variable '{name}': a validation rule is a mapping with "
                          f"'condition' (a ${{...}} expression of var.{name}) and 'message' (text)", at)
                continue
            decl.validations.append(Validation(rule["condition"], rule.get("message") or "the value is not valid", at))
        return decl if len(self.errors) == before else None

    def validate_variable(self, decl: Declaration, value: Any, source: str) -> bool:
        """Whether ``value`` passes ``decl``'s validation rules (each failure is reported)."""
        ok = True
        for rule in decl.validations:
            secret = frozenset({decl.name}) if decl.sensitive else frozenset()
            sub = substitute(rule.condition, variables={decl.name: value}, env=self.env, env_variables=secret,
                             refs_allowed="in a validation rule",
                             scope=Scope(root=self.root))
            if sub.errors:
                for _path, message, hint in sub.errors:
                    self.fail(SpecValidationError, f"variable '{decl.name}' validation: {message}", rule.location,
                              hint=hint)
                ok = False
                continue
            if not isinstance(sub.value, bool):
                self.fail(SpecValidationError, f"variable '{decl.name}' validation: the condition must be true or "
                          f"false, got {value_kind(sub.value)}", rule.location,
                          hint=f"e.g. condition: ${{contains([\"dev\", \"prod\"], var.{decl.name})}}")
                ok = False
            elif not sub.value:
                self.fail(SpecValidationError, f"variable '{decl.name}' = {show(value, decl.sensitive)} (from {source}): "
                          f"{rule.message}", rule.location)
                ok = False
        return ok

    def scope(self) -> Scope:
        """What names mean in providers, resources and the backend: locals, the specs directory,
        the module instance and its modules' outputs."""
        if self._scope is None:
            self._scope = Scope(local=self.local_value, root=self.root, sensitive_vars=self.sensitive_vars,
                                instances=self.instance_keys, module=self.prefix, module_output=self.module_output)
        return self._scope

    # -- modules ----------------------------------------------------------------------------------
    def instances_of(self, name: str) -> dict[str, "_Merge"]:
        """Module block ``name``'s instances, by key ("" without ``for_each``), loaded on first use
        (a module's input may use another module's output); ``ExprError`` for a loop."""
        if name in self.children:
            done = self.children[name]
            if done is None:
                loading = [n for n, v in self.children.items() if v is None]
                raise ExprError(f"modules use each other's outputs in a loop: {' -> '.join(loading)} -> {name}",
                                "one of them must not take an input from the other's outputs")
            return done
        self.children[name] = None
        raw = self.modules[name]
        out: dict[str, _Merge] = {}
        try:
            source = self.module_source(name, raw)
            keys = self.module_for_each(name, raw) if source is not None else None
            if source is not None and keys is not None:
                out = {key: child for key, each in keys
                       if (child := self.instantiate(name, raw, source, key, each)) is not None}
        finally:
            self.children[name] = out
        self._module_keys[name] = sorted(out) if "for_each" in raw.value else None
        return out

    def module_source(self, name: str, raw: _Raw) -> FsPath | None:
        """The directory module block ``name`` loads (None after an error: missing, a loop)."""
        at = raw.doc.location_of(raw.path + ("source",))
        written = raw.value["source"]
        source = (FsPath(raw.doc.file).parent / written).resolve()
        if not source.is_dir() or not any(p.suffix in SUFFIXES for p in source.rglob("*")):
            self.fail(SpecValidationError, f"module '{name}': source {written!r} is not a directory of spec files "
                      f"(looked in {source})", at, f"module.{name}",
                      hint="source is a local directory, relative to this file, holding the module's *.yaml files")
            return None
        if source in self.chain:
            loop = " -> ".join(str(p) for p in (*self.chain[self.chain.index(source):], source))
            self.fail(SpecValidationError, f"module '{name}': source {written!r} loops back on itself: {loop}", at,
                      f"module.{name}", hint="a module cannot use itself, directly or through other modules")
            return None
        return source

    def module_for_each(self, name: str, raw: _Raw) -> list[tuple[str, Any]] | None:
        """``[(key, each.value)]`` of module block ``name`` (``[("", None)]`` without for_each)."""
        if "for_each" not in raw.value:
            return [("", None)]
        return self.for_each_instances(module_step(name), raw)

    def instantiate(self, name: str, raw: _Raw, source: FsPath, key: str, each: Any) -> "_Merge | None":
        """One instance of module block ``name``: its inputs evaluated here, its files loaded."""
        step = module_step(name, key)
        path = f"{self.prefix}.{step}" if self.prefix else step
        inputs = {k: v for k, v in raw.value.items() if k not in MODULE_KEYS}
        given: list[Given] = []
        scope = self.scope() if not key else self.scope().but(each=(key, each))
        for input_name, value in inputs.items():
            at = raw.doc.location_of(raw.path + (input_name,))
            sub = substitute(value, variables=self._values, env=self.env, env_variables=self._env_variables,
                             scope=scope)
            self.report(sub, _Raw(raw.value, raw.doc, raw.path + (input_name,)), path)
            if sub.errors:
                continue
            refs = []
            for ref_path, token in sub.references:
                if self.check_reference(path, token, lambda: at):
                    refs.append(Ref(token.address, token.attr, token.text))
            given.append(Given(str(input_name), passed(sub.value, refs), f"{path}: input '{input_name}'",
                               False, at))
        try:
            docs, problems, _files = read_specs(source)
        except SpecError as exc:
            self.errors.append(exc)
            return None
        child = _Merge(self.registry, self.env, [], source, given)
        child.errors = self.errors
        self.errors.extend(problems)
        child.prefix, child.chain = path, (*self.chain, source)
        child.label = f"{path} ({raw.value['source']})"
        child.resources, child._attributes = self.resources, self._attributes  # one table for every module
        child._instance_keys, child._instance_sets = self._instance_keys, self._instance_sets
        child.module_location = raw.location
        child.root_providers = self.root_providers
        child.provider_map = self.handed_instances(name, raw, path)
        child.load(docs)
        return child

    def handed_instances(self, name: str, raw: _Raw, path: str) -> dict[str, str]:
        """The provider instances module block ``name`` hands its module (``providers: {dataiku:
        dataiku.automation}``: name inside the module -> this merge's instance), composed with those
        this merge was handed; a name the block does not mention is this merge's own. A bad mapping
        is an error (reported once per block, not per instance) and hands nothing."""
        mapping = raw.value.get("providers")
        if mapping is None:
            return dict(self.provider_map)
        problems = instances.mapping_problems(mapping, set(self.root_providers) | set(self.provider_map))
        if problems:
            if name not in self._bad_handovers:
                self._bad_handovers.add(name)
                for problem in problems:
                    self.fail(SpecValidationError, f"module '{name}': {problem}",
                              raw.doc.location_of(raw.path + ("providers",)), path)
            return dict(self.provider_map)
        return {**self.provider_map, **{k: self.provider_map.get(v, v) for k, v in mapping.items()}}

    def module_output(self, full: str, name: str) -> Any:
        """``module.NAME[KEY].OUTPUT`` (``full`` is the module instance path, or a ``for_each``
        module block's path: then the map of its instances' values)."""
        own = full[len(self.prefix) + 1:] if self.prefix else full
        steps = list(MODULE_STEP_RE.finditer(own))
        if len(steps) != 1 or steps[0].end() != len(own):
            raise ExprError(f"'{full}.{name}': only the outputs of this specs' own module blocks can be read "
                            "(module.NAME.OUTPUT); a nested module's outputs reach here through its parent's outputs")
        block, key = steps[0]["name"], json.loads(steps[0]["key"]) if steps[0]["key"] else ""
        if block not in self.modules:
            known = ", ".join(sorted(self.modules)) or "(none)"
            raise ExprError(f"'module.{block}' is not a module block of these specs; module blocks: {known}")
        instances = self.instances_of(block)
        keys = self._module_keys.get(block)
        if key:
            if keys is None:
                raise ExprError(f"module.{block} has no for_each, so no instance {json.dumps(key)}",
                                f"write module.{block}.{name}")
            if key not in instances:
                raise ExprError(f"module.{block} has no instance {json.dumps(key)}; its keys: "
                                f"{', '.join(json.dumps(k) for k in keys[:20])}")
            return instances[key].output_value(name)
        if keys is not None:  # every instance's value, by key
            values = {k: instances[k].output_value(name) for k in keys}
            if not any(isinstance(v, Passed) for v in values.values()):
                return values
            return Passed(MapExpr(tuple((k, v.node if isinstance(v, Passed) else Lit(v)) for k, v in values.items())),
                          tuple(r for v in values.values() if isinstance(v, Passed) for r in v.refs))
        if "" not in instances:
            raise ExprError(f"module.{block} could not be loaded (see its error)")
        return instances[""].output_value(name)

    def output_value(self, name: str) -> Any:
        """This module instance's output ``name``: final, or a ``Passed`` that waits for apply."""
        if name in self._output_values:
            return self._output_values[name]
        raw = self.outputs.get(name)
        if raw is None:
            known = ", ".join(sorted(self.outputs)) or "(none)"
            raise ExprError(f"{self.label} has no output '{name}'; its outputs: {known}")
        out = self.build_output(name, raw, self._values, self._env_variables)
        if out is None:
            raise ExprError(f"{self.label}: output '{name}' has an error (at {raw.location})")
        value = passed(out.value, [Ref(r.address, r.attr, r.expr) for r in out.references])
        self._output_values[name] = value
        return value

    def build_locals(self) -> dict[str, Any]:
        """Every local's value (each evaluated once, on first use or here; errors reported once)."""
        out = {}
        for name in self.locals:
            try:
                out[name] = self.local_value(name)[0]
            except ExprError:
                continue  # (reported where the local is written)
        return out

    def local_value(self, name: str) -> tuple[Any, bool, bool]:
        """``local.NAME``'s value, whether it is secret and whether it holds a sensitive variable's
        value; ``ExprError`` when it is not defined,
        is part of a loop, or could not be evaluated (that error is reported at the local)."""
        if name not in self.locals:
            defined = ", ".join(sorted(self.locals)) or "(none)"
            close = difflib.get_close_matches(name, list(self.locals), n=1)
            raise ExprError(f"undefined local '{name}'; defined locals: {defined}",
                            f"did you mean local.{close[0]}?" if close else "define it under locals:")
        if name in self._local_values:
            done = self._local_values[name]
            if done is None:
                loop = [n for n, v in self._local_values.items() if v is None]
                raise ExprError(f"locals refer to each other in a loop: {' -> '.join(f'local.{n}' for n in loop)}"
                                f" -> local.{name}", "break the loop: one of them must not use the other")
            if done[0] is _FAILED:
                raise ExprError(f"local.{name} has an error (at {self.locals[name].location})")
            return done
        raw = self.locals[name]
        self._local_values[name] = None
        sub = substitute(raw.value, variables=self._values, env=self.env, env_variables=self._env_variables,
                         refs_allowed="in locals (a local is known when the specs load; put the reference in "
                                      "the resource that needs it)", scope=self.scope())
        self._local_values.pop(name)
        self.report(sub, raw)
        done = (_FAILED if sub.errors else sub.value, bool(sub.from_env), bool(sub.sensitive))
        self._local_values[name] = done
        if sub.errors:
            raise ExprError(f"local.{name} has an error (at {raw.location})")
        return done

    def build_providers(self, variables: dict, env_variables: frozenset[str]) -> dict[str, ProviderConfig]:
        out = {}
        for name, raw in sorted(self.providers.items()):
            spec = self.registry[instances.platform_of(name)]
            sub = substitute(raw.value or {}, variables=variables, env=self.env, env_variables=env_variables,
                             refs_allowed="in provider settings", scope=self.scope())
            self.report(sub, raw)
            if not isinstance(sub.value, dict):
                self.fail(SpecValidationError, f"provider '{name}' settings must be a mapping, got {_kind(sub.value)}",
                          raw.location)
                continue
            hide = set(sub.from_env) | {(s,) for s in spec.secret_settings}
            for issue in validate.check(spec.settings_model, sub.value, hide=hide, skip=[p for p, *_ in sub.errors],
                                        ignore_types=frozenset({"missing"})):
                self.fail(SpecValidationError, f"provider '{name}': {issue.message}",
                          raw.doc.location_of(raw.path + issue.path), hint=issue.hint)
            out[name] = ProviderConfig(name, sub.value, raw.location)
        return out

    def build_backend(self, variables: dict, env_variables: frozenset[str]) -> BackendConfig | None:
        """The ``backend:`` block (``url``, optional ``name``). Its values are never echoed: the URL may
        hold a password from ``${env:...}``."""
        raw = self.backend
        if raw is None:
            return None
        sub = substitute(raw.value, variables=variables, env=self.env, env_variables=env_variables,
                         refs_allowed="in the backend block", scope=self.scope())
        self.report(sub, raw)
        if sub.errors:
            return None
        value, before = sub.value, len(self.errors)

        def where(key: str) -> Location:
            return raw.doc.location_of(("backend", key))

        for key in value:
            if key not in BACKEND_KEYS:
                close = difflib.get_close_matches(str(key), BACKEND_KEYS, n=1)
                self.fail(SpecValidationError, f"backend key '{key}' is not allowed; allowed keys: "
                          f"{', '.join(BACKEND_KEYS)}", where(key), hint=f"did you mean '{close[0]}'?" if close else None)
        url, name = value.get("url"), value.get("name")
        if not isinstance(url, str) or not url.strip():
            self.fail(SpecValidationError, f"backend 'url' is required: a postgresql:// URL or a state file path"
                      f"{'' if url is None else f', got {_kind(url)}'}", where("url") if "url" in value else raw.location,
                      hint="e.g. url: postgresql://reconciler@db.internal/platform (password in PGPASSWORD)")
        elif "://" in url and not url.lower().startswith(("postgresql://", "postgres://", "file://")):
            self.fail(SpecValidationError, f"backend 'url' scheme {url.split('://', 1)[0]!r} is not supported; "
                      "allowed: postgresql://, postgres://, file:// or a state file path", where("url"))
        elif name is not None:
            if not isinstance(name, str) or not name:
                self.fail(SpecValidationError, f"backend 'name' must be a non-empty string, got {_kind(name)}",
                          where("name"))
            elif not url.lower().startswith(("postgresql://", "postgres://")):
                self.fail(SpecValidationError, "backend 'name' applies to a postgresql:// url only (a state file "
                          "is named by its path)", where("name"))
            elif any(k == "name" for k, _ in parse_qsl(url.partition("?")[2], keep_blank_values=True)):
                self.fail(SpecValidationError, "the backend's state name is given twice: in 'name' and in the url's "
                          "?name=", where("name"), hint="keep one")
        if len(self.errors) > before:
            return None
        return BackendConfig(url=url, name=name, location=raw.location)

    def build_output(self, name: str, raw: _Raw, variables: dict,
                     env_variables: frozenset[str]) -> OutputSpec | None:
        """One ``outputs:`` entry: ``value`` (required; may reference resources, locals, variables),
        ``description`` (text), ``sensitive`` (true/false). None after an error."""
        body, before, label = raw.value, len(self.errors), f"output.{name}"

        def where(*path: Any) -> Location:
            return raw.doc.location_of(raw.path + path)

        if not isinstance(body, dict) or "value" not in body:
            self.fail(SpecValidationError, f"output '{name}' must be a mapping with 'value' (and optionally "
                      f"'description', 'sensitive'), got {_kind(body) if not isinstance(body, dict) else 'no value'}",
                      raw.location, label, hint="e.g. value: ${dataiku_project.sales.key}")
            return None
        for key in body:
            if key not in OUTPUT_KEYS:
                close = difflib.get_close_matches(str(key), OUTPUT_KEYS, n=1)
                self.fail(SpecValidationError, f"output '{name}': key '{key}' is not allowed; allowed keys: "
                          f"{', '.join(OUTPUT_KEYS)}", where(key), label,
                          hint=f"did you mean '{close[0]}'?" if close else None)
        description = body.get("description", "")
        if not isinstance(description, str):
            self.fail(SpecValidationError, f"output '{name}': description must be text, got {_kind(description)}",
                      where("description"), label)
        sensitive = body.get("sensitive", False)
        if not isinstance(sensitive, bool):
            self.fail(SpecValidationError, f"output '{name}': sensitive must be true or false, got "
                      f"{_kind(sensitive)}", where("sensitive"), label)
        sub = substitute(body["value"], variables=variables, env=self.env, env_variables=env_variables,
                         scope=self.scope())
        self.report(sub, _Raw(body, raw.doc, raw.path + ("value",)), label)
        if (sub.sensitive or sub.from_env) and sensitive is not True:
            self.fail(SpecValidationError, f"output '{name}' uses a sensitive variable or an environment value, "
                      "which would be stored and printed", where("value"), label,
                      hint="add sensitive: true (then only a keyed hash is stored and nothing is printed)")
        references = []
        for path, token in sub.references:
            if not self.check_reference(label, token, lambda path=path: where("value", *path)):  # type: ignore[arg-type]
                continue
            if token.attr[0] in self.types[token.address.type].sensitive:
                self.fail(SpecValidationError, f"output '{name}': '{token.text}' is a sensitive field of "
                          f"{token.address.type}, which is never stored, so no output can hold it",
                          where("value", *path), label, hint="output another attribute")
                continue
            references.append(Reference(token.address, token.attr, token.text, path))
        if len(self.errors) > before:
            return None
        return OutputSpec(name, sub.value, description, sensitive, raw.location, tuple(references))

    def expand(self, address: Address, raw: _Raw) -> bool:
        """Reads the block's ``for_each`` (if any) into ``self.for_each``; False after an error."""
        if not isinstance(raw.value, dict) or "for_each" not in raw.value:
            return True
        instances = self.for_each_instances(address, raw)
        if instances is None:
            return False
        self.for_each[address] = instances
        self._instance_keys[address] = [k for k, _ in instances]
        self._instance_sets[address] = frozenset(self._instance_keys[address])
        return True

    def for_each_instances(self, address: Any, raw: _Raw) -> list[tuple[str, Any]] | None:
        """``[(key, each.value)]`` of the ``for_each`` of block ``raw`` (a resource's or a module's,
        ``address`` naming it in messages); None after an error."""
        at = raw.doc.location_of(raw.path + ("for_each",))
        allowed = "a map (its keys name the instances) or a list of distinct strings"
        sub = substitute(raw.value["for_each"], variables=self._values, env=self.env,
                         env_variables=self._env_variables, scope=self.scope())
        if sub.errors:
            self.report(sub, _Raw(raw.value, raw.doc, raw.path + ("for_each",)), address)
            return None
        if sub.references:
            _, token = sub.references[0]
            self.fail(SpecValidationError, f"for_each uses '{token.text}', known only at plan or apply: the instances' "
                      "keys would be unknown until apply; for_each must be known when the specs load", at, address,
                      hint="build for_each from variables, locals and literals; reference resources inside the block")
            return None
        if sub.sensitive or sub.from_env:
            self.fail(SpecValidationError, "for_each uses a sensitive or environment value: instance keys are shown "
                      "in every plan and stored in state", at, address, hint="build for_each from non-secret values")
            return None
        value = sub.value
        if isinstance(value, dict):
            instances = [(str(k), v) for k, v in value.items()]
        elif isinstance(value, list):
            instances, first = [], {}
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    self.fail(SpecValidationError, f"for_each: item {i + 1} is {value_kind(item)}; for_each takes "
                              f"{allowed}", raw.doc.location_of(raw.path + ("for_each", i)), address)
                    return None
                if item in first:
                    self.fail(SpecValidationError, f"for_each: {item!r} is listed twice (items {first[item] + 1} and "
                              f"{i + 1}); for_each takes {allowed}", raw.doc.location_of(raw.path + ("for_each", i)),
                              address, hint="each instance needs its own key: remove the duplicate")
                    return None
                first[item] = i
                instances.append((item, item))
        else:
            self.fail(SpecValidationError, f"for_each is {value_kind(value)}; for_each takes {allowed}", at, address,
                      hint="e.g. for_each: [sales, marketing] or for_each: ${var.teams}")
            return None
        for key, _ in instances:
            if not key:
                self.fail(SpecValidationError, "for_each: an instance key is empty; keys name the instances", at, address)
                return None
        return instances

    def inside(self, address: Address) -> Address:
        """``address`` as written in this module instance's files, made whole."""
        if not self.prefix:
            return address
        return Address(address.type, address.name, address.key,
                       f"{self.prefix}.{address.module}" if address.module else self.prefix)

    def instance_keys(self, block: Address) -> list[str] | None:
        """The instance keys of a ``for_each`` block; None for a plain block."""
        return self._instance_keys.get(block)

    def build_resource(self, address: Address, raw: _Raw, variables: dict,
                       env_variables: frozenset[str], each: tuple[str, Any] | None = None) -> ResourceSpec:
        rtype = self.types[address.type]
        body = dict(raw.value or {})
        reserved = {k: body.pop(k) for k in RESERVED if k in body}
        locations, location = raw.locations, raw.location

        def where(path: tuple) -> Location:
            for end in range(len(path), 0, -1):
                if (at := locations.get(path[:end])) is not None:
                    return Location(location.file, *at)
            return location

        scope = self.scope() if each is None else self.scope().but(each=each)
        sub = substitute(body, variables=variables, env=self.env, env_variables=env_variables, scope=scope)
        self.report(sub, raw, address)
        for path in sorted(sub.sensitive, key=str):
            if not path or path[0] not in rtype.sensitive:
                allowed = ", ".join(sorted(rtype.sensitive)) or "none"
                self.fail(SpecValidationError, f"'{'.'.join(map(str, path))}' uses a sensitive variable, but is not a "
                          f"sensitive field of {address.type} (its sensitive fields: {allowed}); a sensitive value is "
                          "never printed or stored, so it may go only into sensitive fields, provider settings and "
                          "the backend block", where(path), address,
                          hint="remove sensitive: true from the variable if its value may be shown")
        references = []
        for path, token in sub.references:  # (where it is written is looked up for an error only)
            if self.check_reference(address, token, lambda path=path: where(path)):
                references.append(Reference(token.address, token.attr, token.text, path))
        skip = {p for p, _ in sub.references} | {p for p, *_ in sub.errors}
        hide = set(sub.from_env) | {(f,) for f in rtype.sensitive}
        for issue in validate.check(rtype.spec_model, sub.value, skip=skip, hide=hide):
            self.fail(SpecValidationError, issue.message, where(issue.path), address, issue.hint)
        return ResourceSpec(
            address=address,
            attrs=sub.value,
            depends_on=self.build_depends_on(address, raw, reserved.get("depends_on")),
            lifecycle=self.build_lifecycle(address, raw, rtype, reserved.get("lifecycle")),
            location=location,
            locations=locations,
            references=tuple(references),
            provider=(self.build_instance(address, raw, reserved.get("provider"), "provider" in reserved)
                      if "provider" in reserved or self.provider_map else None),
        )

    def build_instance(self, address: Address, raw: _Raw, value: Any, written: bool = True) -> str | None:
        """A resource's ``provider:`` key (``written``; else the default instance): the instance of
        its platform it talks to, as a module block handed it (``reconciler.instances.remap``); None
        for the default one. It must name the resource's platform and, unless it is the default
        instance, an instance the root specs' ``providers:`` section declares."""
        where = raw.doc.location_of(raw.path + ("provider",)) if written else raw.location
        platform = address.provider
        allowed = instances.known_list(platform, self.root_providers)
        if written:
            try:
                named_platform, _ = instances.parse(value)
            except ValueError as exc:
                self.fail(SpecValidationError, f"provider: {exc}", where, address,
                          hint=f"instances of {platform}: {allowed}")
                return None
            if named_platform != platform:
                self.fail(SpecValidationError, f"provider: {address.type} is a {platform} resource, so it cannot talk "
                          f"to '{value}'; instances of {platform}: {allowed}", where, address)
                return None
        mapped = instances.resolve(instances.remap(value if written else None, platform, self.provider_map), platform)
        if not instances.is_default(mapped) and mapped not in self.root_providers:
            close = difflib.get_close_matches(mapped, allowed.split(", "), n=1)
            handed = (f" (as {self.label} was handed it)" if mapped != value else
                      f" ({self.label}: its module block may hand it one: providers: {{{value}: ...}})") \
                if self.prefix else ""
            self.fail(SpecValidationError, f"provider: unknown provider instance '{mapped}'{handed}; instances of "
                      f"{platform}: {allowed}", where, address,
                      hint=f"did you mean '{close[0]}'?" if close else f"declare it under providers: ({mapped}: "
                           "{url: ..., ...})")
            return None
        return instances.stored(mapped)

    def check_reference(self, address: Address, token: Any, where: Callable[[], Location]) -> bool:
        """Whether ``token`` names a declared resource and one of its attributes; else an error
        at ``where()``."""
        target: Address = token.address
        raw = self.resources.get(target.block)
        if raw is None:
            known = [str(a) for a in self.resources]
            close = difflib.get_close_matches(str(target.block), known, n=1)
            self.fail(ReferenceError_, f"'{token.text}' refers to {target.block}, which is not defined in the specs",
                      where(), address, hint=f"did you mean {close[0]}?" if close else None)
            return False
        keys = self.instance_keys(target.block)
        if target.key and keys is None:
            self.fail(ReferenceError_, f"'{token.text}': {target.block} has no for_each, so no instance "
                      f"{target.key!r}", where(), address, hint=f"refer to it as ${{{target.block}.<attribute>}}")
            return False
        if target.key and target.key not in self._instance_sets[target.block]:
            close = difflib.get_close_matches(target.key, keys, n=1)
            shown = ", ".join(json.dumps(k) for k in keys[:20]) + (" ..." if len(keys) > 20 else "")
            self.fail(ReferenceError_, f"'{token.text}': {target.block} has no instance {json.dumps(target.key)}; its "
                      f"keys: {shown}", where(), address, hint=f"did you mean {json.dumps(close[0])}?" if close else None)
            return False
        allowed = self._attributes.get(target.type)
        if allowed is None:  # once per type: thousands of references point at a few types
            rtype = self.types[target.type]
            fields = validate.spec_keys(rtype.spec_model)
            allowed = self._attributes[target.type] = fields + sorted(set(rtype.server_owned) - set(fields))
        if token.attr[0] not in allowed:
            close = difflib.get_close_matches(token.attr[0], allowed, n=1)
            self.fail(ReferenceError_, f"'{token.text}': {target.type} has no attribute '{token.attr[0]}'; "
                      f"allowed attributes: {', '.join(allowed)}", where(), address,
                      hint=f"did you mean '{close[0]}'?" if close else None)
            return False
        return True

    def build_depends_on(self, address: Address, raw: _Raw, value: Any) -> tuple[Address, ...]:
        if value is None:
            return ()
        base = raw.path + ("depends_on",)
        if not isinstance(value, list):
            self.fail(SpecValidationError, f"depends_on must be a list of resource addresses, got {_kind(value)}",
                      raw.doc.location_of(base), address)
            return ()
        out: list[Address] = []
        for i, item in enumerate(value):
            try:
                dep = self.inside(Address.parse(item))
            except ValueError:
                self.fail(SpecValidationError, f"depends_on: {item!r} is not a resource address; expected "
                          f"{ADDRESS_FORMAT}", raw.doc.location_of(base + (i,)), address)
                continue
            if dep.block not in self.resources:
                close = difflib.get_close_matches(str(dep), [str(a) for a in self.resources], n=1)
                self.fail(ReferenceError_, f"depends_on: {dep} is not defined in the specs",
                          raw.doc.location_of(base + (i,)), address,
                          hint=f"did you mean {close[0]}?" if close else None)
                continue
            keys = self.instance_keys(dep.block)
            if dep.key and (keys is None or dep.key not in self._instance_sets[dep.block]):
                self.fail(ReferenceError_, f"depends_on: {dep.block} has no instance {json.dumps(dep.key)}"
                          + (f"; its keys: {', '.join(json.dumps(k) for k in keys[:20])}" if keys else " (no for_each)"),
                          raw.doc.location_of(base + (i,)), address)
                continue
            for one in ([dep] if dep.key or keys is None else [dep.instance(k) for k in keys]):
                if one not in out:
                    out.append(one)
        return tuple(out)

    def build_lifecycle(self, address: Address, raw: _Raw, rtype: type[ResourceType], value: Any) -> Lifecycle:
        if value is None:
            return Lifecycle()
        base = raw.path + ("lifecycle",)
        if not isinstance(value, dict):
            self.fail(SpecValidationError, f"lifecycle must be a mapping with keys {', '.join(LIFECYCLE_KEYS)}, "
                      f"got {_kind(value)}", raw.doc.location_of(base), address)
            return Lifecycle()
        for key in value:
            if key not in LIFECYCLE_KEYS:
                close = difflib.get_close_matches(key, LIFECYCLE_KEYS, n=1)
                self.fail(SpecValidationError, f"lifecycle key '{key}' is not allowed; allowed keys: "
                          f"{', '.join(LIFECYCLE_KEYS)}", raw.doc.location_of(base + (key,)), address,
                          hint=f"did you mean '{close[0]}'?" if close else None)
        flags = {}
        for flag in ("prevent_destroy", "allow_destroy", "create_before_destroy"):
            flags[flag] = value.get(flag, False)
            if not isinstance(flags[flag], bool):
                self.fail(SpecValidationError, f"lifecycle.{flag}: expected true or false, got {flags[flag]!r}",
                          raw.doc.location_of(base + (flag,)), address)
                flags[flag] = False
        prevent, allow = flags["prevent_destroy"], flags["allow_destroy"]
        if allow and not rtype.delete_opt_in:
            self.fail(SpecValidationError, f"lifecycle.allow_destroy: {address.type} needs no opt-in to be deleted; "
                      "remove the key", raw.doc.location_of(base + ("allow_destroy",)), address)
            allow = False
        before = flags["create_before_destroy"]
        if before and rtype.unique_key:
            self.fail(SpecValidationError, f"lifecycle.create_before_destroy: {address.type} cannot have a replacement "
                      f"next to the object it replaces: {rtype.unique_key}",
                      raw.doc.location_of(base + ("create_before_destroy",)), address,
                      hint="remove the key (the default replaces by deleting first, then creating)")
            before = False
        triggers = self.build_triggers(address, raw, value.get("replace_triggered_by"))
        ignore = value.get("ignore_changes") or []
        fields = validate.spec_keys(rtype.spec_model)
        common = dict(prevent_destroy=prevent, allow_destroy=allow, create_before_destroy=before,
                      replace_triggered_by=triggers)
        if not isinstance(ignore, list) or not all(isinstance(f, str) for f in ignore):
            self.fail(SpecValidationError, f"lifecycle.ignore_changes: expected a list of field names, got {ignore!r}",
                      raw.doc.location_of(base + ("ignore_changes",)), address)
            return Lifecycle(**common)
        for i, name in enumerate(ignore):
            if name not in fields:
                close = difflib.get_close_matches(name, fields, n=1)
                self.fail(SpecValidationError, f"lifecycle.ignore_changes: '{name}' is not a field of {address.type}; "
                          f"fields: {', '.join(fields)}", raw.doc.location_of(base + ("ignore_changes", i)), address,
                          hint=f"did you mean '{close[0]}'?" if close else None)
        return Lifecycle(ignore_changes=tuple(dict.fromkeys(ignore)), **common)

    def build_triggers(self, address: Address, raw: _Raw, value: Any) -> tuple[tuple[Address, str | None], ...]:
        """``lifecycle.replace_triggered_by``: a list of ``type.name`` or ``type.name.attribute``."""
        if value is None:
            return ()
        base = raw.path + ("lifecycle", "replace_triggered_by")
        if not isinstance(value, list):
            self.fail(SpecValidationError, "lifecycle.replace_triggered_by: expected a list of resource addresses "
                      f"(or address.attribute), got {_kind(value)}", raw.doc.location_of(base), address)
            return ()
        out: list[tuple[Address, str | None]] = []
        for i, item in enumerate(value):
            where = raw.doc.location_of(base + (i,))
            target, attr = _trigger(item)
            target = self.inside(target) if target is not None else None
            if target is None:
                self.fail(SpecValidationError, f"lifecycle.replace_triggered_by: {item!r} is not a resource address; "
                          f"expected {ADDRESS_FORMAT} or {ADDRESS_FORMAT}.attribute", where, address)
                continue
            if target not in self.resources:
                close = difflib.get_close_matches(str(target), [str(a) for a in self.resources], n=1)
                self.fail(ReferenceError_, f"lifecycle.replace_triggered_by: {target} is not defined in the specs",
                          where, address, hint=f"did you mean {close[0]}?" if close else None)
                continue
            if target == address:
                self.fail(SpecValidationError, "lifecycle.replace_triggered_by: a resource cannot trigger its own "
                          "replacement (use `--replace` for a one-off)", where, address)
                continue
            if attr is not None:
                rtype = self.types[target.type]
                allowed = validate.spec_keys(rtype.spec_model) + sorted(set(rtype.server_owned))
                if attr not in allowed:
                    close = difflib.get_close_matches(attr, allowed, n=1)
                    self.fail(ReferenceError_, f"lifecycle.replace_triggered_by: {target.type} has no attribute "
                              f"'{attr}'; allowed attributes: {', '.join(allowed)}", where, address,
                              hint=f"did you mean '{close[0]}'?" if close else None)
                    continue
            if (target, attr) not in out:
                out.append((target, attr))
        return tuple(out)


def _trigger(item: Any) -> tuple[Address | None, str | None]:
    """``type.name`` -> (address, None); ``type.name.attr`` -> (address, attr); else (None, None)."""
    if not isinstance(item, str):
        return None, None
    try:
        return Address.parse(item), None
    except ValueError:
        pass
    head, dot, attr = item.rpartition(".")
    if not dot or not attr.isidentifier():
        return None, None
    try:
        return Address.parse(head), attr
    except ValueError:
        return None, None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value) if len(repr(value)) <= 40 else f"a {type(value).__name__}"
