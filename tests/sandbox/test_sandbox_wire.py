"""Request/response types: path normalisation, query parsing, JSON bodies, headers."""

from __future__ import annotations

import pytest

from reconciler.sandbox.wire import Headers, SandboxRequest, SandboxResponse, parse_bool, split_path


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        pytest.param("/a/b", ("a", "b"), id="plain"),
        pytest.param("/a/b/", ("a", "b"), id="trailing-slash"),
        pytest.param("//a///b", ("a", "b"), id="repeated-slashes"),
        pytest.param("/a/my%20data", ("a", "my data"), id="percent-decoded"),
        pytest.param("/a/x%2Fy", ("a", "x/y"), id="encoded-slash-stays-one-segment"),
        pytest.param("/", (), id="root"),
    ],
)
def test_split_path(path, segments):
    assert split_path(path) == segments


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("True", True, id="python-True"),
        pytest.param("false", False, id="lower-false"),
        pytest.param("1", True, id="one"),
        pytest.param("", False, id="empty"),
    ],
)
def test_parse_bool(text, value):
    assert parse_bool(text) is value


def test_parse_bool_rejects_other_words():
    with pytest.raises(ValueError, match="not a boolean"):
        parse_bool("maybe")


def test_from_target_keeps_repeated_and_blank_query_values():
    request = SandboxRequest.from_target("get", "/p/x?tags=a&tags=b,c&dropData=&wait=True")
    assert request.method == "GET"
    assert request.path == "/p/x"
    assert request.args("tags") == ["a", "b,c"]
    assert request.args("tags", comma_separated=True) == ["a", "b", "c"]
    assert request.arg("dropData") == ""
    assert request.flag("wait") is True
    assert request.flag("missing", default=True) is True


def test_json_body_parsed_without_content_type():
    request = SandboxRequest.from_target("POST", "/x", [], b'{"a": 1}')
    assert request.json() == {"a": 1}
    assert SandboxRequest.from_target("POST", "/x", [], b"").json() is None
    with pytest.raises(ValueError):
        SandboxRequest.from_target("POST", "/x", [], b"{nope").json()


def test_headers_are_case_insensitive_and_repr_hides_values():
    headers = Headers([("Authorization", "Bearer secret"), ("X-A", "1"), ("x-a", "2")])
    assert headers["authorization"] == "Bearer secret"
    assert headers.get("X-A") == "1, 2"
    assert "AUTHORIZATION" in headers
    assert "secret" not in repr(headers)
    assert "secret" not in repr(SandboxRequest("GET", "/x", {}, headers))


def test_json_response_helpers():
    response = SandboxResponse.json_body({"a": [1]}, 201, {"X": "y"})
    assert response.status == 201
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"a": [1]}
    assert SandboxResponse.empty().status == 204
    assert SandboxResponse.empty().json() is None
    assert response.with_headers({"Z": "1"}).headers["Z"] == "1"


def test_public_surface():
    import reconciler.sandbox as sandbox

    assert sorted(sandbox.__all__) == sorted(
        ["DroppedConnection", "Emulator", "Headers", "MethodNotAllowed", "Route", "RouteMatch", "Router",
         "RoutedEmulator", "Sandbox", "SandboxRequest", "SandboxResponse", "serve_in_thread"]
    )
    assert all(hasattr(sandbox, name) for name in sandbox.__all__)
