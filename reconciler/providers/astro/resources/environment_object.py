"""``astro_environment_object``: an Airflow connection, Airflow variable or metrics export that
Astro injects into Deployments, shared by a Workspace or owned by one Deployment.

Id: the server's cuid. Natural key: (``scope_entity_id``, ``object_type``, ``object_key``), which
Astro keeps unique (a second one is a 409). ``object_key``, ``object_type``, ``scope``,
``scope_entity_id`` and ``is_secret`` cannot change (the update request has no such keys):
changing one replaces the object, so toggling ``is_secret`` replaces the variable.

A WORKSPACE object reaches Deployments of its Workspace through ``links`` (each may override some
fields for that Deployment) or ``auto_link_deployments`` (every Deployment, minus
``exclude_links``). A DEPLOYMENT object belongs to that Deployment alone.

Secrets are write-only (``sensitive``): ``secret_value`` (a secret variable's value),
``password`` (a connection's, or a BASIC metrics export's) and ``basic_token`` (an AUTH_TOKEN
metrics export's) are sent to Astro and never read back (Astro masks them) nor stored (state
keeps a keyed hash: rotating one plans an update). An update that leaves one out keeps Astro's.
Overrides cannot carry secrets here (an override's password is not managed).

Create answers only ``{id}``: the object is read back once. Reads: ``list`` reads one Workspace's
or one Deployment's objects (the container is ``scope_entity_id``; its kind is not told by the
id, so a container costs up to two list calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.providers.astro.client import AstroClient
from reconciler.providers.astro.resources._common import last_modified
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import or_none
from reconciler.providers.models import Model

ObjectType = Literal["AIRFLOW_VARIABLE", "CONNECTION", "METRICS_EXPORT"]
CONNECTION_KEYS = {"type": "type", "host": "host", "login": "login", "port": "port", "schema": "schema",
                   "extra": "extra"}
METRICS_KEYS = {"endpoint": "endpoint", "exporter_type": "exporterType", "auth_type": "authType",
                "username": "username", "headers": "headers", "labels": "labels"}
BODY_KEY = {"AIRFLOW_VARIABLE": "airflowVariable", "CONNECTION": "connection", "METRICS_EXPORT": "metricsExport"}


class Connection(Model):
    """An Airflow connection (Airflow's own field names)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: str = Field(min_length=1, description="Airflow connection type, e.g. postgres, aws, snowflake")
    host: str | None = Field(None, description="host")
    login: str | None = Field(None, description="user name")
    port: int | None = Field(None, ge=1, le=65535, description="port")
    schema_: str | None = Field(None, alias="schema", description="schema (Airflow's 'schema')")
    extra: dict[str, Any] = Field(default_factory=dict, description="Airflow 'extra' (no secrets here)")


class ConnectionOverride(Model):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: str | None = Field(None, description="connection type for this Deployment")
    host: str | None = Field(None, description="host for this Deployment")
    login: str | None = Field(None, description="user name for this Deployment")
    port: int | None = Field(None, ge=1, le=65535, description="port for this Deployment")
    schema_: str | None = Field(None, alias="schema", description="schema for this Deployment")
    extra: dict[str, Any] | None = Field(None, description="extra for this Deployment")


class MetricsExport(Model):
    """Where Astro exports the Deployments' metrics (Prometheus remote write)."""

    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(min_length=1, description="Prometheus remote-write endpoint")
    exporter_type: Literal["PROMETHEUS"] = Field("PROMETHEUS", description="exporter")
    auth_type: Literal["AUTH_TOKEN", "BASIC"] | None = Field(
        None, description="BASIC (username + password) or AUTH_TOKEN (basic_token); none: no auth")
    username: str | None = Field(None, description="BASIC: user name")
    headers: dict[str, str] = Field(default_factory=dict, description="HTTP headers sent with the metrics")
    labels: dict[str, str] = Field(default_factory=dict, description="labels added to every metric")


class MetricsExportOverride(Model):
    model_config = ConfigDict(extra="forbid")

    endpoint: str | None = Field(None, description="endpoint for this Deployment")
    exporter_type: Literal["PROMETHEUS"] | None = Field(None, description="exporter for this Deployment")
    auth_type: Literal["AUTH_TOKEN", "BASIC"] | None = Field(None, description="auth for this Deployment")
    username: str | None = Field(None, description="user name for this Deployment")
    headers: dict[str, str] | None = Field(None, description="headers for this Deployment")
    labels: dict[str, str] | None = Field(None, description="labels for this Deployment")


class Overrides(Model):
    """What one linked Deployment sees differently (only the part of the object's type)."""

    model_config = ConfigDict(extra="forbid")

    value: str | None = Field(None, description="AIRFLOW_VARIABLE (not secret): the value for this Deployment")
    connection: ConnectionOverride | None = Field(None, description="CONNECTION: fields for this Deployment")
    metrics_export: MetricsExportOverride | None = Field(None, description="METRICS_EXPORT: fields for this Deployment")


class Link(Model):
    model_config = ConfigDict(extra="forbid")

    deployment: str = Field(min_length=1, description="Deployment id, usually ${astro_deployment.<name>.id}")
    overrides: Overrides | None = Field(None, description="what this Deployment sees differently")


class EnvironmentObjectSpec(Model):
    """An Astro environment object: an Airflow connection, variable or metrics export."""

    model_config = ConfigDict(extra="forbid")

    object_key: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$",
                            description="connection id / variable key / export name (replaces)")
    object_type: ObjectType = Field(description="AIRFLOW_VARIABLE, CONNECTION or METRICS_EXPORT (replaces)")
    scope: Literal["WORKSPACE", "DEPLOYMENT"] = Field("WORKSPACE", description="who owns it (replaces)")
    scope_entity_id: str = Field(min_length=1, description="the Workspace or Deployment id (replaces)")
    auto_link_deployments: bool = Field(False, description="WORKSPACE: link every Deployment of the Workspace")
    links: list[Link] = Field(default_factory=list, description="WORKSPACE: Deployments linked (a set by deployment)")
    exclude_links: list[str] = Field(default_factory=list,
                                     description="WORKSPACE with auto_link_deployments: Deployment ids left out")
    connection: Connection | None = Field(None, description="CONNECTION: the connection (without its password)")
    value: str | None = Field(None, description="AIRFLOW_VARIABLE, not secret: the value")
    is_secret: bool = Field(False, description="AIRFLOW_VARIABLE: a secret value (changing it replaces)")
    secret_value: str | None = Field(None, description="AIRFLOW_VARIABLE, secret: the value (write-only)")
    metrics_export: MetricsExport | None = Field(None, description="METRICS_EXPORT: the export")
    password: str | None = Field(None, description="CONNECTION or BASIC METRICS_EXPORT: password (write-only)")
    basic_token: str | None = Field(None, description="AUTH_TOKEN METRICS_EXPORT: bearer token (write-only)")

    @model_validator(mode="after")
    def _consistent(self) -> "EnvironmentObjectSpec":
        t = self.object_type
        allowed = {"CONNECTION": {"connection", "password"},
                   "AIRFLOW_VARIABLE": {"value", "is_secret", "secret_value"},
                   "METRICS_EXPORT": {"metrics_export", "password", "basic_token"}}[t]
        typed = {"connection", "value", "is_secret", "secret_value", "metrics_export", "password", "basic_token"}
        wrong = sorted(f for f in typed - allowed if f in self.model_fields_set and getattr(self, f) not in (None, False))
        if wrong:
            raise ValueError(f"{', '.join(wrong)} do not apply to an environment object of type {t}; it takes "
                             f"{', '.join(sorted(allowed))}")
        if t == "CONNECTION" and self.connection is None:
            raise ValueError("a CONNECTION environment object needs connection (at least its type)")
        if t == "METRICS_EXPORT":
            _check_metrics(self)
        if t == "AIRFLOW_VARIABLE" and self.is_secret and self.value is not None:
            raise ValueError("a secret variable takes secret_value (write-only), not value")
        if t == "AIRFLOW_VARIABLE" and not self.is_secret and self.secret_value is not None:
            raise ValueError("secret_value needs is_secret: true (or use value for a plain variable)")
        if self.scope == "DEPLOYMENT" and (self.links or self.exclude_links or self.auto_link_deployments):
            raise ValueError("links, exclude_links and auto_link_deployments apply only to WORKSPACE objects")
        if self.exclude_links and not self.auto_link_deployments:
            raise ValueError("exclude_links apply only with auto_link_deployments: true")
        seen = [link.deployment for link in self.links]
        if len(set(seen)) != len(seen):
            raise ValueError("links name a deployment more than once")
        for link in self.links:
            _check_override(t, self.is_secret, link)
        return self


