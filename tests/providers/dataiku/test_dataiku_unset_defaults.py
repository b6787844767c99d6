"""Unset means default, per Dataiku type: an optional field with a default, removed from its block,
goes back to that default on DSS (``reconciler.testing.run_unset_defaults``). ``dataiku_plugin`` and
``dataiku_deployer_project`` have no such field (their defaults are install options or "unmanaged")."""

from __future__ import annotations

import pytest

from reconciler.testing import run_unset_defaults

from tests.providers.dataiku.test_dataiku_lifecycles import P, STEP, session  # noqa: F401 (a fixture)


CASES = [
    pytest.param("dataiku_project", {"key": "OTHER", "name": "Other", "tags": ["x"], "description": "d",
                                     "short_description": "s"}, id="project"),
    pytest.param("dataiku_dataset", {"project": P, "name": "events", "type": "S3", "tags": ["raw"],
                                     "params": {"connection": "s3", "path": "/events"}, "description": "d",
                                     "short_description": "s"}, id="dataset"),
    pytest.param("dataiku_managed_dataset", {"project": P, "name": "out", "connection": "filesystem_managed",
                                             "tags": ["curated"], "description": "d", "short_description": "s"},
                 id="managed-dataset"),
    pytest.param("dataiku_managed_folder", {"project": P, "name": "models", "tags": ["ml"], "description": "d",
                                            "short_description": "s"}, id="managed-folder"),
    pytest.param("dataiku_recipe", {"project": P, "name": "compute_clean", "type": "python", "inputs": ["orders"],
                                    "outputs": ["clean"], "payload": "print(1)\n", "tags": ["py"], "description": "d",
                                    "short_description": "s"}, id="recipe"),
    pytest.param("dataiku_scenario", {"project": P, "id": "NIGHTLY", "name": "Nightly", "steps": [STEP],
                                      "active": True, "tags": ["ops"], "description": "d", "short_description": "s"},
                 id="scenario"),
    pytest.param("dataiku_wiki_article", {"project": P, "name": "Home", "body": "# Home\n", "tags": ["doc"]},
                 id="wiki-article"),
    pytest.param("dataiku_meaning", {"id": "country", "label": "Country", "type": "VALUES_LIST", "values": ["FR"],
                                     "normalization_mode": "LOWERCASE", "detectable": True, "description": "d"},
                 id="meaning"),
    pytest.param("dataiku_deployer_infra", {"id": "prod", "stage": "Production", "trust_all_ssl_certificates": True,
                                            "govern_check_policy": "PREVENT"}, id="deployer-infra"),
]


@pytest.mark.parametrize("type_name, spec", CASES)
def test_removed_fields_go_back_to_their_defaults(session, type_name, spec):
    run_unset_defaults(session, type_name, spec, keep=("outputs",))


def test_a_folder_without_parent_goes_back_to_the_root(session):
    team = session.resource("dataiku_project_folder").create({"name": "Team"})[0]
    run_unset_defaults(session, "dataiku_project_folder", {"name": "Sub", "parent": team})


def test_a_project_without_folder_goes_back_to_the_root(session):
    team = session.resource("dataiku_project_folder").create({"name": "Team"})[0]
    run_unset_defaults(session, "dataiku_project", {"key": "MOVED", "name": "Moved", "folder": team})


def test_an_article_without_parent_goes_back_to_the_top(session):
    parent = session.resource("dataiku_wiki_article").create({"project": P, "name": "Home", "body": "# Home\n"})[1]["id"]
    run_unset_defaults(session, "dataiku_wiki_article", {"project": P, "name": "Child", "parent": parent})


def test_a_deployment_without_tags_or_timeout_goes_back_to_the_defaults(session):
    session.resource("dataiku_deployer_infra").create({"id": "prod", "stage": "Production"})
    session.resource("dataiku_deployer_project").create({"key": P, "bundles": ["v1"]})
    run_unset_defaults(session, "dataiku_deployer_deployment",
                       {"id": "sales-prod", "published_project": P, "infra": "prod", "bundle_id": "v1",
                        "tags": ["prod"], "update_timeout": 60})
