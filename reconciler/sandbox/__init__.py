"""The sandbox: one server mounting every platform emulator, with latency and fault injection
and optional persistence to a file.

    from reconciler.sandbox import Sandbox, serve_in_thread
    sb = Sandbox(token="sandbox-token")
    httpx.Client(transport=sb.transport(), base_url="http://sandbox/dataiku")   # in-process
    server, base_url = serve_in_thread(sb)                                        # real socket

Emulators live with their providers (``reconciler/providers/<name>/sandbox/``), all laid out as
``emulator`` describes, and are mounted by ``registry.EMULATORS``. Modules: ``wire``
(request/response types), ``routing`` (routes as data), ``emulator`` (the emulator contract and
layout), ``faults``, ``persistence``, ``app`` (``Sandbox``), ``transport`` (in-process adapter),
``server`` (socket adapter).
"""

from reconciler.sandbox.app import DroppedConnection, Sandbox
from reconciler.sandbox.emulator import Emulator, RoutedEmulator
from reconciler.sandbox.routing import MethodNotAllowed, Route, RouteMatch, Router
from reconciler.sandbox.server import serve_in_thread
from reconciler.sandbox.wire import Headers, SandboxRequest, SandboxResponse

__all__ = [
    "DroppedConnection",
    "Emulator",
    "Headers",
    "MethodNotAllowed",
    "Route",
    "RouteMatch",
    "Router",
    "RoutedEmulator",
    "Sandbox",
    "SandboxRequest",
    "SandboxResponse",
    "serve_in_thread",
]
