"""The planner: a pure function from (specs, state, observations) to a ``Plan``.

Owns every decision of what apply will do and why: create / update / replace / delete / forget /
no-op per address, adoption of existing objects, which fields are managed, protection
(``prevent_destroy`` and protected kinds, also when the spec block is gone), targeting, destroy
and refresh-only modes, and drift (live vs last applied). It performs no I/O.

Replacements reach what depends on them: the layers are walked dependencies first, and an
address planned for create or replace has every attribute its desired values do not give (its
id, server-generated outputs) unknown until apply. A spec referencing one is resolved again with
``Unknown`` there: its diff shows "(known after apply)", and when the field needs a replacement
(``ResourceType.replace_rule``) it is replaced in the same plan, its reason naming the cause.
``--replace`` and ``lifecycle.replace_triggered_by`` force a replacement of an unchanged object.

Which fields are managed: the fields the spec declares, plus fields the state says were managed
before but are no longer declared; those are reset to the model's default when it has a non-null
default, and otherwise simply stop being managed. ``ignore_changes`` fields are set on create but
never compared afterwards.
"""

from __future__ import annotations

from dataclasses import replace as _replace
from typing import Any, Callable, Iterable, Mapping

from reconciler.addresses import Address
from reconciler.diff import compute
from reconciler.errors import PlanError, ProtectedResourceError
from reconciler.graph.dag import Graph
from reconciler.plan.model import SENSITIVE_MASK, Action, Change, DiffItem, Drift, Plan, Unknown, contains_unknown
from reconciler.providers.base import ResourceType
from reconciler.refresh import Observed, lookup_attr
from reconciler.secrets import PREFIX as HASH_PREFIX, SecretHasher
from reconciler.spec import ResourceSpec, SpecSet, resolve
from reconciler.state.model import ResourceState, State
from reconciler.values import comparable, descend

TypeOf = Callable[[Address], ResourceType]
#: by top-level field (None: a reference whose place is unknown), the (address, why) that makes a
#: value there known only after apply
Causes = dict[str | None, list[tuple[Address, str]]]


def make_plan(
    *,
    specs: SpecSet | None,
    state: State,
    observed: Mapping[Address, Observed],
    graph: Graph,
    type_of: TypeOf,
    mode: str = "normal",
    targets: Iterable[Address] = (),
    created_at: str = "",
    stats: dict[str, dict[str, int]] | None = None,
    hasher: SecretHasher | None = None,
    force_replace: Iterable[Address] = (),
) -> Plan:
    """Decide every change, in apply order (dependencies first). Raises ``ProtectedResourceError``
    if a protected object would be deleted or replaced. ``force_replace`` (``--replace``) names
    objects to replace even if unchanged; each must be in the specs."""
    if mode not in ("normal", "destroy", "refresh-only"):
        raise PlanError(f"unknown plan mode {mode!r}; expected normal, destroy or refresh-only")
    targets = tuple(targets)
    resources = specs.resources if (specs and mode != "destroy") else {}
    forced = set(force_replace)
    for address in sorted(forced):
        if address not in resources:
            where = "the state only (its block is gone, so it is deleted)" if address in graph.nodes else \
                "neither the specs nor the state"
            raise PlanError(f"--replace {address}: the resource is in {where}",
                            hint="--replace names a resource block of the specs")
    selected = select(graph, targets, resources, state) if targets else None
    outside = sorted(forced - selected) if selected is not None else []
    if outside:
        raise PlanError(f"--replace {outside[0]}: not among the --target resources (nor what they depend on)",
                        hint="add it with --target, or leave --target out")
    changes: list[Change] = []
    drifts: list[Drift] = []
    unknowns = _Unknowns(observed, state)
    for layer in graph.layers():
        for address in layer:
            drift = _drift(address, state, observed, type_of, resources, hasher)
            if drift is not None:
                drifts.append(drift)
            if mode == "refresh-only" or (selected is not None and address not in selected):
                continue
            spec = resources.get(address)
            obs = observed.get(address)
            causes: Causes = {}
            if spec is not None and obs is not None and obs.desired is not None:
                obs, causes = unknowns.resolve(spec, obs)
            force = None
            if address in forced:
                force = ("replacement requested with --replace", ())
            elif spec is not None and spec.lifecycle.replace_triggered_by:
                force = unknowns.triggered(spec)
            change = decide(address, spec, state.get(address), obs, type_of(address), graph,
                            destroy=(mode == "destroy"), hasher=hasher, causes=causes, force=force)
            if change is not None:
                rs = state.get(address)
                if rs is not None and rs.deposed:
                    change = _with_deposed(change, rs)
                changes.append(change)
                unknowns.decided(change, obs, type_of(address).outputs_on_update)
    changes = _create_first_where_possible(changes)
    refused = [c for c in changes if c.action.destructive and c.prevent_destroy]
    if refused:
        names = ", ".join(str(c.address) for c in refused)
        raise ProtectedResourceError(
            f"refusing to delete protected resource(s): {names}",
            addresses=[str(c.address) for c in refused],
            hint="they have lifecycle.prevent_destroy (recorded in state); to delete one on purpose, first set "
            "prevent_destroy: false in its spec and apply, or drop it from state with `reconciler state rm`",
        )
    return Plan(
        changes=tuple(changes),
        drift=tuple(drifts),
        state_lineage=state.lineage,
        state_serial=state.serial,
        created_at=created_at,
        mode=mode,
        targets=tuple(str(t) for t in targets),
        stats=stats or {},
    )


