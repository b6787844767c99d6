"""HttpClient over real sockets: servers and a forward proxy written here, on loopback.

What a mock transport cannot show: how answers are framed on the wire (keep-alive, chunked,
compressed, cut off, malformed), an early answer to an upload, connections the server closed,
timeouts, and the network settings users give through the environment: ``HTTP(S)_PROXY`` and
``NO_PROXY``, ``SSL_CERT_FILE``, and a ``ca_bundle`` (certificates made for the test by
``trustme``) with and without a proxy in between.
"""

from __future__ import annotations

import gzip
import http.client
import http.server
import json
import socket
import socketserver
import ssl
import threading
import time
import zlib
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import httpx
import pytest
import trustme

from reconciler.addresses import Address
from reconciler.errors import ApiError, TransportError
from reconciler.providers.http import HttpClient, scheme_auth
from reconciler.providers.registry import PROVIDERS
from reconciler.sessions import open_sessions

TOKEN = "net-T0ken-123"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR")
Answer = Callable[[dict[str, Any]], bytes | None]  # None: close the connection without answering


def ok(body: bytes = b'{"ok": true}', *extra: str, status: str = "200 OK") -> bytes:
    head = [f"HTTP/1.1 {status}", "Content-Type: application/json", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class ThenClose(bytes):
    """An answer after which the server closes the connection, though its headers do not say so."""


def client(base: str, **kw: Any) -> HttpClient:
    kw.setdefault("auth", scheme_auth("Bearer", TOKEN))
    return HttpClient(provider="p", base_url=base, sleep=lambda s: None, **kw)


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy or CA setting of the machine running the tests leaks into them."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


# -- servers ---------------------------------------------------------------------------------------


class RawServer:
    """A loopback HTTP/1.1 server answering with the raw bytes a test chooses; ``answers`` are
    used in order (the last repeats). It reads each request's head and its ``Content-Length``
    body, and counts connections and requests."""

    def __init__(self, *answers: Answer | bytes) -> None:
        self.answers = list(answers) or [ok()]
        self.requests: list[dict[str, Any]] = []
        self.connections = 0
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                server.connections += 1
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    method, target, _ = line.decode().split(" ", 2)
                    headers: dict[str, str] = {}
                    while (h := self.rfile.readline()) not in (b"\r\n", b""):
                        name, _, value = h.decode().partition(":")
                        headers[name.strip().lower()] = value.strip()
                    body = self.rfile.read(int(headers.get("content-length", "0")))
                    request = {"method": method, "target": target, "headers": headers, "body": body}
                    server.requests.append(request)
                    answer = server.answers[min(len(server.requests), len(server.answers)) - 1]
                    raw = answer(request) if callable(answer) else answer
                    if raw is None:
                        return
                    self.wfile.write(raw)
                    self.wfile.flush()
                    if isinstance(raw, ThenClose) or b"Connection: close" in raw.split(b"\r\n\r\n")[0]:
                        return

        self._tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._tcp.daemon_threads = True
        self.port = self._tcp.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._tcp.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self._tcp.shutdown()
        self._tcp.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def make(*answers: Answer | bytes) -> RawServer:
        servers.append(RawServer(*answers))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


class Origin:
    """A JSON origin on the standard library's HTTP server (over TLS when given a context): it
    answers ``{"method", "path"}`` and records each request's method, path and headers."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                origin.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                body = json.dumps({"method": self.command, "path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = answer

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        scheme = "https" if tls is not None else "http"
        self.base = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class ForwardProxy:
    """An HTTP forward proxy: absolute-form requests are forwarded with ``http.client`` (one per
    connection), ``CONNECT host:port`` opens a tunnel. ``seen`` lists each request line's method
    and target."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                line = self.rfile.readline().decode("latin-1")
                if not line:
                    return
                method, target, _ = line.split(" ", 2)
                headers: list[tuple[str, str]] = []
                while (h := self.rfile.readline()) not in (b"\r\n", b""):
                    name, _, value = h.decode("latin-1").partition(":")
                    headers.append((name.strip(), value.strip()))
                proxy.seen.append(f"{method} {target}")
                if method == "CONNECT":
                    self.tunnel(target)
                else:
                    self.forward(method, target, headers)

            def tunnel(self, target: str) -> None:
                host, _, port = target.rpartition(":")
                upstream = socket.create_connection((host, int(port)), timeout=10)
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()

                def pump(source: socket.socket, sink: socket.socket) -> None:
                    try:
                        while data := source.recv(65536):
                            sink.sendall(data)
                    except OSError:
                        pass
                    finally:
                        try:
                            sink.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass

                back = threading.Thread(target=pump, args=(upstream, self.connection), daemon=True)
                back.start()
                pump(self.connection, upstream)
                back.join(10)
                upstream.close()

            def forward(self, method: str, target: str, headers: list[tuple[str, str]]) -> None:
                url = urlsplit(target)
                hop = {"connection", "proxy-connection", "keep-alive", "proxy-authorization"}
                sent = {name: value for name, value in headers if name.lower() not in hop}
                body = self.rfile.read(int(sent.get("Content-Length") or sent.get("content-length") or 0))
                upstream = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
                path = url.path + (f"?{url.query}" if url.query else "")
                upstream.request(method, path, body=body or None, headers=sent)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                head = [f"HTTP/1.1 {answer.status} {answer.reason}"]
                head += [f"{k}: {v}" for k, v in answer.getheaders()
                         if k.lower() not in ("connection", "content-length", "transfer-encoding")]
                head += [f"Content-Length: {len(data)}", "Connection: close"]
                self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)

        self._tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._tcp.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._tcp.server_address[1]}"
        threading.Thread(target=self._tcp.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self._tcp.shutdown()
        self._tcp.server_close()


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    made = ForwardProxy()
    yield made
    made.close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def tls_origin(ca: trustme.CA) -> Iterator[Origin]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    made = Origin(context)
    yield made
    made.close()


@pytest.fixture
def origin() -> Iterator[Origin]:
    made = Origin()
    yield made
    made.close()


def lightdash_http(env: dict[str, str]) -> HttpClient:
    """The ``HttpClient`` a run connects for Lightdash from ``env`` (settings, ``ca_bundle``
    and TLS rules resolved as for every run)."""
    sessions = open_sessions([Address("lightdash_group", "g")], None, PROVIDERS, env)
    return sessions.session("lightdash").http


# -- proxies and TLS from the environment ----------------------------------------------------------


def test_requests_go_through_the_http_proxy_the_environment_names(monkeypatch, proxy, origin) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with client(origin.base + "/api") as c:
        assert c.get("/items", params={"page": 2}).json() == {"method": "GET", "path": "/api/items?page=2"}
        assert c.post("/items", json={"a": 1}).json()["method"] == "POST"
    assert proxy.seen == [f"GET {origin.base}/api/items?page=2", f"POST {origin.base}/api/items"]
    assert [headers["authorization"] for _, _, headers in origin.seen] == [f"Bearer {TOKEN}"] * 2


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.1", "*"])
def test_no_proxy_sends_requests_straight_to_the_origin(monkeypatch, proxy, origin, no_proxy) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    with client(origin.base) as c:
        assert c.get("/x").json()["path"] == "/x"
    assert proxy.seen == [] and len(origin.seen) == 1


def test_a_ca_bundle_verifies_an_https_origin_reached_through_the_proxy(monkeypatch, proxy, tls_origin,
                                                                         ca_file) -> None:
    """``LIGHTDASH_CA_BUNDLE`` trusts the test CA; ``HTTPS_PROXY`` still applies: the request
    goes through the proxy as a CONNECT tunnel, and TLS is verified end to end inside it."""
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    env = {"LIGHTDASH_URL": tls_origin.base, "LIGHTDASH_API_KEY": TOKEN, "LIGHTDASH_CA_BUNDLE": str(ca_file)}
    with lightdash_http(env) as http:
        assert http.get("/api/v1/org").json() == {"method": "GET", "path": "/api/v1/org"}
    host = tls_origin.base.removeprefix("https://")
    assert proxy.seen == [f"CONNECT {host}"]
    assert tls_origin.seen[0][2]["authorization"] == f"ApiKey {TOKEN}"


def test_without_the_ca_bundle_the_certificate_is_refused_once(monkeypatch, proxy, tls_origin) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    env = {"LIGHTDASH_URL": tls_origin.base, "LIGHTDASH_API_KEY": TOKEN}
    with lightdash_http(env) as http, pytest.raises(TransportError) as info:
        http.get("/api/v1/org")
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value) and "after 1 attempt" in str(info.value)
    assert len(proxy.seen) == 1 and tls_origin.seen == []  # not retried; nothing reached the origin


