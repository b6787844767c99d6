"""The planner: a pure function from (specs, state, observations) to a ``Plan``.

Owns every decision of what apply will do and why: create / update / replace / delete / forget /
no-op per address, adoption of existing objects, which fields are managed, protection
(``prevent_destroy`` and protected kinds, also when the spec block is gone), targeting, destroy
and refresh-only modes, and drift (live vs last applied). It performs no I/O.

Which fields are managed: the fields the spec declares, plus fields the state says were managed
before but are no longer declared; those are reset to the model's default when it has a non-null
default, and otherwise simply stop being managed. ``ignore_changes`` fields are set on create but
never compared afterwards.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from reconciler.addresses import Address
from reconciler.diff import compute
from reconciler.errors import PlanError, ProtectedResourceError
from reconciler.graph.dag import Graph
from reconciler.plan.model import SENSITIVE_MASK, Action, Change, DiffItem, Drift, Plan, Unknown, contains_unknown
from reconciler.providers.base import ResourceType
from reconciler.refresh import Observed
from reconciler.secrets import PREFIX as HASH_PREFIX, SecretHasher
from reconciler.spec import ResourceSpec, SpecSet
from reconciler.state.model import ResourceState, State
from reconciler.values import comparable

TypeOf = Callable[[Address], ResourceType]


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
) -> Plan:
    """Decide every change, in apply order (dependencies first). Raises ``ProtectedResourceError``
    if a protected object would be deleted or replaced."""
    if mode not in ("normal", "destroy", "refresh-only"):
        raise PlanError(f"unknown plan mode {mode!r}; expected normal, destroy or refresh-only")
    targets = tuple(targets)
    resources = specs.resources if (specs and mode != "destroy") else {}
    selected = select(graph, targets, resources, state) if targets else None
    changes: list[Change] = []
    drifts: list[Drift] = []
    for layer in graph.layers():
        for address in layer:
            drift = _drift(address, state, observed, type_of, resources, hasher)
            if drift is not None:
                drifts.append(drift)
            if mode == "refresh-only" or (selected is not None and address not in selected):
                continue
            change = decide(address, resources.get(address), state.get(address), observed.get(address),
                            type_of(address), graph, destroy=(mode == "destroy"), hasher=hasher)
            if change is not None:
                changes.append(change)
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


def select(graph: Graph, targets: Iterable[Address], resources: Mapping, state: State) -> set[Address]:
    """``--target``: the targets, what they depend on, and (for deletions) what depends on them."""
    selected: set[Address] = set()
    for target in targets:
        if target not in graph.nodes:
            raise PlanError(f"--target {target}: no such resource in the specs or the state")
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
) -> Change | None:
    """The change for one address (``None`` if it is neither in specs nor in state)."""
    live = obs.live if obs else None
    depends = tuple(sorted(graph.dependencies(address)))
    protect = bool((rs and rs.prevent_destroy) or (spec and spec.lifecycle.prevent_destroy))
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
                  allow_destroy=spec.lifecycle.allow_destroy, blocked=rt.blocked(live, full_desired),
                  ignore_changes=spec.lifecycle.ignore_changes)
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
    if not diff:
        return Change(address, Action.NOOP, adopt + "matches the specs" if importing else "up to date", **base)
    changed = sorted({d.top for d in diff})
    forcing = tuple(k for k in changed if k in rt.create_only)
    if forcing:
        return Change(address, Action.REPLACE,
                      adopt + f"create-only field(s) changed: {', '.join(forcing)}",
                      replace_fields=forcing, notes=_delete_notes(rt) + waits, **base)
    return Change(address, Action.UPDATE, adopt + f"field(s) differ: {', '.join(changed)}", notes=waits, **base)


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
