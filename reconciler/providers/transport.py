"""Transport security shared by every provider: TLS verification, CA bundles, plain HTTP.

Owns two settings every ``providers.<name>`` block accepts besides the provider's own:
``ca_bundle`` (a PEM file of CAs to trust instead of the default ones; also from
``<PROVIDER>_CA_BUNDLE`` or ``RECONCILER_CA_BUNDLE``) and ``allow_insecure`` (permit a plain
``http://`` URL to a host other than loopback). TLS verification is always on; credentials never
cross a network in clear text unless the user said so for that provider. What it decides is the
``verify`` value of the provider's ``HttpClient``: a CA bundle changes what is trusted, never how
requests are routed (environment proxies apply all the same).
"""

from __future__ import annotations

import functools
import ipaddress
import os
import ssl
from typing import Any, Mapping
from urllib.parse import urlsplit

from pydantic import BaseModel

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


def tls_verify(provider: str, settings: BaseModel, common: Mapping[str, Any],
               env: Mapping[str, str]) -> ssl.SSLContext | bool:
    """The ``verify`` value for the provider's client: an SSL context trusting the ``ca_bundle``,
    or ``True`` (the default CAs; ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set). Raises
    ``ConfigError`` for a plain ``http://`` URL to a non-loopback host (unless ``allow_insecure``)
    and for a bundle that is missing or not PEM."""
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
        return True
    if not os.path.isfile(bundle):
        raise ConfigError(f"provider {provider}: ca_bundle {bundle} does not exist or is not a file")
    try:
        return _trusting(os.path.realpath(bundle), os.stat(bundle).st_mtime_ns)
    except (ssl.SSLError, OSError) as err:
        raise ConfigError(f"provider {provider}: ca_bundle {bundle} is not a usable PEM file: {err}") from None


@functools.lru_cache(maxsize=None)
def _trusting(bundle: str, modified: int) -> ssl.SSLContext:
    """A verifying TLS context trusting the CAs in ``bundle``: one per file (and version of it,
    ``modified``) per process, shared by every client that trusts it."""
    return ssl.create_default_context(cafile=bundle)


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
