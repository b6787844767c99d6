"""The rate limit knob (a per-token request rate per platform, 429 with Retry-After beyond it),
the latency knob, and the count of requests by route (with the toy emulator of conftest.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from reconciler.errors import ConfigError
from reconciler.sandbox import Sandbox, SandboxResponse
from reconciler.sandbox.traffic import RateLimiter, retry_after_header, route_template

from tests.sandbox.conftest import ToyEmulator


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class OtherToy(ToyEmulator):
    name = "other"

    def error_response(self, status: int, message: str) -> SandboxResponse:
        return SandboxResponse.json_body({"otherError": {"code": status, "detail": message}}, status)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limited(make_sandbox, clock):
    """``limited(rates)``: a toy sandbox (plus an ``other`` platform) with those rate limits."""

    def make(rates: Mapping[str, float], **kwargs: Any) -> Sandbox:
        return Sandbox(token="toy-secret-token", emulators={"toy": ToyEmulator(), "other": OtherToy()},
                       rate_limits=rates, clock=clock, **kwargs)

    return make


def _statuses(client, n: int, path: str = "/toy/api/items") -> list[int]:
    return [client.get(path).status_code for _ in range(n)]


def test_beyond_the_rate_a_token_gets_the_platforms_429_with_retry_after(limited, client_for, clock):
    sb = limited({"toy": 2})
    client = client_for(sb)
    assert _statuses(client, 2) == [200, 200]  # a second's worth of requests at once
    refused = client.get("/toy/api/items")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert "2 requests per second" in refused.json()["toyError"]  # the toy platform's error shape
    clock.now += 0.5  # one request's worth refills
    assert _statuses(client, 2) == [200, 429]
    clock.now += 10  # a full bucket holds one second's worth, no more
    assert _statuses(client, 3) == [200, 200, 429]
    assert sb.rate_limited == {"toy": 3}


def test_refused_requests_reach_no_emulator_and_are_not_counted(limited, client_for):
    sb = limited({"toy": 1})
    client = client_for(sb)
    assert client.post("/toy/api/items", json={"name": "a"}).status_code == 201
    assert client.post("/toy/api/items", json={"name": "b"}).status_code == 429
    assert set(sb.emulators["toy"].world["items"]) == {"a"}
    assert sb.counts["toy"] == {"requests": 1, "writes": 1}
    assert sb.route_counts == {"toy": {"POST /api/items": 1}}


def test_each_token_has_its_own_bucket(limited, client_for):
    sb = limited({"toy": 2})
    stranger = client_for(sb, token="somebody-else")
    assert _statuses(stranger, 3) == [401, 401, 429]  # a wrong token spends only its own budget
    assert _statuses(client_for(sb), 2) == [200, 200]
    assert _statuses(client_for(sb, token=None), 3) == [401, 401, 429]  # no credentials: one bucket


def test_only_the_limited_platform_is_limited_and_each_answers_in_its_own_shape(limited, client_for):
    sb = limited({"other": 1})
    client = client_for(sb)
    assert _statuses(client, 5) == [200] * 5
    assert _statuses(client, 2, "/other/api/items") == [200, 429]
    assert client.get("/other/api/items").json() == {
        "otherError": {"code": 429, "detail": "Rate limit exceeded: at most 1 requests per second per token"}}
    assert sb.rate_limited == {"other": 2}


def test_reset_refills_the_buckets_and_keeps_the_limits(limited, client_for):
    sb = limited({"toy": 1})
    client = client_for(sb)
    assert _statuses(client, 2) == [200, 429]
    sb.reset()
    assert sb.rate_limits == {"toy": 1.0} and sb.rate_limited == {}
    assert _statuses(client, 2) == [200, 429]


def test_limits_set_at_run_time_replace_the_ones_before(limited, client_for):
    sb = limited({})
    client = client_for(sb)
    assert _statuses(client, 3) == [200] * 3
    sb.set_rate_limits({"toy": 1})
    assert _statuses(client, 2) == [200, 429]
    sb.set_rate_limits({})
    assert _statuses(client, 3) == [200] * 3 and sb.rate_limits == {}


@pytest.mark.parametrize("rates, message", [
    pytest.param({"nowhere": 5}, "no platform named 'nowhere'", id="unknown-platform"),
    pytest.param({"toy": 0}, "above 0", id="zero"),
    pytest.param({"toy": -3}, "above 0", id="negative"),
    pytest.param({"toy": "fast"}, "above 0", id="not-a-number"),
    pytest.param({"toy": True}, "above 0", id="boolean"),
    pytest.param({"toy": float("inf")}, "above 0", id="infinite"),
])
def test_bad_limits_are_config_errors(limited, rates, message):
    with pytest.raises(ConfigError, match=message):
        limited(rates)
    sb = limited({"toy": 5})
    with pytest.raises(ConfigError, match=message):
        sb.set_rate_limits(rates)
    assert sb.rate_limits == {"toy": 5.0}  # a refused change leaves the limits as they were


def test_rate_limit_control_endpoint(limited, client_for):
    sb = limited({})
    anonymous, client = client_for(sb, token=None), client_for(sb)
    assert anonymous.get("/_sandbox/rate-limit").json() == {"rates": {}, "refused": {}}
    answer = anonymous.post("/_sandbox/rate-limit", json={"toy": 1})
    assert answer.status_code == 200 and answer.json() == {"rates": {"toy": 1.0}, "refused": {}}
    assert _statuses(client, 2) == [200, 429]
    assert anonymous.get("/_sandbox/rate-limit").json() == {"rates": {"toy": 1.0}, "refused": {"toy": 1}}
    assert sb.counts["toy"]["requests"] == 1  # control requests are neither counted nor limited
    assert anonymous.post("/_sandbox/rate-limit").json()["rates"] == {}  # an empty body lifts every limit
    assert _statuses(client, 2) == [200, 200]


@pytest.mark.parametrize("body, message", [
    pytest.param(b"[1]", "JSON object", id="not-an-object"),
    pytest.param(b"{", "JSON object", id="not-json"),
    pytest.param(b'{"toy": -1}', "above 0", id="negative"),
    pytest.param(b'{"nowhere": 1}', "no platform", id="unknown-platform"),
])
def test_rate_limit_control_endpoint_refuses_bad_bodies(limited, client_for, body, message):
    sb = limited({"toy": 3})
    answer = client_for(sb, token=None).post("/_sandbox/rate-limit", content=body)
    assert answer.status_code == 400 and message in answer.json()["error"]
    assert sb.rate_limits == {"toy": 3.0}


@pytest.mark.parametrize("wait_s, header", [
    pytest.param(0.01, "1", id="under-a-second-is-one"),
    pytest.param(1.0, "1", id="one"),
    pytest.param(1.2, "2", id="rounded-up"),
])
def test_retry_after_is_whole_seconds_rounded_up(wait_s, header):
    assert retry_after_header(wait_s) == header


def test_a_refused_request_is_told_how_long_its_bucket_needs():
    clock = Clock()
    limiter = RateLimiter({"p": 0.5}, clock=clock)  # one request every 2 s; a bucket holds 1
    assert limiter.admit("p", "key") is None
    assert limiter.admit("p", "key") == pytest.approx(2.0)
    clock.now += 1.5
    assert limiter.admit("p", "key") == pytest.approx(0.5)
    assert limiter.admit("q", "key") is None  # no limit there
    assert limiter.refused == {"p": 2}


def test_latency_knob_and_its_control_endpoint(make_sandbox, client_for):
    slept: list[float] = []
    sb = make_sandbox(latency_ms=100, sleep=slept.append)
    client, anonymous = client_for(sb), client_for(sb, token=None)
    client.get("/toy/api/items")
    assert anonymous.post("/_sandbox/latency", json={"ms": 20}).json() == {"ms": 20}
    client.get("/toy/api/items")
    assert anonymous.get("/_sandbox/latency").json() == {"ms": 20}
    assert slept == [pytest.approx(0.1), pytest.approx(0.02)]
    for bad in ({"ms": -1}, {"ms": "slow"}, {}):
        assert anonymous.post("/_sandbox/latency", json=bad).status_code == 400
    with pytest.raises(ConfigError):
        sb.set_latency(float("nan"))
    assert sb.latency_ms == 20


def test_requests_are_counted_by_route_template(sandbox, client, token):
    client.post("/toy/api/items", json={"name": "a"})
    client.post("/toy/api/items", json={"name": "b"})
    client.get("/toy/api/items/a")
    client.get("/toy/api/items/b/")
    client.get("/toy/api/items/zz9")  # a 404 from its handler: still that route
    client.get("/toy/api/v2/nothing-here")  # no route: the path, digits hidden
    assert sandbox.route_counts == {"toy": {"GET /api/items/{name}": 3, "GET /api/{}/nothing-here": 1,
                                            "POST /api/items": 2}}
    answer = client.get("/_sandbox/routes").json()
    assert answer == sandbox.route_counts
    assert sum(answer["toy"].values()) == sandbox.counts["toy"]["requests"]
    sandbox.reset()
    assert sandbox.route_counts == {}


@pytest.mark.parametrize("method, path, template", [
    pytest.param("GET", ("api", "items", "x1"), "/api/items/{name}", id="routed"),
    pytest.param("DELETE", ("api", "items", "x1"), "/api/items/{}", id="method-without-route"),
    pytest.param("GET", ("elsewhere", "7"), "/elsewhere/{}", id="no-prefix"),
])
def test_route_template(method, path, template):
    assert route_template(ToyEmulator(), method, path) == template
    assert route_template(None, "GET", ("a", "b2")) == "/a/{}"


# -- through the CLI -------------------------------------------------------------------------

@pytest.fixture
def rate_limited_project(tmp_path, monkeypatch):
    """The Dataiku example estate and a sandbox on a socket allowing 10 requests/s per token on
    Dataiku (and no limit elsewhere); the CLI's env points at it."""
    import os
    import shutil

    from reconciler.sandbox import serve_in_thread
    from tests.conftest import ROOT

    sb = Sandbox(token="rate-limited-token", rate_limits={"dataiku": 10})
    server, base_url = serve_in_thread(sb)
    shutil.copytree(ROOT / "specs" / "dataiku", tmp_path / "specs" / "dataiku")
    shutil.copy(ROOT / "specs" / "variables.yaml", tmp_path / "specs" / "variables.yaml")
    for key in list(os.environ):
        if key.startswith("RECONCILER_"):
            monkeypatch.delenv(key)
    for key, value in {**sb.env(base_url), "RECONCILER_SPECS": str(tmp_path / "specs"),
                       "RECONCILER_STATE": str(tmp_path / "state.json"), "NO_COLOR": "1"}.items():
        monkeypatch.setenv(key, value)
    yield sb
    server.shutdown()


