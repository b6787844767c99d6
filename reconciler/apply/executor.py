"""The apply executor: carries out a ``Plan``'s changes against the platforms.

Owns all apply-time concurrency. Each change becomes one or two operations (a replace is a delete
then a create); operations run on a bounded thread pool as soon as what they wait for is done:

- applying X (create / update / adopt) waits for applying X's dependencies, and for X's own
  delete when X is replaced (by default the old object goes first);
- deleting X waits for deleting whatever depends on X (reverse order), and for updating anything
  that used to depend on X and no longer does (so a project leaves a folder before it is deleted);
- a create-before-destroy replace turns X's own order round: X's create comes first, and its
  record keeps the old object as *deposed*; deleting the deposed objects of X waits for X's create
  and for applying everything that depends on X, so they point at the new object before the old
  one goes. A deposed object outlives a killed or failed apply in the state, and the next apply
  deletes it (``Change.deposed``): nothing is orphaned.

A blocked change (``Change.blocked``) is not applied: the ledger says ``blocked`` with its reason.

Every create and update is verified (``apply.verify``): the object as the create or update returns
it (the platform's view, by the provider contract) must hold the managed fields as asked, else the
operation fails naming each field, and the state records what the platform holds. An object found by natural key after a failed create is adopted only if no
other address manages it.

A failure skips everything that (transitively) waits for it; independent branches finish.
Every step is journaled as it lands (an intent before each create and delete, a result after
every operation), so a killed apply loses nothing: the next run reads the journal and finds
interrupted creates by natural key instead of creating duplicates. Progress goes to ``Hooks``.
"""

from __future__ import annotations

import heapq
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Protocol

from pydantic import ValidationError

from reconciler.addresses import Address
from reconciler.apply.verify import (Mismatch, describe, describe_later, mismatches, recorded_attrs, verified_fields,
                                     with_details)
from reconciler.plan.ledger import APPLIED, BLOCKED, FAILED, SKIPPED, LedgerEntry
from reconciler.errors import ApiError, ReconcilerError, TransportError, VerificationError
from reconciler.plan.model import SENSITIVE_MASK, Action, Change, Plan, Unknown, contains_unknown
from reconciler.pools import ProviderPools
from reconciler.providers.base import (CreatedButFailed, ResourceType, UpdatedButFailed, progress_to,
                                       reset_progress)
from reconciler.reads import find_one, read_object
from reconciler.secrets import SecretHasher, sensitive_values
from reconciler.spec import resolve
from reconciler.state import JournalEntry, StateStore
from reconciler.state.model import Deposed, ResourceState, State
from reconciler.values import descend, fingerprint

DELETE = "delete"
APPLY = "apply"
#: deleting the objects an address keeps as deposed (create-before-destroy)
DEPOSED = "deposed"
#: creates retried after the natural-key lookup proved the object absent (5xx, 429, dropped)
CREATE_RETRIES = 5
CREATE_RETRY_DELAY = 0.25


class Hooks(Protocol):
    """Progress callbacks (called from worker threads; implementations must be thread-safe)."""

    def on_start(self, address: Address, verb: str) -> None: ...

    def on_finish(self, entry: LedgerEntry) -> None: ...

    def on_progress(self, address: Address, message: str) -> None: ...


class NoHooks:
    def on_start(self, address: Address, verb: str) -> None:
        pass

    def on_finish(self, entry: LedgerEntry) -> None:
        pass

    def on_progress(self, address: Address, message: str) -> None:
        pass


@dataclass(frozen=True)
class Op:
    address: Address
    part: str  # DELETE | APPLY | DEPOSED
    change: Change

    @property
    def key(self) -> tuple[Address, str]:
        return (self.address, self.part)


@dataclass
class _Outcome:
    op: Op
    record: ResourceState | None = None
    remove: bool = False
    detail: str = ""
    object_id: str | None = None


