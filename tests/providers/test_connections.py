"""HttpClient's wire path (``providers/connections.py``) against a real socket server on loopback.

The server reads each request as bytes and answers with raw bytes a test chooses, so framing
(chunked, gzip, Connection: close), dropped connections, slow answers and idle connections the
server closed are all real. URL building is checked against what the httpx path sends.
"""

from __future__ import annotations

import gzip
import socket
import socketserver
import subprocess
import sys
import threading
import time
import zlib
from typing import Any, Callable

import httpx
import pytest

from reconciler.errors import ApiError, ProviderContractError, TransportError
from reconciler.providers.connections import Headers, WireResponse
from reconciler.providers.http import HttpClient, _query, scheme_auth

TOKEN = "wire-T0ken-123"
Answer = Callable[[dict[str, Any]], bytes | None]  # None: close the connection without answering


def ok(body: bytes = b'{"ok": true}', *extra: str, status: str = "200 OK") -> bytes:
    head = [f"HTTP/1.1 {status}", "Content-Type: application/json", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class Server:
    """Loopback HTTP/1.1 server; ``answers`` are used in order (the last repeats)."""

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
                    if b"Connection: close" in raw.split(b"\r\n\r\n")[0]:
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
def serve():
    servers: list[Server] = []

    def make(*answers: Answer | bytes) -> Server:
        servers.append(Server(*answers))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def client(base: str, **kw: Any) -> HttpClient:
    kw.setdefault("auth", scheme_auth("Bearer", TOKEN))
    return HttpClient(provider="p", base_url=base, sleep=lambda s: None, **kw)


def test_the_wire_path_is_taken_without_a_transport_or_proxy(serve, monkeypatch) -> None:
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    assert client("http://127.0.0.1:9")._wire is not None
    assert client("http://127.0.0.1:9", transport=httpx.MockTransport(lambda r: httpx.Response(200)))._wire is None
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    assert client("http://example.com:9")._wire is None  # httpx routes it through the proxy


PROXY_VARS = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY",
              "no_proxy")


