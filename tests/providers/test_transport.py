"""Transport security: plain HTTP only to loopback unless allowed; CA bundles; TLS verify on.

The bundles at work against real TLS servers and proxies: ``test_http_network.py``."""

from __future__ import annotations

import ssl

import pytest
from reconciler.errors import ConfigError
from reconciler.providers.dataiku.provider import DATAIKU
from reconciler.providers.lightdash.provider import LIGHTDASH
from reconciler.providers.settings import resolve_settings
from reconciler.providers.transport import tls_verify


def Settings(url: str, spec=DATAIKU, env=None, **block):
    """A provider's settings as a run resolves them (the specs' block, then env vars)."""
    return resolve_settings(spec, {"url": url, "api_key": "k", **block}, env or {})


@pytest.mark.parametrize("url, common, ok", [
    pytest.param("http://127.0.0.1:8765/dataiku", {}, True, id="loopback-ip"),
    pytest.param("http://localhost:8765/dataiku", {}, True, id="localhost"),
    pytest.param("http://[::1]:8765/dataiku", {}, True, id="ipv6-loopback"),
    pytest.param("https://dss.example.com", {}, True, id="https"),
    pytest.param("http://dss.example.com", {}, False, id="plain-http-remote"),
    pytest.param("http://10.0.0.5/dss", {}, False, id="plain-http-private-ip"),
    pytest.param("http://dss.example.com", {"allow_insecure": True}, True, id="explicitly-allowed"),
])
def test_plain_http_only_to_loopback(url, common, ok):
    settings = Settings(url, **common)
    if ok:
        assert tls_verify("dataiku", settings) is True
    else:
        with pytest.raises(ConfigError) as err:
            tls_verify("dataiku", settings)
        assert "allow_insecure" in str(err.value) and "k" not in str(err.value).split("hint")[0].split()


def test_ca_bundle_must_exist_and_be_pem(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        tls_verify("dataiku", Settings("https://dss.example.com", ca_bundle=str(tmp_path / "nope.pem")))
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigError, match="not a usable PEM"):
        tls_verify("dataiku", Settings("https://dss.example.com", env={"DATAIKU_CA_BUNDLE": str(bad)}))


def test_ca_bundle_is_a_verifying_context_built_once_per_file(tmp_path):
    import certifi

    context = tls_verify("dataiku", Settings("https://x", ca_bundle=certifi.where()))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    again = tls_verify("lightdash", Settings("https://y", LIGHTDASH, {"RECONCILER_CA_BUNDLE": certifi.where()}))
    assert again is context  # one context per bundle per process, shared by every client
    copy = tmp_path / "copy.pem"
    copy.write_bytes(open(certifi.where(), "rb").read())
    assert tls_verify("dataiku", Settings("https://x", env={"DATAIKU_CA_BUNDLE": str(copy)})) is not context


def test_the_provider_s_own_bundle_variable_comes_before_the_shared_one(tmp_path):
    import certifi

    mine = tmp_path / "mine.pem"
    mine.write_bytes(open(certifi.where(), "rb").read())
    env = {"DATAIKU_CA_BUNDLE": str(mine), "RECONCILER_CA_BUNDLE": certifi.where()}
    assert Settings("https://x", env=env).ca_bundle == str(mine)
    assert Settings("https://x", env={"RECONCILER_CA_BUNDLE": certifi.where()}).ca_bundle == certifi.where()


@pytest.mark.parametrize("block, message", [
    pytest.param({"ca_bundle": 3}, "ca_bundle", id="bundle-not-a-path"),
    pytest.param({"allow_insecure": "yes"}, "allow_insecure", id="allow-insecure-not-a-boolean"),
    pytest.param({"verify_tls": "no"}, "verify_tls", id="verify-tls-not-a-boolean"),
])
def test_the_tls_settings_are_checked_like_any_setting(block, message):
    with pytest.raises(ConfigError, match=message):
        Settings("https://x", **block)
