"""HttpClient against httpx.MockTransport: retries, Retry-After, idempotency, errors, redaction,
auth, URL joining, the concurrency budget and stats. Sleep is injected; nothing really waits."""

from __future__ import annotations

import base64
import email.utils
import random
import threading
import time
from typing import Any, Callable

import httpx
import pytest

from reconciler.errors import (
    ApiError,
    ConfigError,
    NotFoundError,
    ProviderContractError,
    ProviderError,
    TransportError,
)
from reconciler.providers.http import HttpClient, HttpResult, basic_key_auth, scheme_auth

BASE = "http://h:1/dataiku"
TOKEN = "s3cr3t-T0ken"


class HalfRng(random.Random):
    """Jitter fixed at one half, so backoff delays are exact."""

    def random(self) -> float:
        return 0.5


class Script:
    """A transport handler serving scripted outcomes in order (the last one repeats).

    An outcome is a status int, an ``httpx.Response``, or an exception instance to raise.
    """

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        outcome = self.outcomes[min(len(self.requests), len(self.outcomes)) - 1]
        if isinstance(outcome, BaseException):
            raise outcome
        if isinstance(outcome, int):
            return httpx.Response(outcome, json={"ok": outcome < 400})
        return outcome


def make(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> tuple[HttpClient, list[float]]:
    delays: list[float] = []
    kw.setdefault("base_url", BASE)
    kw.setdefault("rng", HalfRng())
    client = HttpClient(provider="dataiku", transport=httpx.MockTransport(handler), sleep=delays.append, **kw)
    return client, delays


# -- retries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429], ids=lambda s: f"http-{s}")
def test_retryable_status_is_retried_then_succeeds(status: int) -> None:
    script = Script(status, status, 200)
    client, delays = make(script)
    result = client.get("/public/api/projects/")
    assert result.status == 200
    assert len(script.requests) == 3
    assert delays == [0.125, 0.25]  # min(20, 0.25 * 2**n) * 0.5
    assert client.stats["retries"] == 2


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    client, delays = make(Script(500), max_retries=6, backoff_base=1.0, backoff_max=8.0)
    with pytest.raises(ApiError):
        client.get("/x")
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_jitter_uses_the_injected_rng() -> None:
    client, delays = make(Script(503, 503, 200), rng=random.Random(7))
    client.get("/x")
    expected = random.Random(7)
    assert delays == [0.25 * expected.random(), 0.5 * expected.random()]


def _with_headers(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers={k.replace("_", "-"): v for k, v in headers.items()})


@pytest.mark.parametrize(
    "response, expected",
    [
        pytest.param(_with_headers(429, retry_after="7"), 7.0, id="429-seconds"),
        pytest.param(_with_headers(503, retry_after="3"), 3.0, id="503-seconds"),
        pytest.param(_with_headers(429, retry_after="600"), 60.0, id="seconds-capped"),
        pytest.param(_with_headers(429, retry_after="0"), 0.0, id="zero"),
        pytest.param(
            _with_headers(429, retry_after="Wed, 21 Oct 2015 07:28:30 GMT", date="Wed, 21 Oct 2015 07:28:00 GMT"),
            30.0,
            id="date-against-response-date",
        ),
        pytest.param(
            _with_headers(503, retry_after="Wed, 21 Oct 2015 09:00:00 GMT", date="Wed, 21 Oct 2015 07:28:00 GMT"),
            60.0,
            id="date-capped",
        ),
        pytest.param(_with_headers(429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"), 0.0, id="date-in-the-past"),
        pytest.param(_with_headers(429, retry_after="soon"), 0.125, id="unparseable-falls-back-to-backoff"),
        pytest.param(_with_headers(429), 0.125, id="absent-falls-back-to-backoff"),
        pytest.param(_with_headers(500, retry_after="9"), 0.125, id="ignored-on-500"),
    ],
)
def test_retry_after(response: httpx.Response, expected: float) -> None:
    client, delays = make(Script(response, 200), retry_after_max=60.0)
    client.get("/x")
    assert delays == [pytest.approx(expected, abs=0.01)]


def test_retry_after_date_without_date_header_uses_the_clock() -> None:
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    client, delays = make(Script(_with_headers(429, retry_after=when), 200))
    client.get("/x")
    assert 18.0 <= delays[0] <= 20.5


# -- idempotency -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, idempotent, failure, attempts",
    [
        pytest.param("POST", None, 500, 1, id="post-500-not-retried"),
        pytest.param("POST", None, 503, 1, id="post-503-not-retried"),
        pytest.param("PATCH", None, 502, 1, id="patch-502-not-retried"),
        pytest.param("POST", None, httpx.RemoteProtocolError("dropped"), 1, id="post-dropped-after-send"),
        pytest.param("POST", None, httpx.ReadTimeout("slow"), 1, id="post-read-timeout"),
        pytest.param("POST", None, httpx.ReadError("reset"), 1, id="post-read-error"),
        pytest.param("POST", None, httpx.WriteError("broken"), 1, id="post-write-error"),
        pytest.param("POST", None, httpx.ConnectError("refused"), 2, id="post-connect-error-retried"),
        pytest.param("POST", None, httpx.ConnectTimeout("slow"), 2, id="post-connect-timeout-retried"),
        pytest.param("POST", None, httpx.PoolTimeout("full"), 2, id="post-pool-timeout-retried"),
        pytest.param("POST", None, 429, 2, id="post-429-retried"),
        pytest.param("POST", True, 500, 2, id="post-marked-idempotent-retried"),
        pytest.param("PUT", None, httpx.ReadError("reset"), 2, id="put-read-error-retried"),
        pytest.param("PUT", None, 500, 2, id="put-500-retried"),
        pytest.param("DELETE", None, 504, 2, id="delete-504-retried"),
        pytest.param("GET", None, httpx.RemoteProtocolError("dropped"), 2, id="get-dropped-retried"),
        pytest.param("GET", None, httpx.ReadTimeout("slow"), 2, id="get-read-timeout-retried"),
        pytest.param("GET", False, httpx.ReadError("reset"), 1, id="get-marked-not-idempotent"),
        pytest.param("GET", None, 400, 1, id="get-400-never-retried"),
        pytest.param("GET", None, 409, 1, id="get-409-never-retried"),
    ],
)
def test_which_failures_are_retried(method: str, idempotent: bool | None, failure: Any, attempts: int) -> None:
    script = Script(failure, 200)
    client, _ = make(script)
    if attempts == 1:
        with pytest.raises(ProviderError):
            client.request(method, "/x", json={"a": 1}, idempotent=idempotent)
    else:
        assert client.request(method, "/x", json={"a": 1}, idempotent=idempotent).status == 200
    assert len(script.requests) == attempts
    assert all(r.content == b'{"a":1}' for r in script.requests)  # the body is resent intact


def test_post_dropped_after_send_says_it_may_have_happened() -> None:
    client, _ = make(Script(httpx.RemoteProtocolError("Server disconnected")))
    with pytest.raises(TransportError) as info:
        client.post("/projects/", json={}, address="dataiku_project.sales")
    err = info.value
    assert err.retryable is False
    assert "may have reached the server" in str(err)
    assert "check on the platform" in str(err)
    assert str(err).startswith("dataiku_project.sales: POST http://h:1/dataiku/projects/")


# -- giving up -----------------------------------------------------------------------------------


def test_gives_up_on_status_with_method_url_status() -> None:
    script = Script(httpx.Response(503, json={"message": "maintenance"}))
    client, delays = make(script)
    with pytest.raises(ApiError) as info:
        client.get("/public/api/projects/", params={"tags": "a"}, address="dataiku_project.sales")
    err = info.value
    assert type(err) is ApiError
    assert (err.method, err.url, err.status, err.address) == (
        "GET", "http://h:1/dataiku/public/api/projects/?tags=a", 503, "dataiku_project.sales")
    assert len(script.requests) == 7 and len(delays) == 6
    assert str(err) == (
        "dataiku_project.sales: GET http://h:1/dataiku/public/api/projects/?tags=a -> 503: "
        "maintenance (gave up after 7 attempts)"
    )


def test_gives_up_on_transport_failure() -> None:
    client, delays = make(Script(httpx.ConnectError("[Errno 111] Connection refused")), max_retries=2)
    with pytest.raises(TransportError) as info:
        client.get("/x")
    err = info.value
    assert (err.method, err.url, err.status) == ("GET", "http://h:1/dataiku/x", None)
    assert err.retryable is True
    assert "could not connect ([Errno 111] Connection refused) after 3 attempts" in str(err)
    assert len(delays) == 2


def test_no_retries_when_max_retries_is_zero() -> None:
    script = Script(502)
    client, delays = make(script, max_retries=0)
    with pytest.raises(ApiError) as info:
        client.get("/x")
    assert len(script.requests) == 1 and delays == []
    assert "gave up" not in str(info.value)


@pytest.mark.parametrize(
    "exc, expected",
    [
        pytest.param(httpx.ConnectError("x"), TransportError, id="ConnectError"),
        pytest.param(httpx.ConnectTimeout("x"), TransportError, id="ConnectTimeout"),
        pytest.param(httpx.ReadTimeout("x"), TransportError, id="ReadTimeout"),
        pytest.param(httpx.WriteTimeout("x"), TransportError, id="WriteTimeout"),
        pytest.param(httpx.PoolTimeout("x"), TransportError, id="PoolTimeout"),
        pytest.param(httpx.ReadError("x"), TransportError, id="ReadError"),
        pytest.param(httpx.WriteError("x"), TransportError, id="WriteError"),
        pytest.param(httpx.CloseError("x"), TransportError, id="CloseError"),
        pytest.param(httpx.RemoteProtocolError("x"), TransportError, id="RemoteProtocolError"),
        pytest.param(httpx.LocalProtocolError("x"), TransportError, id="LocalProtocolError"),
        pytest.param(httpx.ProxyError("x"), TransportError, id="ProxyError"),
        pytest.param(httpx.UnsupportedProtocol("x"), TransportError, id="UnsupportedProtocol"),
        pytest.param(httpx.DecodingError("x"), ProviderContractError, id="DecodingError"),
        pytest.param(httpx.TooManyRedirects("x"), ProviderContractError, id="TooManyRedirects"),
        pytest.param(httpx.StreamConsumed(), ProviderContractError, id="StreamConsumed"),
        pytest.param(httpx.InvalidURL("x"), ProviderContractError, id="InvalidURL"),
    ],
)
def test_no_httpx_exception_escapes(exc: Exception, expected: type[ProviderError]) -> None:
    client, _ = make(Script(exc), max_retries=1)
    with pytest.raises(ProviderError) as info:
        client.get("/x")
    assert type(info.value) is expected
    assert not isinstance(info.value, httpx.HTTPError)
    err = info.value
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)


@pytest.mark.parametrize(
    "exc, what",
    [
        pytest.param(httpx.ConnectTimeout(""), "timed out connecting after 2 attempts", id="connect-timeout"),
        pytest.param(httpx.ReadTimeout(""), "timed out waiting for the response after 2 attempts", id="read-timeout"),
        pytest.param(httpx.RemoteProtocolError(""), "the server dropped the connection after 2 attempts", id="dropped"),
        pytest.param(httpx.UnsupportedProtocol(""), "unsupported URL scheme after 1 attempt", id="not-retried"),
    ],
)
def test_transport_messages_say_what_happened(exc: Exception, what: str) -> None:
    client, _ = make(Script(exc), max_retries=1)
    with pytest.raises(TransportError) as info:
        client.get("/x")
    assert info.value.detail == what


# -- error statuses ----------------------------------------------------------------------------


def test_404_is_not_found() -> None:
    client, _ = make(Script(httpx.Response(404, json={"message": "Project SALES does not exist"})))
    with pytest.raises(NotFoundError) as info:
        client.get("/projects/SALES/", address="dataiku_project.sales")
    assert info.value.status == 404
    assert "Project SALES does not exist" in str(info.value)


def test_ok_statuses_return_instead_of_raising() -> None:
    client, _ = make(Script(404))
    result = client.get("/projects/SALES/", ok_statuses={404})
    assert result.status == 404
    assert client.stats["errors"] == 0


def _dss_unknown(resp: httpx.Response) -> bool:
    return "UnknownObjectException" in resp.text


@pytest.mark.parametrize(
    "response, is_not_found, expected",
    [
        pytest.param(httpx.Response(400, json={"errorType": "UnknownObjectException"}), _dss_unknown, NotFoundError,
                     id="custom-says-not-found"),
        pytest.param(httpx.Response(400, json={"errorType": "IllegalArgument"}), _dss_unknown, ApiError,
                     id="custom-says-other-error"),
        pytest.param(httpx.Response(404, text="route missing"), lambda r: False, ApiError, id="custom-rejects-404"),
        pytest.param(httpx.Response(404), lambda r: 1 / 0, NotFoundError, id="custom-crashes-falls-back"),
    ],
)
def test_custom_is_not_found(response: httpx.Response, is_not_found: Any, expected: type) -> None:
    client, _ = make(Script(response), is_not_found=is_not_found)
    with pytest.raises(ApiError) as info:
        client.get("/x")
    assert type(info.value) is expected


@pytest.mark.parametrize(
    "response, detail",
    [
        pytest.param(httpx.Response(400, json={"message": "bad key", "detail": "x"}), "bad key", id="message"),
        pytest.param(httpx.Response(422, json={"detail": "missing name"}), "missing name", id="detail"),
        pytest.param(httpx.Response(422, json={"detail": [{"loc": ["name"]}]}), '[{"loc": ["name"]}]',
                     id="detail-list"),
        pytest.param(httpx.Response(400, json={"status": "error", "error": {"name": "E", "message": "no space"}}),
                     "no space", id="lightdash-error-object"),
        pytest.param(httpx.Response(400, json={"error": "invalid_grant"}), "invalid_grant", id="error-string"),
        pytest.param(httpx.Response(400, json={"other": 1}), '{"other":1}', id="json-without-known-field"),
        pytest.param(httpx.Response(502, text="<html>\n  Bad   gateway\n</html>"), "<html> Bad gateway </html>",
                     id="text-collapsed"),
        pytest.param(httpx.Response(400), "Bad Request", id="empty-body-reason-phrase"),
        pytest.param(httpx.Response(400, text="x" * 1000), "x" * 299 + "…", id="long-body-truncated"),
    ],
)
def test_default_error_message(response: httpx.Response, detail: str) -> None:
    client, _ = make(Script(response), max_retries=0)
    with pytest.raises(ApiError) as info:
        client.get("/x")
    assert info.value.detail == detail


@pytest.mark.parametrize(
    "extractor, detail",
    [
        pytest.param(lambda r: "custom: " + r.json()["errorType"], "custom: Boom", id="custom"),
        pytest.param(lambda r: r.json()["missing"], "it broke", id="crashing-custom-falls-back"),
    ],
)
def test_custom_error_message(extractor: Any, detail: str) -> None:
    response = httpx.Response(400, json={"errorType": "Boom", "message": "it broke"})
    client, _ = make(Script(response), error_message=extractor)
    with pytest.raises(ApiError) as info:
        client.get("/x")
    assert info.value.detail == detail


@pytest.mark.parametrize(
    "status, hint",
    [
        pytest.param(401, "check the API key/token for dataiku", id="401"),
        pytest.param(403, "check the API key/token for dataiku", id="403"),
        pytest.param(429, "dataiku is rate-limiting; lower its concurrency budget", id="429"),
        pytest.param(400, None, id="400-no-hint"),
    ],
)
def test_hints(status: int, hint: str | None) -> None:
    client, _ = make(Script(status), max_retries=0)
    with pytest.raises(ApiError) as info:
        client.get("/x")
    assert info.value.hint == hint
    if hint:
        assert str(info.value).endswith(f"\n  hint: {hint}")


def test_redirect_is_returned_not_followed() -> None:
    script = Script(httpx.Response(303, headers={"Location": "http://h:1/dataiku/done/1"}))
    client, _ = make(script)
    result = client.get("/status/1")
    assert (result.status, result.headers["location"]) == (303, "http://h:1/dataiku/done/1")
    assert len(script.requests) == 1


# -- redaction -----------------------------------------------------------------------------------


def _echo(request: httpx.Request) -> httpx.Response:
    """A server that echoes everything it got, credentials included, in a 400."""
    seen = f"url={request.url} auth={request.headers.get('authorization')}"
    return httpx.Response(400, json={"message": seen})


@pytest.mark.parametrize(
    "auth, secrets, path",
    [
        pytest.param(scheme_auth("Bearer", TOKEN), (), "/x", id="bearer-token-auto-secret"),
        pytest.param(basic_key_auth(TOKEN), (), "/x", id="basic-key-and-its-base64"),
        pytest.param(None, (TOKEN,), f"/x?api_key={TOKEN}", id="token-in-url"),
        pytest.param(None, ("a/b+c d",), "/x?k=a%2Fb%2Bc%20d", id="url-encoded-secret"),
        pytest.param(None, ("a/b+c d",), "/x?k=a%2Fb%2Bc+d", id="form-encoded-secret"),
        pytest.param(None, ("a/b+c d",), "/x?k=a%2fb%2bc%20d", id="lowercase-percent-encoding"),
        pytest.param(None, ("a/b+c d",), "/x/a/b%2Bc%20d", id="slash-left-unencoded"),
    ],
)
def test_secrets_are_redacted_from_errors(auth: Any, secrets: tuple[str, ...], path: str) -> None:
    client, _ = make(_echo, auth=auth, secrets=secrets)
    with pytest.raises(ApiError) as info:
        client.get(path)
    err = info.value
    text = " ".join([str(err), err.url or "", err.detail, repr(err)])
    for secret in (TOKEN, base64.b64encode(f"{TOKEN}:".encode()).decode(), "a/b+c d", "a%2Fb", "b%2Bc"):
        assert secret not in text
    assert "***" in err.detail


def test_secret_cut_by_truncation_is_still_redacted() -> None:
    body = "x" * 295 + TOKEN  # unredacted, the cut at 300 chars would leave "s3cr"
    client, _ = make(Script(httpx.Response(400, text=body)), secrets=[TOKEN])
    with pytest.raises(ApiError) as info:
        client.get("/x")
    assert "s3cr" not in info.value.detail
    assert info.value.detail == "x" * 295 + "***"


def test_secret_in_transport_failure_and_header_auth_is_redacted() -> None:
    client, _ = make(Script(httpx.ConnectError(f"cannot reach with {TOKEN}")),
                     headers={"Authorization": f"Token {TOKEN}"}, max_retries=0)
    with pytest.raises(TransportError) as info:
        client.get("/x")
    assert TOKEN not in str(info.value)


def test_secret_in_base_url_password_is_redacted() -> None:
    client, _ = make(_echo, base_url="http://user:pa55w0rd@h:1/dataiku")
    with pytest.raises(ApiError) as info:
        client.get("/x")
    assert "pa55w0rd" not in str(info.value) and "pa55w0rd" not in repr(client)


def test_result_and_auth_reprs_hide_secrets() -> None:
    client, _ = make(Script(httpx.Response(200, text=f'{{"token": "{TOKEN}"}}')), secrets=[TOKEN])
    result = client.get(f"/x?t={TOKEN}")
    assert TOKEN not in repr(result) and TOKEN not in result.url
    assert result.json() == {"token": TOKEN}  # the body itself is the caller's data, untouched
    assert TOKEN not in repr(scheme_auth("Bearer", TOKEN)) and TOKEN not in repr(basic_key_auth(TOKEN))


def test_not_json_error_redacts_the_body() -> None:
    client, _ = make(Script(httpx.Response(200, text=f"<html>{TOKEN}</html>")), secrets=[TOKEN])
    with pytest.raises(ProviderContractError) as info:
        client.json("GET", "/x")
    assert TOKEN not in str(info.value) and "<html>***</html>" in str(info.value)


# -- auth, headers, URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "auth, header",
    [
        pytest.param(basic_key_auth("dku-key"), "Basic " + base64.b64encode(b"dku-key:").decode(), id="dataiku-basic"),
        pytest.param(scheme_auth("Bearer", "t1"), "Bearer t1", id="bearer"),
        pytest.param(scheme_auth("Token", "t2"), "Token t2", id="datarobot-token"),
        pytest.param(scheme_auth("ApiKey", "t3"), "ApiKey t3", id="lightdash-apikey"),
    ],
)
def test_auth_headers(auth: httpx.Auth, header: str) -> None:
    script = Script(200)
    client, _ = make(script, auth=auth)
    client.get("/x")
    client.post("/y", json={})
    assert [r.headers["authorization"] for r in script.requests] == [header, header]


