"""The semantic-model emulator as the sandbox mounts it (at ``/semantic``).

Auth: ``Authorization: Bearer <token>`` (an OAuth access token on the real service); anything
else gets 401 ``{"detail": "Not authenticated"}``. What the token may do is the ``roles`` knob
(default: modeller and admin).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from reconciler.providers.semantic.sandbox.errors import SemanticError, error_response
from reconciler.providers.semantic.sandbox.models import SemanticWorld
from reconciler.providers.semantic.sandbox.routes import PREFIXES, ROUTES
from reconciler.sandbox.emulator import RoutedEmulator
from reconciler.sandbox.routing import Router
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse


class SemanticEmulator(RoutedEmulator):
    """NexusOne semantic models: authoring, review, deploy."""

    name = "semantic"
    domain_error = SemanticError

    def __init__(self, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.world = SemanticWorld(seed=seed, clock=clock)
        self.router = Router(ROUTES, prefixes=PREFIXES)

    def authenticate(self, request: SandboxRequest, token: str) -> SandboxResponse | None:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
            return None
        return error_response(401, "Not authenticated").with_headers({"WWW-Authenticate": "Bearer"})

    def not_found(self, request: SandboxRequest) -> SandboxResponse:
        return error_response(404, "Not Found")

    def method_not_allowed(self, request: SandboxRequest, allowed: tuple[str, ...]) -> SandboxResponse:
        return error_response(405, "Method Not Allowed").with_headers({"Allow": ", ".join(allowed)})

    def error_response(self, status: int, message: str) -> SandboxResponse:
        return error_response(status, message)

    def env(self, base_url: str, token: str) -> dict[str, str]:
        """The provider's URL and token, and the explicit auto-approval opt-in: the sandbox is a
        dev tenant and its token has the admin role (unset ``SEMANTIC_AUTO_APPROVE`` to watch
        models wait for review)."""
        return {"SEMANTIC_URL": f"{base_url}/semantic", "SEMANTIC_TOKEN": token, "SEMANTIC_AUTO_APPROVE": "true"}
