"""End to end through the CLI: Dataiku instance administration (a group, a user, a connection
with a secret, a code env) planned, applied, changed outside reconciler with the official client
(as an administrator in the DSS UI would), reported by ``drift`` by field, and repaired."""

from __future__ import annotations

import pytest

pytest.importorskip("dataikuapi")

SECRET = "pw-e2e-c0nn-5a1e9d-never-print-me"

ADMIN = """\
resources:
  dataiku_group.analysts:
    name: analysts
    description: BI analysts
    ldap_group_names: [cn=bi]
    permissions: {mayCreateProjects: true, mayWriteSafeCode: true}
  dataiku_user.ann:
    login: ann
    display_name: Ann
    email: ann@example.com
    enabled: true
    groups: ["${dataiku_group.analysts.name}"]
    password: ${env:ANN_PASSWORD}
  dataiku_connection.warehouse:
    name: warehouse
    type: PostgreSQL
    params: {host: dwh, port: 5432, user: analyst}
    secret_params: {password: "${env:WAREHOUSE_PASSWORD}"}
    usable_by: ALLOWED
    allowed_groups: ["${dataiku_group.analysts.name}"]
    allow_write: false
  dataiku_code_env.etl:
    name: etl
    python_interpreter: PYTHON311
    packages: [pandas==2.2.2, pyarrow]
    permissions: [{group: "${dataiku_group.analysts.name}", use: true}]
"""


@pytest.fixture
def admin(make_project, monkeypatch):
    proj = make_project()
    (proj.specs / "admin.yaml").write_text(ADMIN)
    monkeypatch.setenv("WAREHOUSE_PASSWORD", SECRET)
    monkeypatch.setenv("ANN_PASSWORD", SECRET + "-ann")
    return proj


def _apply(proj) -> None:
    applied = proj.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text


def test_plan_apply_no_changes_and_the_secret_nowhere(admin):
    first = admin.cli("plan", "--detailed-exitcode")
    assert first.code == 2, first.text
    assert "Plan: 4 to add, 0 to change, 0 to destroy." in first.out
    assert "waits for DSS" in first.out  # the code env's package install
    _apply(admin)
    again = admin.cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.text
    shown = admin.cli("plan", "--format", "json").out + admin.cli("state", "show", "dataiku_connection.warehouse").out
    state = (admin.root / "state" / "default.json").read_text() if (admin.root / "state").exists() else ""
    for text in (first.text, shown, state):
        assert SECRET not in text
    client = admin.dss()
    definition = client.get_connection("warehouse").get_settings().get_raw()
    assert definition["params"]["password"].startswith("e:AES:") and definition["usableBy"] == "ALLOWED"
    assert client.get_group("analysts").get_definition()["mayCreateProjects"] is True
    assert client.get_user("ann").get_settings().get_raw()["groups"] == ["analysts"]
    assert client.get_code_env("PYTHON", "etl").get_definition()["actualPackageList"] == "pandas==2.2.2\npyarrow"


@pytest.mark.parametrize("change, address, field", [
    pytest.param("group", "dataiku_group.analysts", "permissions", id="group-permission"),
    pytest.param("connection", "dataiku_connection.warehouse", "allow_write", id="connection-settings"),
    pytest.param("code_env", "dataiku_code_env.etl", "packages", id="code-env-packages"),
    pytest.param("user", "dataiku_user.ann", "enabled", id="user-disabled"),
])
def test_changes_made_in_dss_are_drift_and_apply_repairs_them(admin, change, address, field):
    _apply(admin)
    client = admin.dss()
    if change == "group":
        group = client.get_group("analysts")
        definition = group.get_definition()
        definition["mayWriteUnsafeCode"] = True
        group.set_definition(definition)
    elif change == "connection":
        settings = client.get_connection("warehouse").get_settings()
        settings.allow_write = True
        settings.save()
    elif change == "code_env":
        settings = client.get_code_env("PYTHON", "etl").get_settings()
        settings.set_required_packages("pandas==2.2.2", "pyarrow", "requests")
        settings.save()
    else:
        settings = client.get_user("ann").get_settings()
        settings.enabled = False
        settings.save()

    drift = admin.cli("drift")
    assert drift.code == 2, drift.text
    assert address in drift.out and field in drift.out, drift.out
    _apply(admin)
    assert admin.cli("drift").code == 0
    if change == "connection":  # the repair kept the secret DSS holds
        raw = client.get_connection("warehouse").get_settings().get_raw()
        assert raw["allowWrite"] is False and raw["params"]["password"].startswith("e:AES:")


def test_rotating_the_connection_secret_is_a_masked_update(admin, monkeypatch):
    _apply(admin)
    before = admin.dss().get_connection("warehouse").get_settings().get_raw()["params"]["password"]
    monkeypatch.setenv("WAREHOUSE_PASSWORD", SECRET + "-rotated")
    plan = admin.cli("plan", "--detailed-exitcode")
    assert plan.code == 2 and "dataiku_connection.warehouse" in plan.out and "secret_params" in plan.out
    assert SECRET not in plan.text
    _apply(admin)
    assert admin.dss().get_connection("warehouse").get_settings().get_raw()["params"]["password"] != before
    assert admin.cli("plan", "--detailed-exitcode").code == 0


def test_removing_a_user_forgets_it_unless_destroy_was_allowed(admin):
    _apply(admin)
    admin.edit_spec("admin.yaml", "    password: ${env:ANN_PASSWORD}\n",
                    "    password: ${env:ANN_PASSWORD}\n    lifecycle: {allow_destroy: true}\n")
    _apply(admin)
    text = (admin.specs / "admin.yaml").read_text()
    start = text.index("  dataiku_user.ann:")
    end = text.index("  dataiku_connection.warehouse:")
    (admin.specs / "admin.yaml").write_text(text[:start] + text[end:])
    plan = admin.cli("plan")
    assert "dataiku_user.ann" in plan.out and "1 to destroy" in plan.out, plan.out
    _apply(admin)
    assert "ann" not in {u["login"] for u in admin.dss().list_users()}


@pytest.mark.parametrize("block, line, message", [
    pytest.param("  dataiku_group.g:\n    name: g\n    permissions: {mayFly: true}\n", 4, "mayCreateProjects",
                 id="unknown-permission"),
    pytest.param("  dataiku_connection.c:\n    name: c\n    type: Postgres\n", 4, "PostgreSQL", id="unknown-type"),
    pytest.param("  dataiku_user.u:\n    login: u\n    source_type: LDAP\n    password: " + SECRET + "\n", 2,
                 "only for LOCAL users", id="password-of-an-ldap-user"),
])
def test_bad_input_names_the_file_line_and_what_is_allowed(make_project, block, line, message):
    proj = make_project()
    (proj.specs / "bad.yaml").write_text("resources:\n" + block)
    result = proj.cli("validate")
    assert result.code == 1
    assert f"bad.yaml:{line}" in result.text and message in result.text, result.text
    assert "Traceback" not in result.text and SECRET not in result.text
