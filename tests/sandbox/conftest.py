"""A toy emulator that exercises the sandbox framework without any real platform."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from reconciler.sandbox import Route, RoutedEmulator, RouteMatch, Router, Sandbox, SandboxRequest, SandboxResponse


class ToyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


def _list(world: dict, request: SandboxRequest, p: Mapping[str, str]) -> SandboxResponse:
    return SandboxResponse.json_body(sorted(world["items"]))


def _create(world: dict, request: SandboxRequest, p: Mapping[str, str]) -> SandboxResponse:
    body = request.json()
    if body["name"] in world["items"]:
        raise ToyError(409, f"{body['name']} exists")
    world["items"][body["name"]] = body
    return SandboxResponse.json_body(body, 201)


def _get(world: dict, request: SandboxRequest, p: Mapping[str, str]) -> SandboxResponse:
    if p["name"] not in world["items"]:
        raise ToyError(404, f"no item {p['name']}")
    return SandboxResponse.json_body(world["items"][p["name"]])


def _boom(world: dict, request: SandboxRequest, p: Mapping[str, str]) -> SandboxResponse:
    raise RuntimeError("emulator bug")


class ToyEmulator(RoutedEmulator):
    """Bearer auth; errors are ``{"toyError": message}``; serves ``/api/items``."""

    name = "toy"

    def __init__(self) -> None:
        self.world: dict[str, Any] = {"items": {}}
        self.router = Router(
            [
                Route("GET", "/items", _list),
                Route("POST", "/items", _create),
                Route("GET", "/items/{name}", _get),
                Route("POST", "/boom", _boom),
            ],
            prefixes=("api",),
        )

    def authenticate(self, request: SandboxRequest, token: str) -> SandboxResponse | None:
        if request.headers.get("Authorization") == f"Bearer {token}":
            return None
        return self.error_response(401, "bad credentials")

    def invoke(self, match: RouteMatch, request: SandboxRequest) -> SandboxResponse:
        return match.route.handler(self.world, request, match.params)

    def render_error(self, error: Exception) -> SandboxResponse | None:
        return self.error_response(error.status, str(error)) if isinstance(error, ToyError) else None

    def decorate(self, response: SandboxResponse) -> SandboxResponse:
        return response.with_headers({"X-Toy": "1"})

    def error_response(self, status: int, message: str) -> SandboxResponse:
        return SandboxResponse.json_body({"toyError": message}, status)

    def reset(self) -> None:
        self.world = {"items": {}}

    def snapshot(self) -> dict[str, Any]:
        return {"items": dict(self.world["items"])}

    def restore(self, data: Mapping[str, Any]) -> None:
        self.world = {"items": dict(data["items"])}

    def env(self, base_url: str, token: str) -> dict[str, str]:
        return {"TOY_URL": f"{base_url}/toy", "TOY_TOKEN": token}


TOKEN = "toy-secret-token"


def _make_sandbox(**kwargs: Any) -> Sandbox:
    kwargs.setdefault("token", TOKEN)
    return Sandbox(emulators={"toy": ToyEmulator()}, **kwargs)


def _client_for(sb: Sandbox, token: str | None = TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(transport=sb.transport(), base_url="http://sandbox", headers=headers)


@pytest.fixture
def token() -> str:
    return TOKEN


@pytest.fixture
def make_sandbox():
    """``make_sandbox(**knobs)``: a Sandbox mounting only the toy emulator (token ``TOKEN``)."""
    return _make_sandbox


@pytest.fixture
def client_for():
    """``client_for(sandbox, token=TOKEN)``: an in-process httpx client with Bearer auth."""
    return _client_for


@pytest.fixture
def sandbox() -> Sandbox:
    return _make_sandbox()


@pytest.fixture
def client(sandbox: Sandbox) -> httpx.Client:
    return _client_for(sandbox)
