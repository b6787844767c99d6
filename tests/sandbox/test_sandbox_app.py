"""Sandbox.handle through the in-process transport: dispatch, auth, counters, control
endpoints, latency and fault injection (with the toy emulator of conftest.py)."""

from __future__ import annotations

import httpx
import pytest

from reconciler.errors import ConfigError
from reconciler.sandbox import Sandbox, SandboxRequest


def test_dispatches_by_first_segment_and_decorates(client):
    created = client.post("/toy/api/items", json={"name": "a"})
    assert created.status_code == 201
    assert created.headers["X-Toy"] == "1"
    assert client.get("/toy/api/items/a").json() == {"name": "a"}
    assert client.get("/toy//api//items/").json() == ["a"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/nowhere/api/items", 404, id="unknown-platform"),
        pytest.param("GET", "/", 404, id="root"),
        pytest.param("GET", "/toy/api/nothing", 404, id="unknown-route"),
        pytest.param("DELETE", "/toy/api/items", 405, id="wrong-method"),
        pytest.param("GET", "/toy/api/items/zzz", 404, id="domain-error"),
    ],
)
def test_error_statuses(client, method, path, status):
    assert client.request(method, path).status_code == status


def test_method_not_allowed_names_allowed_methods(client):
    response = client.delete("/toy/api/items")
    assert response.headers["Allow"] == "GET, POST"
    assert "toyError" in response.json()


def test_auth_rejected_in_platform_shape_and_not_counted(sandbox, client_for, token):
    for bad in (client_for(sandbox, token=None), client_for(sandbox, token="wrong")):
        response = bad.post("/toy/api/items", json={"name": "x"})
        assert response.status_code == 401
        assert response.json() == {"toyError": "bad credentials"}
    assert sandbox.counts == {"toy": {"requests": 0, "writes": 0}}
    assert sandbox.emulators["toy"].world["items"] == {}


def test_counts_reads_and_writes_per_platform(sandbox, client):
    client.get("/toy/api/items")
    client.post("/toy/api/items", json={"name": "a"})
    client.post("/toy/api/items", json={"name": "a"})  # a failed write still counts as one
    client.get("/toy/api/items/a")
    assert sandbox.counts == {"toy": {"requests": 4, "writes": 2}}
    assert sandbox.write_count == 2


def test_control_endpoints_need_no_auth_and_are_not_counted(sandbox, client, client_for):
    client.post("/toy/api/items", json={"name": "a"})
    anonymous = client_for(sandbox, token=None)
    assert anonymous.get("/_sandbox/stats").json() == {"toy": {"requests": 1, "writes": 1}}
    assert anonymous.post("/_sandbox/reset").json() == {"toy": {"requests": 0, "writes": 0}}
    assert sandbox.emulators["toy"].world["items"] == {}
    assert anonymous.get("/_sandbox/nope").status_code == 404
    assert anonymous.delete("/_sandbox/stats").status_code == 405
    assert sandbox.write_count == 0


def test_reset_restores_world_and_zeroes_counters(sandbox, client):
    client.post("/toy/api/items", json={"name": "a"})
    sandbox.reset()
    assert client.get("/toy/api/items").json() == []
    assert sandbox.counts["toy"] == {"requests": 1, "writes": 0}


def test_emulator_bug_becomes_platform_500(client):
    response = client.post("/toy/api/boom")
    assert response.status_code == 500
    assert response.json() == {"toyError": "Sandbox internal error: RuntimeError"}


def test_latency_sleeps_per_emulator_request_only(make_sandbox, client_for):
    slept: list[float] = []
    sb = make_sandbox(latency_ms=250, sleep=slept.append)
    client = client_for(sb)
    client.get("/toy/api/items")
    client.get("/_sandbox/stats")
    client.get("/elsewhere")
    assert slept == [0.25]


def _outcomes(sb: Sandbox, client: httpx.Client, n: int) -> list[object]:
    outcomes: list[object] = []
    for i in range(n):
        try:
            outcomes.append(client.get("/toy/api/items").status_code)
        except httpx.RemoteProtocolError:
            outcomes.append("drop")
    return outcomes


