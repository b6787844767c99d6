"""The provider contract: what a platform must offer the engine.

A *provider* (one per platform) is a ``ProviderSpec`` in ``registry.PROVIDERS``: its settings
model (url, credentials, budgets; each with the env var it falls back to), its resource types,
and ``connect(settings, transport=None, verify=True)`` which builds a ``Session`` holding one HTTP
client (``verify``: TLS verification, see ``transport.tls_verify``; ``transport``: tests only).

A *resource type* is a ``ResourceType`` subclass. Class attributes declare the static facts the
engine and ``validate`` need without any network; an instance is bound to a session's client and
talks to the platform. Attribute names are the spec's (snake_case) vocabulary: ``read`` and
``create`` translate the platform's documents into it; ``normalize`` makes values comparable.

Rules every implementation keeps (the engine relies on them):

- ``create`` is all-or-nothing: if it raises, nothing was created, or the error carries the id
  (``CreatedButFailed``) so the engine can record it. It returns ``(id, live)``.
- ``update`` is read-modify-write for full-document PUT APIs: merge the managed fields into the
  live document and send back every other field unchanged. It returns the new live view.
- If ``delete`` raises, the object still exists. Deleting an object that is already gone is
  not an error.
- ``read`` returns ``None`` when the object is gone, never raises for "not found".
- ``find`` looks an object up by its natural key (from a desired spec) for adoption and crash
  recovery; it returns ``None`` when there is none. It never creates anything.
- ``read_many`` (with ``batch_key``) and ``find_many`` (with ``find_key``) are optional batched
  forms of ``read`` and ``find`` for the objects of one container; they return exactly what the
  single calls return, in fewer requests (a list endpoint that returns whole objects). The one
  exception is ``detail_fields``: ``read_many`` may leave them out of the objects named ``brief``.
- Async platform operations are awaited inside the resource type, with a timeout.
- No method writes during ``read``/``find``/``list``: ``plan`` and ``drift`` only call those.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Mapping, Sequence, TypeVar

from pydantic import BaseModel

from reconciler.providers.budget import FOLLOW_UP

if TYPE_CHECKING:
    import ssl

    import httpx

Live = dict[str, Any]
Spec = dict[str, Any]
T = TypeVar("T")
R = TypeVar("R")


def fan_out(fn: Callable[[T], R], items: Sequence[T], threads: int = 8) -> list[R]:
    """``[fn(i) for i in items]``, up to ``threads`` at a time, in order; the first error raised is
    raised (for a ``read_many`` that needs a call per object besides its list call). The provider's
    HTTP budget still bounds how many requests are in flight, and lets these calls' requests go
    before new work's (``budget.FOLLOW_UP``): they finish work already underway."""
    def call(item: T) -> R:
        FOLLOW_UP.set(True)
        return fn(item)

    if len(items) <= 1:
        return [contextvars.copy_context().run(call, i) for i in items]
    with ThreadPoolExecutor(max_workers=min(threads, len(items)), thread_name_prefix="fan-out") as pool:
        return list(pool.map(lambda i: contextvars.copy_context().run(call, i), items))


class CreatedButFailed(Exception):
    """Raised by ``create`` when the object exists but a follow-up step failed.

    The engine records ``object_id`` in state (so nothing is orphaned) and reports ``cause``;
    the next plan shows whatever still differs as an update.
    """

    def __init__(self, object_id: str, cause: BaseException) -> None:
        self.object_id = object_id
        self.cause = cause
        super().__init__(str(cause))


class UpdatedButFailed(Exception):
    """Raised by ``update`` when the object was changed but a follow-up step failed (a scenario
    run after apply ended FAILED). ``live`` is the object as changed: the engine records it (so
    drift stays true) and reports ``cause`` as the operation's failure."""

    def __init__(self, live: Live, cause: BaseException) -> None:
        self.live = live
        self.cause = cause
        super().__init__(str(cause))


@dataclass(frozen=True)
class Collateral:
    """An object a delete takes with it: its type (``dataiku_recipe``), platform id and label."""

    type_name: str
    object_id: str
    label: str


#: the progress callback of the operation running in this thread (set by the apply executor)
_PROGRESS: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar("progress", default=None)


_SPECS_ROOT: list[str] = []


def set_specs_root(path: str) -> None:
    """The specs directory (or file) of the current run; set by the workspace when it loads specs."""
    _SPECS_ROOT[:] = [path]