def _check_metrics(spec: EnvironmentObjectSpec) -> None:
    export = spec.metrics_export
    if export is None:
        raise ValueError("a METRICS_EXPORT environment object needs metrics_export (at least its endpoint)")
    if export.auth_type == "BASIC" and not (export.username and spec.password):
        raise ValueError("metrics_export auth_type BASIC needs metrics_export.username and password")
    if export.auth_type == "AUTH_TOKEN" and not spec.basic_token:
        raise ValueError("metrics_export auth_type AUTH_TOKEN needs basic_token")
    if export.auth_type != "BASIC" and spec.password is not None:
        raise ValueError("password applies to a metrics export only with auth_type BASIC")
    if export.auth_type != "AUTH_TOKEN" and spec.basic_token is not None:
        raise ValueError("basic_token applies only with auth_type AUTH_TOKEN")


def _check_override(object_type: str, secret: bool, link: Link) -> None:
    if link.overrides is None:
        return
    given = {k for k in ("value", "connection", "metrics_export") if getattr(link.overrides, k) is not None}
    allowed = {"AIRFLOW_VARIABLE": {"value"}, "CONNECTION": {"connection"}, "METRICS_EXPORT": {"metrics_export"}}
    wrong = given - allowed[object_type]
    if wrong:
        raise ValueError(f"link to {link.deployment}: overrides {', '.join(sorted(wrong))} do not apply to a "
                         f"{object_type}")
    if secret and "value" in given:
        raise ValueError(f"link to {link.deployment}: a secret variable's value cannot be overridden here")