@pytest.mark.parametrize("env", [
    {},
    {"HTTP_PROXY": "http://proxy:3128"},
    {"HTTPS_PROXY": "http://proxy:3128"},
    {"ALL_PROXY": "http://proxy:3128"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "example.com"},
    {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": ".example.com"},
    {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": "*"},
    {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": "api.example.com:8080"},
    {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": "127.0.0.1,localhost"},
    {"http_proxy": "http://proxy:3128", "no_proxy": "other.org"},
], ids=lambda env: ",".join(f"{k}={v}" for k, v in env.items()) or "none")
def test_the_wire_path_is_taken_exactly_where_httpx_would_use_no_proxy(monkeypatch, env) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for base in ("http://example.com:9", "https://example.com", "http://api.example.com:8080/v1",
                 "https://sub.example.com/x", "http://127.0.0.1:9", "http://localhost:8765"):
        reference = httpx.Client()  # what httpx itself picks for this origin
        direct = reference._transport_for_url(httpx.URL(base)) is reference._transport
        reference.close()
        made = client(base)
        assert (made._wire is not None) == direct, (base, env)
        made.close()


def test_the_wire_path_builds_no_httpx_client(serve, monkeypatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    server = serve(ok(b'{"id": 7}'))
    with client(server.base + "/api") as c:
        assert c.get("/items/7").json() == {"id": 7}
        assert c._client_made is None and "/api/" in repr(c)


def test_headers_body_and_keep_alive(serve) -> None:
    server = serve(ok(b'{"id": 7}', "X-Thing: a", "Location: /next"))
    with client(server.base + "/api", headers={"X-Org": "o1"}, user_agent="reconciler/9") as c:
        result = c.post("/items", json={"name": "é", "n": 1}, headers={"X-Trace": "t"})
        c.get("/items/7")
    assert result.status == 200 and result.json() == {"id": 7}
    assert result.headers["location"] == result.headers.get("LOCATION") == "/next" and "x-thing" in result.headers
    first = server.requests[0]
    assert first["method"] == "POST" and first["target"] == "/api/items"
    assert first["body"] == '{"name":"é","n":1}'.encode()
    sent = first["headers"]
    assert (sent["authorization"], sent["user-agent"], sent["x-org"], sent["x-trace"], sent["accept"],
            sent["content-type"], sent["host"]) == (f"Bearer {TOKEN}", "reconciler/9", "o1", "t",
                                                    "application/json", "application/json", f"127.0.0.1:{server.port}")
    assert server.connections == 1  # the second request reused the connection


@pytest.mark.parametrize(
    "prefix, path, params",
    [
        pytest.param("/dataiku", "/public/api/projects/", None, id="prefix"),
        pytest.param("/dataiku/", "public/api/x", None, id="no-leading-slash"),
        pytest.param("/datarobot/api/v2", "/deployments/", {"limit": 10, "offset": 0}, id="params"),
        pytest.param("", "/api/v1/org", {"flag": True, "off": False, "none": None}, id="primitive-values"),
        pytest.param("/x", "//evil/y", None, id="double-slash-is-a-path"),
        pytest.param("/x", "/a?b=1", {"c": "2"}, id="path-query-merged-with-params"),
        pytest.param("/x", "/a b/é", None, id="quoted"),
        pytest.param("/x", "/m", {"domain_urn": "urn:li:domain:a b&c/d", "tag": ["t1", "t2"]}, id="escaped-values"),
        pytest.param("/x", "/m", [("k", "v1"), ("k", "v2")], id="pairs"),
    ],
)
def test_urls_are_the_ones_httpx_sends(serve, prefix: str, path: str, params: Any) -> None:
    server = serve()
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json={})

    via_httpx = client(f"http://127.0.0.1:{server.port}{prefix}", transport=httpx.MockTransport(record))
    via_wire = client(f"http://127.0.0.1:{server.port}{prefix}")
    a, b = via_httpx.get(path, params=params), via_wire.get(path, params=params)
    assert server.requests[0]["target"] == seen[0]
    assert a.url == b.url


def test_query_strings_match_httpx() -> None:
    for params in ({"a": 1, "b": "x y", "c": [1, 2]}, [("a", "1"), ("a", "2")], "a=1&b=x%20y", {"u": "ü/?&="}):
        assert _query(params) == str(httpx.QueryParams(params))


def test_absolute_urls_stay_on_the_origin(serve) -> None:
    server = serve()
    c = client(server.base + "/x")
    assert c.get(f"{server.base}/x/status/9").status == 200
    assert server.requests[0]["target"] == "/x/status/9"
    for other in ("http://other:1/x", f"https://127.0.0.1:{server.port}/x", "http://127.0.0.1:1/x"):
        with pytest.raises(ProviderContractError, match="another origin"):
            c.get(other)
    assert len(server.requests) == 1


def test_chunked_and_compressed_answers_are_decoded(serve) -> None:
    doc = b'{"items": [' + b",".join(b'{"n": %d}' % i for i in range(500)) + b"]}"
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"".join(
        b"%x\r\n%s\r\n" % (len(part), part) for part in (doc[:1000], doc[1000:])) + b"0\r\n\r\n"
    zipped = gzip.compress(doc)
    deflated = zlib.compress(doc)
    server = serve(chunked, ok(zipped, "Content-Encoding: gzip"), ok(deflated, "Content-Encoding: deflate"))
    c = client(server.base)
    assert [len(c.get("/x").json()["items"]) for _ in range(3)] == [500, 500, 500]
    assert "gzip" in server.requests[0]["headers"]["accept-encoding"]
    assert server.connections == 1


def test_connection_close_and_a_server_that_closed_an_idle_connection(serve) -> None:
    server = serve(ok(b"{}", "Connection: close"), ok())
    c = client(server.base)
    c.get("/a")
    c.post("/b", json={})  # a new connection: the first was closed after its answer
    assert server.connections == 2

    def close_after(request: dict[str, Any]) -> bytes:
        return ok()

    idle = serve(close_after)
    c2 = client(idle.base)
    c2.get("/a")
    idle._tcp.shutdown()  # stop accepting; the open connection is still served by its thread
    conn = c2._wire._idle[0]
    conn.sock.shutdown(socket.SHUT_RDWR)  # as if the server had closed it while idle: now readable (EOF)
    idle.close()
    fresh = serve()
    c3 = client(fresh.base)
    c3.get("/a")
    c3._wire._idle[0].sock.shutdown(socket.SHUT_RD)
    c3.post("/b", json={})  # not sent on the dead connection, so not a "may have reached the server"
    assert fresh.connections == 2 and [r["target"] for r in fresh.requests] == ["/a", "/b"]


def test_interim_answers_folded_and_repeated_headers(serve) -> None:
    """1xx answers before the real one are skipped; a folded header continues the one above it;
    a repeated header's values are joined (as http.client and httpx read them)."""
    answer = (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
              + ok(b'{"a": 1}', "X-Long: one", "  two", "Set-Thing: x", "Set-Thing: y"))
    server = serve(answer, ok(b"{}"))
    c = client(server.base)
    first = c.get("/a")
    assert first.json() == {"a": 1} and first.headers["x-long"] == "one two"
    assert first.headers["set-thing"] == "x, y" and "link" not in first.headers
    assert c.get("/b").json() == {} and server.connections == 1  # the connection was still in step


def test_answers_without_a_body_keep_the_connection_in_step(serve) -> None:
    """HEAD, 204 and 304 answers have no body whatever their headers say."""
    server = serve(ok(b"", "X-N: 1").replace(b"Content-Length: 0", b"Content-Length: 999"),
                   b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
                   b"HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n", ok(b'{"n": 4}'))
    c = client(server.base)
    assert c.request("HEAD", "/a").status == 200
    assert c.get("/b").status == 204 and c.get("/c").status == 304
    assert c.get("/d").json() == {"n": 4} and server.connections == 1


def test_a_body_that_runs_until_the_server_closes_and_http_1_0(serve) -> None:
    until_close = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b'{"all": "of it"}'
    http10 = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}"  # 1.0 without keep-alive: closes
    server = serve(until_close, http10, ok(b'{"z": 0}'))
    c = client(server.base)
    assert c.get("/a").json() == {"all": "of it"}
    assert c.get("/b").json() == {} and c.get("/c").json() == {"z": 0}
    assert server.connections == 3


@pytest.mark.parametrize("broken", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\nConnection: close\r\n\r\n{}",  # closed before its end
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{}",  # inside a chunk
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  # not a chunk size
    b"SPDY/3 200 OK\r\n\r\n",  # not HTTP/1.x
    b"HTTP/1.1 2x0 OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\n{}",  # two lengths
    b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70000 + b"\r\n\r\n",  # a header line over 64 KiB
    b"HTTP/1.1 200 OK\r\n" + b"X-H: 1\r\n" * 101 + b"\r\n",  # over 100 headers
])
def test_broken_answers_are_protocol_errors_never_half_read(serve, broken: bytes) -> None:
    """Each fails the exchange (retried when idempotent, on a new connection); a POST is not
    sent twice and says it may have reached the server."""
    def then_close(request: dict[str, Any]) -> None:
        return None

    server = serve(broken + b"", ok(b'{"ok": 1}'))
    assert client(server.base).get("/a").json() == {"ok": 1} and len(server.requests) == 2
    post = serve(lambda r: broken, then_close)
    with pytest.raises(TransportError, match="may have reached the server"):
        client(post.base, max_retries=0).post("/a", json={})
    assert len(post.requests) == 1


def test_a_header_that_would_inject_a_line_is_refused_before_sending(serve) -> None:
    """A value with a line break (a credential read with its newline, a hostile setting) never
    reaches the socket, and the error does not repeat the value."""
    from reconciler.providers.connections import Wire

    server = serve()
    wire = Wire("http", "127.0.0.1", server.port, timeout=5)
    for headers, target in (([("X-Key", "s3cret\r\nX-Evil: 1")], "/a"), ([("Bad Name", "v")], "/a"),
                            ([("X-Key", "v")], "/a b"), ([("X-Key", "v")], "/a\r\nX: 1")):
        with pytest.raises(ValueError) as err:
            wire.send("GET", target, headers, None)
        assert "s3cret" not in str(err.value)
    assert server.requests == [] and server.connections == 0


def test_the_host_header_is_written_as_http_client_writes_it() -> None:
    from reconciler.providers.connections import Wire

    assert Wire("http", "h.example", 80, timeout=1)._host_line == "Host: h.example\r\n"
    assert Wire("https", "h.example", None, timeout=1)._host_line == "Host: h.example\r\n"
    assert Wire("https", "h.example", 8443, timeout=1)._host_line == "Host: h.example:8443\r\n"
    assert Wire("http", "::1", 8080, timeout=1)._host_line == "Host: [::1]:8080\r\n"
    assert Wire("https", "bücher.de", 443, timeout=1)._host_line == "Host: xn--bcher-kva.de\r\n"


def test_dropped_answers_are_retried_only_when_idempotent(serve) -> None:
    server = serve(lambda r: None, ok())
    c = client(server.base)
    assert c.get("/a").status == 200 and len(server.requests) == 2  # retried on a new connection
    dropped = serve(lambda r: None)
    with pytest.raises(TransportError, match="may have reached the server"):
        client(dropped.base).post("/a", json={})
    assert len(dropped.requests) == 1


def test_nobody_listening_is_retried_even_for_a_post() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = client(f"http://127.0.0.1:{port}", max_retries=2)
    with pytest.raises(TransportError, match="could not connect.*after 3 attempts"):
        c.post("/a", json={})


def test_a_slow_answer_times_out(serve) -> None:
    def slow(request: dict[str, Any]) -> bytes:
        time.sleep(0.5)
        return ok()

    server = serve(slow)
    c = client(server.base, timeout=0.1, max_retries=1)
    with pytest.raises(TransportError, match="timed out waiting for the response"):
        c.get("/a")


def test_error_answers_reach_the_extractors_with_what_they_read_of_httpx_responses(serve) -> None:
    """An extractor reads an error answer as it would an ``httpx.Response`` (status_code,
    reason_phrase, headers, content, text, json()); on the wire path it is a ``WireResponse``,
    so that a 404 (a lookup of an object not created yet) does not load httpx."""
    body = b'{"message": "no such thing ' + TOKEN.encode() + b'"}'
    server = serve(ok(body, "Content-Type: application/json; charset=utf-8", status="404 Not Found"),
                   ok(b'{"message": "busy"}', "Retry-After: 0", status="503 Service Unavailable"), ok())
    seen: list[Any] = []

    def extractor(response) -> str:
        seen.append(response)
        return response.json()["message"]

    c = client(server.base, error_message=extractor)
    with pytest.raises(ApiError) as err:
        c.get("/a")
    answer = seen[0]
    assert isinstance(answer, WireResponse) and (answer.status_code, answer.reason_phrase) == (404, "Not Found")
    assert answer.headers["content-type"].startswith("application/json") and answer.content == body
    assert answer.text == body.decode() and answer.json() == {"message": f"no such thing {TOKEN}"}
    assert TOKEN not in str(err.value) and "no such thing ***" in str(err.value)
    assert c.get("/b").status == 200  # the 503 with Retry-After was retried
    assert c.stats["throttled"] == 1


def test_headers_are_case_insensitive() -> None:
    h = Headers({"content-type": "application/json"})
    assert h["Content-Type"] == h.get("CONTENT-TYPE") == "application/json"
    assert "Content-type" in h and "x" not in h and h.get("x", "d") == "d"


def test_tls_is_verified_for_https_origins_and_any_proxy_and_skipped_only_for_a_direct_http_origin(monkeypatch):
    import ssl

    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    assert client("http://127.0.0.1:9")._client_args["verify"] is False  # never used: no TLS at all
    assert isinstance(client("https://example.com")._client_args["verify"], ssl.SSLContext)
    monkeypatch.setenv("HTTP_PROXY", "https://proxy.example:3128")  # reached over TLS
    proxied = client("http://example.com:9")
    assert proxied._wire is None and isinstance(proxied._client_args["verify"], ssl.SSLContext)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8765/dataiku", "http://h:80/x", "https://H.Example.com:443/api/v2", "https://a.b",
    "http://a.b/", "http://a.b/p/q/", "https://x.y:8443/a-b_c~d/e", "http://a.b:65535", "https://a.b:0/x",
    # not the plain form: read by httpx itself
    "https://x.y:8443/a%20b/c", "http://[::1]:9/x", "http://h/x?y=1", "http://u:pw@h/x", "https://bücher.de/x",
    "HTTP://h/x", "http://h/a b", "http://h:99999/x", "ftp://h/x", "http://", "not a url",
    "http://a.b/x/../y", "http://a.b/./x", "http://a.b:080/x", "http://a.b./x", "http://a.b:/x", "http://a.b//x",
    # absolute URLs a platform returns (next pages): a query is part of raw_path
    "http://127.0.0.1:8765/datarobot/api/v2/deployments/?offset=100&limit=100", "https://h/x?a=1&b=two&c=",
    "http://h?x=1", "http://h/x?", "http://h/x??a", "http://h/x?a=b/c:d@e", "http://h/x?a=%20", "http://h/x?a b",
    "http://h/x?a=1#top", "http://h/x#top", "http://h/x?a=[1]", "http://h/x?a=\u00e9", "https://H:443/x?Q=1",
])
def test_urls_are_read_as_httpx_reads_them(url):
    from reconciler.providers.http import _parse_url

    mine = _parse_url(url)
    try:
        ref = httpx.URL(url)
    except httpx.InvalidURL:
        assert mine is None
        return
    assert mine is not None
    assert (mine.scheme, mine.host, mine.port, mine.password, mine.raw_path, mine.text) == (
        ref.scheme, ref.host, ref.port, ref.password or "", ref.raw_path, str(ref))


