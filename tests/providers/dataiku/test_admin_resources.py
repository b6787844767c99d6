"""Instance administration: ``dataiku_group``, ``dataiku_user``, ``dataiku_connection`` and
``dataiku_code_env`` through the lifecycle harness, their rules, and the emulator's admin
endpoints driven by the official client (``dataikuapi`` 15.2) over a socket."""

from __future__ import annotations

import json

import pytest

from reconciler.diff import compare
from reconciler.providers.base import progress_to, reset_progress
from reconciler.testing import run_lifecycle, run_unset_defaults, sandbox_session

dataikuapi = pytest.importorskip("dataikuapi")
from dataikuapi.utils import DataikuException  # noqa: E402

from reconciler.sandbox import Sandbox, serve_in_thread  # noqa: E402

SECRET = "pw-admin-test-0b7c1e-never-print-me"


@pytest.fixture
def session():
    sandbox, session = sandbox_session()
    yield session
    session.close()


# -- lifecycles ---------------------------------------------------------------------------------
CASES = [
    pytest.param("dataiku_group", {"name": "analysts", "description": "BI team",
                                   "permissions": {"mayCreateProjects": True}, "ldap_group_names": ["cn=bi"]},
                 {"name": "analysts", "description": "BI", "sso_group_names": ["bi", "bi-admins"],
                  "permissions": {"mayCreateProjects": True, "mayWriteUnsafeCode": True}, "ldap_group_names": []},
                 {"description", "sso_group_names", "permissions", "ldap_group_names"}, id="group"),
    pytest.param("dataiku_user", {"login": "jdoe", "display_name": "J. Doe", "password": SECRET,
                                  "groups": ["readers"]},
                 {"login": "jdoe", "display_name": "Jane Doe", "email": "jdoe@example.com", "enabled": False,
                  "groups": ["readers", "administrators"], "profile": "READER", "password": SECRET},
                 {"display_name", "email", "enabled", "groups", "profile"}, id="user"),
    pytest.param("dataiku_connection", {"name": "warehouse", "type": "PostgreSQL",
                                        "params": {"host": "db", "port": 5432, "user": "dss"},
                                        "secret_params": {"password": SECRET}},
                 {"name": "warehouse", "type": "PostgreSQL", "params": {"host": "db2", "port": 5432, "user": "dss"},
                  "secret_params": {"password": SECRET}, "usable_by": "ALLOWED", "allowed_groups": ["readers"],
                  "allow_write": False, "details_readable_by": "ALLOWED", "details_allowed_groups": ["administrators"]},
                 {"params", "usable_by", "allowed_groups", "allow_write", "details_readable_by",
                  "details_allowed_groups"}, id="connection"),
    pytest.param("dataiku_code_env", {"name": "py311_etl", "python_interpreter": "PYTHON311",
                                      "packages": ["pandas==2.2.2"]},
                 {"name": "py311_etl", "python_interpreter": "PYTHON311", "packages": ["pandas==2.2.2", "pyarrow"],
                  "usable_by_all": False, "permissions": [{"group": "readers", "use": True}],
                  "container_confs": ["k8s-small"], "container_runtime_additions": ["BASIC_GPU_ENABLING"]},
                 {"packages", "usable_by_all", "permissions", "container_confs", "container_runtime_additions"},
                 id="code-env"),
]


@pytest.mark.parametrize("type_name, create, update, changed", CASES)
def test_lifecycle(session, type_name, create, update, changed):
    report = run_lifecycle(session, type_name, create, update)
    assert report.changed == changed


def test_group_unset_defaults(session):
    run_unset_defaults(session, "dataiku_group", {"name": "g", "description": "d", "ldap_group_names": ["x"],
                                                  "sso_group_names": ["y"], "azure_ad_group_names": ["z"],
                                                  "custom_group_names": ["w"]})


def test_user_unset_defaults(session):
    run_unset_defaults(session, "dataiku_user", {"login": "u", "password": SECRET, "display_name": "U",
                                                 "email": "u@example.com", "groups": ["readers"], "profile": "READER",
                                                 "enabled": False})