# -- wire mapping ------------------------------------------------------------------------------
def _pick(doc: Any, keys: Mapping[str, str]) -> dict[str, Any]:
    doc = doc if isinstance(doc, Mapping) else {}
    return {field: doc.get(key) for field, key in keys.items()}


def _override_view(link: Mapping[str, Any]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if isinstance(link.get("airflowVariableOverrides"), Mapping):
        out["value"] = link["airflowVariableOverrides"].get("value")
    if isinstance(link.get("connectionOverrides"), Mapping):
        out["connection"] = _pick(link["connectionOverrides"], CONNECTION_KEYS)
    if isinstance(link.get("metricsExportOverrides"), Mapping):
        out["metrics_export"] = _pick(link["metricsExportOverrides"], METRICS_KEYS)
    return out or None


def live_view(doc: Mapping[str, Any]) -> Live:
    variable = doc.get("airflowVariable") if isinstance(doc.get("airflowVariable"), Mapping) else None
    return {
        "id": doc["id"],
        "object_key": doc.get("objectKey"),
        "object_type": doc.get("objectType"),
        "scope": doc.get("scope"),
        "scope_entity_id": doc.get("scopeEntityId"),
        "auto_link_deployments": bool(doc.get("autoLinkDeployments", False)),
        "links": [{"deployment": link.get("scopeEntityId"), "overrides": _override_view(link)}
                  for link in doc.get("links") or [] if isinstance(link, Mapping)],
        "exclude_links": sorted(x.get("scopeEntityId") for x in doc.get("excludeLinks") or [] if isinstance(x, Mapping)),
        "connection": _pick(doc["connection"], CONNECTION_KEYS) if isinstance(doc.get("connection"), Mapping) else None,
        "value": variable.get("value") if variable and not variable.get("isSecret") else None,
        "is_secret": bool(variable and variable.get("isSecret")),
        "metrics_export": (_pick(doc["metricsExport"], METRICS_KEYS)
                           if isinstance(doc.get("metricsExport"), Mapping) else None),
        "updated_at": doc.get("updatedAt"),
        "updated_by": doc.get("updatedBy"),
    }


def _body(view: Mapping[str, Any] | None, keys: Mapping[str, str]) -> dict[str, Any]:
    return {key: view[field] for field, key in keys.items() if view and view.get(field) not in (None, {}, "")}


def _links_body(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for link in spec.get("links") or []:
        body: dict[str, Any] = {"scope": "DEPLOYMENT", "scopeEntityId": link["deployment"]}
        overrides = link.get("overrides") or {}
        parts = {}
        if overrides.get("value") is not None:
            parts["airflowVariable"] = {"value": overrides["value"]}
        if overrides.get("connection"):
            parts["connection"] = _body(overrides["connection"], CONNECTION_KEYS)
        if overrides.get("metrics_export"):
            parts["metricsExport"] = _body(overrides["metrics_export"], METRICS_KEYS)
        if parts:
            body["overrides"] = parts
        out.append(body)
    return out


def typed_body(spec: Mapping[str, Any], *, update: bool) -> dict[str, Any]:
    """The part of a create or update body for the object's type, secrets included when given."""
    t = spec["object_type"]
    if t == "CONNECTION":
        body = _body(spec["connection"], CONNECTION_KEYS)
        if spec.get("password") is not None:
            body["password"] = spec["password"]
        return {"connection": body}
    if t == "METRICS_EXPORT":
        body = _body(spec["metrics_export"], METRICS_KEYS)
        for field, key in (("password", "password"), ("basic_token", "basicToken")):
            if spec.get(field) is not None:
                body[key] = spec[field]
        return {"metricsExport": body}
    value = spec.get("secret_value") if spec.get("is_secret") else spec.get("value")
    body = {} if value is None else {"value": value}
    return {"airflowVariable": body if update else {**body, "isSecret": bool(spec.get("is_secret"))}}


def links_part(spec: Mapping[str, Any]) -> dict[str, Any]:
    if spec.get("scope") != "WORKSPACE":
        return {}
    return {"autoLinkDeployments": bool(spec.get("auto_link_deployments")), "links": _links_body(spec),
            "excludeLinks": [{"scope": "DEPLOYMENT", "scopeEntityId": d} for d in spec.get("exclude_links") or []]}


# -- the type ----------------------------------------------------------------------------------
class EnvironmentObject(ResourceType):
    type_name: ClassVar[str] = "astro_environment_object"
    spec_model: ClassVar[type[BaseModel]] = EnvironmentObjectSpec
    description: ClassVar[str] = ("An Astro environment object: Airflow connection, variable or metrics export of a "
                                  "Workspace (linked to Deployments) or a Deployment; secrets write-only")
    natural_key: ClassVar[tuple[str, ...]] = ("scope_entity_id", "object_type", "object_key")
    unique_key: ClassVar[str | None] = "Astro keeps an environment object key unique per scope and type"
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    create_only: ClassVar[frozenset[str]] = frozenset({"object_key", "object_type", "scope", "scope_entity_id",
                                                        "is_secret"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"secret_value", "password", "basic_token"})
    container: ClassVar[str | None] = "scope_entity_id"
    delete_note: ClassVar[str | None] = "linked Deployments lose the connection, variable or metrics export"

    client: AstroClient

    def read(self, object_id: str) -> Live | None:
        return or_none(lambda: live_view(self.client.get_environment_object(object_id)))

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """The objects owned by ``container``, a Workspace or a Deployment (asked as one, then the other)."""
        if container is None:
            return []
        docs = or_none(lambda: self.client.list_environment_objects(workspace_id=container)) or []
        if not docs:
            docs = or_none(lambda: self.client.list_environment_objects(deployment_id=container)) or []
        return [(d["id"], live_view(d)) for d in docs if d.get("scopeEntityId") == container]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = EnvironmentObjectSpec.model_validate(spec).model_dump(by_alias=True)
        body = {"objectKey": want["object_key"], "objectType": want["object_type"], "scope": want["scope"],
                "scopeEntityId": want["scope_entity_id"], **links_part(want), **typed_body(want, update=False)}
        object_id = self.client.create_environment_object(body)["id"]
        return object_id, live_view(self.client.get_environment_object(object_id))

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        want = EnvironmentObjectSpec.model_validate(spec).model_dump(by_alias=True)
        body = {**links_part(want), **typed_body(want, update=True)}
        return live_view(self.client.update_environment_object(object_id, body))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_environment_object(object_id))

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        return last_modified(live)

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in attrs.items() if k not in ("updated_at", "updated_by")}
        if "connection" in out and isinstance(out["connection"], Mapping):
            out["connection"] = _fields(out["connection"], CONNECTION_KEYS, {"extra": {}})
        if "metrics_export" in out and isinstance(out["metrics_export"], Mapping):
            out["metrics_export"] = _fields(out["metrics_export"], METRICS_KEYS,
                                            {"exporter_type": "PROMETHEUS", "headers": {}, "labels": {}})
        if "links" in out:
            out["links"] = sorted((_link(link) for link in out["links"] or []), key=lambda x: str(x["deployment"]))
        if "exclude_links" in out:
            out["exclude_links"] = sorted(out["exclude_links"] or [])
        if "value" in out and out["value"] == "":
            out["value"] = None
        return out


def _fields(view: Mapping[str, Any], keys: Mapping[str, str], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """A nested block with the alias ``schema`` for ``schema_``, ``""`` as unset, defaults filled."""
    view = {("schema" if k == "schema_" else k): v for k, v in view.items()}
    out = {f: (view.get(f) if view.get(f) not in (None, "") else None) for f in keys}
    for field, default in defaults.items():
        if out[field] is None:
            out[field] = default
    return out


def _link(link: Any) -> Any:
    if not isinstance(link, Mapping):
        return link
    overrides = link.get("overrides") or {}
    clean: dict[str, Any] = {}
    if overrides.get("value") is not None:
        clean["value"] = overrides["value"]
    for part, keys in (("connection", CONNECTION_KEYS), ("metrics_export", METRICS_KEYS)):
        if isinstance(overrides.get(part), Mapping):
            block = {("schema" if k == "schema_" else k): v for k, v in overrides[part].items()}
            kept = {f: block[f] for f in keys if block.get(f) not in (None, "")}
            if kept:
                clean[part] = kept
    return {"deployment": link.get("deployment"), "overrides": clean or None}
