"""The Astro emulator as the sandbox mounts it (at ``/astro``).

Auth: ``Authorization: Bearer <token>`` (what ``astro-platform-api``'s ``AuthenticatedClient``
sends); anything else gets Astro's 401 body. The blob stand-in under ``/astro/_blob/…`` takes no
bearer token: its pre-signed ``sig`` is checked by the world, like Azure's SAS.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from reconciler.providers.astro.sandbox.errors import AstroError, BlobError, error_response
from reconciler.providers.astro.sandbox.models import AstroWorld
from reconciler.providers.astro.sandbox.routes import BLOB_ROUTES, BLOB_SEGMENT, PREFIXES, ROUTES
from reconciler.providers.astro.sandbox.seed import ORG_ID
from reconciler.sandbox.emulator import RoutedEmulator
from reconciler.sandbox.routing import RouteMatch, Router
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse


class AstroEmulator(RoutedEmulator):
    """Astro platform API: organizations, workspaces, deployments, deploys (+ upload stand-in)."""

    name = "astro"
    domain_error = AstroError

    def __init__(self, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.world = AstroWorld(seed=seed, clock=clock)
        self.router = Router(ROUTES, prefixes=PREFIXES)
        self.blob_router = Router(BLOB_ROUTES)

    @staticmethod
    def _is_blob(request: SandboxRequest) -> bool:
        return request.segments[1:2] == (BLOB_SEGMENT,)

    def authenticate(self, request: SandboxRequest, token: str) -> SandboxResponse | None:
        if self._is_blob(request):
            return None
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
            return None
        return error_response(401, "Unauthorized: a valid Astro API token is required (Authorization: Bearer <token>)")

    def handle(self, request: SandboxRequest, path: tuple[str, ...]) -> SandboxResponse:
        if path[:1] == (BLOB_SEGMENT,):
            match = self.blob_router.resolve(request.method, path)
            if not isinstance(match, RouteMatch):
                return BlobError(400, "UnsupportedHttpVerb", "The resource doesn't support the specified verb.") \
                    .to_response()
            try:
                return self.invoke(match, request)
            except BlobError as error:
                return error.to_response()
        return super().handle(request, path)

    def error_response(self, status: int, message: str) -> SandboxResponse:
        return error_response(status, message)

    def env(self, base_url: str, token: str) -> dict[str, str]:
        return {"ASTRO_API_URL": f"{base_url}/astro", "ASTRO_API_TOKEN": token,
                "ASTRO_ORGANIZATION_ID": ORG_ID}
