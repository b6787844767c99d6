"""The Lightdash emulator as the sandbox mounts it (at ``/lightdash``, serving ``/api/v1/...`` and
``/api/v2/...`` beneath).

Auth: ``Authorization: ApiKey <token>`` (a personal access token, as the official client and the
CLI send it) or ``Authorization: Bearer <token>`` (a service account). Anything else gets
Lightdash's 401 ``AuthorizationError`` body; ``GET /api/v1/health`` needs no token. Every
authenticated request acts as the seeded admin.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from reconciler.providers.lightdash.sandbox.errors import LightdashApiError, error_response
from reconciler.providers.lightdash.sandbox.models import LightdashWorld
from reconciler.providers.lightdash.sandbox.routes import PUBLIC_PATHS, ROUTES
from reconciler.sandbox.emulator import RoutedEmulator
from reconciler.sandbox.routing import Router
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

SCHEMES = ("apikey", "bearer")


def presented_token(request: SandboxRequest) -> str | None:
    """The token a request carries as ``ApiKey <t>`` or ``Bearer <t>``, or ``None``."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() in SCHEMES and token.strip() else None


class LightdashEmulator(RoutedEmulator):
    """Lightdash API v1/v2: organization, members, groups, access, spaces, attributes, content."""

    name = "lightdash"
    domain_error = LightdashApiError

    def __init__(self, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.world = LightdashWorld(seed, clock)
        self.router = Router(ROUTES)

    def authenticate(self, request: SandboxRequest, token: str) -> SandboxResponse | None:
        if request.method == "GET" and request.segments[1:] in PUBLIC_PATHS:
            return None
        presented = presented_token(request)
        if presented is not None and hmac.compare_digest(presented.encode(), token.encode()):
            return None
        message = ("Failed to authorize user" if presented is None
                   else "Personal access token is not recognised")
        return error_response(401, message, "AuthorizationError")

    def not_found(self, request: SandboxRequest) -> SandboxResponse:
        return error_response(404, f"No API route for {request.method} {request.path}", "NotFoundError")

    def error_response(self, status: int, message: str) -> SandboxResponse:
        return error_response(status, message)

    def env(self, base_url: str, token: str) -> dict[str, str]:
        return {"LIGHTDASH_URL": f"{base_url}/lightdash", "LIGHTDASH_API_KEY": token}
