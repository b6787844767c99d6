"""The semantic-model provider (NexusOne): settings, resource types and how to connect.

``SEMANTIC`` is the registry entry. ``url`` is the tenant's API host (the sandbox's
``http://127.0.0.1:PORT/semantic``), under which the client calls ``/api/semantic-models``;
``token`` is an OAuth access token sent as ``Bearer``. ``auto_approve`` is the explicit opt-in,
for sandbox and dev tenants only, to approve what apply submits (it needs an admin token);
without it the tool never approves anything.
"""

from __future__ import annotations

from typing import Mapping

from pydantic import Field, SecretStr

from reconciler.errors import PlanError
from reconciler.providers.base import ExportScope, Live, ProviderSpec, ResourceType
from reconciler.providers.http import scheme_auth
from reconciler.providers.models import HttpUrl, PlatformSettings
from reconciler.providers.semantic.client import SemanticClient, error_message, is_not_found
from reconciler.providers.semantic.resources import SemanticModel
from reconciler.providers.semantic.resources.model import DOMAIN_PREFIX, EXPORTABLE


class SemanticSettings(PlatformSettings):
    """How to reach one semantic-model service."""

    url: HttpUrl = Field(description="tenant API host, e.g. https://aiapi.acme.nx1cloud.com (without /api/...)")
    token: SecretStr = Field(description="OAuth access token (nx1_semantic_modeller; admin to deploy)")
    auto_approve: bool = Field(False, description="sandbox/dev only: approve submitted models (admin token)")
    timeout: float = Field(120.0, gt=0, description="seconds per request (deploys are synchronous)")


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


SEMANTIC = ProviderSpec(
    name="semantic",
    settings_model=SemanticSettings,
    env={"url": "SEMANTIC_URL", "token": "SEMANTIC_TOKEN", "auto_approve": "SEMANTIC_AUTO_APPROVE"},
    resource_types=RESOURCE_TYPES,
    client=lambda http, settings: SemanticClient(http, auto_approve=settings.auto_approve),
    auth=lambda settings: scheme_auth("Bearer", settings.token.get_secret_value()),
    error_message=error_message,
    is_not_found=is_not_found,
    secret_settings=frozenset({"token"}),
    export_scope=export_scope,
)
