"""The Dataiku emulator driven by the official client (``dataikuapi`` 15.2.0) over a real
socket: proof that the emulator follows what the client sends and expects."""

from __future__ import annotations

import pytest

dataikuapi = pytest.importorskip("dataikuapi")
from dataikuapi.utils import DataikuException  # noqa: E402

from reconciler.sandbox import Sandbox, serve_in_thread  # noqa: E402

TOKEN = "sandbox-token"


@pytest.fixture(scope="module")
def served():
    sb = Sandbox(token=TOKEN)
    server, base_url = serve_in_thread(sb)
    yield sb, base_url
    server.shutdown()


@pytest.fixture
def sb(served) -> Sandbox:
    sandbox, _ = served
    sandbox.reset()
    return sandbox


@pytest.fixture
def client(sb, served):
    _, base_url = served
    return dataikuapi.DSSClient(base_url + "/dataiku", TOKEN)


# -- instance ---------------------------------------------------------------------------------
def test_instance_calls(client):
    assert client.get_auth_info()["authIdentifier"] == "admin"
    assert client.get_instance_info().node_type == "DESIGN"
    connections = client.list_connections()
    assert connections["dwh"].type == "PostgreSQL"
    assert {"filesystem_managed", "filesystem_input", "filesystem_folders"} <= set(connections)
    assert client.get_connection("dwh").get_definition()["name"] == "dwh"
    assert client.list_futures() == []


def test_wrong_key_raises(served, sb):
    _, base_url = served
    with pytest.raises(DataikuException, match="NotAuthenticatedException"):
        dataikuapi.DSSClient(base_url + "/dataiku", "not-the-key").list_project_keys()
    assert sb.counts["dataiku"]["requests"] == 0


def test_not_found_is_rendered_with_not_found_exception(client):
    with pytest.raises(DataikuException, match="NotFoundException: Project NOPE does not exist"):
        client.get_project("NOPE").get_metadata()
    with pytest.raises(DataikuException, match="NotFoundException"):
        client.get_project_folder("nope")
    assert client.get_project("NOPE").get_dataset("d").exists() is False


# -- project folders --------------------------------------------------------------------------
def test_folder_lifecycle(client):
    root = client.get_root_project_folder()
    assert root.id == "ROOT" and root.get_parent() is None and root.get_path() == "/"
    team = root.create_sub_folder("Team A")
    sub = team.create_sub_folder("Sub")
    assert sub.get_path() == "/Team A/Sub"
    assert [f.id for f in client.get_project_folder(team.id).list_child_folders()] == [sub.id]

    settings = team.get_settings()
    settings.set_name("Team B")
    settings.get_permissions().append({"group": "analysts", "read": True, "writeContents": False, "admin": False})
    settings.save()
    assert client.get_project_folder(team.id).name == "Team B"
    assert team.get_settings().get_raw()["permissions"][0]["group"] == "analysts"
    assert team.get_default_folder_for_project_creation().id == team.id

    other = root.create_sub_folder("Other")
    client.get_project_folder(sub.id).move_to(other)
    assert client.get_project_folder(sub.id).get_path() == "/Other/Sub"
    with pytest.raises(DataikuException, match="DSSIllegalArgumentException"):
        other.move_to(client.get_project_folder(sub.id))  # into its own sub-folder

    with pytest.raises(DataikuException, match="DSSIllegalArgumentException: .*not empty"):
        client.get_project_folder(other.id).delete()
    client.get_project_folder(sub.id).delete()
    client.get_project_folder(other.id).delete()
    team.delete()
    assert client.get_root_project_folder().list_child_folders() == []


# -- projects ---------------------------------------------------------------------------------
def test_project_lifecycle(client):
    folder = client.get_root_project_folder().create_sub_folder("Sales team")
    project = client.create_project("SALES", "Sales analytics", "admin", description="KPIs",
                                    project_folder_id=folder.id, tags=["finance"],
                                    permissions=[{"group": "analysts", "readProjectContent": True}])
    assert client.list_project_keys() == ["SALES"]
    listed = client.list_projects(include_location=True)[0]
    assert listed["projectLocation"]["path"] == "/Sales team"
    assert project.get_summary()["name"] == "Sales analytics"
    assert project.get_project_folder().id == folder.id
    assert folder.create_project("OTHER", "Other", "admin").project_key == "OTHER"
    assert sorted(client.get_project_folder(folder.id).list_project_keys()) == ["OTHER", "SALES"]

    metadata = project.get_metadata()
    assert (metadata["label"], metadata["description"], metadata["tags"]) == ("Sales analytics", "KPIs", ["finance"])
    metadata["tags"] = ["finance", "prod"]
    metadata["label"] = "Sales"
    project.set_metadata(metadata)
    assert project.get_metadata() == metadata
    assert project.get_summary()["name"] == "Sales"

    permissions = project.get_permissions()
    permissions["permissions"].append({"group": "ops", "readProjectContent": True, "runScenarios": True})
    project.set_permissions(permissions)
    assert project.get_permissions() == permissions

    project.set_variables({"standard": {"warehouse": "dwh_prod"}, "local": {}})
    project.update_variables({"debug": True}, type="local")
    assert project.get_variables() == {"standard": {"warehouse": "dwh_prod"}, "local": {"debug": True}}

    settings = project.get_settings()
    settings.set_python_code_env("py311")
    settings.set_r_code_env(None)
    settings.set_container_exec_config("k8s-small")
    settings.set_k8s_cluster("cluster-a")
    settings.set_cluster(None)
    settings.add_exposed_object("DATASET", "orders", "OTHER")
    settings.save()
    raw = project.get_settings().get_raw()
    assert raw["settings"]["codeEnvs"]["python"]["envName"] == "py311"
    assert raw["exposedObjects"]["objects"] == [
        {"type": "DATASET", "localName": "orders", "rules": [{"targetProject": "OTHER"}]}
    ]

    project.set_tags({"tags": {"finance": {"color": "#ee874a"}}})
    assert project.get_tags() == {"tags": {"finance": {"color": "#ee874a"}}}

    project.move_to_folder(client.get_root_project_folder())
    assert project.get_project_folder().id == "ROOT"

    result = project.delete().wait_for_result()
    assert result["anyMessage"] is False
    assert client.list_project_keys() == ["OTHER"]
    future = client.get_project("OTHER").delete(wait=False)
    assert future.wait_for_result()["success"] is True
    assert client.get_future(future.job_id).get_state()["hasResult"] is True
    folder.delete()


