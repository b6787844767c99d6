"""Every answer of the Dataiku emulator, on a realistic world, against the JSON Schemas of the seed
reference: a world is built with the official client (``dataikuapi`` 15.2) over a socket, every
served route that the seed gives a response schema is then read, and each recorded 200 answer is
validated against its route's schema.

Deviations that are the seed's own imprecision, not the emulator's, are listed in ``JUSTIFIED``
with why (and in COVERAGE.md); anything else fails the test."""

from __future__ import annotations

import json

import pytest

jsonschema = pytest.importorskip("jsonschema")
dataikuapi = pytest.importorskip("dataikuapi")

from reconciler.providers.dataiku.sandbox.routes import PREFIXES, ROUTES  # noqa: E402
from reconciler.sandbox import Sandbox, serve_in_thread  # noqa: E402
from tests.providers.dataiku import seed_schemas  # noqa: E402

TOKEN = "sandbox-token"

#: (method, template, where) -> why an answer there differs from the seed's schema and the emulator is right
JUSTIFIED: dict[tuple[str, str, str], str] = {
    ("GET", "/project-folders/", "name"): "the root folder has no name: the seed's own description says null",
    ("GET", "/project-folders/", "parentId"): "the root folder has no parent: the seed's own description says null",
    ("GET", "/project-folders/{folderId}", "name"): "the root folder read by id (ROOT): null, as above",
    ("GET", "/project-folders/{folderId}", "parentId"): "the root folder read by id (ROOT): null, as above",
    ("GET", "/projects/{projectKey}/datasets/{datasetName}", "formatType"):
        "a SQL dataset has no format: dataikuapi's create_dataset sends formatType null, stored as sent",
    ("GET", "/projects/{projectKey}/scenarios/{scenarioId}/get-last-runs/", "(body)"):
        "the seed's schema says an object, but its example and dataikuapi (get_last_runs iterates it) a list",
}


@pytest.fixture(scope="module")
def recorded():
    sandbox = Sandbox(token=TOKEN)
    exchanges: list[tuple[str, str, int, bytes]] = []
    handle = sandbox.handle

    def recording(request):
        response = handle(request)
        exchanges.append((request.method, request.path, response.status, response.body))
        return response

    sandbox.handle = recording  # type: ignore[method-assign]
    server, base_url = serve_in_thread(sandbox)
    try:
        client = dataikuapi.DSSClient(base_url + "/dataiku", TOKEN)
        ids = _build(client)
        _read_everything(client, ids)
    finally:
        server.shutdown()
    return exchanges


def _build(dss) -> dict[str, str]:
    """A realistic world: folders, projects, datasets, a recipe, a scenario that ran, a managed
    folder, a wiki, a meaning, a plugin, the deployer, a zone, a saved model, users and groups."""
    folder = dss.get_root_project_folder().create_sub_folder("Analytics")
    sales = dss.create_project("SALES", "Sales", "admin", description="Sales data", project_folder_id=folder.id,
                               tags=["team-a"])
    sales.create_dataset("orders", "PostgreSQL", params={"connection": "dwh", "mode": "table", "table": "orders"})
    sales.create_dataset("summary", "PostgreSQL", params={"connection": "dwh", "mode": "table", "table": "summary"})
    recipe = sales.new_recipe("python", "compute_summary")
    recipe.with_input("orders")
    recipe.with_output("summary")
    recipe.with_script("import dataiku\nprint(1)\n")
    recipe.create()
    build = {"type": "build_flowitem", "name": "build",
             "params": {"builds": [{"type": "DATASET", "itemId": "summary"}]}}
    scenario = sales.create_scenario("Nightly build", "step_based", definition={"params": {"steps": [build]}})
    fire = scenario.run()
    run = fire.wait_for_scenario_run()
    managed = sales.create_managed_folder("models")
    wiki = sales.get_wiki()
    home = wiki.create_article("Home", content="# Sales\n")
    dss.create_meaning("dept", "Department", "VALUES_LIST", values=["HR", "IT"])
    dss.install_plugin_from_store("geocoder").wait_for_result()
    deployer = dss.get_projectdeployer()
    deployer.create_infra("prod", "Production")
    sales.export_bundle("v1")
    sales.publish_bundle("v1")
    deployer.create_deployment("sales-prod", "SALES", "prod", "v1").start_update().wait_for_result()
    zone = sales.get_flow().create_zone("Ingest")
    zone.add_item(sales.get_dataset("orders"))
    model = sales.create_mlflow_pyfunc_model("churn", "BINARY_CLASSIFICATION")
    dss.create_group("analysts", description="BI")
    dss.create_user("ann", "pw-schema-test", groups=["analysts"])
    dss.create_connection("pg", "PostgreSQL", params={"host": "h"})
    dss.create_code_env("PYTHON", "etl", "DESIGN_MANAGED", {"pythonInterpreter": "PYTHON311"})
    return {"folder": folder.id, "scenario": scenario.id, "run": run.id, "trigger_run": fire.run_id,
            "managed": managed.id, "article": home.article_id, "zone": zone.id, "model": model.id}


