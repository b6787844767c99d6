"""Reading live objects through the provider contract: by id, by natural key, and every object.

Owns what the engine derives from a resource type's few platform calls (``read``, and where the
type has them ``list``/``container_of``/``read_details``/``id_of``), in one place:

- **reads by id, batched**: the objects state knows, grouped by container; a group of a type that
  lists is one ``list`` call (ids it does not return are gone), anything else one ``read`` per id;
  either is completed with ``read_details`` where a managed field is a detail field;
- **lookups by natural key** (adoption, crash recovery): specs grouped by container, one ``list``
  per container (or the listing a read already made), matched on the natural key fields as
  ``normalize`` makes them comparable; a key that matches several objects is refused with an
  error that says so; a type without ``list`` but with ``id_of`` is one ``read``;
- **discovery** (export): every object of a type, container by container.

Only reads: nothing here writes to a platform. Concurrency belongs to the callers (refresh and
apply give each provider its own threads); a group is one unit of work, whose per-object detail
reads (and a listing's lookups) go side by side (``common.fan_out``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import ProviderError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import fan_out
from reconciler.values import contains_unknown

Found = tuple[str, Live]


def lists(rt: ResourceType) -> bool:
    """Whether the type implements ``list``."""
    return type(rt).list is not ResourceType.list


@dataclass
class Listing:
    """One ``list`` answer: the objects of one container of one type, by id."""

    container: str | None
    objects: dict[str, Live] = field(default_factory=dict)


# -- reads by id -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadGroup:
    """Ids one unit of work reads: one container's (``listed``: through one ``list`` call) or one
    id alone. ``details`` names, per id, the detail fields that must be read too."""

    ids: tuple[str, ...]
    listed: bool = False
    container: str | None = None
    details: Mapping[str, frozenset[str]] = field(default_factory=dict)


def read_groups(rt: ResourceType, ids: Iterable[str], details: Mapping[str, frozenset[str]]) -> list[ReadGroup]:
    """How to read ``ids`` (objects of ``rt``) in the fewest requests: one group per container the
    type can list and that holds several of them, one group per id otherwise (a single object is
    read, not found in a list of its whole container). ``details`` (id -> the detail fields state or the
    spec manages) says which objects must be read whole."""
    ids = list(dict.fromkeys(ids))
    if rt.data_source:
        return [ReadGroup((i,)) for i in ids]
    if lists(rt):
        by_container: dict[str | None, list[str]] = {}
        alone: list[str] = []
        for object_id in ids:
            container = rt.container_of(object_id) if rt.container is not None else None
            if rt.container is not None and container is None:
                alone.append(object_id)
            else:
                by_container.setdefault(container, []).append(object_id)
        alone += [members[0] for members in by_container.values() if len(members) == 1]
        groups = [ReadGroup(tuple(members), True, container, {i: details[i] for i in members if details.get(i)})
                  for container, members in by_container.items() if len(members) > 1]
        return groups + [ReadGroup((i,), details={i: details[i]} if details.get(i) else {}) for i in alone]
    return [ReadGroup((i,), details={i: details[i]} if details.get(i) else {}) for i in ids]


def read_object(rt: ResourceType, object_id: str, fields: Iterable[str] | None = None) -> Live | None:
    """The object ``object_id`` with the detail ``fields`` (default: all of them) read too; None
    when it does not exist."""
    live = rt.read(object_id)
    wanted = rt.detail_fields if fields is None else rt.detail_fields & frozenset(fields)
    return rt.read_details(object_id, live, wanted) if live is not None and wanted else live


def read_group(rt: ResourceType, group: ReadGroup) -> tuple[dict[str, Live | None], Listing | None]:
    """The objects of ``group`` (None for one that is gone) and the listing made for them, if any."""
    if not group.listed:
        return {i: read_object(rt, i, group.details.get(i, ())) for i in group.ids}, None
    listing = list_container(rt, group.container)
    out: dict[str, Live | None] = {i: listing.objects.get(i) for i in group.ids}
    whole = [i for i in group.ids if out[i] is not None and group.details.get(i)]  # detail reads side by side
    out.update(zip(whole, fan_out(lambda i: rt.read_details(i, out[i], group.details[i]), whole)))
    return out, listing


def list_container(rt: ResourceType, container: str | None) -> Listing:
    """``rt.list(container)`` as a ``Listing``."""
    return Listing(container, {str(object_id): live for object_id, live in rt.list(container)})


# -- lookups by natural key ----------------------------------------------------------------------


def key_defaults(rt: ResourceType, desired: Mapping[str, Any]) -> dict[str, Any]:
    """``desired`` with the defaults of the natural-key fields it leaves out."""
    return {**{k: rt.default_of(k) for k in rt.natural_key if k not in desired}, **desired}


def lookup_key(rt: ResourceType, spec: Spec) -> tuple[str, Any] | None:
    """How ``spec`` (its natural key known: no ``Unknown``) is looked up, as a group key: specs
    with the same key are answered by one unit of work: ``("list", container)`` for a type that
    lists, ``("id", id)`` for one whose ``id_of`` names the object; None: it cannot be."""
    if rt.data_source or not rt.natural_key:
        return None
    if lists(rt):
        container = spec.get(rt.container) if rt.container is not None else None
        if rt.container is not None and not isinstance(container, str):
            return None
        return ("list", container)
    object_id = rt.id_of(spec)
    return ("id", object_id) if object_id is not None else None


def match(rt: ResourceType, spec: Spec, listing: Listing) -> Found | None:
    """The object of ``listing`` whose natural key is ``spec``'s; ``ProviderError`` if several are."""
    found = _matching(rt, spec, listing)
    if len(found) > 1:
        ids = ", ".join(sorted(object_id for object_id, _ in found))
        raise ProviderError(
            f"{len(found)} {rt.type_name} objects have the key "
            f"{rt.identity_of(spec) or rt.normalize({k: spec.get(k) for k in rt.natural_key})}: {ids}",
            hint="adopt the one you mean with `reconciler import ADDRESS ID`, or remove the others")
    return found[0] if found else None


