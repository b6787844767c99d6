"""HTTP/1.1 to one origin over the standard library's ``http.client``, with pooled connections.

The lean path of ``HttpClient`` (``reconciler.providers.http``): a run sends thousands of small
requests, and httpx spends about 0.2 ms of CPU on each above what ``http.client`` does (URL
parsing and validation, header models, httpcore's pool scans with two readability polls per
request). ``Wire`` does only what one origin needs:

- keep-alive connections, at most one request on each at a time, reused last-in first-out; an
  idle connection the server has closed (readable before we sent anything) is dropped, not used;
- ``Accept-Encoding: gzip, deflate`` and decoding of those answers (httpx's default as well);
- no redirects, cookies or proxies (``HttpClient`` keeps httpx for an origin behind a proxy and
  for any transport it is given, e.g. the sandbox's in-process one in tests).

Failures are raised as the httpx exceptions ``HttpClient`` already classifies, by the phase they
happened in: connecting (``ConnectError``/``ConnectTimeout``: the request never left), sending
(``WriteError``/``WriteTimeout``), or waiting and reading (``ReadTimeout``, ``ReadError``, and
``RemoteProtocolError`` for a connection closed without a whole answer). Thread-safe.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
import zlib
from types import ModuleType
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import httpx


def httpx_module() -> ModuleType:
    """httpx, imported on first use: for a failure's exception, or an answer handed to an error
    extractor written for httpx (a run without either never loads it)."""
    import httpx

    return httpx


__all__ = ["Headers", "Wire", "WireResponse", "httpx_module"]

_POLLIN_OR_ERR = select.POLLIN | select.POLLERR | select.POLLHUP | getattr(select, "POLLRDHUP", 0)


class Headers(dict):
    """Response headers: a dict keyed by lower-case name, looked up in any letter case (repeated
    headers are joined with ``", "``, as HTTP allows)."""

    def __getitem__(self, name: str) -> str:
        return dict.__getitem__(self, name.lower())

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return dict.get(self, name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and dict.__contains__(self, name.lower())


class WireResponse:
    """A whole answer: status, headers, the (decoded) body."""

    __slots__ = ("status_code", "reason_phrase", "headers", "content")

    def __init__(self, status_code: int, reason_phrase: str, headers: Headers, content: bytes) -> None:
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.headers = headers
        self.content = content

    def as_httpx(self, method: str, url: str) -> httpx.Response:
        """The same answer as an ``httpx.Response`` (for error-message extractors written for httpx)."""
        httpx = httpx_module()
        return httpx.Response(self.status_code, headers=list(self.headers.items()), content=self.content,
                              request=httpx.Request(method, url))


class Wire:
    """Pooled HTTP/1.1 connections to ``scheme://host:port``."""

    def __init__(self, scheme: str, host: str, port: int | None, *, timeout: float,
                 tls: ssl.SSLContext | None = None) -> None:
        if scheme not in ("http", "https"):
            raise ValueError(f"unsupported scheme {scheme!r}")
        self.scheme = scheme
        self.host = host
        self.port = port or (443 if scheme == "https" else 80)
        self.timeout = timeout
        self.tls = tls
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._closed = False

    def send(self, method: str, target: str, headers: Iterable[tuple[str, str]],
             body: bytes | None) -> WireResponse:
        """One exchange on a pooled connection; ``target`` is the path and query."""
        conn = self._checkout()
        try:
            if conn.sock is None:
                self._connect(conn)
            try:
                conn.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
                for name, value in headers:
                    conn.putheader(name, value)
                if body is not None or method in ("POST", "PUT", "PATCH"):
                    conn.putheader("Content-Length", str(len(body or b"")))
                conn.endheaders(body or None)
            except socket.timeout as exc:
                raise httpx_module().WriteTimeout(str(exc) or "timed out sending") from exc
            except OSError as exc:
                raise httpx_module().WriteError(str(exc) or type(exc).__name__) from exc
            try:
                response = conn.getresponse()
                raw = response.read()
            except socket.timeout as exc:
                raise httpx_module().ReadTimeout(str(exc) or "timed out reading") from exc
            except (http.client.RemoteDisconnected, http.client.IncompleteRead,
                    http.client.BadStatusLine, http.client.LineTooLong) as exc:
                raise httpx_module().RemoteProtocolError(str(exc) or type(exc).__name__) from exc
            except http.client.HTTPException as exc:
                raise httpx_module().RemoteProtocolError(f"{type(exc).__name__}: {exc}") from exc
            except OSError as exc:
                raise httpx_module().ReadError(str(exc) or type(exc).__name__) from exc
        except BaseException:
            conn.close()
            raise
        found = Headers()
        for name, value in response.getheaders():
            key = name.lower()
            found[key] = f"{dict.__getitem__(found, key)}, {value}" if dict.__contains__(found, key) else value
        if response.will_close:
            conn.close()
        else:
            self._checkin(conn)
        return WireResponse(response.status, response.reason, found, _decoded(raw, found))

    def close(self) -> None:
        """Close every idle connection; connections in use close when returned."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # -- the pool ------------------------------------------------------------------------------

    def _checkout(self) -> http.client.HTTPConnection:
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                break
            if _usable(conn):
                return conn
            conn.close()
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=self.tls or ssl.create_default_context())
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _checkin(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def _connect(self, conn: http.client.HTTPConnection) -> None:
        try:
            conn.connect()
        except socket.timeout as exc:
            raise httpx_module().ConnectTimeout(str(exc) or "timed out connecting") from exc
        except OSError as exc:  # refused, unreachable, name resolution, TLS handshake or verification
            raise httpx_module().ConnectError(str(exc) or type(exc).__name__) from exc


def _usable(conn: http.client.HTTPConnection) -> bool:
    """An idle keep-alive connection can take a request: connected, and not readable (an idle
    connection with something to read was closed by the server, or sent what nobody asked for)."""
    sock = conn.sock
    if sock is None:
        return False
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return False
    poller = select.poll()
    poller.register(sock, _POLLIN_OR_ERR)
    return not poller.poll(0)


def _decoded(raw: bytes, headers: Headers) -> bytes:
    encoding = headers.get("content-encoding", "").strip().lower()
    if not raw or encoding in ("", "identity"):
        return raw
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            try:
                return zlib.decompress(raw)
            except zlib.error:
                return zlib.decompress(raw, -zlib.MAX_WBITS)  # raw deflate, as some servers send it
    except zlib.error as exc:
        raise httpx_module().DecodingError(f"cannot decode the {encoding} body: {exc}") from exc
    raise httpx_module().DecodingError(f"unsupported Content-Encoding {encoding!r}")