def test_basic_key_auth_is_what_httpx_basic_auth_sends() -> None:
    seen: list[str] = []
    for auth in (basic_key_auth("dku-key"), httpx.BasicAuth("dku-key", "")):
        script = Script(200)
        make(script, auth=auth)[0].get("/x")
        seen.append(script.requests[0].headers["authorization"])
    assert seen[0] == seen[1]


def test_default_and_per_request_headers() -> None:
    script = Script(200)
    client, _ = make(script, headers={"X-Org": "o1"}, user_agent="reconciler/9")
    client.get("/x", headers={"X-Trace": "t"})
    sent = script.requests[0].headers
    assert (sent["user-agent"], sent["x-org"], sent["x-trace"], sent["accept"]) == (
        "reconciler/9", "o1", "t", "application/json")


@pytest.mark.parametrize(
    "base_url, path, params, url",
    [
        pytest.param("http://h:1/dataiku", "/public/api/projects/", None, "http://h:1/dataiku/public/api/projects/",
                     id="prefix"),
        pytest.param("http://h:1/dataiku/", "/public/api/projects/", None, "http://h:1/dataiku/public/api/projects/",
                     id="prefix-trailing-slash"),
        pytest.param("http://h:1/dataiku", "public/api/x", None, "http://h:1/dataiku/public/api/x", id="no-leading-slash"),
        pytest.param("http://h:1/datarobot/api/v2", "/deployments/", {"limit": 10},
                     "http://h:1/datarobot/api/v2/deployments/?limit=10", id="deep-prefix-params"),
        pytest.param("http://h:1", "/api/v1/org", None, "http://h:1/api/v1/org", id="no-prefix"),
        pytest.param("http://h:1/x", "//evil/y", None, "http://h:1/x/evil/y", id="double-slash-is-a-path"),
        pytest.param("http://h:1/x", "/a?b=1", {"c": "2"}, "http://h:1/x/a?b=1&c=2", id="path-query-merged-with-params"),
        pytest.param("http://h:1/x", "/a b", None, "http://h:1/x/a%20b", id="quoted"),
        pytest.param("http://h:1/x", "http://h:1/x/status/9", None, "http://h:1/x/status/9", id="absolute-same-origin"),
    ],
)
def test_url_joining(base_url: str, path: str, params: Any, url: str) -> None:
    script = Script(200)
    client, _ = make(script, base_url=base_url)
    result = client.get(path, params=params)
    assert str(script.requests[0].url) == url == result.url


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("http://other:1/x", id="other-host"),
        pytest.param("https://h:1/x", id="other-scheme"),
        pytest.param("http://h:2/x", id="other-port"),
    ],
)
def test_credentials_never_go_to_another_origin(path: str) -> None:
    script = Script(200)
    client, _ = make(script, auth=scheme_auth("Bearer", TOKEN))
    with pytest.raises(ProviderContractError, match="another origin"):
        client.get(path)
    assert script.requests == []