def test_plan_and_apply_through_the_cli_finish_on_a_rate_limited_platform(rate_limited_project, capsys):
    from reconciler.cli import main as cli_main

    sb = rate_limited_project
    assert cli_main(["plan", "--detailed-exitcode"]) == 2
    capsys.readouterr()
    assert cli_main(["apply", "--auto-approve"]) == 0, capsys.readouterr()
    assert "Resources: 6 added, 0 changed, 0 destroyed" in capsys.readouterr().out
    assert sb.rate_limited.get("dataiku", 0) > 0, "the run never met the limit: the test proves nothing"
    assert cli_main(["plan", "--detailed-exitcode"]) == 0, capsys.readouterr()


@pytest.mark.parametrize("value, message", [
    pytest.param("dataiku", "give PLATFORM=RPS", id="no-rate"),
    pytest.param("dataiku=fast", "give PLATFORM=RPS", id="not-a-number"),
    pytest.param("=10", "give PLATFORM=RPS", id="no-platform"),
    pytest.param("dataiku=0", "above 0", id="zero"),
    pytest.param("nowhere=10", "no platform named 'nowhere'", id="unknown-platform"),
])
def test_sandbox_command_refuses_a_bad_rate_limit(value, message, capsys):
    from reconciler.cli import main as cli_main

    assert cli_main(["sandbox", "--port", "0", "--rate-limit", value]) == 1
    assert message in capsys.readouterr().err