# -- rules --------------------------------------------------------------------------------------
def test_group_mappings_are_comma_separated_on_the_wire_and_flags_complete(session):
    rt = session.resource("dataiku_group")
    rt.create({"name": "bi", "ldap_group_names": ["cn=b", "cn=a"], "permissions": {"admin": False,
                                                                                   "mayCreateProjects": True}})
    doc = session.client.get_group("bi")
    assert doc["ldapGroupNames"] == "cn=a,cn=b"
    assert doc["mayCreateProjects"] is True and doc["mayWriteUnsafeCode"] is False
    live = rt.read("bi")
    assert live["ldap_group_names"] == ["cn=a", "cn=b"]
    assert compare(rt, {"name": "bi", "permissions": {"mayCreateProjects": True}}, live) == ()


def test_user_password_is_sent_never_read_and_only_for_local_users(session):
    rt = session.resource("dataiku_user")
    _, live = rt.create({"login": "ann", "password": SECRET})
    assert "password" not in live and SECRET not in json.dumps(session.client.get_user("ann"))
    with pytest.raises(ValueError, match="only for LOCAL users"):
        rt.spec_model.model_validate({"login": "l", "source_type": "LDAP", "password": SECRET})
    assert rt.delete_opt_in


def test_connection_secret_is_never_in_the_live_view_and_survives_other_updates(session):
    rt = session.resource("dataiku_connection")
    spec = {"name": "wh", "type": "Snowflake", "params": {"account": "acme"}, "secret_params": {"password": SECRET}}
    _, live = rt.create(spec)
    doc = session.client.get_connection("wh")
    assert doc["params"]["password"].startswith("e:AES:") and SECRET not in json.dumps(doc)
    assert live["params"] == {"account": "acme"} and SECRET not in json.dumps(live)
    assert compare(rt, spec, rt.read("wh")) == ()
    rt.update("wh", live, {**spec, "params": {"account": "acme2"}}, frozenset({"params"}))
    assert session.client.get_connection("wh")["params"]["password"] == doc["params"]["password"]
    rt.update("wh", live, {**spec, "secret_params": {"password": "rotated"}}, frozenset({"secret_params"}))
    assert session.client.get_connection("wh")["params"]["password"] != doc["params"]["password"]


def test_connection_type_is_validated_and_needed_to_create(session):
    rt = session.resource("dataiku_connection")
    with pytest.raises(ValueError, match="PostgreSQL"):
        rt.spec_model.model_validate({"name": "x", "type": "Postgres"})
    with pytest.raises(ValueError, match="both params and secret_params"):
        rt.spec_model.model_validate({"name": "x", "params": {"password": "a"}, "secret_params": {"password": "b"}})
    from reconciler.errors import ProviderError
    with pytest.raises(ProviderError, match="no type to create it with"):
        rt.create({"name": "x"})


def test_existing_connection_and_code_env_are_adopted_by_name(session):
    connection = session.resource("dataiku_connection")
    assert connection.id_of({"name": "dwh"}) == "dwh"
    assert compare(connection, {"name": "dwh"}, connection.read("dwh")) == ()
    env = session.resource("dataiku_code_env")
    assert dict(env.list(None))["PYTHON/py311_ml"]["python_interpreter"] == "PYTHON311"
    assert compare(env, {"name": "py311_ml"}, env.read("PYTHON/py311_ml")) == ()


def test_code_env_package_change_installs_and_waits(session):
    rt = session.resource("dataiku_code_env")
    seen: list[str] = []
    token = progress_to(seen.append)
    try:
        _, live = rt.create({"name": "e", "packages": ["requests"]})
        rt.update("PYTHON/e", live, {"name": "e", "packages": ["requests", "numpy"]}, frozenset({"packages"}))
    finally:
        reset_progress(token)
    assert session.client.get_code_env("PYTHON", "e")["actualPackageList"] == "numpy\nrequests"
    assert len(seen) == 2 and "installing the packages" in seen[0]
    assert "waits" in rt.wait_note
    with pytest.raises(ValueError, match="Python environments only"):
        rt.spec_model.model_validate({"name": "r", "language": "R", "python_interpreter": "PYTHON311"})


