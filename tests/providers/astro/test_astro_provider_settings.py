"""Astro provider settings: env fallbacks, validation, the token never shown."""

from __future__ import annotations

import pytest

from reconciler.errors import ConfigError
from reconciler.providers.astro.provider import ASTRO, AstroSettings
from reconciler.providers.settings import resolve_settings

ENV = {"ASTRO_API_URL": "https://api.astronomer.io/", "ASTRO_API_TOKEN": "tok-secret-1",
       "ASTRO_ORGANIZATION_ID": "clo1"}


def test_settings_come_from_the_env():
    settings = resolve_settings(ASTRO, None, ENV)
    assert isinstance(settings, AstroSettings)
    assert (settings.url, settings.organization_id, settings.api_prefix) == ("https://api.astronomer.io", "clo1",
                                                                             "/platform/v1beta1")
    assert "tok-secret-1" not in repr(settings)


@pytest.mark.parametrize("block, env, message", [
    pytest.param(None, {k: v for k, v in ENV.items() if k != "ASTRO_ORGANIZATION_ID"}, "ASTRO_ORGANIZATION_ID",
                 id="no-organization"),
    pytest.param(None, {k: v for k, v in ENV.items() if k != "ASTRO_API_TOKEN"}, "ASTRO_API_TOKEN", id="no-token"),
    pytest.param({"api_prefix": "/v2"}, ENV, "api_prefix", id="bad-prefix"),
    pytest.param({"url": "ftp://x"}, ENV, "url", id="bad-url"),
    pytest.param({"deploy_timeout": 0}, ENV, "deploy_timeout", id="zero-timeout"),
])
def test_invalid_settings_are_config_errors(block, env, message):
    with pytest.raises(ConfigError, match=message) as err:
        resolve_settings(ASTRO, block, env)
    assert "tok-secret-1" not in str(err.value)


def test_connect_builds_a_client_for_the_organization():
    session = ASTRO.connect(resolve_settings(ASTRO, {"deploy_timeout": 60, "poll_interval": 1}, ENV))
    try:
        assert session.client.organization_id == "clo1" and session.client.deploy_timeout == 60
        assert "tok-secret-1" not in repr(session.client.http) and "tok-secret-1" not in repr(session.client.image_pusher)
        assert set(session.types) == {"astro_workspace", "astro_deployment", "astro_deploy", "astro_environment_object",
                                      "astro_notification_channel", "astro_alert", "astro_team"}
    finally:
        session.close()