def test_project_creation_errors(client):
    client.create_project("SALES", "Sales", "admin")
    with pytest.raises(DataikuException, match="DSSIllegalArgumentException: Project SALES already exists"):
        client.create_project("SALES", "Again", "admin")
    with pytest.raises(DataikuException, match="must match"):
        client.create_project("NOT-VALID", "x", "admin")
    with pytest.raises(DataikuException, match="NotFoundException"):
        client.create_project("NEW", "x", "admin", project_folder_id="nope")
    assert client.list_project_keys() == ["SALES"]


# -- datasets ---------------------------------------------------------------------------------
def test_dataset_lifecycle(client):
    project = client.create_project("SALES", "Sales", "admin")
    ds = project.create_dataset("orders", "PostgreSQL",
                                params={"connection": "dwh", "mode": "table", "table": "orders"})
    files = project.create_filesystem_dataset("raw_files", "filesystem_input", "/src/raw")
    sql = project.create_sql_table_dataset("customers", "PostgreSQL", "dwh", "customers", "public")
    assert ds.exists() and files.exists() and sql.exists()
    with pytest.raises(DataikuException, match="already exists"):
        project.create_dataset("orders", "PostgreSQL")

    settings = ds.get_settings()
    assert type(settings).__name__ == "SQLDatasetSettings"
    settings.set_table("dwh", "public", "orders_v2")
    settings.add_raw_schema_column({"name": "id", "type": "bigint"})
    settings.add_discrete_partitioning_dimension("country")
    settings.get_raw()["description"] = "Orders"
    settings.save()
    raw = ds.get_settings().get_raw()
    assert raw["params"]["table"] == "orders_v2"
    assert raw["schema"]["columns"] == [{"name": "id", "type": "bigint"}]
    assert raw["partitioning"]["dimensions"] == [{"name": "country", "type": "value"}]
    assert raw["versionTag"]["versionNumber"] == 1
    assert ds.get_settings().data_steward == "admin"

    fs = files.get_settings()
    assert type(fs).__name__ == "FSLikeDatasetSettings"
    fs.set_csv_format(separator=";", skip_rows_before=1)
    fs.set_partitioning_file_pattern("%Y/%M/.*")
    fs.save()
    assert files.get_settings().get_raw_format_params()["separator"] == ";"

    ds.set_schema({"columns": [{"name": "id", "type": "bigint"}, {"name": "amount", "type": "double"}]})
    assert [c["name"] for c in ds.get_schema()["columns"]] == ["id", "amount"]

    metadata = ds.get_metadata()
    metadata["tags"] = ["finance"]
    metadata["custom"] = {"kv": {"steward": "team-a"}}
    ds.set_metadata(metadata)
    assert ds.get_metadata()["tags"] == ["finance"]

    items = project.list_datasets()
    assert [i.name for i in items] == ["orders", "raw_files", "customers"]
    assert items[0].connection == "dwh" and items[0].schema["columns"][0]["name"] == "id"
    assert [d.name for d in project.list_datasets(tags=["finance"])] == ["orders"]
    assert [d.name for d in project.list_datasets(as_type="objects", tags=["nope", "finance"])] == ["orders"]

    sql.rename("clients")
    assert project.get_dataset("clients").exists() and not project.get_dataset("customers").exists()
    files.delete(drop_data=True)
    assert not files.exists()
    with pytest.raises(DataikuException, match="NotFoundException"):
        files.get_settings()


def test_managed_dataset_helper(client):
    project = client.create_project("SALES", "Sales", "admin")
    builder = project.new_managed_dataset("orders_out")
    builder.with_store_into("filesystem_managed", format_option_id="PARQUET_HIVE")
    dataset = builder.create()
    raw = dataset.get_settings().get_raw()
    assert raw["managed"] is True and raw["formatType"] == "parquet"
    assert raw["params"]["connection"] == "filesystem_managed"
    assert builder.already_exists()
    again = project.new_managed_dataset("orders_out").with_store_into("dwh").create(overwrite=True)
    assert again.get_settings().get_raw()["type"] == "PostgreSQL"
    with pytest.raises(DataikuException, match="does not allow managed datasets"):
        project.new_managed_dataset("x").with_store_into("filesystem_input").create()


def test_foreign_datasets_follow_exposed_objects(client):
    source = client.create_project("SOURCE", "Source", "admin")
    target = client.create_project("TARGET", "Target", "admin")
    source.create_dataset("shared", "PostgreSQL", params={"connection": "dwh", "table": "shared"})
    settings = source.get_settings()
    settings.add_exposed_object("DATASET", "shared", "TARGET")
    settings.save()
    assert [d.name for d in target.list_datasets(include_shared=True)] == ["shared"]
    assert target.list_datasets() == []
