"""``dataiku_connection``: a DSS connection (type, params, secrets, who may use it and read it).

The name is the natural key and the id (``/admin/connections/{name}``), create-only, as is the
type. ``GET /admin/connections/`` lists the definitions whole (``{name: definition}``). A create
is the client's ``POST /admin/connections/ {name, description, type, params, usableBy,
allowedGroups}`` followed, when other fields are declared, by a PUT of the definition; updates
read the definition, lay the managed fields over it and PUT it back (``DSSConnectionSettings``).

Secrets: ``secret_params`` are params DSS keeps encrypted (a password, a secret key). They are
write-only (``sensitive``): merged into ``params`` when sent, never read back and never compared
with what DSS answers (their encrypted form, ``e:AES:...``), which the live view leaves out of
``params``; a change is seen through the keyed hash in state. A PUT that does not change them
sends the encrypted values back unchanged, which DSS keeps.

Most fields default to "left alone" (``None``) so that an existing connection can be adopted by
its name alone (``{name: dwh}``) and referenced; creating one needs ``type``. Deleting a
connection is opt-in (``lifecycle.allow_destroy``): every dataset on it stops working.

The connection types are DSS's own names (``PostgreSQL``, ``Snowflake``, ``EC2`` for S3...); an
unknown one is refused by ``validate`` with the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from reconciler.errors import ProviderError, ReconcilerError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import as_set, or_none, text
from reconciler.providers.dataiku.resources._base import DataikuResource
from reconciler.providers.models import Model

#: DSS's connection types (the ``type`` of a connection definition)
CONNECTION_TYPES = (
    "Athena", "Azure", "BigQuery", "Databricks", "DB2", "EC2", "Filesystem", "FTP", "GCS", "Greenplum", "HDFS",
    "JDBC", "MongoDB", "MySQL", "Netezza", "Oracle", "PostgreSQL", "Redshift", "SAPHANA", "SCP", "SFTP",
    "Snowflake", "SQLServer", "Synapse", "Teradata", "Trino", "Vertica",
)
ConnectionType = Literal[CONNECTION_TYPES]  # type: ignore[valid-type]

#: how DSS answers a secret param: its encrypted form
ENCRYPTED_PREFIX = "e:AES:"

#: spec field -> DSS key of the top-level booleans and choices
KEYS = {"description": "description", "usable_by": "usableBy", "allowed_groups": "allowedGroups",
        "allow_write": "allowWrite", "allow_managed_datasets": "allowManagedDatasets",
        "allow_managed_folders": "allowManagedFolders"}
READABILITY = {"details_readable_by": "readableBy", "details_allowed_groups": "allowedGroups"}
FIELDS = (*KEYS, *READABILITY, "params", "secret_params")


class ConnectionSpec(Model):
    """A DSS connection."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="connection name (the id; changing it makes a new connection)")
    type: ConnectionType | None = Field(None, description="DSS connection type (needed to create; changing it "
                                                          "makes a new connection)")
    description: str | None = Field(None, description="free text; left alone when omitted")
    params: dict[str, Any] | None = Field(None, description="type parameters in DSS keys, compared as a whole "
                                                           "(secrets go in secret_params); left alone when omitted")
    secret_params: dict[str, str] | None = Field(
        None, description="write-only params DSS keeps encrypted (password, secretKey...): sent, never read back")
    usable_by: Literal["ALL", "ALLOWED"] | None = Field(None, description="who may use it: ALL, or ALLOWED groups")
    allowed_groups: list[str] | None = Field(None, description="groups that may use it when usable_by is ALLOWED")
    allow_write: bool | None = Field(None, description="whether DSS may write to it")
    allow_managed_datasets: bool | None = Field(None, description="whether managed datasets may be stored on it")
    allow_managed_folders: bool | None = Field(None, description="whether managed folders may be stored on it")
    details_readable_by: Literal["NONE", "ALL", "ALLOWED"] | None = Field(
        None, description="who may read its details (credentials): NONE, ALL or ALLOWED groups")
    details_allowed_groups: list[str] | None = Field(None, description="groups that may read its details")

    @model_validator(mode="after")
    def _secrets_apart(self) -> "ConnectionSpec":
        both = sorted(set(self.params or {}) & set(self.secret_params or {}))
        if both:
            raise ValueError(f"{', '.join(both)} given in both params and secret_params; keep secrets in "
                             "secret_params only")
        return self


def is_encrypted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(ENCRYPTED_PREFIX)