class _Unknowns:
    """What the plan decided so far, as the specs that reference it must see it: an address
    planned for create or replace has, until apply, unknown values for every attribute its desired
    values do not give; a desired value holding an ``Unknown`` passes it on."""

    def __init__(self, observed: Mapping[Address, Observed], state: State) -> None:
        self.observed, self.state = observed, state
        #: addresses planned for create or replace
        self.renewed: dict[Address, Action] = {}
        #: the decided change of every address so far (for ``replace_triggered_by``)
        self.changes: dict[Address, Change] = {}
        #: the desired values each decision was made with (resolved again where they hold unknowns
        #: refresh could not see)
        self.desired: dict[Address, dict[str, Any]] = {}
        #: server-owned outputs a planned update gives new values (``ResourceType.outputs_on_update``)
        self.refreshed: dict[Address, frozenset[str]] = {}

    def decided(self, change: Change, obs: Observed | None,
                outputs_on_update: Mapping[str, frozenset[str]] | None = None) -> None:
        self.changes[change.address] = change
        if change.action is Action.UPDATE and outputs_on_update and not change.blocked:
            tops = {d.top for d in change.diff}
            renewed = frozenset(out for out, fields in outputs_on_update.items() if fields & tops)
            if renewed:
                self.refreshed[change.address] = renewed
        if change.action in (Action.CREATE, Action.REPLACE) and not change.blocked:
            self.renewed[change.address] = change.action
        if obs is not None and obs.desired is not None:
            self.desired[change.address] = obs.desired

    def uncertain(self, target: Address, head: str) -> bool:
        """Whether ``${target.head...}`` is known only after apply, by what this plan decided."""
        desired = self.desired.get(target)
        if desired is not None and head in desired:
            return contains_unknown(desired[head])
        return target in self.renewed or head in self.refreshed.get(target, ())

    def cause(self, target: Address, head: str) -> str:
        action = self.renewed.get(target)
        if action is Action.REPLACE:
            return f"`{target}` is replaced"
        if action is Action.CREATE:
            return f"`{target}` is created"
        if head in self.refreshed.get(target, ()):
            return f"`{target}` is updated and its `{head}` changes with it"
        return f"`{target}.{head}` is known only after apply"

    def resolve(self, spec: ResourceSpec, obs: Observed) -> tuple[Observed, Causes]:
        """``obs`` with its desired values resolved again where a reference is uncertain, and the
        causes by top-level field (None: a reference whose place is not known)."""
        causes: Causes = {}
        for ref in spec.references:
            if self.uncertain(ref.address, ref.attr[0]):
                field = ref.path[0] if ref.path else None
                cause = (ref.address, self.cause(ref.address, ref.attr[0]))
                if cause not in causes.setdefault(field, []):
                    causes[field].append(cause)
        if not causes:
            return obs, causes

        def lookup(target: Address, attr: tuple[str, ...]) -> Any:
            expr = "${" + ".".join((str(target), *attr)) + "}"
            desired = self.desired.get(target)
            if desired is not None and attr[0] in desired:
                value = desired[attr[0]]
                return Unknown(expr) if contains_unknown(value) else descend(value, target, attr)
            if target in self.renewed or attr[0] in self.refreshed.get(target, ()):
                return Unknown(expr)
            return lookup_attr(target, attr, self.observed, self.state)

        return _replace(obs, desired=resolve(spec.attrs, lookup)), causes

    def triggered(self, spec: ResourceSpec) -> tuple[str, tuple[Address, ...]] | None:
        """``lifecycle.replace_triggered_by``: why it fires, and for which addresses (None: it does not)."""
        why: list[str] = []
        who: list[Address] = []
        for target, attr in spec.lifecycle.replace_triggered_by:
            change = self.changes.get(target)
            if change is None or not change.actionable:
                continue
            if change.action in (Action.CREATE, Action.REPLACE):
                why.append(f"`{target}` is {'replaced' if change.action is Action.REPLACE else 'created'}")
            elif change.action is Action.UPDATE and attr is None:
                why.append(f"`{target}` changes")
            elif change.action is Action.UPDATE and attr in {d.top for d in change.diff}:
                why.append(f"`{target}.{attr}` changes")
            else:
                continue
            who.append(target)
        if not why:
            return None
        return "lifecycle.replace_triggered_by: " + ", ".join(why), tuple(who)


