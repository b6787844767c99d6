"""The engine's entry points: plan, apply, drift, destroy, import, export and state edits.

Owns the order of the pipeline stages, load -> graph -> connect -> refresh -> plan -> render
(apply consumes a plan), and the safety rules between them: ``plan`` and ``drift`` take no lock
and write nothing anywhere; ``apply`` holds the state's write lock from its refresh to its last
journal entry; a saved plan is applied only if the state (lineage, serial) and every planned
object's live fingerprint are as they were when it was made. The CLI is a thin layer over
``Workspace``; tests drive the same object.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from reconciler.addresses import Address
from reconciler.apply.executor import Executor, Hooks
from reconciler.instances import parse as parse_instance
from reconciler.errors import ApplyError, PlanError, ProviderError, ReconcilerError, SpecError, StalePlanError, StateError
from reconciler.export import discover, state_records, write_providers, write_specs
from reconciler.graph.build import build_graph
from reconciler.graph.dag import Graph
from reconciler.graph.render import subgraph
from reconciler.plan.ledger import APPLIED, FAILED, LedgerEntry
from reconciler.plan.cascade import apply_cascades
from reconciler.plan.model import SENSITIVE_MASK, Action, Change, Plan
from reconciler.plan.moves import check_imported, imports_to_read, note_imports, note_moves, resolve_moves
from reconciler.plan.instances import label as label_instances
from reconciler.plan.instances import of_plan as plan_instances
from reconciler.plan.instances import route as route_instances
from reconciler.plan.ownership import check_ownership
from reconciler.plan.planner import make_plan, select
from reconciler.plan.render_markdown import node_action
from reconciler.plan.render_text import display_order
from reconciler.providers.base import ProviderSpec, ResourceType, set_specs_root
from reconciler.providers.registry import PROVIDERS
from reconciler.reads import find_one, read_object
from reconciler.recovery import recover_replacements
from reconciler.refresh import Progress, Refreshed, refresh
from reconciler.scope import changed_blocks, scope_since
from reconciler.secrets import SecretHasher, redact_plan, sensitive_values
from reconciler.sessions import Sessions, open_sessions
from reconciler.spec import SpecSet, load_specs, resolve
from reconciler.spec.loader import discover as spec_files
from reconciler.spec.model import ProviderConfig
from reconciler.spec.outputs import evaluate_outputs, output_value
from reconciler.spec.stacks import Stack
from reconciler.state import JournalEntry, StateStore, open_store
from reconciler.state.model import ResourceState, State
from reconciler.state.moves import move_records
from reconciler.values import Unknown, contains_unknown, fingerprint

if TYPE_CHECKING:
    import httpx

#: operations in flight per provider; requests in flight stay within each provider's budget (8 by
#: default) and never above it, so operations that wait (async jobs, lifecycles) keep the budget busy
DEFAULT_PARALLELISM = 24
PARALLELISM_HELP = ("operations in flight per provider; requests in flight per provider stay within its "
                    "concurrency budget and never exceed this either")
DEFAULT_STATE = "state/default.json"


@dataclass(frozen=True)
class ApplyResult:
    """What an apply did: the plan it executed, the per-address ledger, and the new state."""

    plan: Plan
    ledger: tuple[LedgerEntry, ...]
    state: State

    @property
    def ok(self) -> bool:
        return not any(e.outcome not in ("applied", "blocked") for e in self.ledger)


@dataclass(frozen=True)
class Workspace:
    """One specs directory plus one state location, and how to reach the platforms (immutable:
    ``dataclasses.replace`` makes a workspace with other options)."""

    specs_path: str = "specs"
    #: a state file path or postgresql:// URL; None: the specs' ``backend`` block, else the default
    state_location: str | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    registry: Mapping[str, ProviderSpec] = field(default_factory=lambda: PROVIDERS)
    #: per-provider httpx transports (tests: the in-process sandbox); None = real network
    transports: Mapping[str, httpx.BaseTransport] | None = None
    parallelism: int = DEFAULT_PARALLELISM
    lock_timeout: float = 0.0
    #: ``--var NAME=VALUE`` texts and ``--var-file`` paths (see ``spec.variables``)
    var_args: tuple[str, ...] = ()
    var_files: tuple[str, ...] = ()
    progress: Progress | None = None
    #: where warnings go (a lock taken over from a dead holder...); the CLI prints them
    warn: Callable[[str], None] | None = None
    #: the stack chosen with ``--stack`` (``spec.stacks``): its spec directories replace
    #: ``specs_path`` (which the CLI sets to the first), its values rank below every other given
    #: value, its provider settings win over the specs' ``providers`` blocks, and its state is
    #: the default state location (before the specs' ``backend`` block)
    stack: Stack | None = None

    # -- building blocks -------------------------------------------------------------------
    def load(self) -> SpecSet:
        set_specs_root(self.specs_path)  # providers resolve relative *_file paths against it
        if self.stack is None:
            return load_specs(self.specs_path, registry=self.registry, env=self.env, var_args=self.var_args,
                              var_files=self.var_files)
        specs = load_specs(self.stack.specs, registry=self.registry, env=self.env, var_args=self.var_args,
                           var_files=self.var_files, stack_values=self.stack.given())
        return _with_stack_providers(specs, self.stack, self.env)

    def store(self, specs: SpecSet | None = None) -> StateStore:
        """The state backend: ``--state`` / ``RECONCILER_STATE``, else the specs' ``backend`` block
        (``specs`` when given, else loaded), else ``state/default.json``."""
        location = self.state_location
        if location is None and self.stack is not None:
            location = self.stack.state
        if location is None:
            if specs is None and self._has_specs():
                specs = self.load()
            backend = specs.backend if specs is not None else None
            location = backend.state_location if backend is not None else DEFAULT_STATE
        return open_store(location)

    def sessions(self, addresses: Iterable[Address], specs: SpecSet | None,
                 instances: Mapping[Address, str] | None = None) -> Sessions:
        """Sessions for ``addresses``; ``instances`` routes those on a named provider instance
        (``plan.instances``; default: what the specs say)."""
        return open_sessions(addresses, specs, self.registry, self.env, self.transports,
                             parallelism=self.parallelism, instances=instances)

    def type_of(self, address: Address) -> ResourceType:
        """An unbound resource type instance (for pure uses: normalize, metadata)."""
        try:
            cls = self.registry[address.provider].resource_types[address.type]
        except KeyError:
            raise StateError(f"{address}: unknown resource type {address.type!r} (provider not available)") from None
        return cls(None)

    def hasher(self, state: State) -> SecretHasher:
        return SecretHasher.for_state(state.lineage, self.env)

    # -- plan --------------------------------------------------------------------------------
    def plan(self, *, mode: str = "normal", targets: Iterable[Address] = (), allow_cascade: bool = False,
             changed_since: str | None = None, force_replace: Iterable[Address] = ()) -> Plan:
        """Refresh and plan. Takes no lock, writes nothing (only read calls reach the platforms).

        ``force_replace`` (``--replace``) plans a replacement of those objects even if unchanged.

        ``changed_since`` (a git ref) limits the plan to resources declared in spec files changed
        since then, what they depend on and what depends on them, plus state-only deletions.
        """
        specs = self.load() if mode != "destroy" else self._load_optional()
        store = self.store(specs)
        state = store.read()  # also loads the journal's unanswered intents (store.pending())
        plan, _ = self._plan(specs, state, store.pending(), mode=mode, targets=tuple(targets),
                             allow_cascade=allow_cascade, changed_since=changed_since,
                             force_replace=tuple(force_replace))
        return plan

    def dependency_graph(self, *, plan_only: bool = False) -> tuple[Graph, dict[Address, str]]:
        """The graph of specs ∪ state, and no actions; with ``plan_only``, the graph of what a plan
        changes (edges between changed addresses) and each one's action. Like ``plan``: no writes."""
        if not plan_only:
            specs = self.load()
            return build_graph(specs, self._moved(specs, self.store(specs).read())), {}
        plan = self.plan()
        actions = {c.address: node_action(c) for c in display_order(plan)}
        specs = self.load()
        graph = build_graph(specs, self._moved(specs, self.store(specs).read()))
        return subgraph(graph, actions), actions

    @staticmethod
    def _moved(specs: SpecSet, state: State) -> State:
        """``state`` with the specs' ``moved:`` entries applied (in memory: see ``plan.moves``)."""
        return move_records(state, resolve_moves(specs.moved, state, specs.resources))

    def _plan(self, specs: SpecSet | None, state: State, pending: list, *, mode: str,
              targets: tuple[Address, ...], allow_cascade: bool, changed_since: str | None = None,
              keep_going: bool = False, force_replace: tuple[Address, ...] = ()
              ) -> tuple[Plan, dict[Address, ProviderError]]:
        """The plan, and (with ``keep_going``, for apply) the addresses whose platform could not be
        read: those are left out of the plan with everything that depends on them."""
        moves, imports = {}, {}
        if specs is not None:  # ``moved:`` / ``import:``: the plan is made against the moved state
            moves = resolve_moves(specs.moved, state, specs.resources if mode != "destroy" else None, self.type_of)
            state = move_records(state, moves)
            imports = imports_to_read(specs.imports, state) if mode == "normal" else {}
        graph = build_graph(specs, state) if specs is not None else _state_graph(state)
        scope = ""
        if changed_since and specs is not None and not targets:
            scoped = scope_since(specs, state, graph, self._changed_blocks(changed_since, specs.module_dirs))
            if scoped is not None:
                targets = tuple(sorted(scoped))
                scope = f"spec files changed since {changed_since}: {len(scoped)} of {len(graph.nodes)} resources"
        include = select(graph, targets, specs.resources if specs else {}, state) if targets else None
        routes = route_instances(specs, state)
        with self.sessions(graph.nodes, specs, routes) as sessions:
            state, recovered = recover_replacements(specs, state, pending, sessions.resource)
            refreshed = refresh(graph, specs, state, sessions, parallelism=self.parallelism, include=include,
                                progress=self.progress, keep_going=keep_going,
                                imports={a: e.object_id for a, e in imports.items()})
            observed = refreshed.observed
            check_imported(imports, observed)
            if mode == "normal" and specs is not None:
                check_ownership(specs, state, observed, sessions.resource, sessions.instance)
            plan = make_plan(specs=specs, state=state, observed=observed, graph=graph, type_of=sessions.resource,
                             mode=mode, targets=targets, created_at=_now(), hasher=self.hasher(state),
                             force_replace=force_replace)
            plan = note_imports(note_moves(plan, moves), imports)
            if recovered:
                plan = replace(plan, changes=tuple(
                    replace(c, importing=True, notes=c.notes + (recovered[c.address],)) if c.address in recovered
                    else c for c in plan.changes))
            plan = label_instances(plan, routes, sessions.names)
            collateral = {
                c.address: sessions.resource(c.address).cascades(c.object_id, observed[c.address].live)
                for c in plan.changes
                if c.action in (Action.DELETE, Action.REPLACE) and c.object_id
                and observed.get(c.address) is not None and observed[c.address].live is not None
            }
            plan = self._leave_out(plan, refreshed, graph)
            plan = apply_cascades(plan, state, collateral, allow_cascade=allow_cascade)
            secrets = frozenset(v for a, o in observed.items() if o.live
                                for v in sensitive_values(o.live, sessions.resource(a).sensitive))
            plan = redact_plan(plan, secrets)
            plan = replace(plan, stats=sessions.stats(), scope=scope, targets=plan.targets if not scope else ())
            _refuse_blind_recreate(plan, pending, sessions)
        return _note_interrupted(plan, pending), refreshed.unreadable

    def _leave_out(self, plan: Plan, refreshed: Refreshed, graph: Graph) -> Plan:
        """``plan`` without what could not be read and what depends on it (each said in a warning)."""
        unreadable = refreshed.unreadable
        if not unreadable:
            return plan
        cut = set(unreadable) | {d for a in unreadable for d in graph.transitive_dependents(a)}
        for change in plan.actionable:
            if change.address in cut and change.address not in unreadable:
                self._warning(f"{change.address}: left out of this apply (its {change.action.value} waits for "
                              "something whose platform could not be read)")
        for address, err in sorted(unreadable.items()):
            self._warning(f"{address}: could not be read; left out of this apply with what depends on it: "
                          f"{err.detail}")
        return replace(plan, changes=tuple(c for c in plan.changes if c.address not in cut))

    def _warning(self, message: str) -> None:
        if self.warn is not None:
            self.warn(message)

    def _load_optional(self) -> SpecSet | None:
        """``destroy`` works from state alone when the specs are gone (no directory, or no spec files)."""
        if not self._has_specs():
            return None
        return self.load()

    def _has_specs(self) -> bool:
        try:
            for path in self.stack.specs if self.stack is not None else (self.specs_path,):
                spec_files(path)
        except SpecError:
            return False
        return True

    def _changed_blocks(self, ref: str, module_dirs: tuple[str, ...]) -> set[str] | None:
        """The blocks changed since ``ref`` in every spec directory (None: anything may have)."""
        changed: set[str] = set()
        for path in self.stack.specs if self.stack is not None else (self.specs_path,):
            blocks = changed_blocks(path, ref, module_dirs)
            if blocks is None:
                return None
            changed |= blocks
        return changed

    def drift(self) -> Plan:
        """Read-only: live objects vs the state's last applied attributes."""
        return self.plan(mode="refresh-only")

    # -- apply -------------------------------------------------------------------------------
    def apply(
        self,
        saved: Plan | None = None,
        *,
        mode: str = "normal",
        targets: Iterable[Address] = (),
        allow_cascade: bool = False,
        confirm: Callable[[Plan], bool] | None = None,
        hooks: Hooks | None = None,
        force_replace: Iterable[Address] = (),
        validate: bool = False,
    ) -> ApplyResult:
        """Plan (or take ``saved``), confirm, and execute under the state's write lock.

        A saved plan is refused (``StalePlanError``) if the state or a planned object changed
        since it was made. Returns the result; raises ``ApplyError`` if any change failed, or
        (``validate``) if a provider's ``post_apply_check`` finds problems after a successful apply.
        """
        specs = None if saved is not None else (self.load() if mode != "destroy" else self._load_optional())
        store = self.store(specs)
        operation = "destroy" if mode == "destroy" else "apply"
        with store.lock(operation, timeout=self.lock_timeout):
            state = store.read()
            for message in getattr(store, "warnings", ()):  # (a lock taken over, a journal replayed)
                self._warning(message)
            unreadable: dict[Address, ProviderError] = {}
            if saved is None:
                plan, unreadable = self._plan(specs, state, store.pending(), mode=mode, targets=tuple(targets),
                                              allow_cascade=allow_cascade, keep_going=mode != "refresh-only",
                                              force_replace=tuple(force_replace))
            else:
                plan = saved
                state = self._check_fresh(plan, state)
            if plan.mode == "refresh-only":
                return self._accept_refresh(plan, state, store)
            if not plan.has_changes() and not unreadable:
                state = _record_lifecycle(plan, state, store)
                return ApplyResult(plan, (), self._record_outputs(specs, mode, state, store))
            if confirm is not None and not confirm(plan):
                raise PlanError("apply cancelled: nothing was changed")
            state = _record_moves(plan, state, store)
            state = _record_lifecycle(plan, state, store)
            addresses = [c.address for c in plan.changes]
            secrets = self._secrets(plan, specs)
            with self.sessions(addresses, specs, plan_instances(plan)) as sessions:
                executor = Executor(plan, state, store, sessions.resource, parallelism=self.parallelism, hooks=hooks,
                                    secrets=secrets, hasher=self.hasher(state))
                new_state, ledger = executor.run()
                problems = _post_apply_checks(sessions, self.registry, ledger) if validate else []
            new_state = self._record_outputs(specs, mode, new_state, store)
        ledger = _unreadable_entries(unreadable, specs, state) + _moved_entries(plan, ledger)
        result = ApplyResult(plan, tuple(ledger), new_state)
        if not result.ok:
            failed = [e for e in ledger if e.outcome == FAILED]
            raise ApplyError(f"apply finished with {len(failed)} failure(s); the state records everything that "
                             f"was applied", ledger=result)
        if problems:
            raise ApplyError(f"the apply succeeded, but validation found {len(problems)} problem(s):\n  "
                             + "\n  ".join(problems), ledger=result,
                             hint="fix the broken content (or what it reads) and apply again")
        return result

    def _record_outputs(self, specs: SpecSet | None, mode: str, state: State, store: StateStore) -> State:
        """``state`` with the specs' outputs as they evaluate against it, written when they changed:
        an output whose resource is gone (or not applied) is left out, and a destroy that leaves no
        resource leaves no output. A saved plan's apply (no specs loaded) keeps the recorded ones."""
        if specs is None and not (mode == "destroy" and not state.resources):
            return state
        outputs = {} if specs is None or (mode == "destroy" and not state.resources) else evaluate_outputs(
            specs.outputs, state, self.hasher(state))
        if outputs == state.outputs:
            return state
        return store.write(replace(state, outputs=outputs))

    def sensitive_output(self, name: str) -> Any:
        """A sensitive output's value, evaluated again from the specs against the state, and only
        when it is what the last apply recorded (its keyed hash matches): the state never holds
        it. Reads only; ``StateError`` when there is no such output or the value changed since."""
        specs = self.load()
        state = self.store(specs).read()
        entry = state.outputs.get(name)
        if entry is None:
            known = ", ".join(sorted(state.outputs)) or "(none: apply the specs first)"
            raise StateError(f"no output '{name}' in the state; recorded outputs: {known}",
                             hint="outputs are recorded by `reconciler apply`")
        if not entry.get("sensitive"):
            return entry.get("value")
        out = specs.outputs.get(name)
        value = output_value(out, state) if out is not None else None
        if out is None or not out.sensitive or isinstance(value, Unknown) or \
                self.hasher(state).digest(value) != entry.get("hash"):
            raise StateError(f"output '{name}': the specs no longer give the value the last apply recorded, so it "
                             "cannot be shown (the state keeps only its keyed hash)",
                             hint="apply the specs, then ask again")
        return value

    def _secrets(self, plan: Plan, specs: SpecSet | None) -> dict[Address, dict]:
        """Sensitive values for the plan's changes, read from the specs (plans never hold them)."""
        masked = [c for c in plan.changes if c.config and SENSITIVE_MASK in c.config.values()]
        if not masked:
            return {}
        specs = specs if specs is not None else self.load()
        out: dict[Address, dict] = {}
        for change in masked:
            spec = specs.resources.get(change.address)
            if spec is not None:
                rt = self.type_of(change.address)
                out[change.address] = {k: v for k, v in spec.attrs.items() if k in rt.sensitive}
        return out

    def _check_fresh(self, plan: Plan, state: State) -> State:
        """Refuse a saved plan whose state or live objects moved on; return the state to apply to."""
        if state.serial == 0 and not state.resources and plan.state_serial == 0 and plan.state_lineage:
            state = replace(state, lineage=plan.state_lineage)  # a new state: take the plan's lineage
        if plan.state_lineage != state.lineage:
            raise StalePlanError(f"the saved plan was made for another state (lineage {plan.state_lineage}; "
                                 f"this state has {state.lineage})", hint="make a new plan against this state")
        if plan.state_serial != state.serial:
            raise StalePlanError(
                f"the state changed since the plan was made (serial {plan.state_serial}, now {state.serial})",
                hint="run `reconciler plan --out FILE` again and review the new plan")
        changes = [c for c in plan.actionable if c.action is not Action.FORGET]
        if not changes:
            return state
        with self.sessions([c.address for c in changes], None, plan_instances(plan)) as sessions:
            def current(change: Change) -> str | None:
                rt = sessions.resource(change.address)
                if change.object_id is not None:
                    live = read_object(rt, change.object_id, change.managed)
                else:
                    found = find_one(rt, _known(change.after or {}))
                    live = found[1] if found else None
                return _fresh_fingerprint(rt, live, change)

            with ThreadPoolExecutor(max_workers=self.parallelism) as pool:
                now = list(pool.map(current, changes))
        stale = [str(c.address) for c, fp in zip(changes, now) if fp != c.fingerprint]
        if stale:
            raise StalePlanError(
                f"live objects changed since the plan was made: {', '.join(stale)}",
                hint="run `reconciler plan --out FILE` again and review the new plan")
        return state

    def _accept_refresh(self, plan: Plan, state: State, store: StateStore) -> ApplyResult:
        """Apply a refresh-only plan: record live values in state for what drifted."""
        graph = _state_graph(state)
        with self.sessions(graph.nodes, self._load_optional(), route_instances(None, state)) as sessions:
            observed = refresh(graph, None, state, sessions, parallelism=self.parallelism).observed
            new = state
            for address, rs in state.resources.items():
                obs = observed.get(address)
                if obs is None:
                    continue
                if obs.live is None:
                    new = new.without(address)
                    continue
                secret = sessions.resource(address).sensitive
                attrs = {k: (obs.live[k] if k in obs.live and k not in secret else v) for k, v in rs.attrs.items()}
                new = new.with_resource(replace(rs, attrs=attrs, fingerprint=obs.fingerprint))
        written = store.write(new)
        return ApplyResult(plan, (), written)

    # -- export ----------------------------------------------------------------------------
    def export_estate(self, provider: str, *, scope: Mapping[str, str] | None = None,
                      out_dir: str | None = None) -> tuple[list[str], list[Address]]:
        """Write specs for ``provider``'s unmanaged live objects and record them in state.

        Returns the files written and the addresses adopted; the next plan shows no changes.
        """
        try:
            platform, _ = parse_instance(provider)
        except ValueError as exc:
            raise PlanError(f"--provider: {exc}") from None
        if platform not in self.registry:
            raise PlanError(f"no provider named {provider!r}; known: {', '.join(sorted(self.registry))} "
                            "(or a named instance of one: <provider>.<alias>)")
        spec = self.registry[platform]
        target = Path(out_dir) if out_dir else Path(self.specs_path) / f"{provider}-export"
        if not target.resolve().is_relative_to(Path(self.specs_path).resolve()):
            raise PlanError(f"--out {target} is outside the specs directory {self.specs_path}",
                            hint="exported specs must be loaded with the others to be managed")
        specs = self._load_optional()
        store = self.store(specs)
        with store.lock("export", timeout=self.lock_timeout):
            state = store.read()
            probes = [Address(t, "export") for t in spec.resource_types]
            with self.sessions(probes, specs, {a: provider for a in probes}) as sessions:
                types = {a.type: sessions.resource(a) for a in probes}
                exported = discover(spec, types, scope or {}, state, provider)
            if not exported:
                return [], []
            by_address = {e.address: e for e in exported}

            def lookup(address: Address, attr: tuple[str, ...]):
                item = by_address.get(address)
                if item is not None:
                    return item.object_id if attr == ("id",) else item.live[attr[0]]
                rs = state.resources[address]
                return rs.outputs.get(attr[0], rs.attrs.get(attr[0]))

            written = write_specs(exported, target, provider)
            if specs is None or (provider != platform and provider not in specs.providers):
                # a new repository, or a named instance the specs do not declare yet: its settings
                # come from the environment
                written.append(write_providers(spec, self.env, target, provider))
            try:
                loaded = self.load()
            except ReconcilerError:
                for path in written:
                    path.unlink()
                raise
            resolved = {e.address: resolve(loaded.resources[e.address].attrs, lookup) for e in exported}
            new = state
            for record in state_records(exported, types, resolved, provider):
                new = new.with_resource(record)
            store.write(new)
        return [str(p) for p in written], [e.address for e in exported]

    # -- import and state edits ------------------------------------------------------------
    def import_resource(self, address: Address, object_id: str) -> ResourceState:
        """Adopt the existing object ``object_id`` as ``address`` (which must be in the specs)."""
        specs = self.load()
        if address not in specs.resources:
            raise PlanError(f"{address} is not in the specs; add its block first, then import",
                            hint="import adopts an object into a resource the specs declare")
        store = self.store(specs)
        with store.lock("import", timeout=self.lock_timeout):
            state = store.read()
            if address in state.resources:
                raise StateError(f"{address} is already managed (id {state.resources[address].object_id})",
                                 hint=f"`reconciler state rm {address}` first to re-import")
            with self.sessions([address], specs, route_instances(specs, None)) as sessions:
                rt = sessions.resource(address)
                live = read_object(rt, object_id)
                if live is None:
                    raise PlanError(f"{address}: no {address.type} with id {object_id!r} exists")
                spec = specs.resources[address]
                attrs = {k: live[k] for k in spec.attrs if k in live and k not in rt.server_owned
                         and k not in rt.sensitive}
                rs = ResourceState(address, object_id, attrs=attrs,
                                   outputs={k: live[k] for k in rt.server_owned if k in live} or {"id": object_id},
                                   fingerprint=fingerprint(rt, live),
                                   dependencies=tuple(r.address for r in spec.references) + spec.depends_on,
                                   prevent_destroy=spec.lifecycle.prevent_destroy, protected=rt.protected,
                                   provider=spec.provider)
            if any(op.address == address for op in store.pending()):
                store.record(JournalEntry.result("import", address, lineage=state.lineage, resource=rs))
            store.write(state.with_resource(rs))
            return rs

    def state_rm(self, addresses: Iterable[Address]) -> State:
        store = self.store()
        with store.lock("state rm", timeout=self.lock_timeout):
            state = store.read()
            interrupted = {op.address: op for op in store.pending()}
            for address in addresses:
                if address in interrupted:  # the user checked: the interrupted create left nothing
                    op = interrupted[address]
                    store.record(JournalEntry.failed(op.action, address, lineage=state.lineage,
                                                     error="cleared by `reconciler state rm`"))
                    continue
                if address not in state.resources:
                    raise StateError(f"{address} is not in the state", hint="`reconciler state list` shows what is")
                state = state.without(address)
            return store.write(state)

    def state_mv(self, old: Address, new: Address) -> State:
        store = self.store()
        with store.lock("state mv", timeout=self.lock_timeout):
            state = store.read()
            rs = state.get(old)
            if rs is None:
                raise StateError(f"{old} is not in the state", hint="`reconciler state list` shows what is")
            if new in state.resources:
                raise StateError(f"{new} is already in the state")
            if old.type != new.type:
                raise StateError(f"cannot move {old} to {new}: the type must stay {old.type}")
            state = state.without(old).with_resource(replace(rs, address=new))
            return store.write(state)


