"""The Dataiku client's error reading and future handling (pure parts)."""

from __future__ import annotations

import json

import httpx
import pytest

from reconciler.errors import ApiError, ProviderError
from reconciler.providers.dataiku.client import DataikuClient, error_message, is_not_found

UNKNOWN = "com.dataiku.dip.exceptions.UnknownObjectException"
NOT_FOUND = "com.dataiku.dip.server.controllers.NotFoundException"
ILLEGAL = "com.dataiku.dip.exceptions.DSSIllegalArgumentException"


def _response(status: int, body) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content)


@pytest.mark.parametrize(
    "status, body, message, not_found",
    [
        pytest.param(404, {"errorType": UNKNOWN, "message": "m", "detailedMessage": "Dataset P.d not found"},
                     "UnknownObjectException: Dataset P.d not found", True, id="404-dss-body"),
        pytest.param(400, {"errorType": NOT_FOUND, "message": "no such project"},
                     "NotFoundException: no such project", True, id="not-found-type-any-status"),
        pytest.param(400, {"errorType": ILLEGAL, "message": "bad", "detailedMessage": ""},
                     "DSSIllegalArgumentException: bad", False, id="detailed-empty-falls-back-to-message"),
        pytest.param(404, b"<html>Not Found</html>", "<html>Not Found</html>", False,
                     id="bare-404-is-not-not-found"),
        pytest.param(500, b"", "Internal Server Error", False, id="empty-body-reason-phrase"),
        pytest.param(409, {"errorType": None}, "Unknown error: No message", False, id="errortype-null"),
    ],
)
def test_error_reading(status, body, message, not_found):
    response = _response(status, body)
    assert error_message(response) == message
    assert is_not_found(response) is not_found


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _client(clock: _Clock, timeout: float = 1.0) -> DataikuClient:
    # no request is made by these cases: http is never touched
    return DataikuClient(http=None, future_timeout=timeout, sleep=clock.sleep, clock=clock)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "state, result",
    [
        pytest.param({"hasResult": True, "result": {"messages": [], "anyMessage": False}},
                     {"messages": [], "anyMessage": False}, id="done-at-once"),
        pytest.param(None, None, id="empty-answer"),
        pytest.param({"messages": []}, {"messages": []}, id="not-a-future"),
    ],
)
def test_wait_future_done(state, result):
    assert _client(_Clock()).wait_future(state, what="x") == result


@pytest.mark.parametrize(
    "state, error, text",
    [
        pytest.param({"hasResult": False, "aborted": True, "jobId": "j1"}, ApiError, "aborted", id="aborted"),
        pytest.param({"hasResult": False, "alive": False, "jobId": "j1"}, ApiError, "ended without a result",
                     id="dead-without-result"),
        pytest.param({"hasResult": True, "result": {"error": True, "messages": [{"message": "disk full"}]}},
                     ApiError, "deleting X failed: disk full", id="result-carries-error"),
        pytest.param({"hasResult": True, "result": {"maxSeverity": "ERROR", "messages": []}}, ApiError, "failed",
                     id="max-severity-error"),
    ],
)
def test_wait_future_failures(state, error, text):
    with pytest.raises(error, match=text):
        _client(_Clock()).wait_future(state, what="deleting X")


def test_wait_future_times_out_without_polling_forever():
    clock = _Clock()
    with pytest.raises(ProviderError, match=r"still running after 0.1s \(future j1\)"):
        _client(clock, timeout=0.1).wait_future({"hasResult": False, "alive": True, "jobId": "j1"}, what="x")
    assert clock.slept == []


def test_wait_future_polls_the_future_endpoint():
    from reconciler.testing import sandbox_session

    _, session = sandbox_session()
    http = session.client.http
    http.request("POST", "/dip/publicapi/projects/", json={"projectKey": "P", "name": "p", "owner": "admin"})
    state = http.json("DELETE", "/dip/publicapi/projects/P", params={"wait": "True"})
    clock = _Clock()
    client = DataikuClient(http, future_timeout=5, sleep=clock.sleep, clock=clock)
    pending = {"hasResult": False, "alive": True, "jobId": state["jobId"]}
    assert client.wait_future(pending, what="deleting P") == state["result"]
    assert clock.slept == [0.2]
    session.close()
