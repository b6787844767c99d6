"""``Model``: the base of every pydantic model of the providers (settings, specs, sandbox payloads),
and ``PlatformSettings``, what every provider's settings share.

Its models are built on first use, not at import (``defer_build``): a run pays only for the
models it validates with (a plan of three resource types builds those three, not the forty the
providers declare). pydantic makes that first build thread-safe from 2.14 (pydantic#13438), so
a model first used from a worker thread (an apply's create, a sandbox request) is safe too.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Model(BaseModel):
    """``BaseModel`` built lazily; subclasses' own ``model_config`` is merged with this one."""

    model_config = ConfigDict(defer_build=True)


def _http_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value


#: an ``http(s)://`` URL, its trailing slash dropped
HttpUrl = Annotated[str, AfterValidator(_http_url)]


class PlatformSettings(Model):
    """The settings every provider has besides its URL and credentials: how many requests may be
    in flight, how long one may take, and how TLS is verified (``transport.tls_verify``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    concurrency: int = Field(8, ge=1, le=256, description="requests in flight at most")
    timeout: float = Field(30.0, gt=0, description="seconds per request")
    ca_bundle: str | None = Field(None, description="a PEM file of the CAs to trust instead of the default ones "
                                                    "(also <PROVIDER>_CA_BUNDLE or RECONCILER_CA_BUNDLE)")
    allow_insecure: bool = Field(False, strict=True, description="permit a plain http:// URL to a host other than loopback")
    verify_tls: bool = Field(True, strict=True, description="verify the server's TLS certificate; false only for a test "
                                               "instance (give ca_bundle where you can)")