def test_a_plain_http_run_never_imports_httpx(serve):
    server = serve(ok(b'{"id": 7}'))
    code = ("import os, sys\n"
            "for k in list(os.environ):\n"
            "    if k.lower() in ('http_proxy', 'https_proxy', 'all_proxy'): del os.environ[k]\n"
            "from reconciler.providers.http import HttpClient, scheme_auth\n"
            f"c = HttpClient(provider='p', base_url={server.base + '/api'!r}, auth=scheme_auth('Bearer', 't'))\n"
            "assert c.get('/items/7').json() == {'id': 7}\n"
            f"assert c.get({server.base + '/api/items?offset=100&limit=100'!r}).json() == {{'id': 7}}\n"  # a next page
            "print('httpx' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_idle_and_tls_checks_work_while_another_thread_is_still_importing_ssl(monkeypatch):
    """A plain-http run imports ssl only if something asks for it, possibly on another thread:
    a half-imported module (in sys.modules, its classes not yet defined) must not break a check."""
    import types

    from reconciler.providers.connections import _usable
    from reconciler.providers.http import _tls_refused

    monkeypatch.setitem(sys.modules, "ssl", types.ModuleType("ssl"))  # as during `import ssl`
    left, right = socket.socketpair()
    try:
        assert _usable(left)
        right.sendall(b"x")
        time.sleep(0.01)
        assert not _usable(left)  # something to read on an idle connection: closed or confused
    finally:
        left.close()
        right.close()
    assert not _tls_refused(ConnectionResetError("reset"))
    assert _tls_refused(OSError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))


def test_a_wire_answers_text_follows_its_charset() -> None:
    latin = WireResponse(400, "Bad Request", Headers({"content-type": "text/plain; charset=ISO-8859-1"}),
                         "é".encode("latin-1"))
    assert latin.text == "é"
    unknown = WireResponse(400, "Bad Request", Headers({"content-type": "text/plain; charset=x-nope"}), b"caf\xc3\xa9")
    assert unknown.text == "café"  # an unknown charset: UTF-8
    with pytest.raises(ValueError):
        WireResponse(502, "Bad Gateway", Headers(), b"<html>").json()
