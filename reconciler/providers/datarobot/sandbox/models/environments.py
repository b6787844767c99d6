"""Prediction environments: synchronous CRUD (``/predictionEnvironments/``). A mixin of
``models.DataRobotWorld``.

Not in the seed: shapes follow the official client's converter (``isDeleted`` is required there)
and the TF provider (PATCH for name, description, ``priority`` and ``maxConcurrentBatchPredictionsJob``;
``managedBy`` at create, which also sets ``isManagedByManagementAgent``). That GET answers
``priority`` and ``maxConcurrentBatchPredictionsJob`` is *inferred* (the TF provider sends them
and never reads them back). When ``supportedModelFormats`` is omitted
the platform's default applies, as the client documents: DataRobot platforms support DataRobot
and custom models, every other platform external models too. Deleting an environment that live
deployments still use answers 409.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from reconciler.providers.datarobot.sandbox import seed
from reconciler.providers.datarobot.sandbox.errors import Conflict, NotFound
from reconciler.providers.datarobot.sandbox.payloads import (
    PredictionEnvironmentCreate,
    PredictionEnvironmentUpdate,
    default_formats,
    parse,
)

Doc = dict[str, Any]


class EnvironmentOps:
    _s: dict[str, Any]
    new_id: Callable[[], str]
    now: Callable[[], str]

    def _environment(self, env_id: str) -> Doc:
        env = self._s["environments"].get(env_id)
        if env is None:
            raise NotFound(f"Prediction environment {env_id} not found")
        return env

    def list_environments(self) -> list[Doc]:
        return [copy.deepcopy(e) for e in self._s["environments"].values()]

    def get_environment(self, env_id: str) -> Doc:
        return copy.deepcopy(self._environment(env_id))

    def create_environment(self, body: Any) -> Doc:
        want = parse(PredictionEnvironmentCreate, body, "prediction environment")
        managed_by = want.managedBy or ("managementAgent" if want.isManagedByManagementAgent else "selfManaged")
        env_id = self.new_id()
        doc: Doc = {
            "id": env_id, "name": want.name, "description": want.description or "", "platform": want.platform,
            "supportedModelFormats": list(want.supportedModelFormats or default_formats(want.platform)),
            "isDeleted": False, "isManagedByManagementAgent": managed_by in ("managementAgent", "datarobot"),
            "managedBy": managed_by,
            "permissions": ["CAN_VIEW", "CAN_EDIT", "CAN_DELETE", "CAN_SHARE"],
            "health": {"status": "unknown", "message": "No prediction data yet", "timestamp": self.now()},
            "importMeta": {"dateCreated": self.now(), "creatorId": seed.OWNER["id"],
                           "creatorUsername": seed.OWNER["email"]},
            "managementMeta": {"userId": seed.OWNER["id"], "username": seed.OWNER["email"]},
        }
        for key in ("plugin", "datastoreId", "credentialId", "priority", "maxConcurrentBatchPredictionsJob"):
            if getattr(want, key) is not None:
                doc[key] = getattr(want, key)
        self._s["environments"][env_id] = doc
        return copy.deepcopy(doc)

    def update_environment(self, env_id: str, body: Any) -> Doc:
        env = self._environment(env_id)
        want = parse(PredictionEnvironmentUpdate, body, "prediction environment update")
        fields = want.model_dump(exclude_unset=True)
        if "name" in fields and fields["name"] is not None:
            env["name"] = fields["name"]
        if "description" in fields:
            env["description"] = fields["description"] or ""
        for key in ("priority", "maxConcurrentBatchPredictionsJob"):
            if fields.get(key) is not None:
                env[key] = fields[key]
        return copy.deepcopy(env)

    def delete_environment(self, env_id: str) -> None:
        self._environment(env_id)
        users = sorted(d["id"] for d in self._s["deployments"].values()
                       if (d.get("predictionEnvironment") or {}).get("id") == env_id)
        if users:
            raise Conflict(f"Prediction environment {env_id} is used by deployments: {', '.join(users)}")
        del self._s["environments"][env_id]
