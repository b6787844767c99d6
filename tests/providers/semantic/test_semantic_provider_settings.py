"""Semantic provider settings: env fallbacks, the explicit auto-approval opt-in, no token shown."""

from __future__ import annotations

import pytest

from reconciler.errors import ConfigError
from reconciler.providers.semantic.provider import SEMANTIC
from reconciler.providers.settings import resolve_settings

ENV = {"SEMANTIC_URL": "https://aiapi.acme.nx1cloud.com/", "SEMANTIC_TOKEN": "oauth-secret-9"}


@pytest.mark.parametrize("block, env, expected", [
    pytest.param(None, ENV, False, id="off-by-default"),
    pytest.param({"auto_approve": True}, ENV, True, id="specs-block"),
    pytest.param(None, {**ENV, "SEMANTIC_AUTO_APPROVE": "true"}, True, id="env"),
])
def test_auto_approve_is_an_explicit_opt_in(block, env, expected):
    settings = resolve_settings(SEMANTIC, block, env)
    assert settings.auto_approve is expected and settings.url == "https://aiapi.acme.nx1cloud.com"
    session = SEMANTIC.connect(settings)
    assert session.client.auto_approve is expected
    assert "oauth-secret-9" not in repr(settings) and "oauth-secret-9" not in repr(session.client.http)
    session.close()


def test_missing_token_names_the_env_var():
    with pytest.raises(ConfigError, match="SEMANTIC_TOKEN"):
        resolve_settings(SEMANTIC, None, {"SEMANTIC_URL": "https://x"})