def _with_deposed(change: Change, rs: ResourceState) -> Change:
    """``change`` also deleting the objects ``rs`` keeps as deposed (a create-before-destroy
    replacement whose old object an earlier apply did not get to delete)."""
    ids = tuple(d.object_id for d in rs.deposed)
    note = (f"{len(ids)} deposed object{'s' if len(ids) != 1 else ''} ({', '.join(ids)}) left by an earlier "
            "create_before_destroy replacement will be destroyed, after what depends on this address is updated")
    return _replace(change, deposed=ids, notes=change.notes + (note,))


def _create_first_where_possible(changes: list[Change]) -> list[Change]:
    """A create-before-destroy replace cannot wait for a dependency that is replaced by deleting
    first (that delete waits for this object's delete): it is replaced delete-first too, with a note."""
    delete_first = {c.address for c in changes if c.action is Action.REPLACE and not c.create_before_destroy}
    if not delete_first:
        return changes
    out = []
    for c in changes:
        blocking = [str(d) for d in c.depends_on if d in delete_first]
        if c.action is Action.REPLACE and c.create_before_destroy and blocking:
            note = (f"lifecycle.create_before_destroy not possible in this plan: {', '.join(blocking)} "
                    "is replaced by deleting it first, so this object is deleted before its replacement is created")
            c = _replace(c, create_before_destroy=False, notes=c.notes + (note,))
            delete_first.add(c.address)
        out.append(c)
    return out


def select(graph: Graph, targets: Iterable[Address], resources: Mapping, state: State) -> set[Address]:
    """``--target``: the targets, what they depend on, and (for deletions) what depends on them."""
    selected: set[Address] = set()
    for given in targets:
        # a for_each block's address (without a key) targets all of its instances
        matched = [given] if given in graph.nodes or given.key else \
            [n for n in graph.nodes if n.key and n.block == given]
        if not matched or matched[0] not in graph.nodes:
            raise PlanError(f"--target {given}: no such resource in the specs or the state")
        for target in matched:
            selected.add(target)
            selected |= graph.transitive_dependencies(target)
            if target not in resources:
                selected |= set(graph.transitive_dependents(target))
    return selected


