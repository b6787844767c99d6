"""The provider contract: what a platform must offer the engine.

A *provider* (one per platform) is a ``ProviderSpec`` in ``registry.PROVIDERS``: its settings
model (url, credentials and the ``PlatformSettings`` every provider has; each with the env var it
falls back to), its resource types, and how requests are authorized; ``connect(settings,
transport=None)`` builds a ``Session`` holding its one HTTP client (``transport``: tests only).

A *resource type* is a ``ResourceType`` subclass. Class attributes declare the static facts the
engine and ``validate`` need without any network; an instance is bound to a session's client and
talks to the platform. Attribute names are the spec's (snake_case) vocabulary: ``read``, ``list``
and ``create`` translate the platform's documents into it; ``normalize`` makes values comparable.

Required: ``read``, ``create``, ``update``, ``delete`` (``normalize`` has a default).
Optional: ``list(container)`` where the platform lists objects whole, with ``container`` (the
spec field naming the container a list call reads) and ``container_of(id)``; ``read_details``
when ``detail_fields`` cost requests a list does not make; ``id_of(spec)`` when the platform's
id is built from the natural key. The engine (``reconciler.reads``) derives everything else
from these, in one place: batched reads (one ``list`` per container), natural-key lookups
(adoption and crash recovery, an ambiguous match refused) and export discovery.

Rules every implementation keeps (the engine relies on them):

- ``create`` is all-or-nothing: if it raises, nothing was created, or the error carries the id
  (``CreatedButFailed``) so the engine can record it. It returns ``(id, live)``, ``live`` as the
  platform holds it (from the create's answers; read back only what they do not tell).
- ``update`` is read-modify-write for full-document PUT APIs: merge the managed fields into the
  live document and send back every other field unchanged. It returns the new live view.
- If ``delete`` raises, the object still exists. Deleting an object that is already gone is
  not an error.
- Not found is ``None``, never an exception a caller must catch: ``read`` returns ``None`` when
  the object is gone; ``list`` returns nothing for a container that does not exist.
- ``list(container)`` returns every object of this type in the container, as ``read`` would;
  both may leave out the fields in ``detail_fields``, which ``read_details`` adds where they are
  managed (``reads.read_object`` reads an object with the details asked for).
- A data source (``data_source = True``) implements ``find(args)`` (the one object the
  arguments name, or ``None``) and ``read(id)``, and nothing that writes.
- Async platform operations are awaited inside the resource type, with a timeout.
- Nothing writes during ``read``/``list``/``find``: ``plan`` and ``drift`` only call those.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable, Mapping, Sequence

import httpx
from pydantic import BaseModel

from reconciler.errors import PlanError
from reconciler.providers.http import HttpClient
from reconciler.providers.models import PlatformSettings
from reconciler.providers.transport import tls_verify

Live = dict[str, Any]
Spec = dict[str, Any]


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
    #: fields whose change means replace (delete + create) rather than update; a change whose need
    #: for a replacement depends on the old and new values is decided by ``replace_rule``.
    create_only: ClassVar[frozenset[str]] = frozenset()
    #: why a replacement cannot exist next to the object it replaces, for a type whose platform keeps
    #: the natural key unique ("a Dataiku project key is unique in its instance"):
    #: ``lifecycle.create_before_destroy`` is refused with it. None: two objects with one natural key
    #: can exist for a moment, so the replacement may be created first.
    unique_key: ClassVar[str | None] = None
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
    #: fields a ``list`` answer does not hold, each object costing more requests for them (Dataiku's
    #: project permissions and metadata document). Refresh reads them (``read_details``) only where
    #: state or the spec manages them, and fingerprints leave them out, so that a listed object and
    #: one read whole fingerprint alike.
    detail_fields: ClassVar[frozenset[str]] = frozenset()
    #: the spec field whose value names the container one ``list`` call reads (a project key); None:
    #: ``list(None)`` reads the whole instance
    container: ClassVar[str | None] = None
    #: fields an apply may leave unlike the spec until something outside it happens, with why (an
    #: Astro Runtime is raised by an image deploy). Every create and update is verified (the object
    #: as returned must hold the managed fields as asked, else the apply fails); a mismatch in one of
    #: these is reported with the reason instead, and the next plan shows it again.
    settles_later: ClassVar[Mapping[str, str]] = {}

    #: server-owned outputs an update gives a new value, by the fields whose change does it (a
    #: registered model's ``version_id`` when its source ``model_id`` changes): the plan shows what
    #: references them as known only after apply, and apply resolves them once the update is done.
    outputs_on_update: ClassVar[Mapping[str, frozenset[str]]] = {}

    def __init__(self, client: Any) -> None:
        self.client = client

    # -- platform calls: required ---------------------------------------------------------
    def read(self, object_id: str) -> Live | None:
        """The object, or None when it does not exist. Fields in ``detail_fields`` may be missing,
        as from ``list``: ``read_details`` adds them."""
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

    # -- platform calls: optional ---------------------------------------------------------
    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """Every object of this type in ``container`` (the value of the ``container`` field; None
        when the type has none) as ``(id, live)``, in as few requests as the API allows; fields in
        ``detail_fields`` may be missing. Nothing for a container that does not exist. Types whose
        API cannot list objects whole leave it unimplemented."""
        raise NotImplementedError

    def container_of(self, object_id: str) -> str | None:
        """The container of the object ``object_id`` (a project key), for reading several objects
        of one container with one ``list``; None when the id does not tell (then it is read alone).
        Types without a ``container`` field list the whole instance and need not override it."""
        return None

    def read_details(self, object_id: str, listed: Live, fields: frozenset[str]) -> Live | None:
        """The object ``read`` or ``list`` returned as ``listed``, completed with the
        ``detail_fields`` named in ``fields`` (None when it is gone meanwhile). A type with
        ``detail_fields`` implements it."""
        return listed

    def id_of(self, spec: Spec) -> str | None:
        """The id of the object ``spec``'s natural key names, when the platform builds ids from it
        (a project key, ``SALES.orders``); None otherwise. Lets a type without ``list`` be looked
        up by natural key (one ``read``)."""
        return None

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        """A data source's lookup: the one object the arguments ``spec`` name, or None."""
        return None

    def export_view(self, live: Live) -> Live | None:
        """The live view as ``export`` should write it (e.g. drop one of two fields a spec may
        declare only one of), or None for an object this type does not export. Default:
        unchanged. Never affects read, diff or fingerprints."""
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

    def update_notes(self, live: Live, desired: Mapping[str, Any], changed: frozenset[str]) -> tuple[str, ...]:
        """What an update of these ``changed`` fields does beyond the change itself, shown in the
        plan ("the deployment is deactivated around it"). Pure: no request."""
        return ()

    def replace_rule(self, field: str, old: Any, new: Any) -> str | None:
        """Why changing top-level ``field`` from ``old`` (live, normalized) to ``new`` (desired,
        normalized) needs a replacement, or None when the platform changes it in place. The plan
        quotes the answer as the rule that fired. Default: a ``create_only`` field always needs one.
        Pure: no platform call. ``new`` may hold an ``Unknown`` (known only after apply)."""
        return "create-only field" if field in self.create_only else None

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
    """A connected provider: its one HTTP client (``http``), the client its resource types talk
    through (``client``, made on ``http``), and one instance of each resource type."""

    provider: str
    client: Any
    types: Mapping[str, type[ResourceType]]
    http: HttpClient
    _instances: dict[str, ResourceType] = field(default_factory=dict)

    def resource(self, type_name: str) -> ResourceType:
        inst = self._instances.get(type_name)
        if inst is None:
            inst = self.types[type_name](self.client)
            self._instances[type_name] = inst
        return inst

    def close(self) -> None:
        self.http.close()


