"""``astro_environment_object`` against the emulator: lifecycles of each kind, secrets write-only,
what replaces, spec validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reconciler.providers.astro.resources.environment_object import EnvironmentObject, EnvironmentObjectSpec
from reconciler.providers.astro.sandbox import seed
from reconciler.reads import find_one
from reconciler.testing import run_lifecycle, run_unset_defaults

WS = seed.DEFAULT_WORKSPACE
DEP = seed.LEGACY_DEPLOYMENT


def conn(**overrides) -> dict:
    return {"object_key": "warehouse", "object_type": "CONNECTION", "scope_entity_id": WS,
            "connection": {"type": "postgres", "host": "db", "schema": "public", "port": 5432}, **overrides}


def test_lifecycle_of_a_workspace_connection_with_links_and_overrides(astro):
    create = conn(password="pw-one", links=[{"deployment": DEP, "overrides": {"connection": {"host": "replica"}}}])
    update = conn(password="pw-two", connection={"type": "postgres", "host": "db2", "extra": {"sslmode": "require"}},
                  auto_link_deployments=True, exclude_links=[DEP])
    report = run_lifecycle(astro.session, "astro_environment_object", create, update)
    assert {"connection", "auto_link_deployments", "exclude_links"} <= report.changed
    assert "pw-" not in repr(report.created) + repr(report.updated)


def test_the_password_reaches_astro_and_is_never_read_back(astro):
    object_id, live = astro.rt("astro_environment_object").create(conn(password="pw-secret"))
    assert "pw-secret" not in repr(live) and "pw-secret" not in repr(astro.client.get_environment_object(object_id))
    assert astro.world._s["environment"][object_id]["connection"]["password"] == "pw-secret"
    astro.rt("astro_environment_object").update(object_id, live, conn(), frozenset({"connection"}))
    assert astro.world._s["environment"][object_id]["connection"]["password"] == "pw-secret"  # left out: kept


def test_lifecycle_of_a_secret_variable(astro):
    base = {"object_key": "API_KEY", "object_type": "AIRFLOW_VARIABLE", "scope_entity_id": WS, "is_secret": True}
    report = run_lifecycle(astro.session, "astro_environment_object", {**base, "secret_value": "one"},
                           {**base, "secret_value": "two", "links": [{"deployment": DEP}]})
    assert report.created["is_secret"] is True and report.created["value"] is None


def test_a_rotated_secret_value_is_sent(astro):
    base = {"object_key": "API_KEY", "object_type": "AIRFLOW_VARIABLE", "scope": "DEPLOYMENT",
            "scope_entity_id": DEP, "is_secret": True}
    rt = astro.rt("astro_environment_object")
    object_id, live = rt.create({**base, "secret_value": "one"})
    rt.update(object_id, live, {**base, "secret_value": "two"}, frozenset({"secret_value"}))
    assert astro.world._s["environment"][object_id]["airflowVariable"] == {"isSecret": True, "value": "two"}
    assert astro.client.get_environment_object(object_id)["airflowVariable"] == {"isSecret": True, "value": ""}


def test_lifecycle_of_a_plain_variable_and_its_unset_defaults(astro):
    base = {"object_key": "STAGE", "object_type": "AIRFLOW_VARIABLE", "scope_entity_id": WS}
    report = run_lifecycle(astro.session, "astro_environment_object", {**base, "value": "dev"},
                           {**base, "value": "prod", "links": [{"deployment": DEP, "overrides": {"value": "legacy"}}]})
    assert report.changed == {"value", "links"}
    run_unset_defaults(astro.session, "astro_environment_object",
                       {**base, "value": "x", "auto_link_deployments": True, "exclude_links": [DEP]})


def test_lifecycle_of_a_metrics_export(astro):
    base = {"object_key": "prom", "object_type": "METRICS_EXPORT", "scope_entity_id": WS}
    create = {**base, "metrics_export": {"endpoint": "https://prom.example.com/api/v1/write", "auth_type": "BASIC",
                                         "username": "astro", "labels": {"team": "data"}}, "password": "p"}
    update = {**base, "metrics_export": {"endpoint": "https://prom.example.com/api/v1/write",
                                         "auth_type": "AUTH_TOKEN", "headers": {"X-Org": "acme"}},
              "basic_token": "tok"}
    report = run_lifecycle(astro.session, "astro_environment_object", create, update)
    assert report.updated["metrics_export"]["auth_type"] == "AUTH_TOKEN"


def test_found_by_scope_type_and_key_in_a_workspace_or_a_deployment(astro):
    rt = astro.rt("astro_environment_object")
    object_id, _ = rt.create(conn())
    own, _ = rt.create(conn(scope="DEPLOYMENT", scope_entity_id=DEP))
    assert find_one(rt, conn())[0] == object_id
    assert find_one(rt, conn(scope="DEPLOYMENT", scope_entity_id=DEP))[0] == own
    assert find_one(rt, conn(object_key="other")) is None


def test_toggling_is_secret_replaces():
    rt = EnvironmentObject(None)
    assert rt.replace_rule("is_secret", False, True) and rt.replace_rule("object_key", "a", "b")
    assert rt.sensitive == {"secret_value", "password", "basic_token"}


@pytest.mark.parametrize("spec, message", [
    pytest.param(conn(connection=None), "needs connection", id="connection-missing"),
    pytest.param(conn(value="x"), "value do not apply to an environment object of type CONNECTION", id="value-on-connection"),
    pytest.param({"object_key": "K", "object_type": "AIRFLOW_VARIABLE", "scope_entity_id": WS, "is_secret": True,
                  "value": "x"}, "takes secret_value", id="secret-with-plain-value"),
    pytest.param({"object_key": "K", "object_type": "AIRFLOW_VARIABLE", "scope_entity_id": WS, "secret_value": "x"},
                 "needs is_secret", id="secret-value-without-is-secret"),
    pytest.param(conn(scope="DEPLOYMENT", scope_entity_id=DEP, links=[{"deployment": DEP}]),
                 "only to WORKSPACE", id="deployment-scope-links"),
    pytest.param(conn(exclude_links=[DEP]), "only with auto_link_deployments", id="exclusions-without-auto-link"),
    pytest.param(conn(links=[{"deployment": DEP, "overrides": {"value": "x"}}]), "overrides value do not apply",
                 id="override-of-another-type"),
    pytest.param({"object_key": "p", "object_type": "METRICS_EXPORT", "scope_entity_id": WS,
                  "metrics_export": {"endpoint": "https://x", "auth_type": "BASIC"}}, "needs metrics_export.username",
                 id="basic-auth-without-credentials"),
    pytest.param(conn(object_key="bad key"), "String should match pattern", id="bad-key"),
])
def test_spec_validation(spec, message):
    with pytest.raises(ValidationError, match=message):
        EnvironmentObjectSpec.model_validate(spec)
