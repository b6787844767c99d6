"""The fault and outage knobs: per-kind fault rates, the echo fault, a platform outage, and
their control endpoints (with the toy emulator of conftest.py)."""

from __future__ import annotations

import json

import httpx
import pytest

from reconciler.errors import ConfigError
from reconciler.sandbox import Sandbox
from reconciler.sandbox.faults import FaultInjector


def _outcomes(client: httpx.Client, n: int, method: str = "GET") -> list[object]:
    outcomes: list[object] = []
    for i in range(n):
        try:
            if method == "GET":
                outcomes.append(client.get("/toy/api/items").status_code)
            else:
                outcomes.append(client.post("/toy/api/items", json={"name": f"i{i}"}).status_code)
        except httpx.RemoteProtocolError:
            outcomes.append("drop")
    return outcomes


def test_per_kind_rates_are_honoured_and_counted(make_sandbox, client_for):
    sb = make_sandbox(faults={"5xx": 0.10, "429": 0.05, "drop": 0.01}, seed=11)
    outcomes = _outcomes(client_for(sb), 2000)
    server_errors = sum(1 for o in outcomes if o in (500, 502, 503))
    throttled, dropped = outcomes.count(429), outcomes.count("drop")
    assert 150 < server_errors < 250  # 10 % of 2,000 = 200
    assert 65 < throttled < 135  # 5 % = 100
    assert 6 < dropped < 40  # 1 % = 20
    assert sb.fault_counts == {"5xx": server_errors, "429": throttled, "drop": dropped}
    assert sb.fault_count == server_errors + throttled + dropped
    assert sb.fault_rate == pytest.approx(0.16)
    assert sb.fault_rates == {"5xx": 0.10, "429": 0.05, "drop": 0.01}


def test_per_kind_faults_are_seeded_and_replayed_by_reset(make_sandbox, client_for):
    a = make_sandbox(faults={"5xx": 0.3, "drop": 0.2}, seed=5)
    b = make_sandbox(faults={"5xx": 0.3, "drop": 0.2}, seed=5)
    first = _outcomes(client_for(a), 100)
    assert first == _outcomes(client_for(b), 100)
    a.reset()
    assert _outcomes(client_for(a), 100) == first
    assert a.fault_counts and 429 not in first


@pytest.mark.parametrize(
    "rates",
    [
        pytest.param({"5xx": 0.7, "429": 0.4}, id="sum-above-1"),
        pytest.param({"teapot": 0.1}, id="unknown-kind"),
        pytest.param({"5xx": -0.1}, id="negative"),
        pytest.param({"5xx": "often"}, id="not-a-number"),
        pytest.param({"5xx": True}, id="boolean"),
    ],
)
def test_bad_per_kind_rates_are_config_errors(make_sandbox, rates):
    with pytest.raises(ConfigError):
        make_sandbox(faults=rates)
    with pytest.raises(ConfigError):
        make_sandbox().set_faults(rates)


def test_faults_and_the_old_fault_rate_are_exclusive(make_sandbox):
    with pytest.raises(ConfigError, match="not both"):
        make_sandbox(faults={"5xx": 0.1}, fault_rate=0.2)


def test_old_fault_rate_reports_uniform_per_kind_rates(make_sandbox):
    sb = make_sandbox(fault_rate=0.3)
    assert sb.fault_rates == pytest.approx({"5xx": 0.1, "429": 0.1, "drop": 0.1})
    assert make_sandbox().fault_rates == {}


def test_set_faults_at_run_time_and_off_again(make_sandbox, client_for):
    sb = make_sandbox()
    client = client_for(sb)
    sb.set_faults({"429": 1.0}, retry_after=0)
    response = client.get("/toy/api/items")
    assert response.status_code == 429 and response.headers["Retry-After"] == "0"
    sb.set_faults({})
    assert client.get("/toy/api/items").status_code == 200
    assert sb.fault_rate == 0.0


def test_faults_never_touch_the_world_even_for_writes(make_sandbox, client_for):
    sb = make_sandbox(faults={"5xx": 0.3, "429": 0.2, "drop": 0.1}, seed=3)
    outcomes = _outcomes(client_for(sb), 200, method="POST")
    created = {f"i{i}" for i, o in enumerate(outcomes) if o == 201}
    assert set(sb.emulators["toy"].world["items"]) == created
    assert sb.write_count == len(created)


def test_echo_fault_echoes_request_headers_in_the_platform_error_shape(make_sandbox, client_for, token):
    sb = make_sandbox(faults={"echo": 1.0})
    response = client_for(sb).get("/toy/api/items", headers={"X-Trace": "abc"})
    assert response.status_code == 500
    message = response.json()["toyError"]
    assert token in message and "abc" in message  # on purpose: what a leaky proxy does
    assert sb.fault_counts == {"echo": 1}
    assert token not in repr(sb)


def test_echo_is_never_a_default_kind():
    assert "echo" not in FaultInjector(0.5).kinds
    assert set(FaultInjector(0.9, seed=1).rates) == {"5xx", "429", "drop"}


def test_outage_answers_503_to_everything_before_auth_and_touches_nothing(make_sandbox, client_for):
    sb = make_sandbox()
    good, anonymous = client_for(sb), client_for(sb, token=None)
    sb.outage("toy")
    for response in (good.get("/toy/api/items"), good.post("/toy/api/items", json={"name": "a"}),
                     anonymous.get("/toy/api/items"), good.get("/toy/api/nothing-here")):
        assert response.status_code == 503
        assert response.json() == {"toyError": "toy is unavailable (sandbox outage)"}
    assert sb.emulators["toy"].world["items"] == {}
    assert sb.counts == {"toy": {"requests": 0, "writes": 0}}
    assert sb.outage_count == 4 and sb.outage_platform == "toy"
    assert "outage='toy'" in repr(sb)
    sb.outage(None)
    assert good.post("/toy/api/items", json={"name": "a"}).status_code == 201
    assert sb.outage_platform is None