def live_view(doc: Mapping[str, Any]) -> Live:
    """The definition in spec vocabulary; secrets (encrypted values) left out of ``params``."""
    readability = doc.get("detailsReadability") or {}
    return {
        "name": doc.get("name"), "type": doc.get("type"), "description": text(doc.get("description")),
        "params": {k: v for k, v in (doc.get("params") or {}).items() if not is_encrypted(v)},
        "usable_by": doc.get("usableBy") or "ALL", "allowed_groups": as_set(doc.get("allowedGroups")),
        "allow_write": bool(doc.get("allowWrite", True)),
        "allow_managed_datasets": bool(doc.get("allowManagedDatasets", False)),
        "allow_managed_folders": bool(doc.get("allowManagedFolders", False)),
        "details_readable_by": readability.get("readableBy") or "NONE",
        "details_allowed_groups": as_set(readability.get("allowedGroups")),
    }


def _plain(values: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in (values or {}).items()}


def overlay(doc: Mapping[str, Any], spec: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """``doc`` with the spec's ``fields`` written in DSS's keys.

    ``params`` replaces the non-secret params and keeps the encrypted ones as DSS sent them;
    ``secret_params`` writes its values in clear (DSS encrypts them)."""
    new = dict(doc)
    fields = set(fields)
    params = dict(doc.get("params") or {})
    if "params" in fields and spec.get("params") is not None:
        params = {**{k: v for k, v in params.items() if is_encrypted(v)}, **spec["params"]}
    if "secret_params" in fields and spec.get("secret_params") is not None:
        params.update(_plain(spec["secret_params"]))
    new["params"] = params
    for f, key in KEYS.items():
        if f in fields and spec.get(f) is not None:
            new[key] = as_set(spec[f]) if f == "allowed_groups" else spec[f]
    readability = dict(doc.get("detailsReadability") or {"readableBy": "NONE", "allowedGroups": []})
    for f, key in READABILITY.items():
        if f in fields and spec.get(f) is not None:
            readability[key] = as_set(spec[f]) if f == "details_allowed_groups" else spec[f]
    new["detailsReadability"] = readability
    return new


class Connection(DataikuResource):
    type_name: ClassVar[str] = "dataiku_connection"
    spec_model: ClassVar[type[BaseModel]] = ConnectionSpec
    description: ClassVar[str] = ("A DSS connection: type, params, write-only secret params, usability, "
                                  "write and managed-object permissions, details readability")
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    unique_key: ClassVar[str | None] = "a Dataiku connection name is unique in its instance"
    server_owned: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset({"name", "type"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"secret_params"})
    delete_note: ClassVar[str | None] = ("datasets and managed folders stored on it stop working (their data stays "
                                         "where it is)")
    delete_opt_in: ClassVar[str | None] = "deleting a connection breaks every dataset and folder stored on it"

    def read(self, object_id: str) -> Live | None:
        doc = or_none(lambda: self.client.get_connection(object_id))
        return live_view(doc) if doc is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return [(name, live_view({**doc, "name": doc.get("name") or name}))
                for name, doc in (self.client.list_connections() or {}).items()]

    def id_of(self, spec: Spec) -> str | None:
        name = spec.get("name")
        return name if isinstance(name, str) else None

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = ConnectionSpec.model_validate(spec)
        if want.type is None:
            raise ProviderError(f"connection {want.name} does not exist and has no type to create it with",
                                hint=f"give type (one of {', '.join(CONNECTION_TYPES)}), or create it in DSS")
        self.client.create_connection({
            "name": want.name, "description": want.description, "type": want.type,
            "params": {**(want.params or {}), **_plain(want.secret_params)},
            "usableBy": want.usable_by or "ALL", "allowedGroups": as_set(want.allowed_groups)})
        try:
            return want.name, self._save(want.name, spec, [f for f in FIELDS if f in spec and f != "secret_params"])
        except ReconcilerError as exc:
            raise CreatedButFailed(want.name, exc) from exc

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        return self._save(object_id, spec, [f for f in FIELDS if f in changed and f in spec])

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_connection(object_id))

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        if "description" in out:
            out["description"] = text(out["description"])
        for f in ("allowed_groups", "details_allowed_groups"):
            if f in out and isinstance(out[f], (list, tuple)):
                out[f] = as_set(out[f])
        if isinstance(out.get("params"), Mapping):
            out["params"] = {k: v for k, v in out["params"].items() if not is_encrypted(v)}
        return out

    def _save(self, name: str, spec: Spec, fields: list[str]) -> Live:
        doc = self.client.get_connection(name)
        new = overlay(doc, spec, fields)
        if new != doc:
            self.client.put_connection(name, new)
        secrets = set(spec.get("secret_params") or {}) if "secret_params" in fields else set()
        return live_view({**new, "params": {k: v for k, v in new["params"].items() if k not in secrets}})
