"""The semantic-model service in memory: models, their review lifecycle and their deployments.

One method per API operation; each validates its whole input before changing anything and
raises ``errors.SemanticError`` subclasses; it returns JSON-ready copies. No HTTP here.

State machine (reference §B3; † inferred):

    create† -> draft --submit†--> pending_review --approve--> approved --deploy--> deployed
               ^  ^                     | reject                                  |
               |  +---- edit† <---- rejected                    failed <- (error) -+
               +------- edit† (from pending_review / approved / deployed / failed: review again)
    any --delete†--> archived (soft: still readable, no longer listed by name lookups of the tool)

State (``snapshot``/``restore`` are deep copies):

    models    {id: Model + "_deploy_ids": {job_id, dashboard_id, chart_ids} kept across re-deploys}
    counters  {job, dashboard, chart}
    knobs     deploy_outcome deployed|failed, duplicate_on_redeploy (new job/dashboard ids each
              deploy), roles (what the token may do: nx1_semantic_modeller, nx1_semantic_admin)
"""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from reconciler.providers.semantic.sandbox.errors import Conflict, DeployFailed, Forbidden, NotFound, ValidationFailed
from reconciler.providers.semantic.sandbox.payloads import (
    BatchReview,
    CreateModel,
    DeployRequest,
    Review,
    UpdateModel,
    model_document,
    parse,
)
from reconciler.providers.semantic.sandbox.seed import SEED_TIME, seeded_models
from reconciler.sandbox.world import World

Doc = dict[str, Any]
MODELLER, ADMIN = "nx1_semantic_modeller", "nx1_semantic_admin"
DEFAULT_KNOBS = {"deploy_outcome": "deployed", "duplicate_on_redeploy": False, "roles": [MODELLER, ADMIN]}
CONTENT = ("name", "description", "domain_urn", "sql", "source_tables", "columns", "target_catalog", "target_schema")
IMMUTABLE = ("domain_urn", "target_catalog", "target_schema")


def public(model: Mapping[str, Any]) -> Doc:
    return {k: copy.deepcopy(v) for k, v in model.items() if not k.startswith("_")}


