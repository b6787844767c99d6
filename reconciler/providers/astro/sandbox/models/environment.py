"""Environment objects of the Astro world (a mixin of ``models.AstroWorld``): Airflow connections,
Airflow variables and metrics exports, shared by a Workspace (linked to some or all of its
Deployments, with per-Deployment overrides) or owned by one Deployment.

Rules beyond the request models, each checked before anything changes (inferred where Astro's
docs are silent):

- exactly the body of ``objectType`` is given (``connection``, ``airflowVariable`` or
  ``metricsExport``); the scope entity exists; ``objectKey`` matches ``[A-Za-z0-9_.-]+`` and is
  unique per (scope entity, type): a second one is a 409.
- ``links``, ``excludeLinks`` and ``autoLinkDeployments`` are for WORKSPACE objects only; links
  and exclusions name Deployments of that Workspace; exclusions go with ``autoLinkDeployments``.
- A metrics export needs ``endpoint`` and ``exporterType``; ``authType`` BASIC needs
  ``username`` and ``password``, AUTH_TOKEN a ``basicToken``.
- Secrets (a secret variable's value, a connection's password, a metrics export's password and
  token, and the same inside overrides) are kept in the world and masked in every answer: a
  secret variable's ``value`` reads ``""``, the others are left out. An update that omits one
  keeps it.
- An update replaces each part it names; the key, type, scope and a variable's ``isSecret`` do not
  change (Astro's update request has no such keys). Deleting a Deployment deletes its objects and
  the links to it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from reconciler.providers.astro.sandbox.errors import BadRequest, Conflict, NotFound
from reconciler.providers.astro.sandbox.payloads import (
    CreateEnvironmentObject,
    ExcludeLinkBody,
    UpdateEnvironmentObject,
    parse,
)
from reconciler.providers.astro.sandbox.seed import SUBJECT

Doc = dict[str, Any]
BODY_KEY = {"AIRFLOW_VARIABLE": "airflowVariable", "CONNECTION": "connection", "METRICS_EXPORT": "metricsExport"}
#: secret keys per body key (a variable's value is secret only when ``isSecret``)
SECRET_KEYS = {"connection": ("password",), "metricsExport": ("password", "basicToken")}
_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")


def _clean(value: Any) -> Any:
    """A dumped request without ``None`` (optional keys left out, as Astro answers)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _dump(model: Any) -> Doc:
    return _clean(model.model_dump(by_alias=True))


