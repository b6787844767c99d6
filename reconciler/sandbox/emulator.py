"""What the sandbox needs from a platform emulator, and a routed base class that most share.

An emulator owns one platform's in-memory world (its *models*), the HTTP adapter over it (its
*handlers*, reached through *routes*) and the platform's error wire shape. The sandbox calls it
with the path segments after the platform's own segment (``/dataiku/public/api/projects`` ->
``("public", "api", "projects")``), always under the sandbox's lock, only after
``authenticate`` accepted the request and the fault injector let it through.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

from reconciler.sandbox.routing import MethodNotAllowed, RouteMatch, Router
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse


class Emulator(abc.ABC):
    """One platform's emulator. ``name`` is its first path segment (``dataiku``)."""

    name: ClassVar[str]

    @abc.abstractmethod
    def authenticate(self, request: SandboxRequest, token: str) -> SandboxResponse | None:
        """``None`` if ``request`` carries ``token`` in the platform's scheme, else the
        platform's 401 response. The response never contains either token."""

    @abc.abstractmethod
    def handle(self, request: SandboxRequest, path: tuple[str, ...]) -> SandboxResponse:
        """Answer one authenticated request; ``path`` excludes the platform segment."""

    @abc.abstractmethod
    def error_response(self, status: int, message: str) -> SandboxResponse:
        """An error in the platform's wire shape (used for injected faults and internal errors)."""

    @abc.abstractmethod
    def reset(self) -> None:
        """Back to the seeded world."""

    @abc.abstractmethod
    def snapshot(self) -> dict[str, Any]:
        """The whole world as JSON-serialisable data (``restore(snapshot())`` is a no-op)."""

    @abc.abstractmethod
    def restore(self, data: Mapping[str, Any]) -> None:
        """Replace the world with one taken by ``snapshot``."""

    @abc.abstractmethod
    def env(self, base_url: str, token: str) -> dict[str, str]:
        """The env vars that point this platform's provider at ``base_url`` (the sandbox root)."""


class RoutedEmulator(Emulator):
    """An emulator whose operations are a ``Router`` of handlers.

    Subclasses set ``router`` and implement ``invoke`` (how to call a handler with their world)
    and ``render_error`` (turn their domain error into a response, or return ``None`` to let
    the exception propagate). ``decorate`` adds headers every response carries.
    """

    router: Router

    @abc.abstractmethod
    def invoke(self, match: RouteMatch, request: SandboxRequest) -> SandboxResponse:
        """Call ``match.route.handler`` for ``request``."""

    @abc.abstractmethod
    def render_error(self, error: Exception) -> SandboxResponse | None:
        """The wire form of a domain error, or ``None`` if ``error`` is not one."""

    def decorate(self, response: SandboxResponse) -> SandboxResponse:
        return response

    def not_found(self, request: SandboxRequest) -> SandboxResponse:
        return self.error_response(404, f"No API endpoint {request.method} {request.path}")

    def method_not_allowed(self, request: SandboxRequest, allowed: tuple[str, ...]) -> SandboxResponse:
        response = self.error_response(
            405, f"Method {request.method} not allowed on {request.path} (allowed: {', '.join(allowed)})"
        )
        return response.with_headers({"Allow": ", ".join(allowed)})

    def handle(self, request: SandboxRequest, path: tuple[str, ...]) -> SandboxResponse:
        resolved = self.router.resolve(request.method, path)
        if resolved is None:
            response = self.not_found(request)
        elif isinstance(resolved, MethodNotAllowed):
            response = self.method_not_allowed(request, resolved.allowed)
        else:
            try:
                response = self.invoke(resolved, request)
            except Exception as error:  # noqa: BLE001 - domain errors become wire errors
                rendered = self.render_error(error)
                if rendered is None:
                    raise
                response = rendered
        return self.decorate(response)