def look_up(rt: ResourceType, specs: Sequence[Spec], key: tuple[str, Any],
            listing: Listing | None = None) -> tuple[list[Found | None | ProviderError], Listing | None]:
    """Look ``specs`` (all with lookup key ``key``) up: one answer per spec, in order (what was
    found, None, or the ``ProviderError`` of that spec alone: an ambiguous key), and the listing
    of the container it used. ``listing``, a listing of the container already made, is used
    instead of listing it again. An error reading the platform is raised for the whole group."""
    kind, value = key
    if kind == "list":
        listing = listing if listing is not None else list_container(rt, value)
        return fan_out(lambda s: _one(lambda: _complete(rt, s, match(rt, s, listing))), list(specs)), listing
    live = read_object(rt, value, [k for spec in specs for k in spec])  # ("id", object_id)
    return [(value, live) if live is not None else None for _ in specs], None


def _complete(rt: ResourceType, spec: Spec, found: Found | None) -> Found | None:
    """A listed object the spec manages detail fields of, read with them."""
    if found is None:
        return None
    fields = frozenset(k for k in rt.detail_fields if k in spec)
    if not fields:
        return found
    live = rt.read_details(found[0], found[1], fields)
    return (found[0], live) if live is not None else None


def _one(call: Any) -> Found | None | ProviderError:
    try:
        return call()
    except ProviderError as err:
        return err


def find_one(rt: ResourceType, spec: Spec) -> Found | None:
    """The object ``spec``'s natural key names (None when none does or it cannot be looked up);
    ``ProviderError`` when several do or the platform cannot be read."""
    spec = key_defaults(rt, spec)
    if any(contains_unknown(spec.get(k)) or spec.get(k) is None for k in rt.natural_key):
        return None
    key = lookup_key(rt, spec)
    if key is None:
        return None
    answer = look_up(rt, [spec], key)[0][0]
    if isinstance(answer, ProviderError):
        raise answer
    return answer


def find_all(rt: ResourceType, spec: Spec) -> list[Found]:
    """Every object ``spec``'s natural key names (a type whose key may name two objects at once
    during a create-before-destroy replacement); empty when it cannot be looked up."""
    spec = key_defaults(rt, spec)
    if any(contains_unknown(spec.get(k)) or spec.get(k) is None for k in rt.natural_key):
        return []
    key = lookup_key(rt, spec)
    if key is None:
        return []
    kind, value = key
    if kind == "id":
        live = read_object(rt, value, list(spec))
        return [(value, live)] if live is not None else []
    return _matching(rt, spec, list_container(rt, value))


def _matching(rt: ResourceType, spec: Spec, listing: Listing) -> list[Found]:
    """The objects of ``listing`` whose natural key is ``spec``'s."""
    want = rt.normalize({k: spec.get(k) for k in rt.natural_key})
    return [(object_id, live) for object_id, live in listing.objects.items()
            if rt.normalize({k: live.get(k) for k in rt.natural_key}) == want]


# -- discovery -----------------------------------------------------------------------------------


def discover(rt: ResourceType, containers: Iterable[str | None],
             keep: Callable[[Live], bool] = lambda live: True) -> list[Found]:
    """Every object of ``rt`` in ``containers`` that ``keep`` keeps (it sees the object as listed),
    whole (``detail_fields`` read too, several objects at a time)."""
    listed = [(str(object_id), live) for container in containers for object_id, live in rt.list(container)
              if keep(live)]
    if not rt.detail_fields:
        return listed
    whole = fan_out(lambda item: (item[0], rt.read_details(item[0], item[1], rt.detail_fields)), listed)
    return [(object_id, live) for object_id, live in whole if live is not None]
