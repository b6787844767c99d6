"""HTTP/1.1 to one origin over plain sockets, with pooled keep-alive connections.

The lean path of ``HttpClient`` (``reconciler.providers.http``): a run sends thousands of small
requests, and the libraries' general machinery costs more than the exchange. httpx spends about
0.2 ms of CPU on each above ``http.client`` (URL models, header models, httpcore's pool scans),
and ``http.client`` itself about 0.25 ms above this module, most of it reading headers through
the ``email`` package. ``Wire`` does only what one origin needs:

- keep-alive connections, at most one request on each at a time, reused last-in first-out; an
  idle connection the server has closed (readable before we sent anything) is dropped, not used;
- the request in one write; a method, target or header that would not be one line (a value with
  a line break) is refused before anything is sent, without repeating the value;
- answers framed as RFC 9112 says, with ``http.client``'s limits (64 KiB per header line, 100
  headers): interim 1xx answers skipped (as httpx does), ``Content-Length`` or chunked bodies or
  a body up to the close, none for HEAD, 204 and 304; HTTP/1.0 closes unless keep-alive;
- ``Accept-Encoding: gzip, deflate`` and decoding of those answers (httpx's default as well);
- no redirects, cookies or proxies (``HttpClient`` keeps httpx for an origin behind a proxy and
  for any transport it is given, e.g. the sandbox's in-process one in tests).

Failures are raised as the httpx exceptions ``HttpClient`` already classifies, by the phase they
happened in: connecting (``ConnectError``/``ConnectTimeout``: the request never left), sending
(``WriteError``/``WriteTimeout``), or waiting and reading (``ReadTimeout``, ``ReadError``, and
``RemoteProtocolError`` for an answer that is not HTTP/1.x or ends early). Thread-safe.
"""

from __future__ import annotations

import json
import re
import select
import socket
import sys
import threading
import zlib
from types import ModuleType
from typing import TYPE_CHECKING, Any, BinaryIO, Iterable

if TYPE_CHECKING:
    import ssl

    import httpx


def httpx_module() -> ModuleType:
    """httpx, imported on first use: for a failure's exception, or an answer handed to an error
    extractor written for httpx (a run without either never loads it)."""
    import httpx

    return httpx


__all__ = ["Headers", "Wire", "WireResponse", "httpx_module"]