def _with_stack_providers(specs: SpecSet, stack: Stack, env: Mapping[str, str]) -> SpecSet:
    """``specs`` with the stack's provider settings laid over the ``providers`` blocks."""
    overrides = stack.provider_settings(env)
    if not overrides:
        return specs
    providers = dict(specs.providers)
    for name, settings in overrides.items():
        base = providers.get(name)
        location = stack.locations.get(("providers", name, next(iter(settings), "")), stack.location)
        providers[name] = ProviderConfig(name, {**(base.settings if base else {}), **settings},
                                         base.location if base else location)
    return replace(specs, providers=providers)


def _state_graph(state: State) -> Graph:
    """The graph of a state alone (destroy without specs, refresh-only accept)."""
    return build_graph(SpecSet(resources={}, providers={}, variables={}, files=()), state)


def _unreadable_entries(unreadable: Mapping[Address, ProviderError], specs: SpecSet | None,
                        state: State) -> list[LedgerEntry]:
    """Ledger lines for what could not be read (its platform failed): nothing was done to it."""
    entries = []
    for address, err in sorted(unreadable.items()):
        in_specs = specs is not None and address in specs.resources
        action = Action.UPDATE if in_specs and address in state.resources else (
            Action.CREATE if in_specs else Action.DELETE)
        entries.append(LedgerEntry(address, action, FAILED,
                                   f"could not read it, so nothing was done to it or what depends on it: {err}"))
    return entries