def test_outage_of_an_unknown_platform_is_a_config_error(make_sandbox):
    with pytest.raises(ConfigError, match="toy"):
        make_sandbox().outage("nowhere")


def test_outage_hits_only_its_platform():
    sb = Sandbox(token="t")
    sb.outage("datarobot")
    client = httpx.Client(transport=sb.transport(), base_url="http://sandbox")
    env = sb.env("http://sandbox")
    down = client.get("/datarobot/api/v2/deployments/", headers={"Authorization": f"Token {env['DATAROBOT_API_TOKEN']}"})
    assert down.status_code == 503 and "unavailable" in down.text
    up = client.get("/semantic/api/semantic-models", headers={"Authorization": "Bearer t"})
    assert up.status_code == 200


def test_reset_keeps_knobs_but_zeroes_their_counters(make_sandbox, client_for):
    sb = make_sandbox(faults={"5xx": 1.0})
    client_for(sb).get("/toy/api/items")
    sb.outage("toy")
    client_for(sb).get("/toy/api/items")
    sb.reset()
    assert sb.fault_counts == {} and sb.fault_count == 0 and sb.outage_count == 0
    assert sb.outage_platform == "toy" and sb.fault_rates == {"5xx": 1.0}


# -- over HTTP ---------------------------------------------------------------------------------


def test_control_endpoint_sets_faults_and_reports_them(make_sandbox, client_for):
    sb = make_sandbox()
    anonymous = client_for(sb, token=None)
    answer = anonymous.post("/_sandbox/faults", json={"5xx": 0.1, "429": 0.05, "drop": 0.01, "retry_after": 0})
    assert answer.status_code == 200
    assert answer.json() == {"rates": {"5xx": 0.1, "429": 0.05, "drop": 0.01}, "retry_after": 0,
                             "injected": {}, "outage": None, "outage_answers": 0}
    assert sb.fault_rates == {"5xx": 0.1, "429": 0.05, "drop": 0.01} and sb.retry_after == 0
    assert anonymous.get("/_sandbox/faults").json()["rates"] == sb.fault_rates
    assert anonymous.post("/_sandbox/faults", json={}).json()["rates"] == {}
    assert anonymous.post("/_sandbox/faults").json()["rates"] == {}  # no body: faults off
    assert sb.fault_rate == 0.0


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[0.1]", id="not-an-object"),
        pytest.param(b"{not json", id="not-json"),
        pytest.param(json.dumps({"5xx": 2}).encode(), id="rate-above-1"),
        pytest.param(json.dumps({"teapot": 0.1}).encode(), id="unknown-kind"),
        pytest.param(json.dumps({"retry_after": -1}).encode(), id="negative-retry-after"),
        pytest.param(json.dumps({"retry_after": "soon"}).encode(), id="retry-after-not-a-number"),
    ],
)
def test_control_endpoint_refuses_bad_faults_with_400_and_keeps_the_old_ones(make_sandbox, client_for, body):
    sb = make_sandbox(faults={"429": 0.5})
    answer = client_for(sb, token=None).post("/_sandbox/faults", content=body)
    assert answer.status_code == 400 and answer.json()["error"]
    assert sb.fault_rates == {"429": 0.5}


def test_control_endpoint_starts_and_ends_an_outage(make_sandbox, client_for):
    sb = make_sandbox()
    anonymous = client_for(sb, token=None)
    assert anonymous.post("/_sandbox/outage", params={"platform": "toy"}).json()["outage"] == "toy"
    assert client_for(sb).get("/toy/api/items").status_code == 503
    assert anonymous.post("/_sandbox/outage", params={"platform": ""}).json()["outage"] is None
    assert client_for(sb).get("/toy/api/items").status_code == 200
    anonymous.post("/_sandbox/outage", params={"platform": "toy"})
    assert anonymous.post("/_sandbox/outage").json()["outage"] is None
    bad = anonymous.post("/_sandbox/outage", params={"platform": "nowhere"})
    assert bad.status_code == 400 and "toy" in bad.json()["error"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/_sandbox/outage", 405, id="outage-is-post-only"),
        pytest.param("DELETE", "/_sandbox/faults", 405, id="faults-get-or-post"),
        pytest.param("GET", "/_sandbox/nope", 404, id="unknown"),
    ],
)
def test_control_endpoint_methods(make_sandbox, client_for, method, path, status):
    response = client_for(make_sandbox(), token=None).request(method, path)
    assert response.status_code == status
    if status == 404:
        assert "POST /_sandbox/outage" in response.json()["endpoints"]
    else:
        assert response.headers["Allow"]


def test_knobs_over_a_real_socket(make_sandbox):
    from reconciler.sandbox import serve_in_thread

    sb = make_sandbox()
    server, base_url = serve_in_thread(sb)
    try:
        with httpx.Client(base_url=base_url, timeout=5) as http:
            http.post("/_sandbox/faults", json={"drop": 1.0})
            with pytest.raises(httpx.RemoteProtocolError):
                http.get("/toy/api/items", headers={"Authorization": "Bearer x"})
            http.post("/_sandbox/faults", json={})
            http.post("/_sandbox/outage", params={"platform": "toy"})
            assert http.get("/toy/api/items").status_code == 503
    finally:
        server.shutdown()