def decide(
    address: Address,
    spec: ResourceSpec | None,
    rs: ResourceState | None,
    obs: Observed | None,
    rt: ResourceType,
    graph: Graph,
    *,
    destroy: bool = False,
    hasher: SecretHasher | None = None,
    causes: Causes | None = None,
    force: tuple[str, tuple[Address, ...]] | None = None,
) -> Change | None:
    """The change for one address (``None`` if it is neither in specs nor in state).

    ``causes``: by top-level field (None: anywhere), why a value there is known only after apply
    ("`x.y` is replaced"); ``force``: why this object is replaced even if unchanged, and the
    addresses that caused it (``--replace``, ``lifecycle.replace_triggered_by``)."""
    live = obs.live if obs else None
    depends = tuple(sorted(graph.dependencies(address)))
    protect = bool((rs and rs.prevent_destroy) or (spec and spec.lifecycle.prevent_destroy))
    if spec is not None and ("lifecycle", "prevent_destroy") in spec.locations:
        protect = spec.lifecycle.prevent_destroy  # written in the block: an explicit false lifts the guard
    if rt.data_source:
        if spec is None or destroy:
            return None
        return Change(address, Action.NOOP, "read (data source)", after=_mask(rt, live or {}),
                      object_id=obs.object_id if obs else None, depends_on=depends)
    if spec is None or destroy:
        if rs is None:
            return None
        before = _mask(rt, rs.attrs)
        if obs is not None and obs.source != "skipped" and live is None:
            return Change(address, Action.FORGET, "already deleted outside reconciler; removing it from state",
                          before=before, object_id=rs.object_id, depends_on=depends)
        if rt.delete_opt_in and not rs.allow_destroy:
            return Change(address, Action.FORGET,
                          f"not deleted because {rt.delete_opt_in}: removed from state, left in place (to delete "
                          "it, apply its block with lifecycle.allow_destroy: true first)",
                          before=before, object_id=rs.object_id, depends_on=depends)
        if not rt.deletable:
            return Change(address, Action.FORGET,
                          f"{rt.type_name} cannot be deleted through its API: removed from state, left in place",
                          before=before, object_id=rs.object_id, depends_on=depends)
        reason = "destroy requested" if destroy else "no longer in the specs"
        return Change(address, Action.DELETE, reason, before=before, object_id=rs.object_id,
                      fingerprint=obs.fingerprint if obs else rs.fingerprint, depends_on=depends,
                      notes=_delete_notes(rt), prevent_destroy=protect)

    desired = obs.desired if (obs and obs.desired is not None) else dict(spec.attrs)
    managed = managed_fields(rt, desired, rs)
    # (read only below: when every managed field is declared, the spec's own mappings do)
    defaults = {k: rt.default_of(k) for k in managed if k not in desired}
    full_desired = {**defaults, **desired} if defaults else desired
    config_defaults = {k: rt.default_of(k) for k in managed if k not in spec.attrs}
    config = {**config_defaults, **spec.attrs} if config_defaults else spec.attrs
    # only references are Unknown, and only in the attributes that hold one
    after = _view(rt, full_desired, managed, unknowns=bool(spec.references),
                  holding=None if any(not r.path for r in spec.references) else {r.path[0] for r in spec.references})
    common = dict(config=_mask(rt, config), managed=tuple(managed), depends_on=depends, prevent_destroy=protect,
                  allow_destroy=spec.lifecycle.allow_destroy, ignore_changes=spec.lifecycle.ignore_changes)
    waits = (rt.wait_note,) if rt.wait_note else ()

    if live is None:
        if rs is not None and obs is not None and obs.source != "skipped":
            reason = "deleted outside reconciler; will be created again"
        elif obs is not None and obs.source == "unknown_key":
            reason = "not in state; its natural key is known only after apply"
        else:
            ident = rt.identity_of(desired)
            reason = f"not in state and no existing object with key {ident}" if ident else "not in state"
        return Change(address, Action.CREATE, reason, after=_mask_view(rt, after), notes=waits, **common)

    importing = rs is None
    compared = [k for k in managed if k not in spec.lifecycle.ignore_changes and k not in rt.sensitive]
    live_view = _view(rt, live, managed, unknowns=False)
    before_cmp = live_view if compared == managed else _view(rt, live, compared, unknowns=False)
    after_cmp = {k: after[k] for k in compared if k in after}
    diff = compute(before_cmp, after_cmp, sensitive=rt.sensitive)
    if rt.sensitive:
        diff += _secret_changes(rt, full_desired, rs, [k for k in managed if k not in spec.lifecycle.ignore_changes],
                                hasher)
    before = _mask_view(rt, live_view)
    base = dict(before=before, after=_mask_view(rt, after), diff=diff, object_id=obs.object_id,
                importing=importing, fingerprint=obs.fingerprint, **common)
    adopt = f"adopting existing object {rt.identity_of(desired) or obs.object_id}; " if importing else ""
    changed = sorted({d.top for d in diff})
    rules = {k: rule for k in changed if (rule := rt.replace_rule(k, before_cmp.get(k), after_cmp.get(k)))}
    if rules or force is not None:
        forcing = tuple(rules)
        why, caused = _replace_reason(rules, causes or {})
        if force is not None:
            why = [force[0], *why]
            caused = tuple(dict.fromkeys(force[1] + caused))
        return Change(address, Action.REPLACE, adopt + "; ".join(why), replace_fields=forcing,
                      notes=_delete_notes(rt) + waits, create_before_destroy=spec.lifecycle.create_before_destroy,
                      caused_by=caused, **base)
    blocked = rt.blocked(live, full_desired)
    if not diff:
        return Change(address, Action.NOOP, adopt + "matches the specs" if importing else "up to date",
                      blocked=blocked, **base)
    notes = waits + rt.update_notes(live, full_desired, frozenset(changed))
    return Change(address, Action.UPDATE, adopt + f"field(s) differ: {', '.join(changed)}", notes=notes,
                  blocked=blocked, **base)


