"""Transport security: plain HTTP only to loopback unless allowed; CA bundles; TLS verify on."""

from __future__ import annotations

import ssl

import pytest
from pydantic import BaseModel

from reconciler.errors import ConfigError
from reconciler.providers.transport import check_common, secure_transport, split_common


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
        assert secure_transport("dataiku", settings, common, {}) is None
    else:
        with pytest.raises(ConfigError) as err:
            secure_transport("dataiku", settings, common, {})
        assert "allow_insecure" in str(err.value) and "k" not in str(err.value).split("hint")[0].split()


def test_ca_bundle_must_exist_and_be_pem(tmp_path):
    settings = Settings(url="https://dss.example.com")
    with pytest.raises(ConfigError, match="does not exist"):
        secure_transport("dataiku", settings, {"ca_bundle": str(tmp_path / "nope.pem")}, {})
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigError, match="not a usable PEM"):
        secure_transport("dataiku", settings, {}, {"DATAIKU_CA_BUNDLE": str(bad)})


def test_ca_bundle_builds_a_verifying_transport():
    import certifi

    transport = secure_transport("dataiku", Settings(url="https://x"), {"ca_bundle": certifi.where()}, {})
    assert transport is not None
    assert transport.tls.verify_mode == ssl.CERT_REQUIRED and transport.tls.check_hostname


def test_a_ca_bundle_keeps_the_pooled_wire_path_with_its_own_tls_context(monkeypatch):
    import certifi

    from reconciler.providers.http import HttpClient

    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    transport = secure_transport("dataiku", Settings(url="https://x"), {"ca_bundle": certifi.where()}, {})
    client = HttpClient(provider="dataiku", base_url="https://dss.example.com", transport=transport)
    assert client._wire is not None and client._wire.tls is transport.tls


def test_common_keys_are_split_and_checked():
    own, common = split_common({"url": "u", "ca_bundle": 3, "allow_insecure": "yes"})
    assert own == {"url": "u"}
    assert check_common(common) == ["allow_insecure: expected true or false", "ca_bundle: expected a path to a PEM file"]
