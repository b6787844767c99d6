"""Refresh: resolve each desired spec and read each live object, for every address in specs ∪ state.

Owns: the read side of a run. A resource in state is read by its id, all of them at once (one
``read_many`` per container where the type has it); specs are resolved in dependency layers, so
that ``${type.name.attr}`` references resolve against what their targets really are, and one in
specs only (or gone) is looked up by its natural key in its layer (adoption and crash recovery: an
object created by an interrupted apply is found here, never duplicated). Each provider has its own
``parallelism`` threads; its HTTP client's concurrency budget bounds what reaches the platform.

Never writes: it calls only ``read`` and ``find`` on resource types.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterable, Mapping

from reconciler.addresses import Address
from reconciler.errors import PlanError, ProviderError, ReferenceError_
from reconciler.graph.dag import Graph
from reconciler.plan.model import Unknown, contains_unknown
from reconciler.providers.base import ResourceType
from reconciler.sessions import Sessions
from reconciler.spec import ResourceSpec, SpecSet, resolve
from reconciler.state.model import State


@dataclass(frozen=True)
class Observed:
    """What refresh learned about one address.

    ``desired`` is the spec with references resolved (``Unknown`` where only apply will tell);
    ``live`` the object as read (spec vocabulary), ``None`` when absent; ``source`` says how it
    was found: ``state`` (by id), ``natural_key`` (adoption), ``absent``, ``unknown_key``
    (its natural key is known only after apply) or ``skipped`` (outside ``--target``).
    """

    address: Address
    desired: dict[str, Any] | None
    live: dict[str, Any] | None
    object_id: str | None
    source: str
    fingerprint: str | None = None


def fingerprint(rt: ResourceType, live: Mapping[str, Any] | None) -> str | None:
    """A short stable hash of a live object's normalized form (stale-plan and drift checks)."""
    if live is None:
        return None
    canonical = json.dumps(rt.normalize(live), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


Progress = Callable[[int, int], None]


def refresh(
    graph: Graph,
    specs: SpecSet | None,
    state: State,
    sessions: Sessions,
    *,
    parallelism: int = 8,
    include: set[Address] | None = None,
    read_live: bool = True,
    progress: Progress | None = None,
    errors: dict[Address, ProviderError] | None = None,
) -> dict[Address, Observed]:
    """Observe every graph node (only ``include`` ones and what they reference, when given).

    ``read_live=False`` resolves specs without any request (used by ``validate``-like callers).
    Raises the first ``ProviderError`` met, labelled with its address; when ``errors`` is given,
    records each failed address there instead (observed as ``skipped``) and goes on, so one
    platform that is down does not stop the others (apply uses this).

    Order of work: every object state knows is read by its id at once, whatever its layer (a read
    needs only the id; batchable ones share one ``read_many`` per container); specs are then
    resolved layer by layer against what was read, and only what was not found by id (new
    addresses, objects gone, data sources) waits for its layer to be looked up. Each provider has
    its own ``parallelism`` threads, so one slow platform does not hold back the others.
    """
    observed: dict[Address, Observed] = {}
    blocked: set[Address] = set()
    layers = graph.layers()
    total = sum(len(layer) for layer in layers)
    done = 0
    resources = specs.resources if specs else {}
    with _Pools(parallelism) as pools:
        reads = _read_known(graph.nodes, state, sessions, pools, include) if read_live else {}

        def fail(address: Address, err: ProviderError, batched: bool) -> None:
            if errors is None:
                raise err if batched else err.with_address(str(address))
            errors[address] = err.with_address(str(address))
            observed[address] = _from_state(address, _desired(address), state, "skipped")

        def _desired(address: Address) -> dict[str, Any] | None:
            spec = resources.get(address)
            return _resolve_spec(spec, observed, state) if spec is not None else None

        for layer in layers:
            lookups: list[tuple[list[Address], Future]] = []
            found_in: dict[tuple[str, Hashable], list[tuple[Address, dict]]] = {}
            for address in layer:
                desired = _desired(address)
                wanted = include is None or address in include
                if errors and any(d in errors or d in blocked for d in graph.dependencies(address)):
                    blocked.add(address)  # waits for what could not be read: left out
                    wanted = False
                if not wanted or not read_live:
                    observed[address] = _from_state(address, desired, state, "skipped")
                    continue
                read = reads.get(address)
                if read is not None:
                    try:
                        live = read.result()
                    except ProviderError as err:
                        fail(address, err, read.batched)
                        continue
                    if live is not None:
                        rt = sessions.resource(address)
                        observed[address] = Observed(address, desired, live, state.resources[address].object_id,
                                                     "state", fingerprint(rt, live))
                        continue
                rt = sessions.resource(address)
                settled = None if rt.data_source else _settle_without_lookup(address, rt, desired)
                if settled is not None:
                    observed[address] = settled
                    continue
                group = None if rt.data_source else rt.find_key(_with_key_defaults(rt, desired))
                if group is not None:
                    found_in.setdefault((address.type, group), []).append((address, desired))
                    continue
                lookups.append(([address], pools.submit(address.provider, lambda a=address, r=rt, d=desired:
                                                        [_look_up_or_source(a, r, d)])))
            for members in found_in.values():
                rt = sessions.resource(members[0][0])
                lookups.append(([a for a, _ in members],
                                pools.submit(members[0][0].provider, _find_batch, rt, members)))
            for addresses, future in lookups:
                try:
                    for obs in future.result():
                        observed[obs.address] = obs
                except ProviderError as err:
                    for address in addresses:
                        fail(address, err, len(addresses) > 1)
            done += len(layer)
            if progress:
                progress(done, total)
    return observed


class _Read:
    """The pending read of one object by id: its own ``read``, or its share of a ``read_many``."""

    def __init__(self, future: Future, object_id: str | None = None) -> None:
        self.future, self.object_id, self.batched = future, object_id, object_id is not None

    def result(self) -> dict[str, Any] | None:
        value = self.future.result()
        return value.get(self.object_id) if self.batched else value


class _Pools:
    """One thread pool per provider (created on first use), shut down with pending work cancelled."""

    def __init__(self, threads: int) -> None:
        self.threads = max(1, threads)
        self.pools: dict[str, ThreadPoolExecutor] = {}

    def submit(self, provider: str, fn: Callable[..., Any], *args: Any) -> Future:
        pool = self.pools.get(provider)
        if pool is None:
            pool = self.pools[provider] = ThreadPoolExecutor(self.threads, thread_name_prefix=f"refresh-{provider}")
        return pool.submit(fn, *args)

    def __enter__(self) -> "_Pools":
        return self

    def __exit__(self, *exc: Any) -> None:
        for pool in self.pools.values():
            pool.shutdown(wait=True, cancel_futures=True)


def _read_known(addresses: Iterable[Address], state: State, sessions: Sessions, pools: _Pools,
                include: set[Address] | None) -> dict[Address, _Read]:
    """Start reading every (included) object state knows by its id, batched per container."""
    reads: dict[Address, _Read] = {}
    batches: dict[tuple[str, Hashable], list[Address]] = {}
    for address in addresses:
        rs = state.get(address)
        if rs is None or (include is not None and address not in include):
            continue
        rt = sessions.resource(address)
        if rt.data_source:
            continue
        key = _batch_key(address, state, sessions)
        if key is not None:
            batches.setdefault((address.type, key), []).append(address)
        else:
            reads[address] = _Read(pools.submit(address.provider, rt.read, rs.object_id))
    for members in batches.values():
        ids = [state.resources[a].object_id for a in members]
        future = pools.submit(members[0].provider, sessions.resource(members[0]).read_many, ids)
        for address, object_id in zip(members, ids):
            reads[address] = _Read(future, object_id)
    return reads


def _look_up_or_source(address: Address, rt: ResourceType, desired: dict | None) -> Observed:
    """An address not found by id: a data source is read, a resource looked up by natural key."""
    if rt.data_source:
        return _read_data_source(address, rt, desired or {})
    return _look_up(address, rt, desired)


def _from_state(address: Address, desired: dict | None, state: State, source: str) -> Observed:
    rs = state.get(address)
    return Observed(address, desired, None, rs.object_id if rs else None, source, rs.fingerprint if rs else None)


def _batch_key(address: Address, state: State, sessions: Sessions) -> Hashable | None:
    """The container whose objects one ``read_many`` call returns, for a batchable address."""
    rs = state.get(address)
    if rs is None:
        return None
    rt = sessions.resource(address)
    if rt.data_source or type(rt).read_many is ResourceType.read_many:
        return None
    return rt.batch_key(rs.object_id)


def _look_up(address: Address, rt: ResourceType, desired: dict | None) -> Observed:
    """Find a spec'd object that state does not (or no longer) track, by its natural key."""
    settled = _settle_without_lookup(address, rt, desired)
    if settled is not None:
        return settled
    return _found(address, rt, desired, rt.find(_with_key_defaults(rt, desired)))


def _with_key_defaults(rt: ResourceType, desired: dict) -> dict:
    """``desired`` with the defaults of natural-key fields it leaves out (what ``find`` is given)."""
    return {**{k: rt.default_of(k) for k in rt.natural_key if k not in desired}, **desired}


def _settle_without_lookup(address: Address, rt: ResourceType, desired: dict | None) -> Observed | None:
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


def _found(address: Address, rt: ResourceType, desired: dict, found: tuple[str, Any] | None) -> Observed:
    if found is None:
        return Observed(address, desired, None, None, "absent")
    object_id, live = found
    return Observed(address, desired, live, object_id, "natural_key", fingerprint(rt, live))


def _find_batch(rt: ResourceType, members: list[tuple[Address, dict]]) -> list[Observed]:
    """Look up several specs of one container with one ``find_many`` call."""
    found = rt.find_many([_with_key_defaults(rt, desired) for _, desired in members])
    return [_found(address, rt, desired, hit) for (address, desired), hit in zip(members, found)]


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


def _resolve_spec(spec: ResourceSpec, observed: Mapping[Address, Observed], state: State) -> dict[str, Any]:
    """``spec.attrs`` with its references resolved: only the top-level attributes holding one are
    rebuilt (``resolve`` leaves every other value as it is); the rest is shared with the spec."""
    def lookup(target: Address, attr: tuple[str, ...]) -> Any:
        return lookup_attr(target, attr, observed, state)

    if not spec.references:
        return dict(spec.attrs)
    if any(not r.path for r in spec.references):
        return resolve(spec.attrs, lookup)
    keys = {r.path[0] for r in spec.references}
    return {k: resolve(v, lookup) if k in keys else v for k, v in spec.attrs.items()}


def lookup_attr(
    target: Address,
    attr: tuple[str, ...],
    observed: Mapping[Address, Observed],
    state: State,
    applied: Mapping[Address, Mapping[str, Any]] | None = None,
) -> Any:
    """The value of ``${target.attr...}``: desired value first, then applied, live, state outputs.

    Returns ``Unknown`` when only apply will tell; raises ``KeyError`` for a missing sub-path.
    """
    head = attr[0]
    value: Any = _MISSING
    obs = observed.get(target)
    if applied and target in applied and head in applied[target]:
        value = applied[target][head]
    elif obs is not None and obs.desired is not None and head in obs.desired and not isinstance(obs.desired[head], Unknown):
        value = obs.desired[head]
    elif obs is not None and obs.live is not None and head in obs.live and obs.source != "skipped":
        value = obs.live[head]
    else:
        rs = state.get(target)
        if rs is not None and head in rs.outputs:
            value = rs.outputs[head]
        elif rs is not None and head in rs.attrs:
            value = rs.attrs[head]
    if value is _MISSING:
        return Unknown("${" + ".".join((str(target), *attr)) + "}")
    return descend(value, target, attr)


def descend(value: Any, target: Address, attr: tuple[str, ...]) -> Any:
    """``value`` (the attribute ``attr[0]``) followed down ``attr[1:]`` (keys and list indexes)."""
    for part in attr[1:]:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise ReferenceError_(
                f"${{{target}.{'.'.join(attr)}}}: {target} has no attribute path {'.'.join(attr)}",
                address=str(target),
            )
    return value


_MISSING = object()

