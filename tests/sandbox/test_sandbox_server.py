"""The real socket server (serve_in_thread): same answers as in-process, keep-alive, dropped
connections, clean shutdown."""

from __future__ import annotations

import socket

import httpx
import pytest

from reconciler.sandbox import serve_in_thread


@pytest.fixture
def served(make_sandbox):
    def start(**knobs):
        sb = make_sandbox(**knobs)
        server, base_url = serve_in_thread(sb)
        started.append(server)
        return sb, base_url

    started: list = []
    yield start
    for server in started:
        server.shutdown()


def test_serves_over_a_socket_with_keep_alive(served, token):
    sb, base_url = served()
    assert base_url.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.post("/toy/api/items", json={"name": "a"}).status_code == 201
        response = client.get("/toy/api/items/a")
        assert response.json() == {"name": "a"}
        assert response.headers["X-Toy"] == "1"
        assert client.get("/toy/api/items").http_version == "HTTP/1.1"
        assert client.get("/_sandbox/stats").json() == {"toy": {"requests": 3, "writes": 1}}
        assert client.head("/toy/api/items").status_code == 405
    assert sb.write_count == 1


def test_rejects_bad_token_over_the_socket(served):
    _, base_url = served()
    response = httpx.get(f"{base_url}/toy/api/items", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_chunked_request_body(served, token):
    sb, base_url = served()

    def chunks():
        yield b'{"name": '
        yield b'"chunky"}'

    response = httpx.post(f"{base_url}/toy/api/items", content=chunks(),
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    assert "chunky" in sb.emulators["toy"].world["items"]


def test_dropped_connection_closes_without_answer(served, token):
    _, base_url = served(fault_rate=1.0, fault_kinds=("drop",))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.get(f"{base_url}/toy/api/items", headers={"Authorization": f"Bearer {token}"})


def test_shutdown_frees_the_port(make_sandbox):
    server, base_url = serve_in_thread(make_sandbox())
    port = int(base_url.rsplit(":", 1)[1])
    server.shutdown()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def test_serve_blocks_until_ctrl_c(tmp_path):
    import signal
    import subprocess
    import sys

    script = (
        "from reconciler.sandbox import Sandbox\n"
        "Sandbox().serve('127.0.0.1', 0, ready=lambda url: print(url, flush=True))\n"
        "print('stopped', flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        response = httpx.get(f"{base_url}/dataiku/public/api/projects/", auth=("sandbox-token", ""))
        assert response.json() == []
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read().strip() == "stopped"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_on_a_busy_port_is_a_config_error(make_sandbox):
    from reconciler.errors import ConfigError

    server, base_url = serve_in_thread(make_sandbox())
    try:
        with pytest.raises(ConfigError, match="cannot serve the sandbox"):
            make_sandbox().serve("127.0.0.1", int(base_url.rsplit(":", 1)[1]))
    finally:
        server.shutdown()


def test_a_burst_of_connections_is_queued_not_dropped(make_sandbox):
    """A client opening its pools' connections at once (24 here) while the server is busy must
    not lose SYNs to a full listen backlog (socketserver's default of 5): a dropped SYN is only
    retried after a second, which would stall that request by as much."""
    from reconciler.sandbox.server import make_server

    server = make_server(make_sandbox())  # bound and listening, not accepting yet: a busy server
    connected: list[socket.socket] = []
    try:
        host, port = server.server_address[:2]
        for _ in range(24):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(0.3)
            try:
                s.connect((host, port))
                connected.append(s)
            except OSError:
                s.close()
        assert len(connected) == 24
    finally:
        for s in connected:
            s.close()
        server.server_close()
