"""The DataRobot emulator as the sandbox mounts it (at ``/datarobot``; API root ``/api/v2``).

Auth: ``Authorization: Token <t>`` (the official client's default) or ``Bearer <t>`` (the docs,
the TF provider), scheme case-insensitive; anything else is 401 ``{"message": ...}``. Before each
request the world's async jobs make their background progress (``DataRobotWorld.tick``).

Knobs for tests are forwarded to the world (see ``models`` for their meaning):
``job_outcome``, ``job_running_polls``, ``job_failure_message``, ``max_deployments``,
``bundles_enabled``, ``pps_image_available``, ``replacement_keeps_model``. ``reset()`` restores
them.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from typing import Any

from reconciler.providers.datarobot.sandbox.errors import DataRobotError, error_response
from reconciler.providers.datarobot.sandbox.models import JOB_OUTCOMES, DataRobotWorld
from reconciler.providers.datarobot.sandbox.routes import PREFIXES, ROUTES
from reconciler.sandbox.emulator import RoutedEmulator
from reconciler.sandbox.routing import RouteMatch, Router
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

SCHEMES = ("token", "bearer")


def presented_token(request: SandboxRequest) -> str | None:
    """The token a request carries as ``Token <t>`` or ``Bearer <t>``, else ``None``."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() in SCHEMES and credentials.strip() else None


def _knob(name: str) -> property:
    def get(self: "DataRobotEmulator") -> Any:
        return getattr(self.world, name)

    def set_(self: "DataRobotEmulator", value: Any) -> None:
        if name == "job_outcome" and value not in JOB_OUTCOMES:
            raise ValueError(f"job_outcome must be one of {JOB_OUTCOMES}, got {value!r}")
        setattr(self.world, name, value)

    return property(get, set_, doc=f"the world's {name} knob")


class DataRobotEmulator(RoutedEmulator):
    """DataRobot MLOps API v2: deployments, status jobs, prediction environments, catalog."""

    name = "datarobot"
    domain_error = DataRobotError

    job_outcome = _knob("job_outcome")
    job_running_polls = _knob("job_running_polls")
    job_failure_message = _knob("job_failure_message")
    max_deployments = _knob("max_deployments")
    bundles_enabled = _knob("bundles_enabled")
    pps_image_available = _knob("pps_image_available")
    replacement_keeps_model = _knob("replacement_keeps_model")

    def __init__(self, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.world = DataRobotWorld(seed=seed, clock=clock)
        self.router = Router(ROUTES, prefixes=PREFIXES)

    def authenticate(self, request: SandboxRequest, token: str) -> SandboxResponse | None:
        presented = presented_token(request)
        if presented is not None and hmac.compare_digest(presented.encode("utf-8"), token.encode("utf-8")):
            return None
        reason = "No credentials were provided" if presented is None else "The API token is not valid"
        return error_response(401, f"{reason}: send 'Authorization: Bearer <token>' or 'Token <token>'")

    def invoke(self, match: RouteMatch, request: SandboxRequest) -> SandboxResponse:
        self.world.tick()
        return match.route.handler(self.world, request, match.params)

    def error_response(self, status: int, message: str) -> SandboxResponse:
        return error_response(status, message)

    def env(self, base_url: str, token: str) -> dict[str, str]:
        return {"DATAROBOT_ENDPOINT": f"{base_url}/datarobot/api/v2", "DATAROBOT_API_TOKEN": token}
