"""Transport security shared by every provider: TLS verification, CA bundles, plain HTTP.

Owns two settings every ``providers.<name>`` block accepts besides the provider's own:
``ca_bundle`` (a PEM file of CAs to trust instead of the default bundle; also from
``<PROVIDER>_CA_BUNDLE`` or ``RECONCILER_CA_BUNDLE``) and ``allow_insecure`` (permit a plain
``http://`` URL to a host other than loopback). TLS verification is always on; credentials never
cross a network in clear text unless the user said so for that provider.
"""

from __future__ import annotations

import ipaddress
import os
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import urlsplit

from pydantic import BaseModel

if TYPE_CHECKING:
    import ssl

    import httpx

from reconciler.errors import ConfigError

COMMON_KEYS = ("ca_bundle", "allow_insecure")


def split_common(block: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the provider's own settings, the common transport settings) of a providers block."""
    own = {k: v for k, v in (block or {}).items() if k not in COMMON_KEYS}
    common = {k: v for k, v in (block or {}).items() if k in COMMON_KEYS}
    return own, common


def check_common(common: Mapping[str, Any]) -> list[str]:
    """Problems with the common settings' values (for ``validate``)."""
    problems = []
    if "allow_insecure" in common and not isinstance(common["allow_insecure"], bool):
        problems.append("allow_insecure: expected true or false")
    if "ca_bundle" in common and not isinstance(common["ca_bundle"], str):
        problems.append("ca_bundle: expected a path to a PEM file")
    return problems


def secure_transport(provider: str, settings: BaseModel, common: Mapping[str, Any],
                     env: Mapping[str, str]) -> httpx.BaseTransport | None:
    """Refuse plain HTTP to non-loopback hosts (unless allowed); a transport trusting ``ca_bundle``.

    Returns None when the provider's default transport (system CA bundle, verification on) is right.
    """
    allow = bool(common.get("allow_insecure", False))
    for name, value in settings:
        if isinstance(value, str) and value.startswith("http://") and not allow and not _loopback(value):
            host = urlsplit(value).hostname
            raise ConfigError(
                f"provider {provider}: {name} uses plain http:// to {host}; credentials would cross the network "
                "unencrypted",
                hint=f"use https://, or set providers.{provider}.allow_insecure: true if this network is trusted",
            )
    bundle = common.get("ca_bundle") or env.get(f"{provider.upper()}_CA_BUNDLE") or env.get("RECONCILER_CA_BUNDLE")
    if not bundle:
        return None
    if not os.path.isfile(bundle):
        raise ConfigError(f"provider {provider}: ca_bundle {bundle} does not exist or is not a file")
    import ssl  # only with a CA bundle: a plain-http run never loads it

    try:
        context = ssl.create_default_context(cafile=bundle)
    except (ssl.SSLError, OSError) as err:
        raise ConfigError(f"provider {provider}: ca_bundle {bundle} is not a usable PEM file: {err}") from None
    return trusting_transport(context)


def trusting_transport(tls: ssl.SSLContext) -> httpx.BaseTransport:
    """The network transport with TLS verified against a given CA bundle (``tls``, an SSL
    context). ``HttpClient`` sends over its own pooled connections with the same context
    (``trusted_tls``); httpx uses this transport when a proxy applies."""
    return _trusting_class()(tls)


def trusted_tls(transport: object) -> ssl.SSLContext | None:
    """The TLS context of a ``trusting_transport``; None for any other transport."""
    cls = _TRUSTING.get("class")
    return transport.tls if cls is not None and isinstance(transport, cls) else None  # type: ignore[attr-defined]


_TRUSTING: dict[str, type] = {}


def _trusting_class() -> type:
    """``TrustingTransport``, defined on first use (httpx is imported only when a run needs it)."""
    cls = _TRUSTING.get("class")
    if cls is None:
        from reconciler.providers.connections import httpx_module

        class TrustingTransport(httpx_module().HTTPTransport):
            def __init__(self, tls: ssl.SSLContext) -> None:
                super().__init__(verify=tls)
                self.tls = tls

        cls = _TRUSTING.setdefault("class", TrustingTransport)
    return cls


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
