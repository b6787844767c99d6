"""Transport security shared by every provider: TLS verification, CA bundles, plain HTTP.

Owns what the TLS settings every provider has (``PlatformSettings``) mean: ``ca_bundle`` (a PEM
file of CAs to trust instead of the default ones; also from ``<PROVIDER>_CA_BUNDLE`` or
``RECONCILER_CA_BUNDLE``), ``allow_insecure`` (permit a plain ``http://`` URL to a host other
than loopback) and ``verify_tls`` (on unless turned off for a test instance). Credentials never
cross a network in clear text unless the user said so for that provider. What it decides is the
``verify`` value of the provider's ``HttpClient``: a CA bundle changes what is trusted, never how
requests are routed (environment proxies apply all the same).
"""

from __future__ import annotations

import functools
import ipaddress
import os
import ssl
from urllib.parse import urlsplit

from reconciler.errors import ConfigError
from reconciler.providers.models import PlatformSettings


def tls_verify(provider: str, settings: PlatformSettings) -> ssl.SSLContext | bool:
    """The ``verify`` value for the provider's client: an SSL context trusting the ``ca_bundle``,
    ``True`` (the default CAs; ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set), or ``False`` when
    ``verify_tls`` is off. Raises ``ConfigError`` for a plain ``http://`` URL to a non-loopback
    host (unless ``allow_insecure``) and for a bundle that is missing or not PEM."""
    allow = settings.allow_insecure
    for name, value in settings:
        if isinstance(value, str) and value.startswith("http://") and not allow and not _loopback(value):
            host = urlsplit(value).hostname
            raise ConfigError(
                f"provider {provider}: {name} uses plain http:// to {host}; credentials would cross the network "
                "unencrypted",
                hint=f"use https://, or set providers.{provider}.allow_insecure: true if this network is trusted",
            )
    if not settings.verify_tls:
        return False
    bundle = settings.ca_bundle
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
