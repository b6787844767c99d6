"""Refresh: what every address in specs ∪ state desires and what the platform holds for it.

Owns the read side of a run, in two steps:

1. every object state knows is read by its id, all at once, batched per container where the
   type lists (``reads.read_groups``): most of a plan's requests, all of them in flight together;
2. the graph is walked layer by layer, dependencies first: each spec's ``${type.name.attr}``
   references are resolved against what their targets are (desired, else applied, else live),
   and an address that step 1 did not find (new in the specs, gone, or a data source) is looked
   up by its natural key, the lookups of one layer batched per container and sent together (a
   container step 1 listed is not listed again). That is how an object created by an interrupted
   apply is found, never duplicated.

An ``import:`` entry's address (``imports``: address -> object id, not in state) is read by that
id in step 1, like a state record, and observed with ``source="import"`` (absent if no object
has that id: never looked up by natural key instead).

Each provider has its own ``parallelism`` threads; its HTTP client's budget bounds what reaches
the platform. Never writes: it calls only the reads of ``reconciler.reads``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from typing import Any, Callable

from reconciler.addresses import Address
from reconciler.errors import PlanError, ProviderError
from reconciler.graph.dag import Graph
from reconciler.pools import ProviderPools
from reconciler.providers.base import ResourceType
from reconciler.reads import Listing, ReadGroup, key_defaults, look_up, lookup_key, read_group, read_groups
from reconciler.sessions import Sessions
from reconciler.spec import ResourceSpec, SpecSet, resolve
from reconciler.state.model import State
from reconciler.values import Unknown, contains_unknown, descend, fingerprint


@dataclass(frozen=True)
class Observed:
    """What refresh learned about one address.

    ``desired`` is the spec with references resolved (``Unknown`` where only apply will tell);
    ``live`` the object as read (spec vocabulary), ``None`` when absent; ``source`` says how it
    was found: ``state`` (by id), ``natural_key`` (adoption), ``import`` (by the id of an
    ``import:`` entry), ``data`` (a data source),
    ``absent``, ``unknown_key`` (its natural key is known only after apply) or ``skipped``
    (outside ``--target``, or waiting for something that could not be read).
    """

    address: Address
    desired: dict[str, Any] | None
    live: dict[str, Any] | None
    object_id: str | None
    source: str
    fingerprint: str | None = None


@dataclass(frozen=True)
class Refreshed:
    """A refresh's result: an observation per address, and (with ``keep_going``) the addresses
    whose platform could not be read, each with its error."""

    observed: dict[Address, Observed]
    unreadable: dict[Address, ProviderError] = field(default_factory=dict)


Progress = Callable[[int, int], None]


def refresh(graph: Graph, specs: SpecSet | None, state: State, sessions: Sessions, *, parallelism: int = 8,
            include: set[Address] | None = None, progress: Progress | None = None,
            keep_going: bool = False, imports: Mapping[Address, str] | None = None) -> Refreshed:
    """Observe every node of ``graph`` (only ``include`` ones, and what they reference, when given).

    Raises the first ``ProviderError`` met, labelled with its address. With ``keep_going`` (apply),
    an address whose read fails is recorded in ``unreadable`` instead and observed as ``skipped``
    with everything that depends on it, so one platform that is down does not stop the others.
    ``imports`` (address -> id) are read by those ids (see the module docstring).
    """
    with ProviderPools(parallelism, "refresh") as pools:
        run = _Run(graph, specs.resources if specs else {}, state, sessions, pools, include, progress, keep_going)
        run.imports = dict(imports or {})
        run.read_known()
        for layer in graph.layers():
            run.settle_layer(layer)
    return Refreshed(run.observed, run.unreadable)


class _Run:
    """One refresh (see ``refresh``)."""

    def __init__(self, graph: Graph, resources: Mapping[Address, ResourceSpec], state: State, sessions: Sessions,
                 pools: ProviderPools, include: set[Address] | None, progress: Progress | None,
                 keep_going: bool) -> None:
        self.graph, self.resources, self.state, self.sessions, self.pools = graph, resources, state, sessions, pools
        self.include, self.progress, self.keep_going = include, progress, keep_going
        self.observed: dict[Address, Observed] = {}
        self.unreadable: dict[Address, ProviderError] = {}
        #: what could not be read, and what waits for it
        self.blocked: set[Address] = set()
        #: step 1's answers: address -> the object read by its id (None: not found)
        self.read: dict[Address, dict[str, Any] | None] = {}
        #: step 1's listings, by (provider instance, type, container): lookups in a listed container
        #: use them
        self.listings: dict[tuple[str, str, str | None], Listing] = {}
        self.total = len(graph.nodes)
        #: ``import:`` entries still to do: address -> the id to read (see ``refresh``)
        self.imports: dict[Address, str] = {}

    def wanted(self, address: Address) -> bool:
        return self.include is None or address in self.include

    # -- step 1: every object state knows, by id ----------------------------------------------------
    def read_known(self) -> None:
        by_type: dict[tuple[str, str], list[Address]] = {}  # (provider instance, type) -> addresses
        for address in self.graph.nodes:
            if (address in self.state.resources or address in self.imports) and self.wanted(address):
                by_type.setdefault((self.sessions.instance(address), address.type), []).append(address)
        work: dict[Future, tuple[ResourceType, ReadGroup, dict[str, list[Address]], str]] = {}
        for (instance, _), addresses in by_type.items():
            rt = self.sessions.resource(addresses[0])
            if rt.data_source:
                continue
            owners: dict[str, list[Address]] = {}
            details: dict[str, frozenset[str]] = {}
            for address in addresses:
                rs = self.state.resources.get(address)
                object_id = rs.object_id if rs is not None else self.imports[address]
                owners.setdefault(object_id, []).append(address)
                spec = self.resources.get(address)
                managed = (set(rs.attrs) if rs is not None else set()) | (set(spec.attrs) if spec is not None else set())
                details[object_id] = details.get(object_id, frozenset()) | (rt.detail_fields & managed)
            for group in read_groups(rt, owners, details):
                future = self.pools.submit(instance, read_group, rt, group)
                work[future] = (rt, group, owners, instance)
        wait(work)
        for future, (rt, group, owners, instance) in work.items():
            members = [a for i in group.ids for a in owners[i]]
            try:
                found, listing = future.result()
            except ProviderError as err:
                for address in members:
                    self.fail(address, err, batched=len(members) > 1)
                continue
            if listing is not None:
                self.listings[(instance, rt.type_name, listing.container)] = listing
            for object_id in group.ids:
                for address in owners[object_id]:
                    self.read[address] = found.get(object_id)

    # -- step 2: the graph, layer by layer -----------------------------------------------------------
    def settle_layer(self, layer: Iterable[Address]) -> None:
        lookups: dict[tuple[str, str, Any], list[tuple[Address, dict[str, Any]]]] = {}
        sources: list[tuple[Address, dict[str, Any]]] = []
        for address in layer:
            if address in self.observed:  # (failed in step 1)
                continue
            desired = self.desired(address)
            if not self.wanted(address) or self.waits_for_unreadable(address):
                self.settle(self.from_state(address, desired, "skipped"))
                continue
            rt = self.sessions.resource(address)
            live = self.read.get(address)
            if address in self.imports and address not in self.state.resources:
                self.settle(Observed(address, desired, live, self.imports[address] if live is not None else None,
                                     "import", fingerprint(rt, live) if live is not None else None))
            elif live is not None:
                self.settle(Observed(address, desired, live, self.state.resources[address].object_id, "state",
                                     fingerprint(rt, live)))
            elif rt.data_source:
                if desired is not None:
                    sources.append((address, desired))
                else:
                    self.settle(Observed(address, None, None, None, "absent"))
            else:
                settled = _without_lookup(address, rt, desired) or self.in_new_container(address, rt, desired)
                key = None if settled is not None else lookup_key(rt, key_defaults(rt, desired or {}))
                if settled is None and key is None:
                    settled = Observed(address, desired, None, None, "absent")
                if settled is not None:
                    self.settle(settled)
                else:
                    instance = self.sessions.instance(address)
                    lookups.setdefault((instance, address.type, key), []).append((address, desired or {}))
        work: dict[Future, list[Address]] = {}
        for (instance, type_name, key), members in lookups.items():
            rt = self.sessions.resource(members[0][0])
            listing = self.listings.get((instance, type_name, key[1])) if key[0] == "list" else None
            specs = [key_defaults(rt, desired) for _, desired in members]
            future = self.pools.submit(instance, look_up, rt, specs, key, listing)
            work[future] = [address for address, _ in members]
        for address, desired in sources:
            future = self.pools.submit(self.sessions.instance(address), _read_data_source, address,
                                       self.sessions.resource(address), desired)
            work[future] = [address]
        wait(work)
        for future, addresses in work.items():
            try:
                answers = future.result()
            except ProviderError as err:
                for address in addresses:
                    self.fail(address, err, batched=len(addresses) > 1)
                continue
            if isinstance(answers, Observed):  # a data source
                self.settle(answers)
                continue
            answers, listing = answers
            if listing is not None:  # a later layer's lookups in this container use it
                where = self.sessions.instance(addresses[0])
                self.listings[(where, addresses[0].type, listing.container)] = listing
            for address, answer in zip(addresses, answers):
                if isinstance(answer, ProviderError):
                    self.fail(address, answer, batched=False)
                else:
                    self.settle(_found(address, self.sessions.resource(address), self.desired(address), answer))

    # -- helpers -------------------------------------------------------------------------------------
    def desired(self, address: Address) -> dict[str, Any] | None:
        spec = self.resources.get(address)
        return resolve_spec(spec, self.observed, self.state) if spec is not None else None

    def in_new_container(self, address: Address, rt: ResourceType, desired: dict | None) -> Observed | None:
        """Absent without a lookup when ``address``'s container field (``rt.container``) is a
        reference to the whole natural key of something that does not exist yet (``${p.key}`` of a
        project ``p`` apply will create): nothing can be inside a container that does not exist."""
        spec = self.resources.get(address)
        if rt.container is None or spec is None:
            return None
        for ref in spec.references:
            if ref.path != (rt.container,):
                continue
            target = self.observed.get(ref.address)
            if (target is not None and target.live is None and target.source in ("absent", "unknown_key")
                    and ref.attr == self.sessions.resource(ref.address).natural_key):
                return Observed(address, desired, None, None, "absent")
        return None

    def waits_for_unreadable(self, address: Address) -> bool:
        """Whether ``address`` depends on something that could not be read (then it is left out
        too, and so is what depends on it)."""
        if any(d in self.blocked for d in self.graph.dependencies(address)):
            self.blocked.add(address)
            return True
        return False

    def from_state(self, address: Address, desired: dict[str, Any] | None, source: str) -> Observed:
        rs = self.state.get(address)
        return Observed(address, desired, None, rs.object_id if rs else None, source,
                        rs.fingerprint if rs else None)

    def fail(self, address: Address, err: ProviderError, *, batched: bool) -> None:
        if not self.keep_going:
            raise err if batched else err.with_address(str(address))
        self.unreadable[address] = err.with_address(str(address))
        self.blocked.add(address)
        self.settle(self.from_state(address, None if address not in self.resources else
                                    dict(self.resources[address].attrs), "skipped"))

    def settle(self, obs: Observed) -> None:
        self.observed[obs.address] = obs
        done = len(self.observed)
        if self.progress and (done % max(1, self.total // 100) == 0 or done == self.total):
            self.progress(done, self.total)


def _without_lookup(address: Address, rt: ResourceType, desired: dict | None) -> Observed | None:
    """The observation when no lookup can tell anything (no spec, no natural key, a key known only
    after apply); None when a lookup is needed."""
    if desired is None:
        return Observed(address, None, None, None, "absent")
    key = {k: desired.get(k, rt.default_of(k)) for k in rt.natural_key}
    if not rt.natural_key or any(v is None for v in key.values()):
        return Observed(address, desired, None, None, "absent")
    if contains_unknown(key):
        return Observed(address, desired, None, None, "unknown_key")
    return None


def _found(address: Address, rt: ResourceType, desired: dict | None, found: tuple[str, Any] | None) -> Observed:
    if found is None:
        return Observed(address, desired, None, None, "absent")
    object_id, live = found
    return Observed(address, desired, live, object_id, "natural_key", fingerprint(rt, live))


def _read_data_source(address: Address, rt: ResourceType, desired: dict[str, Any]) -> Observed:
    if contains_unknown(desired):
        raise PlanError(f"{address}: this data source's arguments are known only after apply",
                        hint="a data source must be readable at plan time: give it literal values or references "
                             "to attributes the specs set")
    found = rt.find(desired)
    if found is None:
        shown = ", ".join(f"{k}={v!r}" for k, v in desired.items())
        raise PlanError(f"{address}: no {rt.type_name} matches {shown}",
                        hint="check the arguments; a data source reads an existing object and never creates one")
    object_id, live = found
    return Observed(address, desired, live, object_id, "data", fingerprint(rt, live))


def resolve_spec(spec: ResourceSpec, observed: Mapping[Address, Observed], state: State) -> dict[str, Any]:
    """``spec.attrs`` with its references resolved against what their targets are."""
    if not spec.references:
        return dict(spec.attrs)

    def lookup(target: Address, attr: tuple[str, ...]) -> Any:
        return lookup_attr(target, attr, observed, state)

    return resolve(spec.attrs, lookup, where=spec.location_of)


def lookup_attr(target: Address, attr: tuple[str, ...], observed: Mapping[Address, Observed], state: State) -> Any:
    """The value of ``${target.attr...}``: desired value first, then live, then state's outputs and
    attributes. ``Unknown`` when only apply will tell."""
    head = attr[0]
    obs = observed.get(target)
    rs = state.get(target)
    if obs is not None and obs.desired is not None and head in obs.desired and not isinstance(obs.desired[head], Unknown):
        value = obs.desired[head]
    elif obs is not None and obs.live is not None and head in obs.live and obs.source != "skipped":
        value = obs.live[head]
    elif rs is not None and head in rs.outputs:
        value = rs.outputs[head]
    elif rs is not None and head in rs.attrs:
        value = rs.attrs[head]
    else:
        return Unknown("${" + ".".join((str(target), *attr)) + "}")
    return descend(value, target, attr)
