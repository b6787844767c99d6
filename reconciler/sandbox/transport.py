"""The in-process adapter: an httpx transport that answers through ``Sandbox.handle``.

No socket, no thread: tests and the CLI's in-process mode pass ``sandbox.transport()`` to an
``httpx.Client``. An injected dropped connection surfaces as ``httpx.RemoteProtocolError``, as
it would from a real server that closed the socket without answering.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from reconciler.sandbox.wire import SandboxRequest

if TYPE_CHECKING:
    from reconciler.sandbox.app import Sandbox


class SandboxTransport(httpx.BaseTransport):
    """``httpx.Client(transport=SandboxTransport(sandbox), base_url=...)``."""

    def __init__(self, sandbox: "Sandbox") -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        from reconciler.sandbox.app import DroppedConnection

        target = request.url.raw_path.decode("ascii")
        body = request.read()
        sandbox_request = SandboxRequest.from_target(
            request.method, target, [(k, v) for k, v in request.headers.multi_items()], body
        )
        try:
            answer = self.sandbox.handle(sandbox_request)
        except DroppedConnection:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        return httpx.Response(answer.status, headers=dict(answer.headers), content=answer.body, request=request)
