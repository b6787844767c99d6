"""Refresh: resolve each desired spec and read each live object, for every address in specs ∪ state.

Owns: the read side of a run. A resource in state is read by its id, all of them at once (one
``read_many`` per container where the type has it); each spec is resolved as soon as what it
references is observed, so that ``${type.name.attr}`` references resolve against what their
targets really are; one in specs only (or gone) is then looked up by its natural key (adoption and
crash recovery: an object created by an interrupted apply is found here, never duplicated). Each
provider has its own ``parallelism`` threads; its HTTP client's concurrency budget bounds what
reaches the platform.

Never writes: it calls only ``read`` and ``find`` on resource types.
"""

from __future__ import annotations

import hashlib
import json
import queue
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Hashable, Iterable

from reconciler.addresses import Address
from reconciler.errors import PlanError, ProviderError, ReferenceError_
from reconciler.graph.dag import Graph
from reconciler.plan.model import Unknown, contains_unknown
from reconciler.pools import ProviderPools
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


#: the canonical JSON fingerprints hash (one encoder for every call: building one costs more
#: than encoding a small object)
_CANONICAL = json.JSONEncoder(sort_keys=True, default=str, separators=(",", ":"))

#: how the fingerprint of a type with ``detail_fields`` starts: it leaves them out, and one
#: recorded before it did (20 hex digits) compares with none of these
DETAILS_LEFT_OUT = "~"


def fingerprint(rt: ResourceType, live: Mapping[str, Any] | None) -> str | None:
    """A short stable hash of a live object's normalized form (stale-plan and drift checks),
    ``detail_fields`` left out (a brief read gives the same hash as a full one)."""
    if live is None:
        return None
    view = rt.normalize(live)
    if rt.detail_fields:
        view = {k: v for k, v in view.items() if k not in rt.detail_fields}
    digest = hashlib.sha256(_CANONICAL.encode(view).encode()).hexdigest()
    return DETAILS_LEFT_OUT + digest[:19] if rt.detail_fields else digest[:20]


def comparable(a: str | None, b: str | None) -> bool:
    """Whether fingerprints ``a`` and ``b`` were computed alike (see ``DETAILS_LEFT_OUT``)."""
    return a is not None and b is not None and a.startswith(DETAILS_LEFT_OUT) == b.startswith(DETAILS_LEFT_OUT)


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
    prefetch: "Prefetch | None" = None,
    on_settled: Callable[[Observed], None] | None = None,
) -> dict[Address, Observed]:
    """Observe every graph node (only ``include`` ones and what they reference, when given).

    ``read_live=False`` resolves specs without any request (used by ``validate``-like callers).
    Raises the first ``ProviderError`` met, labelled with its address; when ``errors`` is given,
    records each failed address there instead (observed as ``skipped``) and goes on, so one
    platform that is down does not stop the others (apply uses this).

    Order of work: every object state knows is read by its id at once, whatever its place in the
    graph (a read needs only the id; batchable ones share one ``read_many`` per container). Each
    address is then settled as soon as everything it references is: its spec is resolved against
    what they are, and what was not found by id (new addresses, objects gone, data sources) is
    looked up by natural key, the lookups that become due together batched per container
    (``find_many``). No provider waits for another's round trips. Answers are taken between
    two settlements, and an address they unblock that needs a lookup is visited before what
    was read by id, so a chain of lookups (a data source of a data source) never waits for the
    whole estate to be settled. Each provider has its own ``parallelism`` threads.

    With ``prefetch`` (reads started before the specs were loaded, on these ``sessions``), its
    reads and threads are used; refresh then owns it and shuts it down. ``on_settled`` is called
    with each observation as it settles (in this thread, while other answers are awaited: the
    planner decides there what it can).
    """
    walk = _Walk(graph, specs, state, sessions, include, read_live, progress, errors, on_settled)
    return walk.run(prefetch or Prefetch(None, sessions, parallelism))


