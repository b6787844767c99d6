"""The Dataiku DSS emulator as the sandbox mounts it (at ``/dataiku``).

Auth: HTTP Basic with the API key as the user (password ignored; ``dataikuapi`` sends an empty
one), ``Authorization: Bearer <key>``, or ``X-DKU-APITicket: <key>``; anything else gets DSS's
401 ``NotAuthenticatedException`` body. Every response carries ``DSS-API-Version`` and
``DSS-Version`` (seed L17-L20).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Callable

from reconciler.providers.dataiku.sandbox import seed
from reconciler.providers.dataiku.sandbox.errors import DSSError, error_response
from reconciler.providers.dataiku.sandbox.models import DataikuWorld
from reconciler.providers.dataiku.sandbox.routes import PREFIXES, ROUTES
from reconciler.sandbox.emulator import RoutedEmulator
from reconciler.sandbox.routing import Router
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

DSS_HEADERS = {"DSS-API-Version": seed.API_VERSION, "DSS-Version": seed.DSS_VERSION}


def presented_key(request: SandboxRequest) -> str | None:
    """The API key a request carries in any scheme DSS accepts, or ``None``."""
    authorization = request.headers.get("Authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[0]
    if scheme.lower() == "bearer":
        return credentials.strip()
    return request.headers.get("X-DKU-APITicket")


class DataikuEmulator(RoutedEmulator):
    """Dataiku DSS public API: folders, projects, datasets, the flow, scenarios, wiki, instance
    objects and the project deployer. ``pending_polls``: see ``models.core`` (futures and runs);
    ``seed_answers``: the seed's bare 204 where the client expects JSON (``handlers.common.written``)."""

    name = "dataiku"
    domain_error = DSSError

    def __init__(self, seed: int = 0, clock: Callable[[], float] = time.time, pending_polls: int = 0,
                 seed_answers: bool = False) -> None:
        self.world = DataikuWorld(seed=seed, clock=clock, pending_polls=pending_polls)
        #: answer the writes the seed documents as 204 (no body) that way instead of with the JSON
        #: the official client parses (``handlers.common.written``): a caller must cope with both
        self.world.seed_answers = seed_answers
        self.router = Router(ROUTES, prefixes=PREFIXES)

    def authenticate(self, request: SandboxRequest, token: str) -> SandboxResponse | None:
        key = presented_key(request)
        if key is not None and hmac.compare_digest(key.encode("utf-8"), token.encode("utf-8")):
            return None
        reason = "No API key was provided" if key is None else "The API key is not valid"
        return self.decorate(
            error_response(401, "Not authenticated", f"{reason}: use HTTP Basic auth with the API key as user")
        )

    def decorate(self, response: SandboxResponse) -> SandboxResponse:
        return response.with_headers(DSS_HEADERS)

    def error_response(self, status: int, message: str) -> SandboxResponse:
        return self.decorate(error_response(status, message))

    def env(self, base_url: str, token: str) -> dict[str, str]:
        return {"DATAIKU_URL": f"{base_url}/dataiku", "DATAIKU_API_KEY": token}