def test_ssl_cert_file_is_honoured_without_a_ca_bundle(monkeypatch, tls_origin, ca_file) -> None:
    env = {"LIGHTDASH_URL": tls_origin.base, "LIGHTDASH_API_KEY": TOKEN}
    with lightdash_http(env) as http, pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        http.get("/api/v1/org")  # the default CAs do not know the test CA
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    with lightdash_http(env) as http:
        assert http.get("/api/v1/org").status == 200


@pytest.mark.parametrize("verify_tls, works", [pytest.param(False, True, id="verify-tls-off"),
                                               pytest.param(True, False, id="verify-tls-on")])
def test_dataiku_verify_tls_false_skips_the_certificate_check(tls_origin, verify_tls, works) -> None:
    from reconciler.providers.settings import resolve_settings

    dataiku = PROVIDERS["dataiku"]
    env = {"DATAIKU_URL": tls_origin.base, "DATAIKU_API_KEY": TOKEN}
    session = dataiku.connect(resolve_settings(dataiku, {"verify_tls": verify_tls}, env))
    try:
        if works:
            assert session.client.http.get("/x").status == 200
        else:
            with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
                session.client.http.get("/x")
    finally:
        session.close()


# -- answers as they come off the wire -------------------------------------------------------------


def test_headers_body_and_a_reused_connection(serve) -> None:
    server = serve(ok(b'{"id": 7}', "X-Thing: a", "Location: /next"))
    with client(server.base + "/api", headers={"X-Org": "o1"}, user_agent="reconciler/9") as c:
        result = c.post("/items", json={"name": "é", "n": 1}, headers={"X-Trace": "t"})
        c.get("/items/7")
    assert result.status == 200 and result.json() == {"id": 7}
    assert result.headers["location"] == result.headers.get("LOCATION") == "/next"
    first = server.requests[0]
    assert (first["method"], first["target"], first["body"]) == ("POST", "/api/items", '{"name":"é","n":1}'.encode())
    sent = first["headers"]
    assert (sent["authorization"], sent["user-agent"], sent["x-org"], sent["x-trace"], sent["content-type"],
            sent["host"]) == (f"Bearer {TOKEN}", "reconciler/9", "o1", "t", "application/json",
                              f"127.0.0.1:{server.port}")
    assert server.connections == 1  # the second request reused the connection


