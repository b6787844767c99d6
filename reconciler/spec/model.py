"""What the specs say, as plain frozen data: the output of ``load_specs``.

``ResourceSpec.attrs`` is the resource body without ``depends_on`` / ``lifecycle``, with
``${var.x}`` and ``${env:X}`` already substituted. Strings that hold a resource reference
(``${type.name.attr}``) are kept as written, in *template form*: any literal ``${`` in them is
written ``$${``; ``interpolate.resolve`` turns them into final values. Every other string is
final as it stands (a literal ``${`` written ``$${`` in the file reads ``${`` here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from reconciler.addresses import Address
from reconciler.errors import Location

AttrPath = tuple[Any, ...]


@dataclass(frozen=True)
class Lifecycle:
    """``lifecycle:`` of a resource. ``ignore_changes`` names fields of the type's model."""

    prevent_destroy: bool = False
    ignore_changes: tuple[str, ...] = ()
    #: opt-in to deleting a type whose deletion needs one (``ResourceType.delete_opt_in``)
    allow_destroy: bool = False
    #: a replacement is created first, dependents move to it, then the old object is deleted
    create_before_destroy: bool = False
    #: (address, attribute or None): a planned change of that resource (of that attribute), or its
    #: replacement, replaces this one
    replace_triggered_by: tuple[tuple[Address, str | None], ...] = ()


@dataclass(frozen=True)
class Reference:
    """One ``${type.name.attr[.sub...]}`` found in a resource's attributes.

    ``${dataiku_project.sales.key}`` gives ``address=dataiku_project.sales``, ``attr=("key",)``;
    ``expr`` is the text as written; ``path`` is where it is in the resource's attributes (keys
    and list indexes; ``()``: not known), whose file and line ``ResourceSpec.location_of`` tells.
    """

    address: Address
    attr: tuple[str, ...]
    expr: str
    path: tuple = ()


@dataclass(frozen=True)
class ResourceSpec:
    """One validated resource block. See the module docstring for what ``attrs`` holds."""

    address: Address
    attrs: dict[str, Any]
    depends_on: tuple[Address, ...] = ()
    lifecycle: Lifecycle = Lifecycle()
    location: Location = Location("<unknown>", 0)
    #: path (keys / list indexes, relative to the body: attrs, ``depends_on``, ``lifecycle``)
    #: -> (line, column) where it was written, in the file of ``location``
    locations: Mapping[AttrPath, tuple[int, int]] = field(default_factory=dict)
    references: tuple[Reference, ...] = ()

    @property
    def type(self) -> str:
        return self.address.type

    def __repr__(self) -> str:  # values may come from ${env:...} (credentials): show keys only
        return (f"ResourceSpec(address={self.address!s}, attrs=<keys {sorted(self.attrs)}>, "
                f"depends_on={[str(a) for a in self.depends_on]}, location={self.location!s})")

    def location_of(self, path: AttrPath) -> Location:
        """Where ``path`` was written: the nearest recorded prefix, else the resource's key."""
        for end in range(len(path), 0, -1):
            at = self.locations.get(tuple(path[:end]))
            if at is not None:
                return Location(self.location.file, *at)
        return self.location

    def dependencies(self) -> tuple[Address, ...]:
        """Every address this resource needs first: references, ``depends_on`` and
        ``lifecycle.replace_triggered_by``, sorted."""
        return tuple(sorted({r.address for r in self.references} | set(self.depends_on)
                            | {a for a, _ in self.lifecycle.replace_triggered_by}))


@dataclass(frozen=True)
class ProviderConfig:
    """A ``providers:`` entry; ``settings`` are final values (``${env:...}`` substituted)."""

    name: str
    settings: dict[str, Any]
    location: Location

    def __repr__(self) -> str:  # settings may hold credentials: never show their values
        return f"ProviderConfig(name={self.name!r}, settings=<{len(self.settings)} keys>, location={self.location!s})"


_PASSWORD = re.compile(r"(?<=://)([^/@:]*):[^/]*@")


@dataclass(frozen=True)
class BackendConfig:
    """The ``backend:`` block: where the state lives when ``--state`` / ``RECONCILER_STATE``
    do not say (they win). ``url`` is a state location (a ``postgresql://`` URL or a file path;
    may hold a password from ``${env:...}``: never printed); ``name`` picks the named state in a
    PostgreSQL database."""

    url: str
    name: str | None = None
    location: Location = Location("<unknown>", 0)

    @property
    def state_location(self) -> str:
        """The ``--state`` value this block stands for (``name`` merged into the URL)."""
        if self.name is None:
            return self.url
        parts = urlsplit(self.url)
        query = [*parse_qsl(parts.query, keep_blank_values=True), ("name", self.name)]
        return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))

    def __repr__(self) -> str:  # the URL may hold a password
        url = _PASSWORD.sub(r"\1@", self.url)
        return f"BackendConfig(url={url!r}, name={self.name!r}, location={self.location!s})"


@dataclass(frozen=True)
class OutputSpec:
    """One ``outputs:`` entry. ``value`` is in template form (as ``ResourceSpec.attrs``): its
    references are resolved against the state after an apply. A ``sensitive`` output is stored
    only as a keyed hash and never printed."""

    name: str
    value: Any
    description: str = ""
    sensitive: bool = False
    location: Location = Location("<unknown>", 0)
    references: tuple[Reference, ...] = ()

    def __repr__(self) -> str:  # the value may come from ${env:...}
        return f"OutputSpec(name={self.name!r}, sensitive={self.sensitive}, location={self.location!s})"


@dataclass(frozen=True)
class SpecSet:
    """Everything loaded from a specs directory (or one file), merged and validated."""

    resources: dict[Address, ResourceSpec]
    providers: dict[str, ProviderConfig]
    variables: dict[str, Any]
    files: tuple[str, ...]
    #: the ``backend:`` block, if any file has one
    backend: BackendConfig | None = None
    #: ``locals:`` by name, evaluated
    locals: dict[str, Any] = field(default_factory=dict)
    #: ``outputs:`` by name
    outputs: dict[str, OutputSpec] = field(default_factory=dict)
    #: the directories the ``modules:`` blocks load (absolute, sorted; nested modules' too)
    module_dirs: tuple[str, ...] = ()

    def get(self, address: Address) -> ResourceSpec | None:
        return self.resources.get(address)

    def __repr__(self) -> str:  # variables may come from ${env:...}: show names only
        return (f"SpecSet(resources={len(self.resources)}, providers={sorted(self.providers)}, "
                f"variables={sorted(self.variables)}, locals={sorted(self.locals)}, files={list(self.files)}, "
                f"backend={self.backend!r})")