def _replace_reason(rules: Mapping[str, str], causes: Causes) -> tuple[list[str], tuple[Address, ...]]:
    """Why the fields ``rules`` name need a replacement, and the addresses behind it: the upstream
    replacement that makes their values unknown, else the rule that fired
    (``create-only field(s) changed: a, b``; ``field: <the type's rule>``)."""
    upstream: list[tuple[Address, str]] = []
    reached: list[str] = []
    plain: list[str] = []
    other: list[str] = []
    for name, rule in rules.items():
        cause = causes.get(name) or causes.get(None)
        if cause:
            upstream.extend(c for c in cause if c not in upstream)
            reached.append(name)
        elif rule == "create-only field":
            plain.append(name)
        else:
            other.append(f"{name}: {rule}")
    out = []
    if upstream:
        out.append(f"replaced because {' and '.join(p for _, p in upstream)}: its new value reaches "
                   f"create-only field(s) {', '.join(reached)}")
    if plain:
        out.append(f"create-only field(s) changed: {', '.join(plain)}")
    return out + other, tuple(dict.fromkeys(a for a, _ in upstream))


def _hashed_match(hasher: SecretHasher | None, live_value: Any, recorded: Any) -> bool:
    """A value state keeps only as a keyed hash (a secret that came through a reference)."""
    return (hasher is not None and isinstance(recorded, str) and recorded.startswith(HASH_PREFIX)
            and hasher.matches(live_value, recorded))


def _secret_changes(rt: ResourceType, desired: Mapping[str, Any], rs: ResourceState | None,
                    fields: Iterable[str], hasher: SecretHasher | None) -> tuple[DiffItem, ...]:
    """Write-only fields: compare the desired value's keyed hash with the one state recorded."""
    items = []
    for name in fields:
        if name not in rt.sensitive or name not in desired:
            continue
        value = desired[name]
        stored = rs.attrs.get(name) if rs else None
        if value is None and stored is None:
            continue
        if isinstance(value, Unknown) or stored is None or hasher is None or not hasher.matches(value, stored):
            old = SENSITIVE_MASK if stored is not None else None
            items.append(DiffItem("change" if old else "add", (name,), old,
                                  value if isinstance(value, Unknown) else SENSITIVE_MASK))
    return tuple(items)