class EnvironmentMixin:
    _s: Doc

    def _env_object(self, org: str, object_id: str) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        found = self._s.setdefault("environment", {}).get(object_id)
        if found is None:
            raise NotFound(f"Environment object {object_id} not found")
        return found

    def _workspace_of(self, scope: str, entity: str) -> str:
        if scope == "WORKSPACE":
            if entity not in self._s["workspaces"]:
                raise NotFound(f"Workspace {entity} not found")
            return entity
        if entity not in self._s["deployments"]:
            raise NotFound(f"Deployment {entity} not found")
        return self._s["deployments"][entity]["workspaceId"]

    def _check_links(self, doc: Doc, req: Doc) -> None:
        links, excluded = req.get("links"), req.get("excludeLinks")
        auto = req.get("autoLinkDeployments", doc.get("autoLinkDeployments"))
        if doc["scope"] == "DEPLOYMENT" and (links or excluded or auto):
            raise BadRequest("links, excludeLinks and autoLinkDeployments apply only to WORKSPACE environment objects")
        if excluded and not auto:
            raise BadRequest("excludeLinks apply only with autoLinkDeployments: true")
        for link in (links or []) + (excluded or []):
            deployment = self._s["deployments"].get(link["scopeEntityId"])
            if deployment is None or deployment["workspaceId"] != doc["scopeEntityId"]:
                raise BadRequest(f"Deployment {link['scopeEntityId']} is not a Deployment of Workspace "
                                 f"{doc['scopeEntityId']}")
        ids = [link["scopeEntityId"] for link in links or []]
        if len(set(ids)) != len(ids):
            raise BadRequest("links name a Deployment more than once")

    @staticmethod
    def _check_body(object_type: str, body: Doc) -> None:
        if object_type == "METRICS_EXPORT":
            if not body.get("endpoint") or not body.get("exporterType"):
                raise BadRequest("metricsExport needs endpoint and exporterType")
            if body.get("authType") == "BASIC" and not (body.get("username") and body.get("password")):
                raise BadRequest("metricsExport with authType BASIC needs username and password")
            if body.get("authType") == "AUTH_TOKEN" and not body.get("basicToken"):
                raise BadRequest("metricsExport with authType AUTH_TOKEN needs basicToken")

    # -- operations ------------------------------------------------------------------------------
    def list_environment_objects(self, org: str, *, workspace_id: str | None, deployment_id: str | None,
                                 object_types: list[str], object_key: str | None, resolve_linked: bool,
                                 sorts: list[str], offset: int, limit: int) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        if bool(workspace_id) == bool(deployment_id):
            raise BadRequest("Give exactly one of workspaceId and deploymentId")
        entity = workspace_id or deployment_id
        self._workspace_of("WORKSPACE" if workspace_id else "DEPLOYMENT", entity or "")
        items = []
        for doc in self._s.setdefault("environment", {}).values():
            if object_types and doc["objectType"] not in object_types or object_key and doc["objectKey"] != object_key:
                continue
            if doc["scopeEntityId"] == entity:
                items.append(_public(doc))
            elif deployment_id and resolve_linked and _links_to(doc, deployment_id, self._s["deployments"]):
                items.append(_resolved(doc, deployment_id))
        for spec in sorts:
            field, _, direction = spec.partition(":")
            if field not in ("objectKey", "objectType", "createdAt", "updatedAt") or direction not in ("asc", "desc"):
                raise BadRequest(f"Invalid sort {spec!r}")
        for spec in reversed(sorts or ["createdAt:asc"]):
            field, _, direction = spec.partition(":")
            items.sort(key=lambda d: str(d.get(field) or ""), reverse=direction == "desc")
        return self.page(items, "environmentObjects", offset, limit)  # type: ignore[attr-defined]

    def get_environment_object(self, org: str, object_id: str) -> Doc:
        return _public(self._env_object(org, object_id))

    def create_environment_object(self, org: str, body: Any) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        req = _dump(parse(CreateEnvironmentObject, body, "environment object"))
        if not _KEY.match(req["objectKey"]):
            raise BadRequest(f"Invalid objectKey {req['objectKey']!r}: letters, digits, '_', '.' and '-' only")
        key = BODY_KEY[req["objectType"]]
        given = [k for k in BODY_KEY.values() if k in req]
        if given != [key]:
            raise BadRequest(f"An environment object of type {req['objectType']} needs {key} (and no other body)")
        self._workspace_of(req["scope"], req["scopeEntityId"])
        self._check_body(req["objectType"], req[key])
        doc: Doc = {"objectKey": req["objectKey"], "objectType": req["objectType"], "scope": req["scope"],
                    "scopeEntityId": req["scopeEntityId"]}
        self._check_links(doc, req)
        for other in self._s.setdefault("environment", {}).values():
            if (other["scopeEntityId"], other["objectType"], other["objectKey"]) == \
                    (req["scopeEntityId"], req["objectType"], req["objectKey"]):
                raise Conflict(f"An environment object {req['objectType']} {req['objectKey']!r} already exists in "
                               f"{req['scope'].lower()} {req['scopeEntityId']}")
        now = self.now()  # type: ignore[attr-defined]
        object_id = self.new_id("e")  # type: ignore[attr-defined]
        if key == "airflowVariable":
            req[key] = {"isSecret": bool(req[key].get("isSecret")), "value": req[key].get("value", "")}
        doc.update({"id": object_id, key: req[key], "createdAt": now, "updatedAt": now,
                    "createdBy": dict(SUBJECT), "updatedBy": dict(SUBJECT)})
        if req["scope"] == "WORKSPACE":
            doc.update({"autoLinkDeployments": bool(req.get("autoLinkDeployments")),
                        "links": req.get("links") or [], "excludeLinks": req.get("excludeLinks") or []})
        self._s["environment"][object_id] = doc
        return {"id": object_id}

    def update_environment_object(self, org: str, object_id: str, body: Any) -> Doc:
        doc = self._env_object(org, object_id)
        req = _dump(parse(UpdateEnvironmentObject, body, "environment object update"))
        key = BODY_KEY[doc["objectType"]]
        other = [k for k in BODY_KEY.values() if k in req and k != key]
        if other:
            raise BadRequest(f"{', '.join(other)} do not apply to a {doc['objectType']} environment object")
        self._check_links(doc, req)
        new = copy.deepcopy(doc)
        if key in req:
            if key == "airflowVariable":
                new[key]["value"] = req[key].get("value", "")
            else:
                kept = {s: doc[key][s] for s in SECRET_KEYS[key] if s in doc[key] and s not in req[key]}
                new[key] = {**req[key], **kept}
                self._check_body(doc["objectType"], new[key])
        for part in ("autoLinkDeployments", "links", "excludeLinks"):
            if part in req:
                new[part] = req[part]
        if not new.get("autoLinkDeployments") and doc["scope"] == "WORKSPACE":
            new["excludeLinks"] = []
        new["updatedAt"], new["updatedBy"] = self.now(), dict(SUBJECT)  # type: ignore[attr-defined]
        self._s["environment"][object_id] = new
        return _public(new)

    def delete_environment_object(self, org: str, object_id: str) -> None:
        self._env_object(org, object_id)
        del self._s["environment"][object_id]

    def exclude_environment_link(self, org: str, object_id: str, body: Any) -> None:
        """``POST …/exclude-linking``: keep one Deployment out of an auto-linked object."""
        doc = self._env_object(org, object_id)
        req = _dump(parse(ExcludeLinkBody, body, "exclude link"))
        self._check_links(doc, {"excludeLinks": [req], "autoLinkDeployments": True})
        if not doc.get("autoLinkDeployments"):
            raise BadRequest("excludeLinks apply only with autoLinkDeployments: true")
        if req not in doc["excludeLinks"]:
            doc["excludeLinks"].append(req)
        doc["updatedAt"], doc["updatedBy"] = self.now(), dict(SUBJECT)  # type: ignore[attr-defined]

    def forget_deployment_objects(self, deployment_id: str) -> None:
        """What deleting a Deployment does to environment objects: its own go, links to it too."""
        env = self._s.setdefault("environment", {})
        for object_id in [k for k, v in env.items() if v["scopeEntityId"] == deployment_id]:
            del env[object_id]
        for doc in env.values():
            for part in ("links", "excludeLinks"):
                if part in doc:
                    doc[part] = [x for x in doc[part] if x["scopeEntityId"] != deployment_id]