def test_chunked_and_compressed_answers_are_decoded(serve) -> None:
    doc = b'{"items": [' + b",".join(b'{"n": %d}' % i for i in range(500)) + b"]}"
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"".join(
        b"%x\r\n%s\r\n" % (len(part), part) for part in (doc[:1000], doc[1000:])) + b"0\r\n\r\n"
    zipped = gzip.compress(doc)
    gzip_chunked = (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + b"%x\r\n%s\r\n0\r\n\r\n" % (len(zipped), zipped))
    server = serve(chunked, ok(zipped, "Content-Encoding: gzip"), ok(zlib.compress(doc), "Content-Encoding: deflate"),
                   gzip_chunked)
    c = client(server.base)
    assert [len(c.get("/x").json()["items"]) for _ in range(4)] == [500] * 4
    assert "gzip" in server.requests[0]["headers"]["accept-encoding"]
    assert server.connections == 1


def test_a_compressing_transfer_encoding_is_never_passed_through_encoded(serve) -> None:
    """``Transfer-Encoding: gzip, chunked`` (a transfer coding HTTP clients rarely support) is
    refused as a protocol error, retried and reported; never read as a gzip body in a 200."""
    zipped = gzip.compress(b'{"ok": true}')
    answer = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
              + b"%x\r\n%s\r\n0\r\n\r\n" % (len(zipped), zipped))
    server = serve(answer)
    with pytest.raises(TransportError, match="after 3 attempts"):
        client(server.base, max_retries=2).get("/x")
    assert len(server.requests) == 3


def test_a_response_cut_off_inside_its_headers_is_retried_never_an_empty_answer(serve) -> None:
    cut = ThenClose(b"HTTP/1.1 200 OK\r\nContent-Type: applic")
    server = serve(lambda r: cut, ok(b'[{"projectUuid": "p1"}]'))
    assert client(server.base).get("/api/v1/org/projects").json() == [{"projectUuid": "p1"}]
    assert len(server.requests) == 2

    always = serve(lambda r: cut)
    with pytest.raises(TransportError) as info:
        client(always.base, max_retries=2).get("/api/v1/org/projects")
    assert "the server dropped the connection" in str(info.value) and "after 3 attempts" in str(info.value)
    assert len(always.requests) == 3

    post = serve(lambda r: cut)
    with pytest.raises(TransportError, match="may have reached the server"):
        client(post.base).post("/a", json={})
    assert len(post.requests) == 1


def test_a_server_closing_without_an_answer_is_retried_only_when_idempotent(serve) -> None:
    server = serve(lambda r: None, ok())
    assert client(server.base).get("/a").status == 200 and len(server.requests) == 2
    dropped = serve(lambda r: None)
    with pytest.raises(TransportError, match="may have reached the server"):
        client(dropped.base).post("/a", json={})
    assert len(dropped.requests) == 1