# -- the official client ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served():
    sb = Sandbox(token="sandbox-token")
    server, base_url = serve_in_thread(sb)
    yield sb, base_url
    server.shutdown()


@pytest.fixture
def client(served):
    sandbox, base_url = served
    sandbox.reset()
    return dataikuapi.DSSClient(base_url + "/dataiku", "sandbox-token")


def test_official_client_users(client):
    user = client.create_user("bob", SECRET, display_name="Bob", groups=["readers"], email="bob@example.com")
    settings = user.get_settings()
    assert settings.get_raw()["displayName"] == "Bob" and settings.enabled is True
    settings.enabled = False
    settings.save()
    assert client.get_user("bob").get_settings().enabled is False
    assert {u["login"] for u in client.list_users()} == {"admin", "bob"}
    assert "password" not in client.list_users(include_settings=True)[1]
    user.delete()
    with pytest.raises(DataikuException, match="NotFoundException"):
        user.get_settings()
    with pytest.raises(DataikuException, match="own user"):
        client.get_user("admin").delete()


def test_official_client_groups(client):
    group = client.create_group("bi", description="BI team")
    definition = group.get_definition()
    assert definition["sourceType"] == "LOCAL" and definition["mayCreateProjects"] is False
    definition["mayCreateProjects"] = True
    definition["ldapGroupNames"] = "cn=bi"
    group.set_definition(definition)
    assert group.get_definition()["mayCreateProjects"] is True
    assert {g["name"] for g in client.list_groups()} == {"administrators", "readers", "bi"}
    group.delete()
    with pytest.raises(DataikuException, match="NotFoundException"):
        group.get_definition()


def test_official_client_connections(client):
    connection = client.create_connection("pg", "PostgreSQL", params={"host": "h", "password": SECRET},
                                          usable_by="ALLOWED", allowed_groups=["readers"])
    settings = connection.get_settings()
    assert settings.type == "PostgreSQL" and settings.usable_by == "ALLOWED"
    assert settings.get_raw()["params"]["password"].startswith("e:AES:")
    settings.allow_write = False
    settings.details_readability.set_readability(False, "readers")
    settings.save()
    saved = connection.get_settings()
    assert saved.allow_write is False and saved.details_readability.readable_by == "ALLOWED"
    assert saved.get_raw()["params"]["password"] == settings.get_raw()["params"]["password"]
    assert "pg" in client.list_connections()
    with pytest.raises(DataikuException, match="Unknown connection type"):
        client.create_connection("x", "Postgres")
    connection.delete()
    with pytest.raises(DataikuException, match="NotFoundException"):
        connection.get_settings()


def test_official_client_code_envs(client):
    env = client.create_code_env("PYTHON", "ml", "DESIGN_MANAGED", {"pythonInterpreter": "PYTHON311"})
    settings = env.get_settings()
    settings.set_required_packages("pandas", "numpy")
    settings.save()
    answer = env.update_packages()
    assert answer["messages"]["error"] is False
    assert env.get_definition()["actualPackageList"] == "pandas\nnumpy"
    assert {e["envName"] for e in client.list_code_envs()} >= {"ml", "py311_ml"}
    future = env.update_packages(wait=False)
    assert future.wait_for_result()["messages"]["success"] is True
    env.delete()
    with pytest.raises(DataikuException, match="NotFoundException"):
        env.get_definition()


def test_a_snapshot_written_before_users_and_groups_existed_is_restored_with_the_seeded_ones():
    from reconciler.providers.dataiku.sandbox import DataikuEmulator

    world = DataikuEmulator().world
    old = {k: v for k, v in world.snapshot().items() if k not in ("users", "groups")}
    world.restore(old)
    assert sorted(world.list_groups()[i]["name"] for i in range(2)) == ["administrators", "readers"]
    assert [u["login"] for u in world.list_users(False)] == ["admin"]
    with pytest.raises(ValueError, match="missing"):
        world.restore({k: v for k, v in old.items() if k != "projects"})