def _mask(key: str, body: Doc) -> Doc:
    if key == "airflowVariable":
        return {**body, "value": ""} if body.get("isSecret") else dict(body)
    return {k: v for k, v in body.items() if k not in SECRET_KEYS.get(key, ())}


def _link_view(link: Doc) -> Doc:
    out = {"scope": link["scope"], "scopeEntityId": link["scopeEntityId"]}
    overrides = link.get("overrides") or {}
    for key, name in (("airflowVariable", "airflowVariableOverrides"), ("connection", "connectionOverrides"),
                      ("metricsExport", "metricsExportOverrides")):
        if key in overrides:
            out[name] = _mask(key, overrides[key]) if key != "airflowVariable" else dict(overrides[key])
    return out


def _public(doc: Doc) -> Doc:
    out = {k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")}
    for key in BODY_KEY.values():
        if key in out:
            out[key] = _mask(key, out[key])
    if "links" in out:
        out["links"] = [_link_view(link) for link in out["links"]]
    return out


def _links_to(doc: Doc, deployment_id: str, deployments: Doc) -> bool:
    if doc["scope"] != "WORKSPACE":
        return False
    if any(link["scopeEntityId"] == deployment_id for link in doc.get("links") or []):
        return True
    excluded = {x["scopeEntityId"] for x in doc.get("excludeLinks") or []}
    return bool(doc.get("autoLinkDeployments")) and deployment_id not in excluded and \
        deployments[deployment_id]["workspaceId"] == doc["scopeEntityId"]


def _resolved(doc: Doc, deployment_id: str) -> Doc:
    """A Workspace object as its linked Deployment sees it: overrides applied, source scope named."""
    out = _public(doc)
    key = BODY_KEY[doc["objectType"]]
    for link in doc.get("links") or []:
        if link["scopeEntityId"] == deployment_id and key in (link.get("overrides") or {}):
            out[key] = _mask(key, {**doc[key], **link["overrides"][key]})
    out.update({"scope": "DEPLOYMENT", "scopeEntityId": deployment_id, "sourceScope": "WORKSPACE",
                "sourceScopeEntityId": doc["scopeEntityId"]})
    for part in ("links", "excludeLinks", "autoLinkDeployments"):
        out.pop(part, None)
    return out
