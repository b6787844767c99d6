"""The lifecycle harness every resource type's tests go through, and a sandbox session helper.

``run_lifecycle`` drives one resource type through its whole contract against a live API (the
sandbox, or a real platform): create -> read (no diff) -> find by natural key (same id) ->
update -> read (no diff) -> delete -> read is None -> delete again is fine. ``run_unset_defaults``
drives the same lifecycle to check that removing optional fields from a block returns them to
their defaults. A failing step raises ``AssertionError`` naming the step, the id and what
differed; the object is deleted on the way out (best effort) so a failure leaves nothing behind on
a real platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

from reconciler.diff import compare
from reconciler.plan.model import Diff
from reconciler.providers.base import CreatedButFailed, ResourceType, Session
from reconciler.providers.registry import PROVIDERS
from reconciler.providers.settings import resolve_settings
from reconciler.reads import find_one, list_container, lists, read_object
from reconciler.values import fingerprint
from reconciler.sandbox import Sandbox

T = TypeVar("T")

#: the host the in-process sandbox transport answers for (any host works in-process)
SANDBOX_BASE_URL = "http://sandbox"


@dataclass(frozen=True)
class LifecycleReport:
    """What a lifecycle run saw: the id and the live views after create and after update."""

    type_name: str
    object_id: str
    created: dict[str, Any]
    updated: dict[str, Any]
    changed: frozenset[str]
    steps: tuple[str, ...]


class _Run:
    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        self.object_id: str | None = None
        self.steps: list[str] = []

    def step(self, name: str, fn: Callable[[], T]) -> T:
        """Run one step; any failure becomes an ``AssertionError`` naming it."""
        try:
            result = fn()
        except AssertionError as exc:
            raise AssertionError(f"{self._where(name)}: {exc}") from exc
        except Exception as exc:
            raise AssertionError(f"{self._where(name)}: {type(exc).__name__}: {exc}") from exc
        self.steps.append(name)
        return result

    def _where(self, name: str) -> str:
        ident = f" (id {self.object_id})" if self.object_id else ""
        return f"{self.type_name} lifecycle, step {name!r}{ident}"


def render_diff(diff: Diff) -> str:
    """One ``op path: old -> new`` line per item."""
    return "\n".join(f"  {i.op} {i.path_str()}: {i.old!r} -> {i.new!r}" for i in diff)


def _no_diff(rt: ResourceType, desired: Mapping[str, Any], live: Mapping[str, Any] | None, what: str) -> None:
    assert live is not None, f"{what}: read returned None"
    diff = compare(rt, desired, live)
    assert not diff, f"{what} differs from the spec:\n{render_diff(diff)}"


def run_lifecycle(session: Session, type_name: str, create_spec: dict, update_spec: dict) -> LifecycleReport:
    """Create, read, find, update, read, delete, read, delete again; see the module docstring.

    ``update_spec`` must differ from ``create_spec`` in at least one field that is not
    create-only, and in no create-only field.
    """
    rt = session.resource(type_name)
    run = _Run(type_name)
    run.step("validate specs", lambda: (rt.spec_model.model_validate(create_spec),
                                        rt.spec_model.model_validate(update_spec)))
    object_id, created = run.step("create", lambda: _create(rt, create_spec))
    run.object_id = object_id
    try:
        run.step("compare create result", lambda: _no_diff(rt, create_spec, created, "the live view create returned"))
        live = run.step("read after create", lambda: read_object(rt, object_id))
        run.step("compare after create", lambda: _no_diff(rt, create_spec, live, "the object read after create"))
        if lists(rt):
            run.step("list", lambda: _check_listed(rt, create_spec, object_id, live))
        if rt.natural_key:
            run.step("find by natural key", lambda: _check_find(rt, create_spec, object_id))
        changed = run.step("diff update spec", lambda: _changed(rt, update_spec, live))
        # what the executor hands ``update``: the managed fields as the plan saw them
        before = rt.normalize({k: live[k] for k in update_spec if k in live and k not in rt.server_owned})
        updated = run.step("update", lambda: rt.update(object_id, before, update_spec, changed))
        run.step("compare update result", lambda: _no_diff(rt, update_spec, updated, "the live view update returned"))
        reread = run.step("read after update", lambda: read_object(rt, object_id))
        run.step("compare after update", lambda: _no_diff(rt, update_spec, reread, "the object read after update"))
        if rt.deletable:
            run.step("delete", lambda: rt.delete(object_id))
    except AssertionError:
        _cleanup(rt, object_id)
        raise
    if rt.deletable:  # a type the platform cannot delete is only forgotten: nothing more to check
        run.step("read after delete", lambda: _assert_gone(rt, object_id))
        run.step("delete again", lambda: rt.delete(object_id))
    return LifecycleReport(type_name, object_id, dict(created), dict(reread), changed, tuple(run.steps))


def resettable(rt: ResourceType, spec: Mapping[str, Any]) -> list[str]:
    """The fields of ``spec`` that go back to their default when removed from a block (as the
    planner decides: a non-null spec-model default), leaving out create-only and sensitive ones."""
    return [k for k in spec if k not in rt.server_owned and k not in rt.create_only and k not in rt.sensitive
            and rt.default_of(k) is not None]


def run_unset_defaults(session: Session, type_name: str, spec: dict,
                       keep: tuple[str, ...] = ()) -> LifecycleReport:
    """Unset means default: create with ``spec`` (its optional fields set away from their defaults),
    then update as the planner does when those fields are removed from the block (each one sent at
    its spec-model default), and check that the platform holds the defaults, through the whole
    lifecycle (``run_lifecycle``). ``keep`` names fields the block keeps (a recipe's ``outputs``,
    which validation requires). Fails if a field removed is at its default already, since then
    nothing would be tested for it."""
    rt = session.resource(type_name)
    # options the type never compares (normalize drops them: a DSS update timeout) are not platform state
    fields = [k for k in resettable(rt, spec) if k not in keep and rt.normalize({k: spec[k]})]
    assert fields, f"{type_name}: the spec sets no field that has a default"
    same = [k for k in fields if rt.normalize({k: spec[k]}) == rt.normalize({k: rt.default_of(k)})]
    assert not same, f"{type_name}: {same} already at the default in the create spec"
    update = {**{k: v for k, v in spec.items() if k not in fields}, **{k: rt.default_of(k) for k in fields}}
    report = run_lifecycle(session, type_name, spec, update)
    assert report.changed == frozenset(fields), (
        f"{type_name}: removing {sorted(fields)} changed {sorted(report.changed)}")
    return report


def _create(rt: ResourceType, spec: Mapping[str, Any]) -> tuple[str, Any]:
    try:
        return rt.create(dict(spec))
    except CreatedButFailed as exc:
        _cleanup(rt, exc.object_id)
        raise AssertionError(f"created {exc.object_id} but a follow-up failed: {exc.cause}") from exc


def _check_find(rt: ResourceType, spec: Mapping[str, Any], object_id: str) -> None:
    found = find_one(rt, dict(spec))
    assert found is not None, f"find({rt.identity_of(spec)}) returned None"
    assert found[0] == object_id, f"find({rt.identity_of(spec)}) returned id {found[0]!r}, not {object_id!r}"


def _check_listed(rt: ResourceType, spec: Mapping[str, Any], object_id: str, live: Mapping[str, Any]) -> None:
    """``list`` holds the object as ``read`` shows it (but for ``detail_fields``), and
    ``read_details`` completes it into what ``read`` gives."""
    container = spec.get(rt.container) if rt.container is not None else None
    listed = list_container(rt, container).objects.get(object_id)
    assert listed is not None, f"list({container!r}) does not hold {object_id}"
    brief = {k: v for k, v in live.items() if k not in rt.detail_fields}
    listed_brief = {k: v for k, v in listed.items() if k not in rt.detail_fields}
    assert rt.normalize(listed_brief) == rt.normalize(brief), (
        f"list({container!r}) shows {object_id} otherwise than read:\n{render_diff(compare(rt, brief, listed_brief))}")
    assert fingerprint(rt, listed) == fingerprint(rt, live), "list and read fingerprint the object differently"
    if rt.detail_fields:
        whole = rt.read_details(object_id, dict(listed), rt.detail_fields)
        assert whole is not None and rt.normalize(whole) == rt.normalize(live), (
            "read_details of the listed object is not what read gives")


def _changed(rt: ResourceType, update_spec: Mapping[str, Any], live: Mapping[str, Any]) -> frozenset[str]:
    changed = frozenset(item.top for item in compare(rt, update_spec, live))
    assert changed, "update_spec does not differ from the created object: nothing to update"
    replacing = sorted(changed & rt.create_only)
    assert not replacing, f"update_spec changes create-only field(s) {replacing}: that is a replace, not an update"
    return changed


def _assert_gone(rt: ResourceType, object_id: str) -> None:
    live = rt.read(object_id)
    assert live is None, f"read after delete returned {live!r}"


def _cleanup(rt: ResourceType, object_id: str) -> None:
    try:
        rt.delete(object_id)
    except Exception:  # best effort: the step's own error is the one to report
        pass


def sandbox_session(provider: str = "dataiku", **sandbox_options: Any) -> tuple[Any, Session]:
    """A fresh in-process ``Sandbox`` and a ``Session`` of ``provider`` talking to it (no socket).

    Settings come from the sandbox's own env exports (URL and token), as a user's would.
    """
    sandbox = Sandbox(**sandbox_options)
    spec = PROVIDERS[provider]
    settings = resolve_settings(spec, None, sandbox.env(SANDBOX_BASE_URL))
    return sandbox, spec.connect(settings, sandbox.transport())