def managed_fields(rt: ResourceType, desired: Mapping[str, Any], rs: ResourceState | None) -> list[str]:
    """Declared fields, plus previously managed ones that have a non-null default to return to."""
    fields = [k for k in desired if k not in rt.server_owned]
    if rs is not None:
        for k in sorted(rs.attrs):
            if k not in desired and k not in rt.server_owned and rt.default_of(k) is not None:
                fields.append(k)
    return fields


def _view(rt: ResourceType, attrs: Mapping[str, Any], fields: Iterable[str], *,
          unknowns: bool = True, holding: set[str] | None = None) -> dict[str, Any]:
    """Project ``attrs`` onto ``fields`` and normalize, leaving values holding ``Unknown`` as they are.

    ``unknowns=False`` (live objects and state, which never hold one) skips looking for them;
    ``holding`` limits the search to those attributes (the ones a reference is in).
    """
    fields = [k for k in fields if k in attrs]
    if not unknowns or not (contains_unknown(attrs) if holding is None else
                            any(k in attrs and contains_unknown(attrs[k]) for k in holding)):
        return rt.normalize({k: attrs[k] for k in fields}) if fields else {}
    known = {k: attrs[k] for k in fields if not contains_unknown(attrs[k])}
    out = rt.normalize(known) if known else {}
    out.update({k: attrs[k] for k in fields if k not in known})
    return out


def _mask(rt: ResourceType, attrs: Mapping[str, Any]) -> dict[str, Any]:
    if not rt.sensitive:
        return dict(attrs)
    return {k: (SENSITIVE_MASK if k in rt.sensitive and v is not None else v) for k, v in attrs.items()}


def _mask_view(rt: ResourceType, view: dict[str, Any]) -> dict[str, Any]:
    """``view`` (a dict of its own, from ``_view``) with sensitive values masked."""
    if not rt.sensitive:
        return view
    return {k: (v if isinstance(v, Unknown) else SENSITIVE_MASK) if k in rt.sensitive and v is not None else v
            for k, v in view.items()}


def _delete_notes(rt: ResourceType) -> tuple[str, ...]:
    notes = []
    if rt.delete_note:
        notes.append(rt.delete_note)
    if rt.protected:
        notes.append(f"deleting a {rt.type_name} cannot be undone")
    return tuple(notes)


def _drift(address: Address, state: State, observed: Mapping[Address, Observed], type_of: TypeOf,
           resources: Mapping[Address, ResourceSpec], hasher: SecretHasher | None = None) -> Drift | None:
    """Live vs last applied, over the fields the state records as managed."""
    rs = state.get(address)
    obs = observed.get(address)
    if rs is None or obs is None or obs.source == "skipped":
        return None
    if obs.live is None or obs.object_id != rs.object_id:
        return Drift(address, "deleted")
    rt = type_of(address)
    if rt.data_source:
        return None
    if obs.fingerprint is not None and obs.fingerprint == rs.fingerprint \
            and not (rt.detail_fields and rt.detail_fields & rs.attrs.keys()):  # fingerprints leave details out
        return None
    spec = resources.get(address)
    ignored = set(spec.lifecycle.ignore_changes) if spec else set()
    fields = [k for k in rs.attrs if k not in ignored and k not in rt.sensitive]
    recorded = {k: (obs.live.get(k) if _hashed_match(hasher, obs.live.get(k), v) else v) for k, v in rs.attrs.items()}
    diff = compute(_view(rt, recorded, fields, unknowns=False), _view(rt, obs.live, fields, unknowns=False),
                   sensitive=rt.sensitive)
    who, when = rt.last_modified(obs.live) or (None, None)
    if diff:
        return Drift(address, "changed", diff, who, when)
    if comparable(rs.fingerprint, obs.fingerprint) and rs.fingerprint != obs.fingerprint:
        return Drift(address, "unmanaged", (), who, when)
    return None
