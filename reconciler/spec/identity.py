"""One object, one address: the natural keys of resource blocks, and blocks whose keys are equal.

Owns what "two blocks name the same object" means, for ``validate`` (keys known in the specs
alone) and for ``plan`` (keys known once refresh has resolved references):

- ``key_of(rt, attrs)``: a block's natural key as a comparable value. The type's ``natural_key``
  fields (their spec-model defaults filling what the block leaves out), normalized by the type as
  the natural-key lookups compare them (``reads.match``); None when the type has no natural key,
  is a data source, or a key field is unset (such a block is never adopted by key, so it names no
  existing object). A key field still holding an ``Unknown`` stays in the key as that ``Unknown``:
  two ``Unknown``s are equal only when they are the same reference (``${astro_workspace.a.id}``
  twice), which resolves to one value; an ``Unknown`` and anything else are never taken as equal.
  A key scoped by a container (a dataset's ``project``) includes the container, so two keys are
  equal only when their containers are too.
- ``clashes(blocks)``: the groups of blocks of one type with equal keys.
- ``static_clashes(resources, types)``: the clashes the specs alone show, as ``SpecValidationError``s
  naming both blocks with ``file:line``; references are followed to the literal attributes of
  their targets where they can be (a dataset's ``project: ${dataiku_project.sales.key}`` is
  ``SALES`` when the project block says ``key: SALES``), and stay ``Unknown`` where only apply
  can tell (a server-generated id).

Never talks to a platform.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from reconciler.addresses import Address
from reconciler.errors import ReferenceError_, SpecValidationError
from reconciler.providers.base import ResourceType
from reconciler.spec.interpolate import resolve
from reconciler.spec.model import ResourceSpec
from reconciler.values import Unknown, contains_unknown, descend, encode_value

Block = tuple[Address, ResourceType, Mapping[str, Any]]


def key_of(rt: ResourceType, attrs: Mapping[str, Any]) -> Hashable | None:
    """``attrs``' natural key as a comparable, hashable value (see the module docstring), or None."""
    if rt.data_source or not rt.natural_key:
        return None
    values = {k: attrs[k] if k in attrs else rt.default_of(k) for k in rt.natural_key}
    if any(v is None for v in values.values()):
        return None
    known = {k: v for k, v in values.items() if not contains_unknown(v)}
    normalized = rt.normalize(known) if known else {}
    key = tuple(normalized.get(k, values[k]) for k in rt.natural_key)
    if all(isinstance(v, (str, int, float, bool, Unknown)) for v in key):
        return key
    return json.dumps(encode_value(list(key)), sort_keys=True, default=str)  # (lists, mappings)


def clashes(blocks: Iterable[Block], instance_of: Callable[[Address], str] | None = None) -> list[list[Address]]:
    """The groups (two or more addresses, sorted) of blocks of one type whose keys are equal on
    one provider instance (``instance_of``; default: every block on its platform's default one):
    one key on two instances names two objects."""
    by_key: dict[tuple[str, str, Hashable], list[Address]] = {}
    for address, rt, attrs in blocks:
        key = key_of(rt, attrs)
        if key is not None:
            where = instance_of(address) if instance_of is not None else ""
            by_key.setdefault((address.type, where, key), []).append(address)
    return sorted((sorted(group) for group in by_key.values() if len(group) > 1),
                  key=lambda group: group[0])


def describe_key(rt: ResourceType, attrs: Mapping[str, Any]) -> str:
    """The key as a message shows it: ``key SALES``, ``project SALES, name orders``."""
    parts = []
    for k in rt.natural_key:
        value = attrs[k] if k in attrs else rt.default_of(k)
        parts.append(f"{k} {value}" if not isinstance(value, Unknown) else f"{k} {value.expr}")
    return ", ".join(parts)


def static_clashes(resources: Mapping[Address, ResourceSpec],
                   types: Mapping[str, type[ResourceType]]) -> list[SpecValidationError]:
    """An error per block whose natural key, known from the specs alone, equals an earlier block's."""
    bound: dict[str, ResourceType] = {}
    keyed = [a for a in resources if types[a.type].natural_key and not types[a.type].data_source]
    if len(keyed) < 2:
        return []
    resolver = _StaticResolver(resources, types)
    blocks = []
    for address in keyed:
        rt = bound.get(address.type)
        if rt is None:
            rt = bound[address.type] = types[address.type](None)
        blocks.append((address, rt, resolver.key_attrs(address)))
    attrs = {address: a for address, _, a in blocks}
    errors = []
    for group in clashes(blocks, lambda a: resources[a].instance):
        first = group[0]
        for other in group[1:]:
            spec, rt = resources[other], bound[other.type]
            errors.append(SpecValidationError(
                f"has the same natural key ({describe_key(rt, attrs[other])}) as {first} "
                f"({resources[first].location}): both blocks would manage one {other.type}",
                location=spec.location, address=str(other),
                hint="one object is managed by one block: give each block its own key, or remove one of them"))
    return errors


class _StaticResolver:
    """Resolves the natural-key fields of blocks from the specs alone (see ``static_clashes``)."""

    def __init__(self, resources: Mapping[Address, ResourceSpec], types: Mapping[str, type[ResourceType]]) -> None:
        self.resources, self.types = resources, types
        self._visiting: set[Address] = set()
        self._values: dict[tuple[Address, str], Any] = {}  # (a project's key, read by its many datasets)

    def key_attrs(self, address: Address) -> dict[str, Any]:
        spec = self.resources[address]
        rt = self.types[address.type]
        return {k: self.value(address, k) for k in rt.natural_key if k in spec.attrs}

    def value(self, address: Address, name: str) -> Any:
        """The attribute ``name`` of the block ``address``, its references resolved statically."""
        spec = self.resources[address]
        raw = spec.attrs[name]
        if not any(r.path[:1] == (name,) or not r.path for r in spec.references):
            return raw
        if (address, name) in self._values:
            return self._values[(address, name)]
        if address in self._visiting:  # a cycle: the graph reports it
            return Unknown(f"${{{address}.{name}}}")
        self._visiting.add(address)
        try:
            value = self._values[(address, name)] = resolve(raw, self.lookup)
        finally:
            self._visiting.discard(address)
        return value

    def lookup(self, target: Address, attr: tuple[str, ...]) -> Any:
        spec = self.resources.get(target)
        rt = self.types.get(target.type)
        expr = Unknown("${" + ".".join((str(target), *attr)) + "}")
        if spec is None or rt is None or attr[0] in rt.server_owned or attr[0] not in spec.attrs:
            return expr
        value = self.value(target, attr[0])
        if contains_unknown(value):
            return value if len(attr) == 1 else expr
        try:
            return descend(value, target, attr)
        except ReferenceError_:  # a bad path: resolving it at plan time reports it
            return expr