class Executor:
    """Runs one plan. ``type_of(address)`` gives the bound resource type.

    Plans never hold secrets: a sensitive field's value is masked in ``Change.config`` and taken
    from ``secrets`` (address -> field -> value, read from the specs by the caller) at apply time.
    """

    def __init__(
        self,
        plan: Plan,
        state: State,
        store: StateStore,
        type_of: Callable[[Address], ResourceType],
        *,
        parallelism: int = 8,
        hooks: Hooks | None = None,
        secrets: Mapping[Address, Mapping[str, Any]] | None = None,
        hasher: SecretHasher | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.plan = plan
        self.state = state
        self.store = store
        self.type_of = type_of
        self.parallelism = max(1, parallelism)
        self.hooks = hooks or NoHooks()
        self.secrets = secrets or {}
        self.hasher = hasher
        self._sleep = sleep
        #: secret strings met while resolving references: stored in state only as keyed hashes
        self._secret_values: set[str] = set()
        self._applied: dict[Address, dict[str, Any]] = {}
        #: the records applies made, by address (a create-before-destroy delete journals it again)
        self._records: dict[Address, ResourceState] = {}
        #: (type, object id) -> the address managing it: in the state, in the plan, or applied now
        self._owners: dict[tuple[str, str], Address] = {
            **{(a.type, rs.object_id): a for a, rs in state.resources.items()},
            **{(c.address.type, c.object_id): c.address for c in plan.changes if c.object_id}}
        self._results_lock = threading.Lock()

    # -- graph of operations -------------------------------------------------------------
    def operations(self) -> tuple[dict[tuple, Op], dict[tuple, set[tuple]]]:
        """The operations and, for each, the set of operation keys it waits for."""
        changes = {c.address: c for c in self.plan.actionable}
        ops: dict[tuple, Op] = {}
        for c in changes.values():
            create_first = c.action is Action.REPLACE and c.create_before_destroy
            if c.action in (Action.DELETE, Action.FORGET) or (c.action is Action.REPLACE and not create_first):
                ops[(c.address, DELETE)] = Op(c.address, DELETE, c)
            if create_first or c.deposed:
                ops[(c.address, DEPOSED)] = Op(c.address, DEPOSED, c)
            if c.action in (Action.CREATE, Action.UPDATE, Action.REPLACE) or (c.action is Action.NOOP and c.importing):
                ops[(c.address, APPLY)] = Op(c.address, APPLY, c)
        waits: dict[tuple, set[tuple]] = {k: set() for k in ops}
        for (address, part), op in ops.items():
            if part == APPLY:
                for dep in op.change.depends_on:
                    if (dep, APPLY) in ops:
                        waits[(address, APPLY)].add((dep, APPLY))
                if (address, DELETE) in ops:
                    waits[(address, APPLY)].add((address, DELETE))
            elif part == DEPOSED and (address, APPLY) in ops:
                waits[(address, DEPOSED)].add((address, APPLY))
            elif part == DELETE and (address, DEPOSED) in ops:
                waits[(address, DELETE)].add((address, DEPOSED))
        users: dict[Address, set[Address]] = {}  # address -> changes that depend (or depended) on it
        for other in changes.values():
            old = self.state.get(other.address)
            for dep in set(old.dependencies if old else ()) | set(other.depends_on):
                users.setdefault(dep, set()).add(other.address)
        for (address, part), op in ops.items():
            if part == APPLY:
                continue
            # a deposed object goes after everything that used it points at the new one
            create_first = part == DEPOSED
            for user in users.get(address, ()):
                if user == address:
                    continue
                if (user, DELETE) in ops:
                    waits[(address, part)].add((user, DELETE))
                if (user, APPLY) in ops and (create_first or (user, DELETE) not in ops
                                             and address not in set(changes[user].depends_on)):
                    waits[(address, part)].add((user, APPLY))
        return ops, waits

    # -- run -------------------------------------------------------------------------------
    def run(self) -> tuple[State, list[LedgerEntry]]:
        """Execute everything; return the final state (also written) and the ledger.

        Scheduling is linear in the number of operations: each keeps a count of what it still
        waits for, and becomes ready when that reaches zero. Each provider has its own ready queue
        and ``parallelism`` threads, so providers apply side by side. The state is written (and the
        journal compacted) even when operations fail or the run is interrupted; a
        ``KeyboardInterrupt`` stops scheduling, lets running calls land, and is re-raised after
        the write.
        """
        ops, waits = self.operations()
        dependents: dict[tuple, list[tuple]] = {k: [] for k in ops}
        for key, needs in waits.items():
            for need in needs:
                dependents[need].append(key)
        remaining = {k: len(needs) for k, needs in waits.items()}
        # one ready queue and one pool of ``parallelism`` threads per provider: a slow platform
        # does not hold back the others (its HTTP budget bounds what reaches it)
        ready: dict[str, list] = {}
        for k, n in remaining.items():
            if n == 0:
                ready.setdefault(k[0].provider, []).append((_op_order(k), k))
        for heap in ready.values():
            heapq.heapify(heap)
        in_flight: dict[str, int] = {}
        pools = ProviderPools(self.parallelism, "apply")
        ledger: dict[tuple, LedgerEntry] = {}
        settled: set[tuple] = set()
        running: dict[Future, Op] = {}
        completions: queue.SimpleQueue[Future] = queue.SimpleQueue()
        resources = dict(self.state.resources)
        interrupted: BaseException | None = None
        for change in self.plan.changes:
            if change.blocked and (change.action is not Action.NOOP or change.importing):
                key = (change.address, APPLY)
                ledger[key] = LedgerEntry(change.address, change.action, BLOCKED, f"not changed: {change.blocked}")
                self.hooks.on_finish(ledger[key])

        def submit(key: tuple) -> None:
            provider = key[0].provider
            future = pools.submit(provider, self._run_op, ops[key])
            running[future] = ops[key]
            future.add_done_callback(completions.put)
            in_flight[provider] = in_flight.get(provider, 0) + 1

        def skip(start: tuple, detail: str) -> None:
            stack = [start]
            while stack:
                key = stack.pop()
                if key in settled:
                    continue
                settled.add(key)
                op = ops[key]
                entry = LedgerEntry(op.address, op.change.action, SKIPPED, detail)
                ledger[key] = entry
                self.hooks.on_finish(entry)
                stack.extend(dependents[key])

        try:
            while True:
                for provider, heap in ready.items():
                    while heap and interrupted is None and in_flight.get(provider, 0) < self.parallelism * 2:
                        _, key = heapq.heappop(heap)
                        if key not in settled:
                            submit(key)
                if not running:
                    unsettled = [k for k in ops if k not in settled]
                    if interrupted is not None:
                        for key in unsettled:
                            skip(key, "skipped: apply interrupted")
                    elif unsettled:
                        raise RuntimeError("apply cannot order: " + ", ".join(str(k[0]) for k in unsettled))
                    break
                try:
                    done = [completions.get()]  # a queue, not wait(): that costs O(running) per answer
                except KeyboardInterrupt as exc:
                    interrupted = exc
                    continue
                while not completions.empty():
                    done.append(completions.get())
                for future in done:
                    op = running.pop(future)
                    in_flight[op.address.provider] -= 1
                    outcome, error, duration = future.result()
                    if outcome.record is not None:
                        resources[op.address] = outcome.record
                    if outcome.remove:
                        resources.pop(op.address, None)
                    settled.add(op.key)
                    if error is None:
                        entry = LedgerEntry(op.address, op.change.action, APPLIED, outcome.detail, duration,
                                            outcome.object_id)
                        for dep in dependents[op.key]:
                            remaining[dep] -= 1
                            if remaining[dep] == 0:
                                heapq.heappush(ready.setdefault(dep[0].provider, []), (_op_order(dep), dep))
                    else:
                        entry = LedgerEntry(op.address, op.change.action, FAILED, error, duration, outcome.object_id)
                        for dep in dependents[op.key]:
                            skip(dep, f"skipped: depends on {op.address}, which failed or was skipped")
                    ledger[op.key] = entry
                    self.hooks.on_finish(entry)
        finally:
            pools.shutdown()
            state = self.store.write(replace(self.state, resources=resources))
        if interrupted is not None:
            raise interrupted
        return state, _collapse(ledger)

    def _run_op(self, op: Op) -> tuple[_Outcome, str | None, float]:
        started = time.monotonic()
        outcome = _Outcome(op)
        on_progress = getattr(self.hooks, "on_progress", None)
        token = progress_to((lambda message: on_progress(op.address, message)) if on_progress else None)
        try:
            if op.part == DELETE:
                self._delete(op, outcome)
            elif op.part == DEPOSED:
                self._delete_deposed(op, outcome)
            else:
                self._apply(op, outcome)
            return outcome, None, time.monotonic() - started
        except ReconcilerError as err:
            return outcome, str(err), time.monotonic() - started
        except CreatedButFailed as err:
            return outcome, f"created {err.object_id} but a follow-up step failed: {err.cause}", time.monotonic() - started
        except UpdatedButFailed as err:
            return outcome, f"updated, but a follow-up step failed: {err.cause}", time.monotonic() - started
        except Exception as err:  # a provider bug must not lose the journal: report it as a failure
            return outcome, f"unexpected {type(err).__name__}: {err}", time.monotonic() - started
        finally:
            reset_progress(token)

    def _journal(self, op: str, action: str, address: Address, *, resource: ResourceState | None = None,
                 natural_key: str | None = None, error: str | None = None) -> None:
        self.store.record(JournalEntry(  # thread-safe: steps running together share one fsync
            seq=0, op=op, action=action, address=address, lineage=self.state.lineage,
            time=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            resource=resource, natural_key=natural_key, error=error,
        ))

    def _delete(self, op: Op, outcome: _Outcome) -> None:
        change = op.change
        rt = self.type_of(op.address)
        action = "forget" if change.action is Action.FORGET else "delete"
        if change.action is not Action.FORGET:
            self.hooks.on_start(op.address, "Destroying")
            self._journal("intent", action, op.address, natural_key=change.object_id)
            try:
                previous = self.state.get(op.address)
                rt.delete(change.object_id, attrs=previous.attrs if previous else None)
            except ReconcilerError as err:
                self._journal("failed", action, op.address, error=str(err))
                raise
        outcome.object_id = change.object_id
        outcome.remove = True
        self._journal("result", action, op.address)

    def _deposed(self, address: Address, change: Change) -> tuple[Deposed, ...]:
        """The objects ``address`` keeps as deposed once ``change``'s create or update lands: those
        the plan deletes (``change.deposed``), and the old object of a create-before-destroy
        replace; each with its last applied attributes (delete options live there)."""
        previous = self.state.get(address)
        known: dict[str, dict[str, Any]] = {}
        if previous is not None:
            known = {previous.object_id: previous.attrs, **{d.object_id: d.attrs for d in previous.deposed}}
        ids = list(change.deposed)
        if change.action is Action.REPLACE and change.create_before_destroy and change.object_id:
            ids.append(change.object_id)
        return tuple(Deposed(i, dict(known.get(i, {}))) for i in dict.fromkeys(ids))

    def _delete_deposed(self, op: Op, outcome: _Outcome) -> None:
        """Delete ``op``'s deposed objects one by one, journaling the record without each as it goes."""
        rt = self.type_of(op.address)
        self.hooks.on_start(op.address, "Destroying deposed")
        for deposed in self._deposed(op.address, op.change):
            self._journal("intent", "delete", op.address, natural_key=deposed.object_id)
            try:
                rt.delete(deposed.object_id, attrs=deposed.attrs)
            except ReconcilerError as err:
                self._journal("failed", "delete", op.address, error=str(err))
                raise
            with self._results_lock:
                current = self._records.get(op.address) or self.state.get(op.address)
                record = current.without_deposed({deposed.object_id}) if current is not None else None
                if record is not None:
                    self._records[op.address] = record
            if record is None:  # (the address holds no record to keep it in)
                continue
            outcome.record = record
            outcome.detail += f"deposed {deposed.object_id} destroyed; "
            self._journal("result", "replace", op.address, resource=record)
        outcome.object_id = op.change.object_id

    def _apply(self, op: Op, outcome: _Outcome) -> None:
        change = op.change
        rt = self.type_of(op.address)
        spec = self._resolved_spec(op.address, change, rt)
        creating = change.action in (Action.CREATE, Action.REPLACE)
        if creating:
            self.hooks.on_start(op.address, "Creating")
            self._journal("intent", "create", op.address, natural_key=rt.identity_of(spec))
            try:
                object_id, live = self._create(op, rt, spec, outcome)
            except CreatedButFailed as err:
                live = rt.read(err.object_id)
                outcome.record = self._record(op.address, change, rt, err.object_id, spec, live, partial=True)
                outcome.object_id = err.object_id
                self._journal("result", "create", op.address, resource=outcome.record, error=str(err.cause))
                raise
            action = "create"
        elif change.action is Action.UPDATE:
            self.hooks.on_start(op.address, "Modifying")
            changed = frozenset({d.top for d in change.diff}
                                | {k for k, v in (change.after or {}).items() if contains_unknown(v)})
            object_id = change.object_id or ""
            action = "import" if change.importing else "update"
            try:
                live = rt.update(object_id, dict(change.before or {}), spec, changed)
            except UpdatedButFailed as err:
                outcome.object_id = object_id
                outcome.record = self._record(op.address, change, rt, object_id, spec, err.live)
                self._journal("result", action, op.address, resource=outcome.record, error=str(err.cause))
                raise
        else:  # NOOP adoption: record only
            object_id = change.object_id or ""
            live = rt.read(object_id)
            action = "import"
        outcome.object_id = object_id
        found: list[Mismatch] = []
        if change.action is not Action.NOOP and live is not None and not change.blocked:  # verified
            fields = verified_fields(rt, spec, change.managed or spec, change.ignore_changes)
            live = with_details(rt, object_id, live, fields)
            found = mismatches(rt, spec, live, fields)
        outcome.record = self._record(op.address, change, rt, object_id, spec, live, mismatched=found)
        outcome.detail += f"id={object_id}"
        with self._results_lock:
            self._applied[op.address] = {**spec, **outcome.record.outputs}
            self._records[op.address] = outcome.record
            self._owners[(op.address.type, object_id)] = op.address
        later = [m for m in found if m.field in rt.settles_later]
        if later:
            outcome.detail += "; " + describe_later(later, rt.settles_later, self._holds_secret)
        failed = [m for m in found if m.field not in rt.settles_later]
        failure = describe(failed, self._holds_secret) if failed else None
        self._journal("result", action, op.address, resource=outcome.record, error=failure)
        if failure is not None:
            raise VerificationError(failure)

    def _create(self, op: Op, rt: ResourceType, spec: dict[str, Any], outcome: _Outcome) -> tuple[str, Any]:
        """Create, recovering from a failed attempt without ever making a second object.

        After a failure the object is looked up by its natural key: found (the request landed, or
        someone else made it) -> adopted and converged, unless another address manages it (in the
        state or in this plan: then the create fails); proved absent after a failure that may
        pass (5xx, 429, a dropped connection) -> created again, a bounded number of times. Types
        without a natural key cannot prove absence and are never retried here.
        """
        attempt = 0
        while True:
            try:
                return rt.create(spec)
            except ReconcilerError as err:
                looked, found = self._look_up(rt, spec)
                if found is not None and op.change.create_before_destroy and found[0] == op.change.object_id:
                    found = None  # the object being replaced: the create did not land (else two would match)
                owner = self._owner(op.address, found[0]) if found is not None else None
                if owner is not None:  # never handed to a second address
                    self._journal("failed", "create", op.address, error=str(err))
                    raise ReconcilerError(f"{err}; the object its natural key names ({found[0]}) is managed by "
                                          f"{owner}, so it is not adopted") from None
                if found is not None:
                    object_id, live = found
                    try:
                        live = rt.update(object_id, live, spec, frozenset(k for k in spec if k not in rt.create_only))
                    except ReconcilerError:
                        pass  # not converged: report the create's failure; the next run adopts it
                    else:
                        outcome.detail = ("create refused: the object already existed, so it was adopted and "
                                          "updated; ")
                        return object_id, live
                if looked and found is None and attempt < CREATE_RETRIES and _may_pass(err):
                    attempt += 1
                    self._sleep(CREATE_RETRY_DELAY * attempt)
                    continue
                self._journal("failed", "create", op.address, error=str(err))
                raise

    def _holds_secret(self, value: Any) -> bool:
        """Whether ``value`` holds a secret met through a reference (never shown in a message)."""
        return _holds_secret(value, self._secret_values)

    def _owner(self, address: Address, object_id: str) -> Address | None:
        """The other address that manages ``object_id`` (of ``address``'s type), if any."""
        with self._results_lock:
            owner = self._owners.get((address.type, object_id))
        return owner if owner != address else None

    @staticmethod
    def _look_up(rt: ResourceType, spec: dict[str, Any]) -> tuple[bool, tuple[str, Any] | None]:
        """(whether the lookup could be done, what it found) by natural key."""
        if not rt.natural_key:
            return False, None
        try:
            return True, find_one(rt, spec)
        except ReconcilerError:
            return False, None

    def _resolved_spec(self, address: Address, change: Change, rt: ResourceType) -> dict[str, Any]:
        def lookup(target: Address, attr: tuple[str, ...]) -> Any:
            return self._lookup(target, attr)

        config = dict(change.config or {})
        for name in rt.sensitive:
            if config.get(name) == SENSITIVE_MASK:
                if name not in self.secrets.get(address, {}):
                    raise ReconcilerError(f"{address}: the value of sensitive field {name!r} is not in the plan; "
                                          "it is read from the specs at apply time, and the specs no longer set it")
                config[name] = self.secrets[address][name]
        resolved = resolve(config, lookup)
        if contains_unknown(resolved):
            missing = sorted({v.expr for v in _unknowns(resolved)})
            raise ReconcilerError(f"{address}: cannot resolve {', '.join(missing)} (its resource was not applied)")
        try:
            model = rt.spec_model.model_validate(resolved)
        except ValidationError as err:
            raise ReconcilerError(f"{address}: resolved attributes are invalid: {err.errors()[0]['msg']}") from None
        # the fields the spec set, each dumped whole (nested models keep their defaults)
        return {k: v for k, v in model.model_dump().items() if k in model.model_fields_set}

    def _lookup(self, target: Address, attr: tuple[str, ...]) -> Any:
        head = attr[0]
        with self._results_lock:
            applied = self._applied.get(target)
        value: Any = None
        found = False
        if applied is not None and head in applied:
            value, found = applied[head], True
        else:
            change = self.plan.change_for(target)
            after = (change.after or {}) if change else {}
            if head in after and after[head] == SENSITIVE_MASK and change is not None and change.object_id:
                rt = self.type_of(target)  # plans never hold secrets: read it where it lives
                live = read_object(rt, change.object_id, [head]) or {}
                if head in live:
                    value, found = live[head], True
                    with self._results_lock:
                        self._secret_values.update(sensitive_values(live, rt.sensitive))
            elif head in after and not contains_unknown(after[head]):
                value, found = after[head], True
            else:
                rs = self.state.get(target)
                if rs is not None and head in rs.outputs:
                    value, found = rs.outputs[head], True
                elif rs is not None and head in rs.attrs:
                    value, found = rs.attrs[head], True
        if not found:
            return Unknown("${" + ".".join((str(target), *attr)) + "}")
        return descend(value, target, attr)

    def _record(self, address: Address, change: Change, rt: ResourceType, object_id: str,
                spec: Mapping[str, Any], live: Mapping[str, Any] | None, *, partial: bool = False,
                mismatched: list[Mismatch] | None = None) -> ResourceState:
        """The state record of what was applied; a ``mismatched`` field as the platform holds it."""
        attrs = {k: v for k, v in spec.items() if k not in rt.sensitive and k not in rt.server_owned}
        if mismatched and live is not None:
            attrs = recorded_attrs(attrs, live, mismatched)
        if self.hasher is not None and self._secret_values:
            attrs = {k: self.hasher.digest(v) if _holds_secret(v, self._secret_values) else v
                     for k, v in attrs.items()}
        if self.hasher is not None:
            attrs.update({k: self.hasher.digest(spec[k]) for k in rt.sensitive if spec.get(k) is not None})
        outputs = {k: live[k] for k in rt.server_owned if live and k in live and k not in rt.sensitive}
        outputs.setdefault("id", object_id)
        return ResourceState(
            address=address,
            object_id=object_id,
            attrs={} if partial else attrs,
            outputs=outputs,
            fingerprint=fingerprint(rt, live) if live is not None else None,
            dependencies=tuple(change.depends_on),
            prevent_destroy=change.prevent_destroy,
            protected=rt.protected,
            allow_destroy=change.allow_destroy,
            deposed=tuple(d for d in self._deposed(address, change) if d.object_id != object_id),
        )


def _may_pass(err: ReconcilerError) -> bool:
    """A failure that may not happen again: no answer, throttling, or a server error."""
    if isinstance(err, TransportError):
        return True
    return isinstance(err, ApiError) and err.status is not None and (err.status >= 500 or err.status == 429)


def _holds_secret(value: Any, secrets: set[str]) -> bool:
    """True when a secret met through a reference appears anywhere in ``value``."""
    if isinstance(value, str):
        return any(s in value for s in secrets)
    if isinstance(value, dict):
        return any(_holds_secret(v, secrets) for v in value.values())
    if isinstance(value, list):
        return any(_holds_secret(v, secrets) for v in value)
    return False


def _unknowns(value: Any) -> list[Unknown]:
    if isinstance(value, Unknown):
        return [value]
    if isinstance(value, dict):
        return [u for v in value.values() for u in _unknowns(v)]
    if isinstance(value, list):
        return [u for v in value for u in _unknowns(v)]
    return []


def _op_order(key: tuple) -> tuple:
    address, part = key
    return ({DELETE: 0, APPLY: 1}.get(part, 2), address)


def _collapse(ledger: Mapping[tuple, LedgerEntry]) -> list[LedgerEntry]:
    """One entry per address (a replace's two operations become one), failures first."""
    rank = {FAILED: 0, SKIPPED: 1, BLOCKED: 2, APPLIED: 3}
    by_address: dict[Address, LedgerEntry] = {}
    for key in sorted(ledger, key=_op_order):
        entry = ledger[key]
        prev = by_address.get(key[0])
        if prev is None or rank[entry.outcome] < rank[prev.outcome]:
            by_address[key[0]] = entry
        elif rank[entry.outcome] == rank[prev.outcome] == rank[APPLIED]:
            by_address[key[0]] = LedgerEntry(entry.address, entry.action, APPLIED, entry.detail,
                                             prev.duration_s + entry.duration_s, entry.object_id)
    return sorted(by_address.values(), key=lambda e: (rank[e.outcome], e.address))
