"""Routes as data: matching, specificity, method mismatch, prefixes."""

from __future__ import annotations

import pytest

from reconciler.sandbox.routing import MethodNotAllowed, Route, RouteMatch, Router

ROUTER = Router(
    [
        Route("GET", "/projects", "list"),
        Route("GET", "/projects/{key}", "get"),
        Route("POST", "/projects/{key}/datasets/managed", "managed"),
        Route("GET", "/projects/{key}/datasets/{name}", "dataset"),
        Route("GET", "/folders/locate/{key}", "locate"),
        Route("GET", "/folders/{id}/settings", "settings"),
    ],
    prefixes=("public/api", "dip/publicapi"),
)


@pytest.mark.parametrize(
    ("method", "path", "handler", "params"),
    [
        pytest.param("GET", "public/api/projects", "list", {}, id="seed-prefix"),
        pytest.param("GET", "dip/publicapi/projects", "list", {}, id="client-prefix"),
        pytest.param("get", "public/api/projects/P1", "get", {"key": "P1"}, id="placeholder-lowercase-method"),
        pytest.param("POST", "public/api/projects/P/datasets/managed", "managed", {"key": "P"}, id="literal-wins"),
        pytest.param("GET", "public/api/projects/P/datasets/managed", "dataset",
                     {"key": "P", "name": "managed"}, id="placeholder-takes-other-methods"),
        pytest.param("GET", "public/api/folders/locate/settings", "locate", {"key": "settings"},
                     id="earlier-literal-wins"),
    ],
)
def test_resolve(method, path, handler, params):
    match = ROUTER.resolve(method, tuple(path.split("/")))
    assert isinstance(match, RouteMatch)
    assert match.route.handler == handler
    assert dict(match.params) == params


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("projects", id="no-prefix"),
        pytest.param("public/api/nothing", id="unknown-path"),
        pytest.param("public/api/projects/P/x/y/z", id="too-long"),
    ],
)
def test_unmatched_is_none(path):
    assert ROUTER.resolve("GET", tuple(path.split("/"))) is None


def test_method_not_allowed_lists_allowed_methods():
    result = ROUTER.resolve("DELETE", ("public", "api", "projects", "P"))
    assert result == MethodNotAllowed(("GET",))


def test_duplicate_route_rejected():
    with pytest.raises(ValueError, match="duplicate route"):
        Router([Route("GET", "/a/{x}", 1), Route("GET", "/a/{y}/", 2)])


def test_malformed_placeholder_rejected():
    with pytest.raises(ValueError, match="malformed placeholder"):
        Route("GET", "/a/{x", 1)
