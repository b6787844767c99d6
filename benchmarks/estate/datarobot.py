"""The DataRobot share of the estate: prediction environments, and deployments of seeded models.

Shape for a share of n: ``n // 10`` prediction environments (at least 1), deployments for the
rest. Even deployments deploy the seeded learning model "Customer churn / XGB" to the seeded US
prediction server; odd ones deploy the "House prices" model package to one of the environments
(``prediction_environment_id: ${datarobot_prediction_environment.<e>.id}``, a reference between
managed resources). The four seeded objects are found by read-only data sources (``lookups``),
exactly as ``specs/datarobot/deployments.yaml`` does; they are not part of n.

The floor (fewest requests the MLOps API v2 allows):

refresh (no-change plan), one round:
    lookups       6: 2 per learning model (GET /projects/?search=, GET .../models/), 1 for the
                  model package (GET /modelPackages/?modelId=), 1 for GET /predictionServers/
    deployments   1 GET /deployments/ per 100 (the documented maximum page size; whole objects)
    environments  1 GET /predictionEnvironments/ per 100 (its default page size)
create (from empty), four rounds:
    0. the 6 lookups, 1 GET /deployments/ and 1 GET /predictionEnvironments/ (nothing exists yet)
    1. 1 POST /predictionEnvironments/ each, 1 POST /deployments/fromLearningModel/ each
    2. 1 GET /status/{id}/ per learning-model deployment (a create is a 202 + async job),
       1 POST /deployments/fromModelPackage/ each (needs its environment's id)
    3. 1 GET /status/{id}/ per model-package deployment

Baseline: one GET per object (``GET /deployments/{id}/``, ``GET /predictionEnvironments/{id}/``),
``Authorization: Token <t>`` as the official client sends it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from benchmarks.estate import EstateGenerator, Floor, ProviderEstate, Read, StateObject

PAGE = 100
LOOKUP_REQUESTS = 6
LOOKUPS: dict[str, dict] = {
    "datarobot_prediction_server.bench_us": {"url": "https://prediction-us.sandbox.datarobot.example"},
    "datarobot_learning_model.bench_churn": {"project": "Customer churn",
                                             "name": "eXtreme Gradient Boosted Trees Classifier"},
    "datarobot_learning_model.bench_house": {"project": "House prices",
                                             "name": "eXtreme Gradient Boosted Trees Regressor"},
    "datarobot_model_package.bench_house": {"model_id": "${datarobot_learning_model.bench_house.id}"},
}


def shape(n: int) -> tuple[int, int]:
    """(prediction environments, deployments) for a share of ``n`` resources."""
    if n < 1:
        return (0, 0)
    environments = max(1, n // 10)
    return environments, n - environments


def generate(n: int, concurrency: int) -> ProviderEstate:
    """Exactly ``n`` DataRobot resources, the data sources they read, and their floor."""
    n_envs, n_deployments = shape(n)
    resources: dict[str, dict] = {}
    for e in range(n_envs):
        resources[f"datarobot_prediction_environment.bench_e{e:04d}"] = {
            "name": f"bench-env-{e:04d}",
            "description": f"Benchmark environment {e}.",
            "platform": "datarobotServerless",
            "supported_model_formats": ["datarobot", "customModel"],
        }
    from_model = from_package = 0
    for d in range(n_deployments):
        block: dict = {"label": f"Bench deployment {d:05d}", "description": f"Benchmark deployment {d}.",
                       "importance": ("LOW", "MODERATE", "HIGH")[d % 3]}
        if d % 2 == 0:
            from_model += 1
            block.update(model_id="${datarobot_learning_model.bench_churn.id}",
                         default_prediction_server_id="${datarobot_prediction_server.bench_us.id}")
        else:
            from_package += 1
            block.update(model_package_id="${datarobot_model_package.bench_house.id}",
                         prediction_environment_id=f"${{datarobot_prediction_environment.bench_e{d % n_envs:04d}.id}}")
        resources[f"datarobot_deployment.bench_d{d:05d}"] = block
    refresh = LOOKUP_REQUESTS + math.ceil(n_deployments / PAGE) + math.ceil(n_envs / PAGE)
    rounds = tuple(r for r in (LOOKUP_REQUESTS + 2, n_envs + from_model, from_model + from_package, from_package)
                   if r)
    return ProviderEstate("datarobot", resources, Floor(refresh, rounds, concurrency),
                          lookups={k: dict(v) for k, v in LOOKUPS.items()} if n else {})


def baseline_reads(objects: Sequence[StateObject], env: Mapping[str, str]) -> list[Read]:
    """One GET per object on its per-object endpoint, with ``Authorization: Token``."""
    base = env["DATAROBOT_ENDPOINT"].rstrip("/")
    headers = {"Authorization": f"Token {env['DATAROBOT_API_TOKEN']}"}
    paths = {"datarobot_deployment": "deployments", "datarobot_prediction_environment": "predictionEnvironments"}
    return [Read(f"{base}/{paths[o.type]}/{quote(o.object_id, safe='')}/", headers)
            for o in objects if o.type in paths]


DATAROBOT = EstateGenerator("datarobot", generate, baseline_reads)
