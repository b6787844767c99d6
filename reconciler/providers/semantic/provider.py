"""The semantic-model provider (NexusOne): settings, resource types and how to connect.

``SEMANTIC`` is the registry entry. ``url`` is the tenant's API host (the sandbox's
``http://127.0.0.1:PORT/semantic``), under which the client calls ``/api/semantic-models``;
``token`` is an OAuth access token sent as ``Bearer``. ``auto_approve`` is the explicit opt-in,
for sandbox and dev tenants only, to approve what apply submits (it needs an admin token);
without it the tool never approves anything.
"""

from __future__ import annotations

import ssl
from typing import Mapping

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from reconciler.errors import PlanError
from reconciler.providers.base import ExportScope, Live, ProviderSpec, ResourceType
from reconciler.providers.http import HttpClient, scheme_auth
from reconciler.providers.models import Model
from reconciler.providers.semantic.client import SemanticClient, error_message, is_not_found
from reconciler.providers.semantic.resources import SemanticModel
from reconciler.providers.semantic.resources.model import DOMAIN_PREFIX, EXPORTABLE


class SemanticSettings(Model):
    """How to reach one semantic-model service."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="tenant API host, e.g. https://aiapi.acme.nx1cloud.com (without /api/...)")
    token: SecretStr = Field(description="OAuth access token (nx1_semantic_modeller; admin to deploy)")
    auto_approve: bool = Field(False, description="sandbox/dev only: approve submitted models (admin token)")
    concurrency: int = Field(8, ge=1, le=256, description="requests in flight at most")
    timeout: float = Field(120.0, gt=0, description="seconds per request (deploys are synchronous)")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


#: every resource type of the provider, by its type name
RESOURCE_TYPES: dict[str, type[ResourceType]] = {SemanticModel.type_name: SemanticModel}


def export_scope(client: SemanticClient, scope: Mapping[str, str]) -> ExportScope:
    """``--scope domain=<urn:li:domain:... or its last part>`` and ``status=<status>[,<status>...]``
    (default: every review status but archived)."""
    unknown = sorted(set(scope) - {"domain", "status"})
    if unknown:
        raise PlanError(f"semantic export: unknown --scope key(s) {', '.join(unknown)}",
                        hint="scopes: domain=<urn:li:domain:... or its last part>, status=<status>[,<status>...]")
    domain = scope.get("domain") or None
    if domain is not None and not domain.startswith(DOMAIN_PREFIX):
        domain = DOMAIN_PREFIX + domain
    statuses = frozenset(EXPORTABLE)
    if scope.get("status"):
        statuses = frozenset(s.strip() for s in scope["status"].split(",") if s.strip())
        wrong = sorted(statuses - set(EXPORTABLE))
        if wrong or not statuses:
            raise PlanError(f"semantic export: status {', '.join(wrong) or '(empty)'} cannot be exported",
                            hint=f"one or more of {', '.join(EXPORTABLE)}")

    def keep(type_name: str, live: Live) -> bool:
        return live.get("status") in statuses and (domain is None or live.get("domain") == domain)

    return ExportScope(keep=keep)


def connect(settings: BaseModel, transport: httpx.BaseTransport | None = None,
            verify: ssl.SSLContext | bool = True) -> SemanticClient:
    """A ``SemanticClient`` over one ``HttpClient`` (``verify``: the engine's TLS setting, see
    ``transport.tls_verify``; ``transport``: the sandbox's, in tests)."""
    assert isinstance(settings, SemanticSettings)
    token = settings.token.get_secret_value()
    http = HttpClient(
        provider="semantic",
        base_url=settings.url,
        auth=scheme_auth("Bearer", token),
        secrets=[token],
        timeout=settings.timeout,
        concurrency=settings.concurrency,
        verify=verify,
        transport=transport,
        error_message=error_message,
        is_not_found=is_not_found,
    )
    return SemanticClient(http, auto_approve=settings.auto_approve)


SEMANTIC = ProviderSpec(
    name="semantic",
    settings_model=SemanticSettings,
    env={"url": "SEMANTIC_URL", "token": "SEMANTIC_TOKEN", "auto_approve": "SEMANTIC_AUTO_APPROVE"},
    resource_types=RESOURCE_TYPES,
    connect_fn=connect,
    secret_settings=frozenset({"token"}),
    export_scope=export_scope,
)