@pytest.mark.parametrize(
    "base_url",
    [
        pytest.param("localhost:8080", id="no-scheme"),
        pytest.param("ftp://h/x", id="ftp"),
        pytest.param("http://", id="no-host"),
        pytest.param("", id="empty"),
    ],
)
def test_bad_base_url_is_a_config_error(base_url: str) -> None:
    with pytest.raises(ConfigError, match="dataiku: base URL"):
        HttpClient(provider="dataiku", base_url=base_url)


# -- concurrency -----------------------------------------------------------------------------------


def test_concurrency_budget_is_never_exceeded() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.01)
        with lock:
            state["now"] -= 1
        return httpx.Response(200)

    client, _ = make(handler, concurrency=3)
    threads = [threading.Thread(target=client.get, args=(f"/x/{i}",)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state["peak"] == 3  # reached (so the test can fail) but never exceeded
    assert client.stats["requests"] == 20


def test_backoff_sleep_does_not_hold_the_budget() -> None:
    """With a budget of 1, a request waiting to retry must let another request through."""
    in_backoff, other_done = threading.Event(), threading.Event()

    def sleep(_: float) -> None:
        in_backoff.set()
        assert other_done.wait(2), "the other request was blocked by a sleeping retry"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/flaky") and not in_backoff.is_set():
            return httpx.Response(503)
        return httpx.Response(200)

    client = HttpClient(provider="p", base_url=BASE, concurrency=1, sleep=sleep,
                        transport=httpx.MockTransport(handler))
    flaky = threading.Thread(target=client.get, args=("/flaky",))
    flaky.start()
    assert in_backoff.wait(2)
    assert client.get("/other").status == 200
    other_done.set()
    flaky.join(2)
    assert client.stats == {"requests": 3, "retries": 1, "throttled": 0, "errors": 0}


# -- stats and json ------------------------------------------------------------------------------


def test_stats_counters() -> None:
    script = Script(_with_headers(429, retry_after="1"), _with_headers(503, retry_after="1"), 503, 200)
    client, _ = make(script)
    client.get("/a")  # 4 attempts, 3 retries, 2 throttled (429, 503 with Retry-After)
    script.outcomes = [404]
    script.requests.clear()
    with pytest.raises(NotFoundError):
        client.get("/b")
    assert client.stats == {"requests": 5, "retries": 3, "throttled": 2, "errors": 1}
    snapshot = client.stats
    snapshot["requests"] = 99
    assert client.stats["requests"] == 5  # a copy, not the live counters


@pytest.mark.parametrize(
    "response, value",
    [
        pytest.param(httpx.Response(200, json={"a": [1, 2]}), {"a": [1, 2]}, id="object"),
        pytest.param(httpx.Response(200, json=[]), [], id="list"),
        pytest.param(httpx.Response(204), None, id="no-content"),
        pytest.param(httpx.Response(200, text="  \n"), None, id="whitespace"),
    ],
)
def test_json_values(response: httpx.Response, value: Any) -> None:
    client, _ = make(Script(response))
    assert client.json("GET", "/x") == value
    assert client.get("/x").json() == value


def test_json_not_json_names_method_url_and_address() -> None:
    response = httpx.Response(200, text="<html>login</html>", headers={"Content-Type": "text/html"})
    client, _ = make(Script(response))
    with pytest.raises(ProviderContractError) as info:
        client.json("POST", "/projects/", json={}, address="dataiku_project.sales")
    err = info.value
    assert (err.method, err.url, err.status, err.address) == (
        "POST", "http://h:1/dataiku/projects/", 200, "dataiku_project.sales")
    assert "expected a JSON body, got text/html: <html>login</html>" in str(err)
    assert client.stats["errors"] == 1


def test_result_json_without_client() -> None:
    result = HttpResult(status=200, headers={}, body=b"nope", url="http://h/x", method="GET")
    with pytest.raises(ProviderContractError, match="GET http://h/x -> 200: expected a JSON body"):
        result.json()


def test_close_and_context_manager() -> None:
    closed: list[bool] = []

    class Transport(httpx.MockTransport):
        def close(self) -> None:
            closed.append(True)

    with HttpClient(provider="p", base_url=BASE, transport=Transport(Script(200))) as client:
        client.get("/x")
    assert closed == [True]


def test_an_untrusted_certificate_is_not_retried():
    import ssl

    calls = []

    def handler(request):
        calls.append(request)
        try:
            raise ssl.SSLCertVerificationError("certificate verify failed: self-signed certificate")
        except ssl.SSLError as err:
            raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed") from err

    client = HttpClient(provider="p", base_url="https://x", transport=httpx.MockTransport(handler), sleep=lambda s: None)
    with pytest.raises(TransportError):
        client.get("/a")
    assert len(calls) == 1


# -- a platform that is down ---------------------------------------------------------------------


def test_a_platform_down_is_retried_once_per_call_until_it_answers() -> None:
    from reconciler.providers.http import OUTAGE_STREAK

    state = {"down": True}
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(503 if state["down"] else 200, json={})

    client, _ = make(handler, max_retries=6)
    for _ in range(OUTAGE_STREAK):  # each waits out every retry
        with pytest.raises(ApiError):
            client.get("/x")
    assert len(sent) == OUTAGE_STREAK * 7
    sent.clear()
    with pytest.raises(ApiError) as info:
        client.get("/x")  # down: one retry, then the error says so
    assert len(sent) == 2 and "gave up after 2 attempts" in str(info.value)
    state["down"] = False
    client.get("/x")  # an answer: it is up again
    state["down"] = True
    sent.clear()
    with pytest.raises(ApiError):
        client.get("/x")
    assert len(sent) == 7


def test_throttling_is_not_an_outage() -> None:
    from reconciler.providers.http import OUTAGE_STREAK

    client, _ = make(Script(429), max_retries=2)
    for _ in range(OUTAGE_STREAK + 1):
        with pytest.raises(ApiError):
            client.get("/x")
    assert client._retries_now() == 2
