"""The socket adapter: a standard-library ``ThreadingHTTPServer`` answering through
``Sandbox.handle``.

HTTP/1.1 with keep-alive (every answer has a Content-Length). An injected dropped connection
closes the socket without writing a byte. Request logging goes to the ``reconciler.sandbox``
logger at debug level, method and path only (never headers, so never a token).
"""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from reconciler.sandbox.wire import SandboxRequest

if TYPE_CHECKING:
    from reconciler.sandbox.app import Sandbox

log = logging.getLogger("reconciler.sandbox")

_MAX_BODY = 64 * 1024 * 1024


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threaded server bound to one sandbox; ``shutdown()`` also closes the listening socket."""

    daemon_threads = True
    allow_reuse_address = True
    #: the listen backlog: socketserver's default of 5 overflows when a client opens its pools'
    #: connections at once, and a dropped SYN is retried only after a second (real servers: 128+)
    request_queue_size = socket.SOMAXCONN

    def __init__(self, address: tuple[str, int], sandbox: "Sandbox") -> None:
        self.sandbox = sandbox
        super().__init__(address, _Handler)

    def shutdown(self) -> None:
        super().shutdown()
        self.server_close()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away mid-answer (killed, timed out) is normal here: say nothing."""
        import sys

        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body in two segments cost ~40 ms (delayed ACK)
    server: SandboxHTTPServer
    server_version = "reconciler-sandbox"

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        from reconciler.sandbox.app import DroppedConnection

        body = self._read_body()
        request = SandboxRequest.from_target(self.command, self.path, list(self.headers.items()), body)
        try:
            answer = self.server.sandbox.handle(request)
        except DroppedConnection:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            if name.lower() not in {"content-length", "connection"}:
                self.send_header(name, value)
        payload = b"" if self.command == "HEAD" else answer.body
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s - %s", self.address_string(), format % args)


def make_server(sandbox: "Sandbox", host: str = "127.0.0.1", port: int = 0) -> SandboxHTTPServer:
    """A bound (not yet serving) server for ``sandbox``."""
    return SandboxHTTPServer((host, port), sandbox)


def serve_in_thread(
    sandbox: "Sandbox", host: str = "127.0.0.1", port: int = 0
) -> tuple[SandboxHTTPServer, str]:
    """Serve ``sandbox`` on a daemon thread; returns the server and its base URL
    (``http://127.0.0.1:<port>``). ``server.shutdown()`` stops it and frees the port."""
    server = make_server(sandbox, host, port)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="reconciler-sandbox", daemon=True
    )
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return server, f"http://{bound_host}:{bound_port}"