_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
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
    """A whole answer: status, headers, the (decoded) body. It answers the part of
    ``httpx.Response``'s interface that a provider's error extractor reads (``status_code``,
    ``reason_phrase``, ``headers``, ``content``, ``text``, ``json()``), so that an error answer
    (a 404 from a lookup, say) reaches it without loading httpx."""

    __slots__ = ("status_code", "reason_phrase", "headers", "content")

    def __init__(self, status_code: int, reason_phrase: str, headers: Headers, content: bytes) -> None:
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        """The body as text: in the charset the content type names, else UTF-8 (undecodable bytes replaced)."""
        charset = _CHARSET.search(self.headers.get("content-type") or "")
        try:
            return self.content.decode(charset.group(1) if charset else "utf-8", "replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` if it is not)."""
        return json.loads(self.content)


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
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        # the host as getaddrinfo takes it: bytes, IDNA-encoded (given a str, the socket module
        # would encode it with the idna codec on every connect, importing it: ~5 ms)
        self._address = (host.encode("ascii") if host.isascii() else host.encode("idna"), self.port)
        # the Host header as http.client writes it: IDNA, IPv6 in brackets, the port unless default
        name = host if host.isascii() else host.encode("idna").decode("ascii")
        name = f"[{name}]" if ":" in name else name
        default = 443 if scheme == "https" else 80
        self._host_line = f"Host: {name}\r\n" if self.port == default else f"Host: {name}:{self.port}\r\n"

    def send(self, method: str, target: str, headers: Iterable[tuple[str, str]],
             body: bytes | None) -> WireResponse:
        """One exchange on a pooled connection; ``target`` is the path and query."""
        message = _request_head(method, target, self._host_line, headers,
                                len(body or b"") if body is not None or method in _BODY_METHODS else None)
        if body:
            message += body
        conn = self._checkout()
        try:
            if conn is None:
                conn = self._connect()
            try:
                conn.sock.sendall(message)
            except socket.timeout as exc:
                raise httpx_module().WriteTimeout(str(exc) or "timed out sending") from exc
            except OSError as exc:
                raise httpx_module().WriteError(str(exc) or type(exc).__name__) from exc
            try:
                status, reason, found, raw, will_close = _read_response(conn.reader, method)
            except socket.timeout as exc:
                raise httpx_module().ReadTimeout(str(exc) or "timed out reading") from exc
            except _ProtocolError as exc:
                raise httpx_module().RemoteProtocolError(str(exc)) from exc
            except OSError as exc:
                raise httpx_module().ReadError(str(exc) or type(exc).__name__) from exc
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        if will_close:
            conn.close()
        else:
            self._checkin(conn)
        return WireResponse(status, reason, found, _decoded(raw, found))

    def close(self) -> None:
        """Close every idle connection; connections in use close when returned."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # -- the pool ------------------------------------------------------------------------------

    def _checkout(self) -> _Connection | None:
        """An idle connection that can take a request, or None (connect a new one)."""
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None or _usable(conn.sock):
                return conn
            conn.close()

    def _checkin(self, conn: _Connection) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def _connect(self) -> _Connection:
        try:
            sock = socket.create_connection(self._address, self.timeout)
        except socket.timeout as exc:
            raise httpx_module().ConnectTimeout(str(exc) or "timed out connecting") from exc
        except OSError as exc:  # refused, unreachable, name resolution
            raise httpx_module().ConnectError(str(exc) or type(exc).__name__) from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # a request is one write
            if self.scheme == "https":
                import ssl  # only for https: a plain-http run never loads it

                sock = (self.tls or ssl.create_default_context()).wrap_socket(sock, server_hostname=self.host)
        except socket.timeout as exc:
            sock.close()
            raise httpx_module().ConnectTimeout(str(exc) or "timed out in the TLS handshake") from exc
        except OSError as exc:  # the TLS handshake or the certificate's verification
            sock.close()
            raise httpx_module().ConnectError(str(exc) or type(exc).__name__) from exc
        return _Connection(sock)


class _Connection:
    """One connection: its socket and a buffered reader over it."""

    __slots__ = ("sock", "reader")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = sock.makefile("rb")

    def close(self) -> None:
        try:
            self.reader.close()
        finally:
            self.sock.close()


# -- the protocol: RFC 9112 framing, with http.client's limits -----------------------------------

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
#: a request line's method and target, and header names, as http.client accepts them
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TARGET = re.compile(r"[^\x00-\x20\x7f]+")
#: a header value: no CR or LF (a header injected through a value); http.client refuses them too
_BAD_VALUE = re.compile(r"[\r\n\x00]")
_MAX_LINE = 65536
_MAX_HEADERS = 100


class _ProtocolError(Exception):
    """The server's answer is not HTTP/1.1 we can read, or stopped before its end."""


def _request_head(method: str, target: str, host_line: str, headers: Iterable[tuple[str, str]],
                  content_length: int | None) -> bytes:
    """The request line and headers (``Host`` first, ``Content-Length`` last when given).
    Raises ``ValueError`` for a method, target or header that would not be one line (the
    value is not repeated in the message: it may be a credential)."""
    if _TOKEN.fullmatch(method) is None:
        raise ValueError(f"invalid HTTP method {method!r}")
    if _TARGET.fullmatch(target) is None:
        raise ValueError("invalid request target: it holds a space or a control character")
    parts = [method, " ", target, " HTTP/1.1\r\n", host_line]
    for name, value in headers:
        value = str(value)
        if _TOKEN.fullmatch(name) is None:
            raise ValueError(f"invalid header name {name!r}")
        if _BAD_VALUE.search(value) is not None:
            raise ValueError(f"invalid value for header {name}: it holds a line break or NUL")
        parts += (name, ": ", value, "\r\n")
    if content_length is not None:
        parts += ("Content-Length: ", str(content_length), "\r\n")
    parts.append("\r\n")
    return "".join(parts).encode("latin-1")


def _line(reader: BinaryIO) -> bytes:
    line = reader.readline(_MAX_LINE + 1)
    if len(line) > _MAX_LINE:
        raise _ProtocolError("got more than 65536 bytes in one header line")
    return line


def _read_response(reader: BinaryIO, method: str) -> tuple[int, str, Headers, bytes, bool]:
    """Status, reason, headers, body and whether the connection must close after it."""
    while True:
        line = _line(reader)
        if not line:
            raise _ProtocolError("Remote end closed connection without response")
        version, _, rest = line.rstrip(b"\r\n").partition(b" ")
        code, _, reason = rest.partition(b" ")
        if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise _ProtocolError(f"not an HTTP/1.x status line: {line[:80]!r}")
        status = int(code)
        headers = _read_headers(reader)
        if status >= 200 or status == 101:
            break  # (1xx others are interim answers, e.g. 100 Continue: the answer follows)
    connection = headers.get("connection", "").lower()
    keep_alive = "keep-alive" in connection if version == b"HTTP/1.0" else "close" not in connection
    text = reason.decode("latin-1")
    if method == "HEAD" or status in (204, 304) or status < 200:
        return status, text, headers, b"", not keep_alive
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return status, text, headers, _read_chunked(reader), not keep_alive
    length = headers.get("content-length")
    if length is None:  # the body runs until the server closes the connection
        return status, text, headers, reader.read(), True
    values = {v.strip() for v in length.split(",")}
    if len(values) != 1 or not next(iter(values)).isdigit():
        raise _ProtocolError(f"invalid Content-Length {length!r}")
    size = int(values.pop())
    body = reader.read(size)
    if len(body) < size:
        raise _ProtocolError(f"the answer ended after {len(body)} of {size} bytes")
    return status, text, headers, body, not keep_alive


def _read_headers(reader: BinaryIO) -> Headers:
    """Header lines up to the empty line; a repeated header's values joined with ``", "``; a
    continuation line (obsolete folding) appended to the header above it."""
    found = Headers()
    last = None
    for _ in range(_MAX_HEADERS + 1):
        line = _line(reader)
        if line in (b"\r\n", b"\n", b""):
            return found
        if line[:1] in (b" ", b"\t") and last is not None:
            dict.__setitem__(found, last, f"{dict.__getitem__(found, last)} {line.strip().decode('latin-1')}")
            continue
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon:
            raise _ProtocolError(f"not a header line: {line[:80]!r}")
        last = name.strip().lower()
        value = value.strip()
        found[last] = f"{dict.__getitem__(found, last)}, {value}" if dict.__contains__(found, last) else value
    raise _ProtocolError(f"got more than {_MAX_HEADERS} headers")


def _read_chunked(reader: BinaryIO) -> bytes:
    chunks = []
    while True:
        size_line = _line(reader)
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _ProtocolError(f"invalid chunk size line {size_line[:80]!r}") from None
        if size == 0:
            while _line(reader) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        chunk = reader.read(size)
        if len(chunk) < size or _line(reader) not in (b"\r\n", b"\n"):
            raise _ProtocolError("the answer ended inside a chunk")
        chunks.append(chunk)


def _usable(sock: socket.socket) -> bool:
    """An idle keep-alive connection can take a request: not readable (an idle connection with
    something to read was closed by the server, or sent what nobody asked for)."""
    # ssl not loaded (or being imported by another thread, its classes not yet defined): no TLS socket exists
    tls_socket = getattr(sys.modules.get("ssl"), "SSLSocket", None)
    if tls_socket is not None and isinstance(sock, tls_socket) and sock.pending():
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