@dataclass(frozen=True)
class ExportScope:
    """What ``reconciler export --provider P --scope KEY=VALUE...`` covers, as the provider reads
    the scope: for each ``container`` field its types use, the containers to list (every one of
    the platform's when no scope limits them), and which listed objects to keep."""

    containers: Mapping[str, Sequence[str]] = field(default_factory=dict)
    keep: Callable[[str, Live], bool] = lambda type_name, live: True


def no_scope(client: Any, scope: Mapping[str, str]) -> ExportScope:
    """The export scope of a provider whose types list the whole instance: no ``--scope`` key."""
    if scope:
        raise PlanError(f"this provider's export takes no --scope (got {', '.join(sorted(scope))})",
                        hint="export the whole instance, without --scope")
    return ExportScope()


@dataclass(frozen=True)
class ProviderSpec:
    """A registry entry: the provider's settings and resource types, and how to connect to it.

    ``env`` maps settings fields to the env vars they default from (``ca_bundle`` also falls back
    to ``<NAME>_CA_BUNDLE``, then ``RECONCILER_CA_BUNDLE``). ``connect`` makes the one
    ``HttpClient`` of a session from the settings (base URL from ``url_field``, ``auth``, the
    budget, TLS) and hands it to ``client``, which makes what the resource types talk through.
    ``export_scope(client, scope)`` reads an export's ``--scope`` (refusing keys it does not
    know) into an ``ExportScope``.
    """

    name: str
    settings_model: type[PlatformSettings]
    env: Mapping[str, str]
    resource_types: Mapping[str, type[ResourceType]]
    client: Callable[[HttpClient, Any], Any]
    #: the ``Authorization`` of every request, made from the settings (None: no header)
    auth: Callable[[Any], httpx.Auth] | None = None
    #: the settings field holding the platform's base URL
    url_field: str = "url"
    #: how the platform's error answers read: their text, and whether one means "no such object"
    #: (default: a JSON ``message``-like field or the body; a 404)
    error_message: Callable[[httpx.Response], str] | None = None
    is_not_found: Callable[[httpx.Response], bool] | None = None
    #: settings fields that are secrets (never printed)
    secret_settings: frozenset[str] = frozenset()
    export_scope: Callable[[Any, Mapping[str, str]], ExportScope] = no_scope
    #: optional post-apply check (``apply --validate``): ``(client, applied)`` where ``applied`` is
    #: ``(type_name, object_id)`` of every object of the provider the apply created, updated or
    #: deleted; returns the problems found (each naming the broken object), none when all is well.
    #: Read-only apart from starting the platform's own validation; None: the provider has none.
    post_apply_check: Callable[[Any, Sequence[tuple[str, str]]], list[str]] | None = None

    def env_vars(self, field_name: str) -> tuple[str, ...]:
        """The env vars the setting ``field_name`` falls back to, first one first."""
        if field_name == "ca_bundle":
            return (self.env.get(field_name) or f"{self.name.upper()}_CA_BUNDLE", "RECONCILER_CA_BUNDLE")
        var = self.env.get(field_name)
        return (var,) if var else ()

    def connect(self, settings: PlatformSettings, transport: httpx.BaseTransport | None = None, *,
                instance: str | None = None) -> Session:
        """A session on the platform the settings name. On a real network (no ``transport``) the TLS
        rules of ``transport.tls_verify`` apply; a ``transport`` is an in-process server (tests).
        ``instance`` names the provider instance in errors (``dataiku.automation``; default: the
        platform's name)."""
        http = HttpClient(
            provider=instance or self.name,
            base_url=getattr(settings, self.url_field),
            auth=self.auth(settings) if self.auth is not None else None,
            timeout=settings.timeout,
            concurrency=settings.concurrency,
            verify=tls_verify(instance or self.name, settings) if transport is None else True,
            transport=transport,
            error_message=self.error_message,
            is_not_found=self.is_not_found,
        )
        return Session(self.name, self.client(http, settings), self.resource_types, http)