class _Walk:
    """One refresh: a dependency-counting walk of the graph (see ``refresh``)."""

    def __init__(self, graph: Graph, specs: SpecSet | None, state: State, sessions: Sessions,
                 include: set[Address] | None, read_live: bool, progress: Progress | None,
                 errors: dict[Address, ProviderError] | None,
                 on_settled: Callable[[Observed], None] | None = None) -> None:
        self.graph, self.state, self.sessions = graph, state, sessions
        self.resources = specs.resources if specs else {}
        self.include, self.read_live, self.progress, self.errors = include, read_live, progress, errors
        self.on_settled = on_settled
        self.observed: dict[Address, Observed] = {}
        self.blocked: set[Address] = set()
        nodes = graph.nodes
        self.remaining = {a: len(graph.dependencies(a)) for a in nodes}
        self.dependents: dict[Address, list[Address]] = {a: [] for a in nodes}
        for address in nodes:
            for dep in graph.dependencies(address):
                self.dependents[dep].append(address)
        # what state does not know first: its lookups (data sources, new objects) go out before
        # the walk settles what was read by id
        known = state.resources
        self.ready = deque(sorted((a for a in nodes if self.remaining[a] == 0),
                                  key=lambda a: (a in known, a.sort_key())))
        self.completed: queue.SimpleQueue[Future] = queue.SimpleQueue()
        #: a future being waited for -> what its answer settles: (address, desired) for a read,
        #: the members for a lookup
        self.waiting: dict[Future, list[tuple[str, Any]]] = {}
        self.due: dict[tuple[str, Hashable], list[tuple[Address, dict]]] = {}  # lookups to send
        self.singles: list[tuple[Address, dict | None]] = []
        self.reads: dict[Address, _Read] = {}
        self.step = max(1, len(nodes) // 100)

    def run(self, prefetch: "Prefetch") -> dict[Address, Observed]:
        with prefetch.pools as pools:
            self.pools = pools
            if self.read_live:
                self.reads = prefetch.reads
                self.reads.update(_read_known([a for a in self.graph.nodes if a not in prefetch.reads], self.state,
                                              self.sessions, pools, self.include))
            known, completed = self.state.resources, self.completed
            while self.ready or self.waiting or self.due or self.singles:
                while self.ready:
                    self._visit(self.ready.popleft())
                    while not completed.empty():  # answers in: what they unblock is not kept waiting
                        self._answer(completed.get())
                    if (self.due or self.singles) and (not self.ready or self.ready[0] in known):
                        self._send_lookups()  # those due so far go out now, before more is settled
                self._send_lookups()
                if not self.waiting:
                    continue
                self._answer(self.completed.get())
                while not self.completed.empty():  # answers that came together settle together
                    self._answer(self.completed.get())
        if len(self.observed) != len(self.remaining):  # only a graph with a cycle could leave some
            raise RuntimeError(f"refresh left {len(self.remaining) - len(self.observed)} addresses unvisited")
        return self.observed

    # -- visiting an address ---------------------------------------------------------------------
    def _visit(self, address: Address) -> None:
        desired = self._desired(address)
        wanted = self.include is None or address in self.include
        if self.errors and any(d in self.errors or d in self.blocked for d in self.graph.dependencies(address)):
            self.blocked.add(address)  # waits for what could not be read: left out
            wanted = False
        if not wanted or not self.read_live:
            self._settle(_from_state(address, desired, self.state, "skipped"))
            return
        read = self.reads.get(address)
        if read is None:
            self._look_up(address, desired)
        elif read.future.done():
            self._take_read(address, desired, read)
        else:
            self._wait(read.future, ("read", (address, desired)))

    def _desired(self, address: Address) -> dict[str, Any] | None:
        spec = self.resources.get(address)
        return _resolve_spec(spec, self.observed, self.state) if spec is not None else None

    def _take_read(self, address: Address, desired: dict | None, read: "_Read") -> None:
        try:
            live = read.result()
        except ProviderError as err:
            self._fail(address, err, read.batched)
            return
        if live is None:
            self._look_up(address, desired)  # gone, or missing from its container's list
            return
        rt = self.sessions.resource(address)
        if read.batched and rt.detail_fields and desired and any(desired.get(f) is not None and f not in live
                                                                 for f in rt.detail_fields):
            # read briefly (state did not manage them) but declared now: read it whole, once
            read = self.reads[address] = _Read(self.pools.submit(address.provider, rt.read, read.object_id
                                                                 or self.state.resources[address].object_id))
            self._wait(read.future, ("read", (address, desired)))
            return
        self._settle(Observed(address, desired, live, self.state.resources[address].object_id, "state",
                              fingerprint(rt, live)))

    def _look_up(self, address: Address, desired: dict | None) -> None:
        rt = self.sessions.resource(address)
        if not rt.data_source:
            settled = _settle_without_lookup(address, rt, desired)
            if settled is not None:
                self._settle(settled)
                return
            group = rt.find_key(_with_key_defaults(rt, desired))
            if group is not None:
                self.due.setdefault((address.type, group), []).append((address, desired))
                return
        self.singles.append((address, desired))

    def _send_lookups(self) -> None:
        for members in self.due.values():
            address = members[0][0]
            future = self.pools.submit(address.provider, _find_batch, self.sessions.resource(address), members)
            self._wait(future, ("lookup", [a for a, _ in members]))
        for address, desired in self.singles:
            future = self.pools.submit(address.provider, lambda a=address, d=desired:
                                       [_look_up_or_source(a, self.sessions.resource(a), d)])
            self._wait(future, ("lookup", [address]))
        self.due, self.singles = {}, []

    # -- answers -------------------------------------------------------------------------------
    def _wait(self, future: Future, entry: tuple[str, Any]) -> None:
        entries = self.waiting.get(future)
        if entries is None:
            self.waiting[future] = [entry]
            future.add_done_callback(self.completed.put)
        else:
            entries.append(entry)

    def _answer(self, future: Future) -> None:
        for kind, what in self.waiting.pop(future):
            if kind == "read":
                address, desired = what
                self._take_read(address, desired, self.reads[address])
                continue
            try:
                found = future.result()
            except ProviderError as err:
                for address in what:
                    self._fail(address, err, len(what) > 1)
                continue
            for address, obs in zip(what, found):
                if isinstance(obs, ProviderError):
                    self._fail(address, obs, False)
                else:
                    self._settle(obs)

    def _fail(self, address: Address, err: ProviderError, batched: bool) -> None:
        if self.errors is None:
            raise err if batched else err.with_address(str(address))
        self.errors[address] = err.with_address(str(address))
        self._settle(_from_state(address, self._desired(address), self.state, "skipped"))

    def _settle(self, obs: Observed) -> None:
        self.observed[obs.address] = obs
        if self.on_settled is not None:
            self.on_settled(obs)
        for dependent in self.dependents[obs.address]:
            self.remaining[dependent] -= 1
            if self.remaining[dependent] == 0:
                if dependent in self.state.resources:
                    self.ready.append(dependent)
                else:  # it needs a lookup: ahead of what was read by id, so that it goes out now
                    self.ready.appendleft(dependent)
        done = len(self.observed)
        if self.progress and (done % self.step == 0 or done == len(self.remaining)):
            self.progress(done, len(self.remaining))


class _Read:
    """The pending read of one object by id: its own ``read``, or its share of a ``read_many``."""

    def __init__(self, future: Future, object_id: str | None = None) -> None:
        self.future, self.object_id, self.batched = future, object_id, object_id is not None

    def result(self) -> dict[str, Any] | None:
        value = self.future.result()
        return value.get(self.object_id) if self.batched else value


class Prefetch:
    """Reads of every object ``state`` knows, started at once on ``sessions`` (``state`` None: none
    yet). ``Workspace.plan`` starts them before loading the specs (the reads need only ids and
    connections), then hands them to ``refresh``; ``close()`` drops them if the run stops first."""

    def __init__(self, state: State | None, sessions: Sessions, parallelism: int, *,
                 settings: Mapping[str, Any] | None = None) -> None:
        self.sessions = sessions
        self.settings = dict(settings or {})  # the provider blocks the sessions were opened with
        self.taken = False
        # reads in flight beyond a provider's budget would only wait for it: no more threads than that
        self.pools = ProviderPools(parallelism, "refresh", cancel_pending=True, limits=sessions.concurrency)
        self.reads: dict[Address, _Read] = {}
        if state is not None:
            self.reads = _read_known(list(state.resources), state, sessions, self.pools, None)

    def matches(self, providers: Mapping[str, Any]) -> bool:
        """Whether ``providers`` (the specs' blocks) configure the opened sessions as ``settings`` did."""
        return all(providers.get(name) == self.settings.get(name) for name in self.sessions.names)

    def take(self) -> Sessions:
        """Hand the sessions (and, through ``refresh``, the reads) over to the run."""
        self.taken = True
        return self.sessions

    def close(self) -> None:
        self.pools.shutdown()


def _read_known(addresses: Iterable[Address], state: State, sessions: Sessions, pools: ProviderPools,
                include: set[Address] | None) -> dict[Address, _Read]:
    """Start reading every (included) object state knows by its id, batched per container. The
    provider with the most objects goes first (its reads take longest to get through its budget);
    in each provider, what others depend on first (a folder before the projects in it), then the
    largest batch."""
    reads: dict[Address, _Read] = {}
    depths: dict[Address, int] = {}
    by_provider: dict[str, list[Address]] = {}
    for address in addresses:
        if address in state.resources and (include is None or address in include):
            by_provider.setdefault(address.provider, []).append(address)
    for provider in sorted(by_provider, key=lambda p: -len(by_provider[p])):
        batches: dict[tuple[str, Hashable], list[Address]] = {}
        for address in by_provider[provider]:
            rt = sessions.resource(address)
            if rt.data_source:
                continue
            key = _batch_key(address, state, sessions)
            if key is not None:
                batches.setdefault((address.type, key), []).append(address)
            else:
                reads[address] = _Read(pools.submit(provider, rt.read, state.resources[address].object_id))
        for members in sorted(batches.values(), key=lambda m: (_depth(m[0], state, depths), -len(m))):
            ids = [state.resources[a].object_id for a in members]
            rt = sessions.resource(members[0])
            if rt.detail_fields:  # their details only where state manages them (see ``_take_read``)
                brief = [state.resources[a].object_id for a in members
                         if not any(state.resources[a].attrs.get(f) is not None for f in rt.detail_fields)]
                future = pools.submit(provider, partial(rt.read_many, brief=brief), ids)
            else:
                future = pools.submit(provider, rt.read_many, ids)
            for address, object_id in zip(members, ids):
                reads[address] = _Read(future, object_id)
    return reads


def _depth(address: Address, state: State, known: dict[Address, int]) -> int:
    """How many dependencies deep ``address`` sits, by the dependencies state recorded (``known``
    memoizes; no recursion, so a chain of any length is fine; a cycle, which state never records,
    counts as no depth)."""
    stack = [address]
    while stack:
        top = stack[-1]
        if top in known:
            stack.pop()
            continue
        rs = state.resources.get(top)
        pending = [d for d in (rs.dependencies if rs is not None else ()) if d not in known and d not in stack]
        if pending:
            stack.extend(pending)
            continue
        deps = rs.dependencies if rs is not None else ()
        known[top] = 1 + max((known.get(d, 0) for d in deps), default=-1) if deps else 0
        stack.pop()
    return known[address]


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


def _find_batch(rt: ResourceType, members: list[tuple[Address, dict]]) -> list[Observed | ProviderError]:
    """Look up several specs of one container with one ``find_many`` call. If it fails (one key
    matches several objects, the list cannot be read), each is looked up alone, so that every
    error names its own address."""
    try:
        found = rt.find_many([_with_key_defaults(rt, desired) for _, desired in members])
    except ProviderError:
        out: list[Observed | ProviderError] = []
        for address, desired in members:
            try:
                out.append(_look_up(address, rt, desired))
            except ProviderError as err:
                out.append(err)
        return out
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