def specs_root() -> str | None:
    """Where relative ``*_file`` paths in specs are resolved (``--specs``); None outside a run."""
    return _SPECS_ROOT[0] if _SPECS_ROOT else None


def progress_to(callback: Callable[[str], None] | None) -> contextvars.Token:
    """Route ``ResourceType.notify`` in this thread to ``callback`` (undo with ``reset_progress``)."""
    return _PROGRESS.set(callback)


def reset_progress(token: contextvars.Token) -> None:
    _PROGRESS.reset(token)


class ResourceType:
    """One kind of object on one platform. Subclass, set the class attributes, implement CRUD."""

    #: ``<provider>_<kind>``, e.g. ``dataiku_project``.
    type_name: ClassVar[str]
    #: pydantic model of the spec body (``extra="forbid"``); lifecycle/depends_on are not in it.
    spec_model: ClassVar[type[BaseModel]]
    #: one-line description for ``schema`` and docs.
    description: ClassVar[str] = ""
    #: spec fields that identify the object for adoption (natural key); empty if server id only.
    natural_key: ClassVar[tuple[str, ...]] = ()
    #: attributes only the server sets (``id``...): readable through ``${type.name.attr}``,
    #: never diffed, never settable.
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    #: fields whose change means replace (delete + create) rather than update.
    create_only: ClassVar[frozenset[str]] = frozenset()
    #: fields never stored in state, plans or logs (write-only secrets).
    sensitive: ClassVar[frozenset[str]] = frozenset()
    #: True when deleting the object cannot be undone: the plan says so on every delete.
    protected: ClassVar[bool] = False
    #: Set (to the reason) when deleting needs an opt-in per resource: unless the resource's
    #: ``lifecycle.allow_destroy: true`` was applied (it is recorded in state), removing its
    #: block only forgets it ("deletes the user account" for a Lightdash member).
    delete_opt_in: ClassVar[str | None] = None
    #: False when the platform has no delete: removal from specs only forgets the object.
    deletable: ClassVar[bool] = True
    #: what a delete takes with it, shown in the plan ("deletes its recipes and analyses").
    delete_note: ClassVar[str | None] = None
    #: a read-only data source: found by ``find(spec)`` during refresh, referenced by others,
    #: never created, updated, deleted or recorded in state. Its outputs are referenceable only
    #: when listed in ``server_owned`` (or declared in its spec model, like any resource).
    data_source: ClassVar[bool] = False
    #: shown in the plan on creates and updates of this type ("waits for DataRobot's async job,
    #: up to 10 min").
    wait_note: ClassVar[str | None] = None
    #: fields that hold another resource's id or natural key, and the type they point at
    #: (``{"project": "dataiku_project"}``), or ``"type.attr"`` when the value is that attribute
    #: (``{"project": "dataiku_project.key"}``): ``export`` writes them as ``${type.name.attr}``.
    ref_fields: ClassVar[Mapping[str, str]] = {}
    #: fields no list endpoint returns, each object costing one more request for them (Dataiku's
    #: project metadata document). Refresh asks for them only where state or the spec manages them
    #: (``read_many(ids, brief=...)``), and fingerprints leave them out, so that a brief read and a
    #: full one fingerprint alike.
    detail_fields: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, client: Any) -> None:
        self.client = client

    # -- platform calls -------------------------------------------------------------------
    def read(self, object_id: str) -> Live | None:
        raise NotImplementedError

    def batch_key(self, object_id: str) -> Any:
        """The container ``object_id`` lives in (a project key...), for ``read_many``; None: none."""
        return None

    def read_many(self, object_ids: Sequence[str]) -> Mapping[str, Live | None]:
        """Read several objects of one container (same ``batch_key``) with as few calls as the API
        allows: a list endpoint returning whole objects. Override only when that is cheaper than
        ``read`` per object; ids missing from the result count as gone (then looked up by key).
        A type with ``detail_fields`` takes ``brief`` too (``read_many(ids, brief=...)``): the ids
        whose objects may come back without those fields."""
        raise NotImplementedError

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        """Look up by natural key. Default: none (server-id-only types override when they can)."""
        return None

    def find_key(self, spec: Spec) -> Any:
        """The container one ``find_many`` call searches for ``spec`` (a project key...); None:
        look it up with ``find``."""
        return None

    def find_many(self, specs: Sequence[Spec]) -> list[tuple[str, Live] | None]:
        """``[find(s) for s in specs]`` for specs of one container (same ``find_key``), with as few
        calls as the API allows (a list of the container). Override with ``find_key``."""
        raise NotImplementedError

    def create(self, spec: Spec) -> tuple[str, Live]:
        raise NotImplementedError

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        """``spec`` holds every managed field; ``changed`` names the top-level ones that differ."""
        raise NotImplementedError

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        """Delete the object. ``attrs`` are its last applied attributes (delete options such as
        ``drop_data_on_destroy`` live there); already gone is not an error."""
        raise NotImplementedError

    def discover(self, scope: Mapping[str, str]) -> Iterable[tuple[str, Live]]:
        """Every live object of this type (``(id, live)``) within ``scope`` (e.g. ``{"project": "SALES"}``),
        for ``reconciler export``. Read-only. Types that cannot enumerate leave it unimplemented."""
        raise NotImplementedError

    def export_view(self, live: Live) -> Live:
        """The live view as ``export`` should write it (e.g. drop one of two fields a spec may
        declare only one of). Default: unchanged. Never affects read, diff or fingerprints."""
        return live

    def cascades(self, object_id: str, live: Live) -> list["Collateral"]:
        """Objects the platform deletes together with this one (read-only calls only).

        The plan lists them; deleting is refused unless each is also being deleted or the user
        passes ``--allow-cascade``. Default: none.
        """
        return []

    def notify(self, message: str) -> None:
        """Report progress of a long wait ("waiting for deploy d-12 to finish: DEPLOYING").

        Routed to the apply hooks (the CLI prints it); a no-op outside an apply.
        """
        callback = _PROGRESS.get()
        if callback is not None:
            callback(message)

    # -- pure helpers -----------------------------------------------------------------------
    def blocked(self, live: Live | None, desired: Mapping[str, Any]) -> str | None:
        """Why the desired state cannot be reached yet for a reason outside the tool (a model
        pending review), or None. The plan shows it as blocked (not failed)."""
        return None

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        """(who, when ISO-8601) of the object's last change, where the platform says; for drift."""
        return None

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """Make values comparable: fill defaults, sort set-like lists, drop noise.

        Applied alike to desired and live attrs; must accept a subset of the fields.
        """
        return dict(attrs)

    @classmethod
    def default_of(cls, field_name: str) -> Any:
        """The spec model's default for ``field_name`` (None when required or unknown)."""
        info = cls.spec_model.model_fields.get(field_name)
        if info is None or info.is_required():
            return None
        return info.get_default(call_default_factory=True)

    @classmethod
    def identity_of(cls, spec: Mapping[str, Any]) -> str | None:
        """A readable natural key for messages (``SALES``, ``SALES/orders``), or None."""
        if not cls.natural_key:
            return None
        parts = [str(spec.get(k)) for k in cls.natural_key if spec.get(k) is not None]
        return "/".join(parts) if len(parts) == len(cls.natural_key) else None