@pytest.mark.parametrize("length", [b"abc", b"2, 3", b"-1", b"99999999999999999999999999"])
def test_a_malformed_content_length_is_a_transport_error(serve, length: bytes) -> None:
    broken = b"HTTP/1.1 200 OK\r\nContent-Length: " + length + b"\r\n\r\n{}"
    server = serve(broken, ok(b'{"ok": 1}'))
    assert client(server.base).get("/a").json() == {"ok": 1} and len(server.requests) == 2
    post = serve(broken)
    with pytest.raises(TransportError, match="may have reached the server"):
        client(post.base).post("/a", json={})
    assert len(post.requests) == 1


@pytest.mark.parametrize("broken", [
    pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\nConnection: close\r\n\r\n{}", id="closed-before-its-end"),
    pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{}",
                 id="closed-inside-a-chunk"),
    pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", id="not-a-chunk-size"),
    pytest.param(b"SPDY/3 200 OK\r\n\r\n", id="not-http-1"),
    pytest.param(b"HTTP/1.1 2x0 OK\r\n\r\n", id="bad-status"),
    pytest.param(b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", id="not-a-header"),
])
def test_broken_answers_are_retried_when_idempotent_and_never_half_read(serve, broken: bytes) -> None:
    server = serve(broken, ok(b'{"ok": 1}'))
    assert client(server.base).get("/a").json() == {"ok": 1} and len(server.requests) == 2
    post = serve(lambda r: broken, lambda r: None)
    with pytest.raises(TransportError, match="may have reached the server"):
        client(post.base, max_retries=0).post("/a", json={})
    assert len(post.requests) == 1


def test_a_connection_the_server_closed_while_idle_is_not_used(serve) -> None:
    """The server closes a keep-alive connection after its answer (as servers do on an idle
    timeout): the next request, a POST, goes on a new connection and is not reported as one
    that may have reached the server."""
    server = serve(ThenClose(ok(b'{"n": 1}')), ok(b'{"n": 2}'))
    c = client(server.base)
    assert c.get("/a").json() == {"n": 1}
    time.sleep(0.2)  # the server's close reaches the client
    assert c.post("/b", json={}).json() == {"n": 2}
    assert server.connections == 2 and len(server.requests) == 2


def test_nobody_listening_is_retried_even_for_a_post() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransportError, match="could not connect.*after 3 attempts"):
        client(f"http://127.0.0.1:{port}", max_retries=2).post("/a", json={})


def test_a_slow_answer_times_out(serve) -> None:
    def slow(request: dict[str, Any]) -> bytes:
        time.sleep(0.5)
        return ok()

    server = serve(slow)
    with pytest.raises(TransportError, match=r"timed out waiting for the response \(timed out\) after 2 attempts"):
        client(server.base, timeout=0.1, max_retries=1).get("/a")


def test_error_answers_reach_the_extractors_as_httpx_responses(serve) -> None:
    body = b'{"message": "no such thing ' + TOKEN.encode() + b'"}'
    server = serve(ok(body, "Content-Type: application/json; charset=utf-8", status="404 Not Found"),
                   ok(b'{"message": "busy"}', "Retry-After: 0", status="503 Service Unavailable"), ok())
    seen: list[Any] = []

    def extractor(response: httpx.Response) -> str:
        seen.append(response)
        return response.json()["message"]

    c = client(server.base, error_message=extractor)
    with pytest.raises(ApiError) as err:
        c.get("/a")
    answer = seen[0]
    assert isinstance(answer, httpx.Response) and (answer.status_code, answer.reason_phrase) == (404, "Not Found")
    assert answer.content == body and answer.text == body.decode()
    assert TOKEN not in str(err.value) and "no such thing ***" in str(err.value)
    assert c.get("/b").status == 200  # the 503 with Retry-After was retried
    assert c.stats["throttled"] == 1


# -- an early answer to an upload ------------------------------------------------------------------


class EarlyAnswer:
    """A server that answers ``413`` as soon as it has read a request's headers, without reading
    its body, then closes the connection (as a server with a body size limit does)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            self.requests.append(head.split(b"\r\n", 1)[0].decode())
            body = b'{"message": "request entity too large"}'
            conn.sendall(b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
            conn.shutdown(socket.SHUT_WR)
            time.sleep(0.2)  # then close with the body unread (the kernel resets the connection)

    def close(self) -> None:
        self._listener.close()


def test_an_early_413_to_a_large_upload_is_reported_once() -> None:
    server = EarlyAnswer()
    try:
        with client(server.base, max_retries=6) as c, pytest.raises(ApiError) as info:
            c.put("/upload/dags.tar", content=b"x" * (32 * 1024 * 1024),
                  headers={"Content-Type": "application/x-tar"})
    finally:
        server.close()
    assert info.value.status == 413 and "request entity too large" in str(info.value)
    assert server.requests == ["PUT /upload/dags.tar HTTP/1.1"]  # sent once, never re-uploaded