def _record_moves(plan: Plan, state: State, store: StateStore) -> State:
    """Move the records of ``plan.moves`` to their new addresses, all in one atomic state write,
    before any platform call (a move alone touches no platform). A killed apply leaves the state
    before or after every move: the next plan shows the moves again, or finds them done."""
    moves = {c.moved_from: c.address for c in plan.moves}
    if not moves:
        return state
    return store.write(move_records(state, moves))


def _moved_entries(plan: Plan, ledger: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """The ledger with its moves: each entry at a moved address says so, and a move alone (nothing
    else to do there) is an entry of its own."""
    origin = {c.address: c.moved_from for c in plan.moves}
    if not origin:
        return list(ledger)
    out = [replace(e, moved_from=origin[e.address]) if e.address in origin else e for e in ledger]
    done = {e.address for e in out}
    out += [LedgerEntry(c.address, c.action, APPLIED, f"moved from {c.moved_from}", moved_from=c.moved_from)
            for c in plan.moves if c.address not in done]
    return out


def _record_lifecycle(plan: Plan, state: State, store: StateStore) -> State:
    """Bring the records of unchanged resources up to date (no platform call).

    Protection flags and dependencies live in state (so deleting a block cannot silently drop a
    guard), so adding ``prevent_destroy`` to an otherwise unchanged block must still reach it;
    and the fingerprint of what was just verified to match the specs becomes the new baseline
    for drift (changes to fields reconciler does not manage are accepted by an apply).
    """
    new = state
    for change in plan.changes:
        rs = state.get(change.address)
        if change.action is not Action.NOOP or change.importing or rs is None:
            continue
        updated = replace(rs, prevent_destroy=change.prevent_destroy, allow_destroy=change.allow_destroy,
                          dependencies=tuple(sorted(change.depends_on)),
                          fingerprint=change.fingerprint or rs.fingerprint)
        if updated != rs:
            new = new.with_resource(updated)
    return store.write(new) if new is not state else state


def _refuse_blind_recreate(plan: Plan, pending: list, sessions: Sessions) -> None:
    """An interrupted create of a type without a natural key cannot be looked up: stop, don't guess.

    Creating it again could make a second object; the user checks the platform, then either
    imports what exists or tells us nothing does (``state rm`` clears the intent's address).
    """
    creating = {c.address for c in plan.changes if c.action in (Action.CREATE, Action.REPLACE)}
    blind = [op for op in pending if op.action == "create" and op.address in creating
             and not sessions.resource(op.address).natural_key]
    if blind:
        lines = "\n  ".join(f"{op.address} (create started {op.time})" for op in blind)
        raise PlanError(
            "an earlier apply was interrupted while creating objects that have no natural key, so reconciler "
            f"cannot tell whether they exist:\n  {lines}",
            hint="check the platform for each: if it exists, `reconciler import ADDRESS ID`; if it does not, "
                 "`reconciler state rm ADDRESS` clears the interrupted intent and the next plan creates it",
        )


def _note_interrupted(plan: Plan, pending: list) -> Plan:
    """Say on each change when an earlier apply was interrupted in the middle of it."""
    by_address = {p.address: p for p in pending}
    if not by_address:
        return plan
    changes = []
    for change in plan.changes:
        op = by_address.get(change.address)
        if op is not None:
            found = "found on the platform and adopted" if change.importing else "not found on the platform"
            note = f"an earlier apply was interrupted during its {op.action} ({op.time}); {found}"
            change = replace(change, notes=change.notes + (note,))
        changes.append(change)
    return replace(plan, changes=tuple(changes))


def _fresh_fingerprint(rt: ResourceType, live: Mapping | None, change: Change) -> str | None:
    """``live``'s fingerprint, or a mark that is no fingerprint when a managed detail field (which
    fingerprints leave out) is not what the plan saw."""
    details = [f for f in change.managed if f in rt.detail_fields]
    if details and live is not None and change.before is not None:
        now = rt.normalize({f: live[f] for f in details if f in live})
        if any(now.get(f) != change.before.get(f) for f in details):
            return "details changed"
    return fingerprint(rt, live)


def _known(attrs: Mapping) -> dict:
    return {k: v for k, v in attrs.items() if not contains_unknown(v)}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_CHANGING = (Action.CREATE, Action.UPDATE, Action.REPLACE, Action.DELETE)


def _post_apply_checks(sessions: Sessions, registry: Mapping[str, ProviderSpec],
                       ledger: Iterable[LedgerEntry]) -> list[str]:
    """``apply --validate``: each provider's ``post_apply_check`` over the objects the apply
    changed on it (providers the apply did not change are not checked); the problems found (a
    check that fails to run is one)."""
    applied: dict[str, list[tuple[str, str]]] = {}
    for entry in ledger:
        if entry.outcome == "applied" and entry.object_id is not None and entry.action in _CHANGING:
            applied.setdefault(entry.address.provider, []).append((entry.address.type, entry.object_id))
    problems: list[str] = []
    for name, objects in sorted(applied.items()):
        check = registry[name].post_apply_check if name in registry else None
        if check is None:
            continue
        try:
            problems.extend(f"{name}: {p}" for p in check(sessions.session(name).client, objects))
        except ReconcilerError as exc:  # the apply is done and recorded: report, do not lose the outputs
            problems.append(f"{name}: the validation could not run: {exc}")
    return problems