def all_types(registry: Mapping[str, "ProviderSpec"]) -> dict[str, "type[ResourceType]"]:
    """Every resource type of ``registry``, by type name."""
    return {name: cls for spec in registry.values() for name, cls in spec.resource_types.items()}


@dataclass
class Session:
    """A connected provider: one HTTP client shared by every resource type instance."""

    provider: str
    client: Any
    types: Mapping[str, type[ResourceType]]
    _instances: dict[str, ResourceType] = field(default_factory=dict)

    def resource(self, type_name: str) -> ResourceType:
        inst = self._instances.get(type_name)
        if inst is None:
            inst = self.types[type_name](self.client)
            self._instances[type_name] = inst
        return inst

    def close(self) -> None:
        close = getattr(self.client, "close", None)
        if close:
            close()


@dataclass(frozen=True)
class ProviderSpec:
    """A registry entry. ``env`` maps settings fields to the env vars they default from."""

    name: str
    settings_model: type[BaseModel]
    env: Mapping[str, str]
    resource_types: Mapping[str, type[ResourceType]]
    connect_fn: Callable[[BaseModel, httpx.BaseTransport | None, ssl.SSLContext | bool], Any]
    #: settings fields that are secrets (never printed)
    secret_settings: frozenset[str] = frozenset()

    def connect(self, settings: BaseModel, transport: httpx.BaseTransport | None = None,
                verify: ssl.SSLContext | bool = True) -> Session:
        return Session(self.name, self.connect_fn(settings, transport, verify), self.resource_types)
