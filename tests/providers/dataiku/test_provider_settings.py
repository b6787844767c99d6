"""Settings resolution (specs block > env var > default) and the provider registry."""

from __future__ import annotations

import pytest

from reconciler.errors import ConfigError
from reconciler.providers.dataiku.provider import DATAIKU, DataikuSettings
from reconciler.providers.registry import PROVIDERS
from reconciler.providers.settings import resolve_settings

SECRET = "dku-s3cr3t-never-print"
ENV = {"DATAIKU_URL": "https://env.example.com", "DATAIKU_API_KEY": SECRET}


@pytest.mark.parametrize(
    "block, env, expected",
    [
        pytest.param(None, ENV, {"url": "https://env.example.com", "api_key": SECRET, "concurrency": 8,
                                 "timeout": 30.0, "verify_tls": True}, id="env-only-defaults"),
        pytest.param({"url": "https://block.example.com/"}, ENV, {"url": "https://block.example.com", "api_key": SECRET},
                     id="block-wins-over-env-trailing-slash-stripped"),
        pytest.param({"url": None, "api_key": "k2"}, ENV, {"url": "https://env.example.com", "api_key": "k2"},
                     id="block-none-falls-back-to-env"),
        pytest.param({"url": "http://h", "api_key": "k", "concurrency": 2, "timeout": 1.5, "verify_tls": False}, {},
                     {"concurrency": 2, "timeout": 1.5, "verify_tls": False}, id="every-field-from-block"),
        pytest.param({"concurrency": "4"}, ENV, {"concurrency": 4}, id="string-coerced"),
        pytest.param(None, {**ENV, "DATAIKU_CONCURRENCY": "99"}, {"concurrency": 8}, id="no-env-var-for-concurrency"),
    ],
)
def test_resolve_settings(block, env, expected):
    settings = resolve_settings(DATAIKU, block, env)
    assert isinstance(settings, DataikuSettings)
    got = settings.model_dump()
    got["api_key"] = settings.api_key.get_secret_value()
    assert {k: got[k] for k in expected} == expected


@pytest.mark.parametrize(
    "block, env, message",
    [
        pytest.param(None, {"DATAIKU_URL": "http://h"},
                     "provider dataiku: no api_key: set DATAIKU_API_KEY or providers.dataiku.api_key in the specs",
                     id="missing-api-key"),
        pytest.param(None, {"DATAIKU_URL": "http://h", "DATAIKU_API_KEY": ""},
                     "provider dataiku: no api_key: set DATAIKU_API_KEY", id="empty-env-is-unset"),
        pytest.param(None, {"DATAIKU_API_KEY": SECRET},
                     "provider dataiku: no url: set DATAIKU_URL or providers.dataiku.url in the specs", id="missing-url"),
        pytest.param({"url": "dss.example.com"}, ENV, "url: Value error, must start with http:// or https://",
                     id="url-without-scheme"),
        pytest.param({"concurrency": 0, "timeout": "soon"}, ENV, "concurrency: Input should be greater than or equal to 1",
                     id="invalid-values-listed"),
        pytest.param({"apikey": SECRET}, ENV, "unknown setting(s) apikey in providers.dataiku", id="unknown-key"),
    ],
)
def test_resolve_settings_errors(block, env, message):
    with pytest.raises(ConfigError) as info:
        resolve_settings(DATAIKU, block, env)
    assert message in str(info.value)
    assert SECRET not in str(info.value)


def test_invalid_values_name_every_field_and_never_the_value():
    with pytest.raises(ConfigError) as info:
        resolve_settings(DATAIKU, {"concurrency": 0, "timeout": SECRET}, ENV)
    text = str(info.value)
    assert "concurrency:" in text and "timeout:" in text
    assert SECRET not in text


def test_secret_is_not_in_repr():
    settings = resolve_settings(DATAIKU, None, ENV)
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    assert DATAIKU.secret_settings == frozenset({"api_key"})


def test_registry():
    assert PROVIDERS["dataiku"] is DATAIKU
    assert set(DATAIKU.resource_types) == {
        "dataiku_project_folder", "dataiku_project", "dataiku_dataset", "dataiku_managed_dataset", "dataiku_recipe",
        "dataiku_scenario", "dataiku_managed_folder", "dataiku_meaning", "dataiku_wiki_article", "dataiku_plugin",
        "dataiku_deployer_infra", "dataiku_deployer_project", "dataiku_deployer_deployment",
        "dataiku_connection", "dataiku_code_env", "dataiku_root_folder", "dataiku_group", "dataiku_user",
        "dataiku_flow_zone", "dataiku_saved_model", "dataiku_exposed_object"}


@pytest.mark.parametrize("type_name", sorted(DATAIKU.resource_types))
def test_resource_type_declarations(type_name):
    rt = DATAIKU.resource_types[type_name]
    assert rt.type_name == type_name
    assert rt.spec_model.model_config.get("extra") == "forbid"
    for name, info in rt.spec_model.model_fields.items():
        assert info.description, f"{type_name}.{name} has no description"
    assert set(rt.natural_key) <= set(rt.spec_model.model_fields)
    assert rt.create_only <= set(rt.spec_model.model_fields)
    # a delete says what it takes along, except where there is nothing to say: folders (DSS refuses
    # non-empty ones), objects that cannot be deleted (meanings) and read-only data sources
    quiet = type_name == "dataiku_project_folder" or not rt.deletable or rt.data_source
    assert bool(rt.delete_note) == (not quiet)


def test_connect_without_tls_verification_makes_no_request():
    settings = resolve_settings(DATAIKU, {"verify_tls": False}, {**ENV, "DATAIKU_URL": "https://127.0.0.1:1"})
    session = DATAIKU.connect(settings)
    assert session.client.http.stats["requests"] == 0
    assert SECRET not in repr(session.client.http)
    session.close()
