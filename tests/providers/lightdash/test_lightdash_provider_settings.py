"""Provider settings: where they come from, what a URL may look like, what is secret."""

from __future__ import annotations

import pytest

from reconciler.errors import ConfigError
from reconciler.providers.lightdash.provider import LIGHTDASH, LightdashSettings
from reconciler.providers.settings import resolve_settings
from reconciler.sandbox.registry import EMULATORS


@pytest.mark.parametrize("url, expected", [
    pytest.param("https://app.lightdash.cloud/", "https://app.lightdash.cloud", id="trailing-slash"),
    pytest.param("https://ld.example.com/api/v1", "https://ld.example.com", id="api-suffix-dropped"),
    pytest.param(" http://127.0.0.1:8080/lightdash ", "http://127.0.0.1:8080/lightdash", id="sandbox-mount"),
])
def test_url_is_the_instance_root(url, expected):
    assert LightdashSettings(url=url, api_key="k").url == expected


def test_settings_come_from_the_lightdash_env_vars_and_the_key_is_secret():
    settings = resolve_settings(LIGHTDASH, None, {"LIGHTDASH_URL": "https://ld.example.com", "LIGHTDASH_API_KEY": "ldpat_x"})
    assert settings.api_key.get_secret_value() == "ldpat_x" and "ldpat_x" not in repr(settings)
    assert LIGHTDASH.secret_settings == frozenset({"api_key"})


@pytest.mark.parametrize("env, message", [
    pytest.param({"LIGHTDASH_URL": "https://ld.example.com"}, "LIGHTDASH_API_KEY", id="no-key"),
    pytest.param({"LIGHTDASH_API_KEY": "k"}, "LIGHTDASH_URL", id="no-url"),
    pytest.param({"LIGHTDASH_URL": "ftp://x", "LIGHTDASH_API_KEY": "k"}, "must start with http", id="bad-url"),
])
def test_missing_or_bad_settings_name_what_to_set(env, message):
    with pytest.raises(ConfigError, match=message):
        resolve_settings(LIGHTDASH, None, env)


def test_the_sandbox_mounts_the_emulator_and_points_the_provider_at_it():
    emulator = EMULATORS["lightdash"](0)
    assert emulator.env("http://127.0.0.1:9", "t") == {"LIGHTDASH_URL": "http://127.0.0.1:9/lightdash",
                                                       "LIGHTDASH_API_KEY": "t"}
    types = set(LIGHTDASH.resource_types)
    assert {"lightdash_group", "lightdash_project_access", "lightdash_space", "lightdash_organization_member",
            "lightdash_organization_settings", "lightdash_allowed_email_domains", "lightdash_user_attribute",
            "lightdash_chart", "lightdash_dashboard", "lightdash_scheduler", "lightdash_project_settings", "lightdash_organization",
            "lightdash_project", "lightdash_user"} == types
    assert {t for t, rt in LIGHTDASH.resource_types.items() if rt.data_source} == {
        "lightdash_organization", "lightdash_project", "lightdash_user"}
    assert LIGHTDASH.resource_types["lightdash_organization_member"].delete_opt_in == \
        "deleting a member deletes the user account"


def test_the_coverage_table_lists_every_route():
    import re
    from pathlib import Path

    from reconciler.providers.lightdash.sandbox.routes import ROUTES

    def shape(endpoint: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", endpoint.split("?")[0])

    table = (Path(__file__).resolve().parents[3] / "reconciler/providers/lightdash/sandbox/COVERAGE.md").read_text()
    rows = {shape(line.split("`")[1]) for line in table.splitlines() if line.startswith("| `")}
    routes = {shape(f"{r.method} {r.pattern}") for r in ROUTES}
    assert routes == rows