class SemanticWorld(World):
    """The semantic-model service's models, review and deployments."""

    platform = "semantic"
    state_keys = ("models", "counters", "knobs")

    def __init__(self, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.seed = seed
        self._clock = clock
        self._s: Doc = {}
        self.reset()

    # -- lifecycle ------------------------------------------------------------------------------
    def reset(self) -> None:
        seeded = {model_id: {**model_document(model_id, content, status, SEED_TIME), **fields}
                  for model_id, content, status, fields in seeded_models()}
        self._s = {"models": seeded,
                   "counters": {"model": 0, "job": 0, "dashboard": 200, "chart": 2000},
                   "knobs": copy.deepcopy(DEFAULT_KNOBS)}

    def set_knobs(self, **knobs: Any) -> None:
        unknown = sorted(set(knobs) - set(DEFAULT_KNOBS))
        if unknown:
            raise ValueError(f"unknown semantic knob(s) {unknown}; known: {sorted(DEFAULT_KNOBS)}")
        if knobs.get("deploy_outcome", "deployed") not in ("deployed", "failed"):
            raise ValueError("deploy_outcome must be deployed or failed")
        self._s["knobs"].update(knobs)

    # -- helpers --------------------------------------------------------------------------------
    def _now(self) -> str:
        return datetime.fromtimestamp(self._clock(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _uuid(self, kind: str) -> str:
        self._s["counters"][kind] = self._s["counters"].get(kind, 0) + 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"semantic-sandbox:{self.seed}:{kind}:{self._s['counters'][kind]}"))

    def _number(self, kind: str) -> int:
        self._s["counters"][kind] += 1
        return int(self._s["counters"][kind])

    def _require(self, role: str) -> None:
        if role not in self._s["knobs"]["roles"]:
            raise Forbidden(f"Requires role {role}")

    def _model(self, model_id: str) -> Doc:
        found = self._s["models"].get(model_id)
        if found is None:
            raise NotFound(f"Semantic model {model_id} not found")
        return found

    def _check_unique(self, catalog: str, schema: str, name: str, exclude: str | None = None) -> None:
        for m in self._s["models"].values():
            if (m["status"] != "archived" and m["id"] != exclude
                    and (m["target_catalog"], m["target_schema"], m["name"]) == (catalog, schema, name)):
                raise Conflict(f"A semantic model named {name} already exists in {catalog}.{schema} ({m['id']})")

    # -- reads ----------------------------------------------------------------------------------
    def list_models(self, *, status: str | None, domain_urn: str | None, name: str | None,
                    limit: int, offset: int) -> Doc:
        if not 1 <= limit <= 100 or offset < 0:
            raise ValidationFailed.at(["query", "limit"], "limit must be 1..100 and offset >= 0")
        items = [m for m in sorted(self._s["models"].values(), key=lambda m: (m["created_at"], m["id"]))
                 if (status is None or m["status"] == status) and (domain_urn is None or m["domain_urn"] == domain_urn)
                 and (name is None or m["name"] == name)]
        return {"items": [public(m) for m in items[offset:offset + limit]], "total": len(items)}

    def get_model(self, model_id: str) -> Doc:
        return public(self._model(model_id))

    def get_deployment(self, model_id: str) -> Doc:
        model = self._model(model_id)
        if model.get("deployed_at") is None:
            raise NotFound(f"Semantic model {model_id} has never been deployed")
        return self._deploy_response(model, "Model deployed")

    # -- authoring ------------------------------------------------------------------------------
    def create_model(self, body: Any, created_by: str = "sandbox-user") -> Doc:
        self._require(MODELLER)
        req = parse(CreateModel, body)
        self._check_unique(req.target_catalog, req.target_schema, req.name)
        now = self._now()
        model = model_document(self._uuid("model"), req.model_dump(exclude_none=True), "draft", now)
        model["created_by"] = created_by
        self._s["models"][model["id"]] = model
        return public(model)

    def update_model(self, model_id: str, body: Any) -> Doc:
        self._require(MODELLER)
        model = self._model(model_id)
        req = parse(UpdateModel, body).model_dump(exclude_unset=True)
        if model["status"] == "archived":
            raise Conflict("Model is archived")
        for key in IMMUTABLE:
            if key in req and req[key] != model[key]:
                raise Conflict(f"{key} cannot be changed after creation; create a new model")
        if "name" in req:
            self._check_unique(model["target_catalog"], model["target_schema"], req["name"], exclude=model_id)
        changes = {k: v for k, v in req.items() if v is not None and model.get(k) != v}
        if changes:
            model.update(copy.deepcopy(changes))
            if "columns" in changes:
                model["columns"] = [{k: v for k, v in c.items() if v is not None} for c in changes["columns"]]
            model["status"] = "draft"  # an edit always needs a new review
            model["updated_at"], model["updated_by"] = self._now(), "sandbox-user"
        return public(model)

    def submit(self, model_id: str) -> Doc:
        self._require(MODELLER)
        model = self._model(model_id)
        if model["status"] not in ("draft", "rejected"):
            raise Conflict("Only draft or rejected models can be submitted")
        model.update({"status": "pending_review", "submitted_at": self._now(), "updated_at": self._now()})
        return public(model)

    def archive(self, model_id: str) -> None:
        self._require(MODELLER)
        model = self._model(model_id)
        if model["status"] == "archived":
            raise NotFound(f"Semantic model {model_id} not found")
        model.update({"status": "archived", "updated_at": self._now(), "job_id": None, "airflow_url": None,
                      "dashboard": None})

    # -- review -----------------------------------------------------------------------------------
    def _review(self, model_id: str, verdict: str, notes: str | None) -> Doc:
        model = self._model(model_id)
        if model["status"] != "pending_review":
            raise Conflict("Model is not pending review")
        model.update({"status": verdict, "review_notes": notes, "reviewed_by": "sandbox-admin",
                      "reviewed_at": self._now(), "updated_at": self._now(), "updated_by": "sandbox-admin"})
        return public(model)

    def approve(self, model_id: str, body: Any) -> Doc:
        self._require(ADMIN)
        return self._review(model_id, "approved", parse(Review, body or {}).review_notes)

    def reject(self, model_id: str, body: Any) -> Doc:
        self._require(ADMIN)
        return self._review(model_id, "rejected", parse(Review, body or {}).review_notes)

    def batch(self, body: Any, verdict: str) -> Doc:
        self._require(ADMIN)
        req = parse(BatchReview, body)
        done, failed = [], []
        for model_id in req.model_ids:
            try:
                self._review(model_id, verdict, req.review_notes)
                done.append(model_id)
            except (NotFound, Conflict) as err:
                failed.append({"model_id": model_id, "error": str(err.detail)})
        return {"successful": done, "failed": failed, "total_processed": len(req.model_ids)}

    # -- deploy -----------------------------------------------------------------------------------
    def deploy(self, model_id: str, body: Any) -> Doc:
        self._require(ADMIN)
        model = self._model(model_id)
        req = parse(DeployRequest, body if body is not None else {})
        if model["status"] not in ("approved", "deployed"):
            raise Conflict("Model must be approved before deployment")
        if self._s["knobs"]["deploy_outcome"] == "failed":
            model.update({"status": "failed", "updated_at": self._now(),
                          "error": "Trino rejected the view definition (sandbox deploy_outcome=failed)"})
            raise DeployFailed(f"Deployment failed: {model['error']}")
        ids = model.setdefault("_deploy_ids", {})
        fresh = self._s["knobs"]["duplicate_on_redeploy"]
        now = self._now()
        view = f"{model['target_catalog']}.{model['target_schema']}.{model['name']}"
        model.update({"status": "deployed", "deployed_at": now, "updated_at": now, "view_name": view, "error": None,
                      "deploy_options": req.model_dump(),
                      "external_id": (f"urn:li:dataset:(urn:li:dataPlatform:trino,{view},PROD)"
                                      if req.register_in_datahub else None)})
        if req.create_schedule:
            if fresh or not ids.get("job_id"):
                ids["job_id"] = self._uuid("job")
            model["job_id"] = ids["job_id"]
            model["airflow_url"] = f"https://airflow.nx1.local/dags/semantic_{model['name']}_refresh"
        else:
            model["job_id"] = model["airflow_url"] = None
        if req.create_dashboard:
            if fresh or not ids.get("dashboard_id"):
                ids["dashboard_id"] = self._number("dashboard")
                ids["chart_ids"] = [self._number("chart"), self._number("chart")]
            dash = ids["dashboard_id"]
            model["dashboard"] = {"dashboard_id": dash,
                                  "dashboard_url": f"https://superset.nx1.local/superset/dashboard/{dash}/",
                                  "embed_url": f"https://superset.nx1.local/embedded/{dash}",
                                  "chart_ids": list(ids["chart_ids"])}
        else:
            model["dashboard"] = None
        return self._deploy_response(model, "Model deployed", with_options=False)

    def _deploy_response(self, model: Doc, message: str, *, with_options: bool = True) -> Doc:
        """The documented DeployResponse (+ the request ``options``, inferred, on GET /deployment)."""
        dashboard = dict(model["dashboard"]) if model.get("dashboard") else None
        if dashboard is not None:  # a short-lived guest token, minted per response
            dashboard["embed_token"] = f"gst.{uuid.uuid4().hex}"
        return {"model_id": model["id"], "view_name": model["view_name"], "status": model["status"],
                "deployed_at": model["deployed_at"], "message": message, "external_id": model.get("external_id"),
                "job_id": model.get("job_id"), "airflow_url": model.get("airflow_url"), "dashboard": dashboard,
                **({"options": copy.deepcopy(model.get("deploy_options"))} if with_options else {})}
