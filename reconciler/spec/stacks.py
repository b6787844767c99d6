"""Stacks: several estates in one repository, each with its specs, variable values, provider
settings and state, described in one ``stacks.yaml``.

Owns: finding the stacks file (``--stacks-file``, else ``stacks.yaml`` in the current directory
or a parent, up to the repository's top), reading and checking it (every problem with
``file:line``, what is wrong and what is allowed), and answering for one stack the values the
loader needs: its spec directories, the variable values it gives (``Given``, lowest precedence
of all given values), its provider setting overrides and its state location. It does no I/O
beyond reading the stacks file and the stack's variable files, and never talks to a platform.

The format (paths are relative to the stacks file)::

    stacks:
      prod:
        description: the production estate      # optional
        specs: specs                            # a directory, or a list of directories
        var_files: [vars/prod.yaml]             # optional: NAME: value files
        variables: {stage: prod}                # optional: values, win over var_files
        providers:                              # optional: provider setting overrides
          dataiku: {url: "https://dss.example.com", api_key: "${env:DSS_PROD_KEY}"}
        state: state/prod.json                  # optional: a file or a postgresql:// URL;
                                                # default state/<stack>.json; a URL without
                                                # ?name= gets ?name=<stack>

Rules: a stack name is letters, digits, ``.``, ``_``, ``-`` (it names comments, artifacts
and PostgreSQL states); every spec directory and variable file exists; no two stacks share a
state (the same file, or the same PostgreSQL database and state name).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from reconciler.errors import ConfigError, Location, SpecError, SpecValidationError
from reconciler.providers.base import ProviderSpec
from reconciler.spec.loader import raise_collected
from reconciler.spec.variables import Given
from reconciler.spec.yamlsource import Document, parse_document

FILE_NAME = "stacks.yaml"
STACK_KEYS = ("description", "specs", "var_files", "variables", "providers", "state")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
_PG_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class Stack:
    """One stack, its paths already resolved against the stacks file's directory."""

    name: str
    location: Location
    specs: tuple[str, ...]
    state: str
    description: str = ""
    var_files: tuple[str, ...] = ()
    variables: dict[str, Any] = field(default_factory=dict, repr=False)
    #: provider (or ``provider.instance``) -> settings, values as written (``${env:NAME}`` kept)
    providers: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    #: where each item was written (for messages): ("variables", NAME), ("providers", P, KEY)...
    locations: dict[tuple, Location] = field(default_factory=dict, repr=False, compare=False)

    def given(self) -> list[Given]:
        """The variable values this stack gives, lowest precedence first: its variable files in
        order, then its inline ``variables`` (``SpecError`` for an unreadable file)."""
        out: list[Given] = []
        for file in self.var_files:
            out.extend(_file_values(file, self.name, self.locations.get(("var_files", file), self.location)))
        for name, value in self.variables.items():
            out.append(Given(name, value, f"stack {self.name} (variables)", False,
                             self.locations.get(("variables", name), self.location)))
        return out

    def provider_settings(self, env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        """The provider overrides with ``${env:NAME}`` substituted; ``ConfigError`` naming
        ``file:line`` (never a value) for an environment variable that is not set."""
        out: dict[str, dict[str, Any]] = {}
        for provider, settings in self.providers.items():
            resolved: dict[str, Any] = {}
            for key, value in settings.items():
                if isinstance(value, str):
                    def sub(m: re.Match, key: str = key, provider: str = provider) -> str:
                        if m[1] not in env:
                            where = self.locations.get(("providers", provider, key), self.location)
                            raise ConfigError(f"{where}: stack {self.name}: providers.{provider}.{key} reads the "
                                              f"environment variable {m[1]}, which is not set",
                                              hint=f"export {m[1]}, or remove the setting from the stack")
                        return env[m[1]]
                    value = _ENV_REF.sub(sub, value)
                resolved[key] = value
            out[provider] = resolved
        return out

    def __repr__(self) -> str:  # values and the state URL may hold secrets: names only
        return (f"Stack(name={self.name!r}, specs={self.specs!r}, state={self.public_state()!r}, "
                f"variables={sorted(self.variables)}, providers={sorted(self.providers)}, location={self.location!s})")

    def public_state(self) -> str:
        """The state location without a password (for messages and listings)."""
        return re.sub(r"(?<=://)([^/@:]*):[^/@]*@", r"\1@", self.state)


@dataclass(frozen=True)
class StackFile:
    """A parsed, checked stacks file."""

    path: str
    stacks: dict[str, Stack]
    #: where ``stacks:`` is written (what an unknown stack name points at)
    location: Location = Location("<unknown>", 1)
    #: the raw entry of each stack as written (to tell which stacks a change of the file touches)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def get(self, name: str) -> Stack:
        """The stack ``name``; ``SpecValidationError`` listing the known ones."""
        stack = self.stacks.get(name)
        if stack is None:
            known = ", ".join(sorted(self.stacks)) or "(none)"
            raise SpecValidationError(f"no stack named {name!r}; known stacks: {known}",
                                      location=self.location,
                                      hint="pick one of those with --stack NAME (or RECONCILER_STACK)")
        return stack

    @property
    def root(self) -> Path:
        return Path(self.path).resolve().parent


def find_stacks_file(start: str | os.PathLike | None = None) -> Path | None:
    """``stacks.yaml`` in ``start`` (default: the current directory) or the nearest parent that
    has one, not looking above the repository's top (a directory holding ``.git``)."""
    here = Path(start or os.getcwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / FILE_NAME
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def load_stacks(path: str | os.PathLike, *, registry: Mapping[str, ProviderSpec] | None = None) -> StackFile:
    """Read and check the stacks file ``path``; raise one ``SpecError`` listing every problem.

    With ``registry``, provider overrides are checked against the providers' settings."""
    file = str(path)
    try:
        text = Path(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"stacks file {file} does not exist",
                        hint="pass --stacks-file FILE (or RECONCILER_STACKS_FILE), or add stacks.yaml") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read stacks file {file}: {getattr(exc, 'strerror', None) or exc}") from None
    doc, problems = parse_document(file, text)
    errors: list[SpecError] = list(problems)
    stacks = _Reader(doc, registry, errors).run()
    raise_collected(errors, (file,))
    raw = dict((doc.data or {}).get("stacks") or {})
    return StackFile(file, stacks, doc.location_of(("stacks",)), raw)


class _Reader:
    """Turns one parsed stacks file into ``Stack``s, appending each problem to ``errors``."""

    def __init__(self, doc: Document, registry: Mapping[str, ProviderSpec] | None, errors: list[SpecError]) -> None:
        self.doc, self.registry, self.errors = doc, registry, errors
        self.base = Path(doc.file).resolve().parent

    def problem(self, path: tuple, message: str, hint: str | None = None) -> None:
        self.errors.append(SpecValidationError(message, location=self.doc.location_of(path), hint=hint))

    def run(self) -> dict[str, Stack]:
        data = self.doc.data
        if not isinstance(data, dict) or "stacks" not in data:
            self.problem((), "a stacks file is a mapping with one key, stacks: {NAME: {specs: DIR, ...}}",
                         hint="see the Stacks section of the README")
            return {}
        for key in data:
            if key != "stacks":
                self.problem((key,), f"unknown top-level key {key!r}; allowed: stacks")
        entries = data["stacks"]
        if not isinstance(entries, dict) or not entries:
            self.problem(("stacks",), "stacks must be a mapping of stack names to stacks, with at least one")
            return {}
        stacks = {}
        for name, body in entries.items():
            stack = self.stack(str(name), body)
            if stack is not None:
                stacks[stack.name] = stack
        self.shared_states(stacks)
        return stacks

    def stack(self, name: str, body: Any) -> Stack | None:
        at = ("stacks", name)
        if not NAME_RE.match(name):
            self.problem(at, f"stack name {name!r} is not valid; use letters, digits, '.', '_' or '-' "
                             "(at most 64, starting with a letter or digit)")
            return None
        if not isinstance(body, dict):
            self.problem(at, f"stack {name}: expected a mapping with {', '.join(STACK_KEYS)}")
            return None
        for key in body:
            if key not in STACK_KEYS:
                self.problem((*at, key), f"stack {name}: unknown key {key!r}; allowed: {', '.join(STACK_KEYS)}")
        locations: dict[tuple, Location] = {}
        specs = self.paths(name, body, "specs", required=True, dirs=True, locations=locations)
        var_files = self.paths(name, body, "var_files", required=False, dirs=False, locations=locations)
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            self.problem((*at, "variables"), f"stack {name}: variables must be a mapping of NAME: value")
            variables = {}
        for var in variables:
            locations[("variables", var)] = self.doc.location_of((*at, "variables", var))
        description = body.get("description") or ""
        if not isinstance(description, str):
            self.problem((*at, "description"), f"stack {name}: description must be text")
            description = ""
        providers = self.providers(name, body.get("providers"), locations)
        state = self.state(name, body.get("state"))
        if state is None:
            return None
        return Stack(name, self.doc.location_of(at), specs, state, description, var_files, dict(variables),
                     providers, locations)

    def paths(self, name: str, body: dict, key: str, *, required: bool, dirs: bool,
              locations: dict[tuple, Location]) -> tuple[str, ...]:
        at = ("stacks", name, key)
        value = body.get(key)
        if value is None:
            if required:
                self.problem(("stacks", name), f"stack {name}: no {key}; give the directory (or a list of "
                                               "directories) of its spec files, relative to the stacks file")
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
            what = "a directory or a list of directories" if dirs else "a list of files"
            self.problem(at, f"stack {name}: {key} must be {what} (relative to the stacks file)")
            return ()
        out = []
        for index, item in enumerate(items):
            where = (*at, index) if isinstance(value, list) else at
            path = (self.base / item)
            ok = path.is_dir() if dirs else path.is_file()
            if not ok:
                kind = "directory" if dirs else "file"
                self.problem(where, f"stack {name}: {key} {item!r}: no such {kind} ({path})",
                             hint=f"{key} paths are relative to the stacks file's directory {self.base}")
                continue
            text = os.path.relpath(path) if not os.path.isabs(item) else str(path)
            locations[(key, text)] = self.doc.location_of(where)
            out.append(text)
        return tuple(out)

    def providers(self, name: str, value: Any, locations: dict[tuple, Location]) -> dict[str, dict[str, Any]]:
        at = ("stacks", name, "providers")
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(at, f"stack {name}: providers must be a mapping of provider: {{setting: value}}")
            return {}
        out: dict[str, dict[str, Any]] = {}
        for provider, settings in value.items():
            where = (*at, provider)
            spec = self.registry.get(provider.split(".", 1)[0]) if self.registry is not None else None
            if self.registry is not None and spec is None:
                self.problem(where, f"stack {name}: unknown provider {provider!r}; "
                                    f"known: {', '.join(sorted(self.registry))}")
                continue
            if not isinstance(settings, dict):
                self.problem(where, f"stack {name}: providers.{provider} must be a mapping of setting: value")
                continue
            for key, setting in settings.items():
                locations[("providers", provider, key)] = self.doc.location_of((*where, key))
                if spec is not None and key not in spec.settings_model.model_fields:
                    self.problem((*where, key), f"stack {name}: providers.{provider}: unknown setting {key!r}; "
                                                f"allowed: {', '.join(spec.settings_model.model_fields)}")
                elif isinstance(setting, (dict, list)):
                    self.problem((*where, key), f"stack {name}: providers.{provider}.{key} must be a single "
                                                "value (text, number or true/false)")
            out[provider] = dict(settings)
        return out

    def state(self, name: str, value: Any) -> str | None:
        at = ("stacks", name, "state")
        if value is None:
            return os.path.relpath(self.base / "state" / f"{name}.json")
        if not isinstance(value, str) or not value.strip():
            self.problem(at, f"stack {name}: state must be a file path or a postgresql:// URL")
            return None
        scheme = value.split("://", 1)[0].lower() if "://" in value else None
        if scheme in _PG_SCHEMES:
            parts = urlsplit(value)
            query = parse_qsl(parts.query, keep_blank_values=True)
            if not any(k == "name" for k, _ in query):
                query.append(("name", name))
            return urlunsplit(parts._replace(query=urlencode(query)))
        if scheme not in (None, "file"):
            self.problem(at, f"stack {name}: unknown state backend {scheme}://; allowed: a file path or a "
                             "postgresql:// URL")
            return None
        text = value[len("file://"):] if scheme == "file" else value
        return os.path.relpath(self.base / text) if not os.path.isabs(text) else text

    def shared_states(self, stacks: dict[str, Stack]) -> None:
        seen: dict[tuple, str] = {}
        for stack in stacks.values():
            key = state_key(stack.state)
            if key in seen:
                self.problem(("stacks", stack.name, "state"),
                             f"stacks {seen[key]} and {stack.name} share one state ({stack.public_state()}); "
                             "each stack needs its own",
                             hint="give each stack its own state file, or its own ?name= in one PostgreSQL database")
            else:
                seen[key] = stack.name


def json_schema(registry: Mapping[str, ProviderSpec]) -> dict[str, Any]:
    """The JSON Schema of a stacks file, for editors (``reconciler schema --stacks``)."""
    paths = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]}
    settings = {name: {"type": "object", "additionalProperties": False,
                       "properties": {k: {"type": ["string", "number", "boolean"]}
                                      for k in spec.settings_model.model_fields}}
                for name, spec in sorted(registry.items())}
    stack = {
        "type": "object",
        "additionalProperties": False,
        "required": ["specs"],
        "properties": {
            "description": {"type": "string"},
            "specs": {**paths, "description": "the directory (or directories) of the stack's spec files, "
                                              "relative to the stacks file"},
            "var_files": {"type": "array", "items": {"type": "string"},
                          "description": "files of NAME: value, relative to the stacks file (a later one wins)"},
            "variables": {"type": "object", "description": "variable values (win over var_files)"},
            "providers": {"type": "object", "description": "provider settings for this stack only; "
                                                           "${env:NAME} reads the environment",
                          "properties": settings,
                          "patternProperties": {rf"^({'|'.join(sorted(registry))})\.[A-Za-z0-9_-]+$":
                                                {"type": "object"}},
                          "additionalProperties": False},
            "state": {"type": "string", "description": "a state file (relative to the stacks file) or a "
                                                       "postgresql:// URL (?name=<stack> is added when absent); "
                                                       "default state/<stack>.json"},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "reconciler stacks file (stacks.yaml)",
        "type": "object",
        "additionalProperties": False,
        "required": ["stacks"],
        "properties": {"stacks": {"type": "object", "minProperties": 1, "additionalProperties": False,
                                  "patternProperties": {NAME_RE.pattern: stack}}},
    }


def state_key(location: str) -> tuple:
    """What makes two state locations the same state: the resolved file, or the PostgreSQL
    server, database and state name (users and passwords do not count)."""
    scheme = location.split("://", 1)[0].lower() if "://" in location else None
    if scheme in _PG_SCHEMES:
        parts = urlsplit(location)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        host = parts.netloc.rpartition("@")[2].lower()
        return ("postgresql", host, parts.path.strip("/"), query.get("host", ""), query.get("name", "default"))
    return ("file", str(Path(location).resolve()))


def _file_values(file: str, stack: str, where: Location) -> list[Given]:
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"stack {stack}: cannot read var file {file}: {getattr(exc, 'strerror', None) or exc}",
                        location=where) from None
    doc, problems = parse_document(file, text)
    if problems:
        raise problems[0]
    if doc.data is None:
        return []
    if not isinstance(doc.data, dict):
        raise SpecValidationError("a variable file must be a mapping of NAME: value", location=doc.location_of(()))
    return [Given(name, value, f"stack {stack} var file {file}", False, doc.location_of((name,)))
            for name, value in doc.data.items()]
