"""Transport security: plain HTTP only to loopback unless allowed; CA bundles; TLS verify on.

The bundles at work against real TLS servers and proxies: ``test_http_network.py``."""

from __future__ import annotations

import ssl

import pytest
from pydantic import BaseModel

from reconciler.errors import ConfigError
from reconciler.providers.transport import check_common, split_common, tls_verify


class Settings(BaseModel):
    url: str
    api_key: str = "k"


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
    settings = Settings(url=url)
    if ok:
        assert tls_verify("dataiku", settings, common, {}) is True
    else:
        with pytest.raises(ConfigError) as err:
            tls_verify("dataiku", settings, common, {})
        assert "allow_insecure" in str(err.value) and "k" not in str(err.value).split("hint")[0].split()


def test_ca_bundle_must_exist_and_be_pem(tmp_path):
    settings = Settings(url="https://dss.example.com")
    with pytest.raises(ConfigError, match="does not exist"):
        tls_verify("dataiku", settings, {"ca_bundle": str(tmp_path / "nope.pem")}, {})
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigError, match="not a usable PEM"):
        tls_verify("dataiku", settings, {}, {"DATAIKU_CA_BUNDLE": str(bad)})


def test_ca_bundle_is_a_verifying_context_built_once_per_file(tmp_path):
    import certifi

    context = tls_verify("dataiku", Settings(url="https://x"), {"ca_bundle": certifi.where()}, {})
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    again = tls_verify("lightdash", Settings(url="https://y"), {}, {"RECONCILER_CA_BUNDLE": certifi.where()})
    assert again is context  # one context per bundle per process, shared by every client
    copy = tmp_path / "copy.pem"
    copy.write_bytes(open(certifi.where(), "rb").read())
    assert tls_verify("dataiku", Settings(url="https://x"), {}, {"DATAIKU_CA_BUNDLE": str(copy)}) is not context


def test_common_keys_are_split_and_checked():
    own, common = split_common({"url": "u", "ca_bundle": 3, "allow_insecure": "yes"})
    assert own == {"url": "u"}
    assert check_common(common) == ["allow_insecure: expected true or false", "ca_bundle: expected a path to a PEM file"]
