"""What the sandbox needs from a platform emulator, the layout every emulator follows, and a
routed base class that most share.

An emulator owns one platform's in-memory world (its *models*), the HTTP adapter over it (its
*handlers*, reached through *routes*) and the platform's error wire shape. The sandbox calls it
with the path segments after the platform's own segment (``/dataiku/public/api/projects`` ->
``("public", "api", "projects")``), always under the sandbox's lock, only after
``authenticate`` accepted the request and the fault injector let it through.

Layout (moto's, adapted). An emulator is the package ``reconciler/providers/<platform>/sandbox``
and holds exactly these names (``EMULATOR_LAYOUT``; ``tests/sandbox/test_sandbox_emulator_layout.py``
checks every registered emulator), each a module, or a package with one module per object family
once it outgrows a few hundred lines:

    __init__     exports the ``Emulator`` subclass (``from ...dataiku.sandbox import DataikuEmulator``)
    emulator     that subclass: auth, dispatch through the router, reset / snapshot / restore, env
    routes       the operations as data: ``ROUTES`` (method + path pattern -> handler), ``PREFIXES``
    handlers     the thin HTTP adapter, ``(world, request, params) -> response``: read the path
                 params, query and body, call one model method, shape the answer (status code,
                 envelope, pagination, absolute URLs)
    models       the in-memory world and its rules: state, ids, clock, knobs, lookups, cascades,
                 status machines; one public method per API operation, raising ``errors``; no HTTP
    payloads     the bodies on the wire: the pydantic models that validate requests, and the pure
                 builders of the documents the platform answers with (their fields and the
                 defaults it fills in); no state and no rules beyond the shape (those are models)
    seed         the seeded prerequisites with stable ids: constants and the documents of seeded
                 objects, from which the models' ``reset`` builds the world
    errors       the platform's errors in its wire shape: the exception tree the models raise, and
                 ``error_response`` for the sandbox's own errors (faults, routing)
    COVERAGE.md  every endpoint: implemented, exercised over HTTP, exercised with the official client

Imports point down this list: a module uses names below its own, never one above it (``seed``
and ``payloads`` never see the world; the world never sees HTTP). In a package, ``__init__``
holds what the package is named for (``models``: the world class) or says what is where, the
modules are named by object family, and what they share sits in the world class or in a ``core``
(``models``) or ``common`` module.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

from reconciler.sandbox.routing import MethodNotAllowed, RouteMatch, Router
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

#: The modules (or packages) of every emulator package, besides ``__init__`` and COVERAGE.md,
#: in import order: each may import from those after it, never from one before it.
EMULATOR_LAYOUT = ("emulator", "routes", "handlers", "models", "payloads", "seed", "errors")


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
    """An emulator whose operations are a ``Router`` of handlers over one in-memory world.

    Subclasses set ``router`` and ``world`` (the ``models``: reset, snapshot and restore are its
    own) and ``domain_error``, the base of their ``errors``, each with ``to_response()``; a
    handler is called as ``handler(world, request, params)``. ``decorate`` adds headers every
    response carries.
    """

    router: Router
    world: Any
    domain_error: ClassVar[type[Exception]]

    def invoke(self, match: RouteMatch, request: SandboxRequest) -> SandboxResponse:
        """Call ``match.route.handler`` for ``request``."""
        return match.route.handler(self.world, request, match.params)

    def render_error(self, error: Exception) -> SandboxResponse | None:
        """The wire form of a domain error, or ``None`` if ``error`` is not one."""
        return error.to_response() if isinstance(error, self.domain_error) else None  # type: ignore[attr-defined]

    def reset(self) -> None:
        self.world.reset()

    def snapshot(self) -> dict[str, Any]:
        return self.world.snapshot()

    def restore(self, data: Mapping[str, Any]) -> None:
        self.world.restore(data)

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
