"""``waiting.Poller``: polls a DataRobot status resource with a growing, capped interval and an
overall timeout, on an injected clock (no real sleeps); reports progress; reads 303 as done and
ERROR/ABORTED/EXPIRED as failed."""

from __future__ import annotations

import httpx
import pytest

from reconciler.errors import ProviderContractError
from reconciler.providers.datarobot.waiting import JobFailed, Poller, WaitTimeout
from reconciler.providers.http import HttpClient

BASE = "http://dr.test/api/v2"
STATUS = f"{BASE}/status/job-1/"


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _http(answers: list[httpx.Response], seen: list[str]) -> HttpClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return HttpClient(provider="datarobot", base_url=BASE, transport=httpx.MockTransport(handler), max_retries=0)


def running(status: str = "RUNNING") -> httpx.Response:
    return httpx.Response(200, json={"statusId": "job-1", "status": status, "message": ""})


def done(location: str = f"{BASE}/deployments/d1/") -> httpx.Response:
    return httpx.Response(303, headers={"Location": location}, json={"status": "COMPLETED"})


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


def _poller(time_: FakeTime, **kw) -> Poller:
    return Poller(sleep=time_.sleep, clock=time_.clock, **kw)


def test_done_on_first_poll_returns_the_location_without_sleeping(time_):
    seen: list[str] = []
    messages: list[str] = []
    result = _poller(time_).job(_http([done()], seen), STATUS, "creating deployment 'x'", messages.append)
    assert result == f"{BASE}/deployments/d1/"
    assert seen == [STATUS] and time_.sleeps == []
    assert messages == ["waiting for DataRobot's async job to finish creating deployment 'x' (job job-1)"]


def test_interval_grows_and_is_capped(time_):
    seen: list[str] = []
    answers = [running("INITIALIZED")] + [running()] * 6 + [done()]
    messages: list[str] = []
    _poller(time_, initial=1.0, factor=2.0, max_delay=5.0).job(_http(answers, seen), STATUS, "x", messages.append)
    assert time_.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0]
    assert len(seen) == 8
    assert "INITIALIZED" in messages[1] and "polling again in 1s" in messages[1]


def test_timeout_raises_saying_it_may_still_finish(time_):
    seen: list[str] = []
    with pytest.raises(WaitTimeout) as info:
        _poller(time_, timeout=10.0, initial=1.0, factor=2.0, max_delay=4.0).job(_http([running()], seen), STATUS, "x")
    assert sum(time_.sleeps) <= 10.0
    assert time_.sleeps == [1.0, 2.0, 4.0]  # the next 4 s would pass the deadline
    assert "still RUNNING" in str(info.value) and "may still finish" in str(info.value)


@pytest.mark.parametrize("status", ["ERROR", "ABORTED", "EXPIRED", "error"])
def test_failed_job_raises_with_its_message(time_, status):
    failed = httpx.Response(200, json={"status": status, "message": "Custom model failed to start"})
    with pytest.raises(JobFailed, match="Custom model failed to start") as info:
        _poller(time_).job(_http([running(), failed], []), STATUS, "creating deployment 'x'")
    assert status.upper() in str(info.value) and "creating deployment 'x'" in str(info.value)


def test_completed_without_redirect_returns_none(time_):
    completed = httpx.Response(200, json={"status": "COMPLETED"})
    assert _poller(time_).job(_http([completed], []), STATUS, "erasing") is None


def test_307_is_followed(time_):
    seen: list[str] = []
    moved = httpx.Response(307, headers={"Location": f"{BASE}/status/job-2/"})
    _poller(time_).job(_http([moved, done()], seen), STATUS, "x")
    assert seen == [STATUS, f"{BASE}/status/job-2/"]


def test_an_answer_without_status_breaks_the_contract(time_):
    with pytest.raises(ProviderContractError):
        _poller(time_).job(_http([httpx.Response(200, json={"weird": True})], []), STATUS, "x")


def test_a_location_on_another_origin_is_refused(time_):
    """Credentials go only to the configured endpoint, even when a Location points elsewhere."""
    with pytest.raises(ProviderContractError, match="another origin"):
        _poller(time_).job(_http([done()], []), "https://evil.example/api/v2/status/x/", "x")


def test_until_polls_a_condition_with_the_same_bounds(time_):
    values = iter(["launching", "launching", "active"])
    messages: list[str] = []
    result = _poller(time_, initial=0.5).until(lambda: next(values), lambda v: v == "active", "deployment d1",
                                               lambda v: f"status {v}", messages.append)
    assert result == "active" and time_.sleeps == [0.5, 0.75]
    assert messages[0] == "waiting for deployment d1: status launching, checking again in 0.5s"
    with pytest.raises(WaitTimeout, match="still status launching"):
        _poller(time_, timeout=1.0).until(lambda: "launching", lambda v: False, "deployment d1", lambda v: f"status {v}")