def test_faults_are_seeded_and_mixed(make_sandbox, client_for):
    first = make_sandbox(fault_rate=0.5, seed=7)
    second = make_sandbox(fault_rate=0.5, seed=7)
    a = _outcomes(first, client_for(first), 200)
    b = _outcomes(second, client_for(second), 200)
    assert a == b
    assert {"drop", 429, 200} <= set(a)
    assert set(a) & {500, 502, 503}
    assert 60 < a.count(200) < 140
    assert first.fault_count == 200 - a.count(200)
    first.reset()
    assert _outcomes(first, client_for(first), 200) == a  # reset replays the fault sequence


def test_other_seed_gives_other_faults(make_sandbox, client_for):
    a, b = make_sandbox(fault_rate=0.5, seed=1), make_sandbox(fault_rate=0.5, seed=2)
    assert _outcomes(a, client_for(a), 50) != _outcomes(b, client_for(b), 50)


@pytest.mark.parametrize("kind", ["5xx", "429", "drop"])
def test_fault_happens_before_any_side_effect(make_sandbox, client_for, kind):
    sb = make_sandbox(fault_rate=1.0, fault_kinds=(kind,))
    client = client_for(sb)
    try:
        response = client.post("/toy/api/items", json={"name": "a"})
        assert response.status_code >= 429
    except httpx.RemoteProtocolError:
        assert kind == "drop"
    assert sb.emulators["toy"].world["items"] == {}
    assert sb.write_count == 0
    assert sb.fault_count == 1


def test_429_carries_configurable_retry_after_and_platform_body(make_sandbox, client_for):
    sb = make_sandbox(fault_rate=1.0, fault_kinds=("429",), retry_after=3)
    response = client_for(sb).get("/toy/api/items")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert "toyError" in response.json()


def test_5xx_fault_uses_platform_error_body(make_sandbox, client_for):
    sb = make_sandbox(fault_rate=1.0, fault_kinds=("5xx",))
    response = client_for(sb).get("/toy/api/items")
    assert response.status_code in (500, 502, 503)
    assert response.json() == {"toyError": f"Injected fault (HTTP {response.status_code})"}


@pytest.mark.parametrize(
    "knobs",
    [
        pytest.param({"fault_rate": 1.5}, id="rate-above-1"),
        pytest.param({"fault_rate": -0.1}, id="negative-rate"),
        pytest.param({"latency_ms": -1}, id="negative-latency"),
        pytest.param({"token": ""}, id="empty-token"),
        pytest.param({"fault_kinds": ("teapot",)}, id="unknown-fault-kind"),
        pytest.param({"retry_after": -1}, id="negative-retry-after"),
    ],
)
def test_bad_knobs_are_config_errors(make_sandbox, knobs):
    with pytest.raises(ConfigError):
        make_sandbox(**knobs)


def test_token_never_echoed(sandbox, client, client_for, token):
    bodies = [
        client.get("/toy/api/items/zzz").text,
        client_for(sandbox, token="wrong-guess").get("/toy/api/items").text,
        client.get("/_sandbox/stats").text,
    ]
    assert all(token not in body and "wrong-guess" not in body for body in bodies)
    assert token not in repr(sandbox)


def test_env_merges_every_emulator(sandbox, token):
    assert sandbox.env("http://127.0.0.1:9/") == {"TOY_URL": "http://127.0.0.1:9/toy", "TOY_TOKEN": token}


def test_handle_is_the_entry_point(sandbox, token):
    request = SandboxRequest.from_target("GET", "/toy/api/items", [("authorization", f"Bearer {token}")])
    assert sandbox.handle(request).json() == []


def test_default_registry_mounts_every_registered_platform():
    from reconciler.sandbox.registry import EMULATORS

    sb = Sandbox()
    assert sorted(sb.emulators) == sorted(EMULATORS) and "dataiku" in sb.emulators
    assert sb.counts["dataiku"] == {"requests": 0, "writes": 0}
    env = sb.env("http://h:1")
    assert env["DATAIKU_URL"] == "http://h:1/dataiku" and env["DATAIKU_API_KEY"] == "sandbox-token"


def test_in_flight_counts_requests_during_their_latency(make_sandbox, client_for):
    seen: list[int] = []
    box: list[Sandbox] = []
    sb = make_sandbox(latency_ms=5, sleep=lambda seconds: seen.append(box[0].in_flight))
    box.append(sb)
    client_for(sb).get("/toy/api/items")
    assert seen == [1]
    assert sb.in_flight == 0