def _read_everything(dss, ids: dict[str, str]) -> None:
    """A GET of every served route with a response schema in the seed, with real ids."""
    values = {"folderId": ids["folder"], "projectKey": "SALES", "datasetName": "orders",
              "recipeName": "compute_summary",
              "scenarioId": ids["scenario"], "runId": ids["run"], "triggerId": "manual", "meaningId": "dept",
              "pluginId": "geocoder", "deploymentId": "sales-prod", "infraId": "prod", "articleId": ids["article"],
              "savedModelId": ids["model"], "zoneId": ids["zone"], "bundleId": "v1", "name": "analysts",
              "login": "ann", "envLang": "PYTHON", "envName": "etl", "jobId": "none"}
    served = {(r.method, r.pattern) for r in ROUTES}
    for method, template, _ in seed_schemas.schemas():
        if method != "GET" or (method, _normalized(template)) not in {(m, _normalized(p)) for m, p in served}:
            continue
        path = template.replace("managedfolders/{folderId}", "managedfolders/" + ids["managed"])
        for name, value in values.items():
            path = path.replace("{" + name + "}", str(value))
        params = {"triggerId": "manual", "triggerRunId": ids["trigger_run"]} if "trigger" in template else None
        dss._perform_raw("GET", path, params=params).close()


    # the writes the seed gives a response schema (its own spellings included)
    dss._perform_json("POST", "/project-deployer/infras/prod")  # the seed's read of an infra
    dss._perform_json("POST", "/project-deployer/projects", body={"publishedProjectKey": "OTHER"})
    dss._perform_json("POST", "/project-deployer/projects/infras", body={"id": "staging", "stage": "Test"})
    wiki = dss._perform_json("GET", "/projects/SALES/wiki/")
    dss._perform_json("PUT", "/projects/SALES/wiki/", body=wiki)


def _normalized(template: str) -> str:
    """A template with its placeholders' names dropped and no trailing slash."""
    return "/".join("{}" if p.startswith("{") else p for p in template.strip("/").split("/"))


def _relative(path: str) -> str | None:
    for prefix in PREFIXES:
        head = f"/dataiku/{prefix}"
        if path.startswith(head):
            return path[len(head):] or "/"
    return None


def test_every_served_route_with_a_seed_schema_was_read(recorded):
    seen = {(m, _normalized(k[1])) for m, p, *_ in recorded if (r := _relative(p)) for k in seed_schemas.match(m, r)}
    served = {(r.method, _normalized(r.pattern)) for r in ROUTES}
    documented = {(m, _normalized(t)) for m, t, s in seed_schemas.schemas() if s == 200}
    missing = sorted((documented & served) - seen)
    assert missing == [], missing


def test_every_answer_conforms_to_the_seed_schema(recorded):
    checked, failures = 0, []
    for method, path, status, body in recorded:
        relative = _relative(path)
        if relative is None or status != 200 or not body:
            continue
        keys = [k for k in seed_schemas.match(method, relative) if k[2] == status]
        if not keys:
            continue
        schema = seed_schemas.schemas()[keys[0]]
        checked += 1
        for error in jsonschema.Draft4Validator(schema).iter_errors(json.loads(body)):
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            if (method, keys[0][1], where) not in JUSTIFIED:
                failures.append(f"{method} {keys[0][1]} at {where}: {error.message[:160]}")
    assert checked >= 40
    assert sorted(set(failures)) == [], "\n".join(sorted(set(failures)))


# -- a schema-less fuzz: malformed input never makes the emulator answer a server error -----------
BODIES = [None, [], "text", 7, {}, {"name": 12, "id": [], "type": {}}, {"projectKey": None, "params": "x"}]


def test_malformed_requests_on_every_route_are_client_errors_never_server_errors():
    sandbox = Sandbox(token=TOKEN)
    import httpx

    from reconciler.testing import SANDBOX_BASE_URL

    with httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku/dip/publicapi",
                      auth=(TOKEN, "")) as raw:
        assert raw.post("/projects/", json={"projectKey": "P", "name": "P"}).status_code < 300
        fills = {"projectKey": "P", "envLang": "PYTHON", "envName": "py311_ml", "name": "dwh", "login": "admin",
                 "folderId": "ROOT", "zoneId": "default"}
        errors = []
        for route in ROUTES:
            path = "/".join(fills.get(p[1:-1], "x") if p.startswith("{") else p for p in route.pattern.split("/"))
            for payload in BODIES if route.method in ("POST", "PUT") else [None]:
                for query in ({}, {"wait": "maybe", "limit": "-1", "dropData": "2"}):
                    answer = raw.request(route.method, path, params=query,
                                         content=None if payload is None else json.dumps(payload))
                    if answer.status_code >= 500:
                        errors.append(f"{route.method} {path} {payload!r} {query}: {answer.status_code}")
                    sandbox.reset()
                    raw.post("/projects/", json={"projectKey": "P", "name": "P"})
    assert errors == []
