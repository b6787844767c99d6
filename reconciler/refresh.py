"""Refresh: resolve each desired spec and read each live object, for every address in specs ∪ state.

Owns: the read side of a run. Addresses are visited in dependency layers, each layer in parallel
(``parallelism`` threads; each provider's HTTP client adds its own concurrency budget), so that
``${type.name.attr}`` references resolve against what their targets really are. A resource in state
is read by its id; one in specs only is looked up by its natural key (adoption and crash recovery:
an object created by an interrupted apply is found here, never duplicated).

Never writes: it calls only ``read`` and ``find`` on resource types.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Mapping

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
    """
    observed: dict[Address, Observed] = {}
    blocked: set[Address] = set()
    layers = graph.layers()
    total = sum(len(layer) for layer in layers)
    done = 0
    resources = specs.resources if specs else {}
    # each provider gets ``parallelism`` threads (its HTTP budget then bounds what reaches it), so
    # one slow platform does not hold back the others' reads
    providers = {a.provider for a in graph.nodes}
    workers = max(1, parallelism) * max(1, len(providers))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="refresh") as pool:
        for layer in layers:
            jobs: list[tuple[list[Address], Future]] = []
            batches: dict[tuple[str, Hashable], list[tuple[Address, dict | None]]] = {}
            for address in layer:
                spec = resources.get(address)
                desired = _resolve_spec(spec, observed, state) if spec is not None else None
                wanted = include is None or address in include
                if errors and any(d in errors or d in blocked for d in graph.dependencies(address)):
                    blocked.add(address)  # waits for what could not be read: left out, not read
                    wanted = False
                if not wanted or not read_live:
                    observed[address] = _from_state(address, desired, state, "skipped")
                    continue
                key = _batch_key(address, state, sessions)
                if key is not None:
                    batches.setdefault((address.type, key), []).append((address, desired))
                    continue
                jobs.append(([address], pool.submit(lambda a=address, d=desired: [_observe(a, d, state, sessions)])))
            for members in batches.values():
                jobs.append(([a for a, _ in members], pool.submit(_observe_batch, members, state, sessions)))
            for addresses, future in jobs:
                try:
                    for obs in future.result():
                        observed[obs.address] = obs
                except ProviderError as err:
                    if errors is None:
                        for _, other in jobs:
                            other.cancel()
                        raise err.with_address(str(addresses[0])) if len(addresses) == 1 else err from None
                    for address in addresses:
                        errors[address] = err.with_address(str(address))
                        spec = resources.get(address)
                        desired = _resolve_spec(spec, observed, state) if spec is not None else None
                        observed[address] = _from_state(address, desired, state, "skipped")
            done += len(layer)
            if progress:
                progress(done, total)
    return observed


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


def _observe_batch(members: list[tuple[Address, dict | None]], state: State, sessions: Sessions) -> list[Observed]:
    """Read a container's objects with one ``read_many`` call; look up the missing ones one by one."""
    rt = sessions.resource(members[0][0])
    ids = [state.resources[a].object_id for a, _ in members]
    lives = rt.read_many(ids)
    out = []
    for (address, desired), object_id in zip(members, ids):
        live = lives.get(object_id)
        if live is not None:
            out.append(Observed(address, desired, live, object_id, "state", fingerprint(rt, live)))
        else:
            out.append(_look_up(address, rt, desired))
    return out


def _observe(address: Address, desired: dict | None, state: State, sessions: Sessions) -> Observed:
    rt = sessions.resource(address)
    if rt.data_source:
        return _read_data_source(address, rt, desired or {})
    rs = state.get(address)
    if rs is not None:
        live = rt.read(rs.object_id)
        if live is not None:
            return Observed(address, desired, live, rs.object_id, "state", fingerprint(rt, live))
    return _look_up(address, rt, desired)


def _look_up(address: Address, rt: ResourceType, desired: dict | None) -> Observed:
    """Find a spec'd object that state does not (or no longer) track, by its natural key."""
    if desired is None:
        return Observed(address, None, None, None, "absent")
    key = {k: desired.get(k, rt.default_of(k)) for k in rt.natural_key}
    if not rt.natural_key or any(v is None for v in key.values()):
        return Observed(address, desired, None, None, "absent")
    if contains_unknown(key):
        return Observed(address, desired, None, None, "unknown_key")
    found = rt.find({**{k: v for k, v in key.items()}, **desired})
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


def _resolve_spec(spec: ResourceSpec, observed: Mapping[Address, Observed], state: State) -> dict[str, Any]:
    def lookup(target: Address, attr: tuple[str, ...]) -> Any:
        return lookup_attr(target, attr, observed, state)

    return resolve(spec.attrs, lookup)


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

