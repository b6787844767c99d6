"""``load_specs``: find the spec files, merge them, interpolate, validate; return a ``SpecSet``.

Owns: the spec format's top level (``providers`` / ``variables`` / ``resources`` / ``backend``), the reserved
resource keys (``depends_on``, ``lifecycle``), checking references and types against the
provider registry, and collecting every problem of every file into one error. It does no I/O
beyond reading the spec files, and never talks to a platform.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, Callable, Mapping
from urllib.parse import parse_qsl

from reconciler.addresses import ADDRESS_FORMAT, Address
from reconciler.errors import Location, ReferenceError_, SpecError, SpecSyntaxError, SpecValidationError
from reconciler.providers.base import ProviderSpec, ResourceType, all_types
from reconciler.spec import validate
from reconciler.spec.identity import static_clashes
from reconciler.spec.interpolate import Substitution, substitute
from reconciler.spec.model import BackendConfig, Lifecycle, ProviderConfig, Reference, ResourceSpec, SpecSet
from reconciler.spec.yamlsource import Document, Position, parse_document

TOP_LEVEL = ("providers", "variables", "resources", "backend")
BACKEND_KEYS = ("url", "name")
RESERVED = ("depends_on", "lifecycle")
LIFECYCLE_KEYS = ("prevent_destroy", "ignore_changes", "allow_destroy")
SUFFIXES = (".yaml", ".yml")
#: a spec file larger than this is refused, not parsed (memory stays bounded)
MAX_FILE_BYTES = 10 * 10**6
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def load_specs(path: str | os.PathLike, *, registry: Mapping[str, ProviderSpec],
               env: Mapping[str, str] | None = None) -> SpecSet:
    """Load every ``*.yaml`` / ``*.yml`` under ``path`` (or the one file ``path``).

    ``env`` (default ``os.environ``) feeds ``${env:NAME}``. Raises ``SpecSyntaxError`` for YAML
    that does not parse; otherwise collects every problem of every file and raises them together
    (one error: its class if all problems share one, else ``SpecValidationError``; ``.errors``
    lists them), each with ``file:line`` and the address.
    """
    files = discover(path)
    docs, problems = [], []
    syntax: list[SpecError] = []
    for file in files:
        try:
            size = FsPath(file).stat().st_size
            if size > MAX_FILE_BYTES:
                syntax.append(_at(SpecSyntaxError(
                    f"{file}:1: the file is too large ({size / 1e6:.1f} MB); spec files are limited to {MAX_FILE_BYTES // 10**6} MB",
                    hint="split it into several files in the specs directory"), Location(file, 1)))
                continue
            raw_bytes = FsPath(file).read_bytes()
            text = raw_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw_bytes.count(b"\n", 0, exc.start) + 1
            syntax.append(_at(SpecSyntaxError(f"{file}:{line}: not UTF-8 text (byte {exc.start} is "
                                              f"0x{raw_bytes[exc.start]:02x})",
                                              hint="spec files must be UTF-8: save the file as UTF-8"),
                              Location(file, line)))
            continue
        except OSError as exc:
            raise SpecError(f"cannot read spec file {file}: {exc.strerror or exc}") from None
        try:
            doc, found = parse_document(file, text)
        except SpecSyntaxError as exc:
            syntax.append(exc)
            continue
        docs.append(doc)
        problems.extend(found)
    raise_collected(syntax, files)
    return _Merge(registry, os.environ if env is None else env, problems).run(docs, files)


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

    def __init__(self, registry: Mapping[str, ProviderSpec], env: Mapping[str, str], errors: list) -> None:
        self.registry = registry
        self.env = env
        self.errors: list[SpecError] = list(errors)
        self.types: Mapping[str, type[ResourceType]] = all_types(registry)
        self._attributes: dict[str, list[str]] = {}  # type -> the attributes a reference may name
        self.variables: dict[str, _Raw] = {}
        self.providers: dict[str, _Raw] = {}
        self.resources: dict[Address, _Raw] = {}
        self.backend: _Raw | None = None

    def fail(self, cls: type[SpecError], message: str, location: Location, address: Any = None,
             hint: str | None = None) -> None:
        self.errors.append(cls(message, location=location, address=str(address) if address else None, hint=hint))

    # -- merging --------------------------------------------------------------------------------
    def run(self, docs: list[Document], files: tuple[str, ...]) -> SpecSet:
        for doc in docs:
            self.merge(doc)
        values, env_variables = self.build_variables()
        providers = self.build_providers(values, env_variables)
        resources = {a: self.build_resource(a, raw, values, env_variables)
                     for a, raw in sorted(self.resources.items(), key=lambda item: item[0].sort_key())}
        backend = self.build_backend(values, env_variables)
        if not self.errors:  # (keys are compared once every block is valid)
            self.errors.extend(static_clashes(resources, self.types))
        raise_collected(self.errors, files)
        return SpecSet(resources=resources, providers=providers, variables=values, files=files, backend=backend)

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

    def merge_providers(self, doc: Document, section: dict) -> None:
        for name, value in section.items():
            raw = _Raw(value, doc, ("providers", name))
            if name not in self.registry:
                close = difflib.get_close_matches(name, list(self.registry), n=1)
                self.fail(SpecValidationError, f"unknown provider '{name}'; known providers: "
                          f"{', '.join(sorted(self.registry))}", raw.location,
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

    # -- building ---------------------------------------------------------------------------------
    def report(self, sub: Substitution, raw: _Raw, address: Any = None) -> None:
        for path, message, hint in sub.errors:
            self.fail(ReferenceError_, message, raw.doc.location_of(raw.path + path), address, hint)

    def build_variables(self) -> tuple[dict[str, Any], frozenset[str]]:
        values, from_env = {}, set()
        for name, raw in self.variables.items():
            sub = substitute(raw.value, variables=None, env=self.env, refs_allowed="in variables")
            self.report(sub, raw)
            values[name] = sub.value
            if sub.from_env:
                from_env.add(name)
        return values, frozenset(from_env)

    def build_providers(self, variables: dict, env_variables: frozenset[str]) -> dict[str, ProviderConfig]:
        out = {}
        for name, raw in sorted(self.providers.items()):
            spec = self.registry[name]
            sub = substitute(raw.value or {}, variables=variables, env=self.env, env_variables=env_variables,
                             refs_allowed="in provider settings")
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
                         refs_allowed="in the backend block")
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

    def build_resource(self, address: Address, raw: _Raw, variables: dict,
                       env_variables: frozenset[str]) -> ResourceSpec:
        rtype = self.types[address.type]
        body = dict(raw.value or {})
        reserved = {k: body.pop(k) for k in RESERVED if k in body}
        locations, location = raw.locations, raw.location

        def where(path: tuple) -> Location:
            for end in range(len(path), 0, -1):
                if (at := locations.get(path[:end])) is not None:
                    return Location(location.file, *at)
            return location

        sub = substitute(body, variables=variables, env=self.env, env_variables=env_variables)
        self.report(sub, raw, address)
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
        )

    def check_reference(self, address: Address, token: Any, where: Callable[[], Location]) -> bool:
        """Whether ``token`` names a declared resource and one of its attributes; else an error
        at ``where()``."""
        target: Address = token.address
        raw = self.resources.get(target)
        if raw is None:
            known = [str(a) for a in self.resources]
            close = difflib.get_close_matches(str(target), known, n=1)
            self.fail(ReferenceError_, f"'{token.text}' refers to {target}, which is not defined in the specs",
                      where(), address, hint=f"did you mean {close[0]}?" if close else None)
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
                dep = Address.parse(item)
            except ValueError:
                self.fail(SpecValidationError, f"depends_on: {item!r} is not a resource address; expected "
                          f"{ADDRESS_FORMAT}", raw.doc.location_of(base + (i,)), address)
                continue
            if dep not in self.resources:
                close = difflib.get_close_matches(str(dep), [str(a) for a in self.resources], n=1)
                self.fail(ReferenceError_, f"depends_on: {dep} is not defined in the specs",
                          raw.doc.location_of(base + (i,)), address,
                          hint=f"did you mean {close[0]}?" if close else None)
                continue
            if dep not in out:
                out.append(dep)
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
        for flag in ("prevent_destroy", "allow_destroy"):
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
        ignore = value.get("ignore_changes") or []
        fields = validate.spec_keys(rtype.spec_model)
        if not isinstance(ignore, list) or not all(isinstance(f, str) for f in ignore):
            self.fail(SpecValidationError, f"lifecycle.ignore_changes: expected a list of field names, got {ignore!r}",
                      raw.doc.location_of(base + ("ignore_changes",)), address)
            return Lifecycle(prevent_destroy=prevent, allow_destroy=allow)
        for i, name in enumerate(ignore):
            if name not in fields:
                close = difflib.get_close_matches(name, fields, n=1)
                self.fail(SpecValidationError, f"lifecycle.ignore_changes: '{name}' is not a field of {address.type}; "
                          f"fields: {', '.join(fields)}", raw.doc.location_of(base + ("ignore_changes", i)), address,
                          hint=f"did you mean '{close[0]}'?" if close else None)
        return Lifecycle(prevent_destroy=prevent, ignore_changes=tuple(dict.fromkeys(ignore)), allow_destroy=allow)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value) if len(repr(value)) <= 40 else f"a {type(value).__name__}"
