"""Thin HTTP adapter over ``models.SemanticWorld``: path params, query and body in, one world call,
the response out. Every handler is ``(world, request, params) -> SandboxResponse``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.providers.semantic.sandbox.errors import ValidationFailed
from reconciler.providers.semantic.sandbox.models import SemanticWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

Params = Mapping[str, str]


def _body(request: SandboxRequest) -> Any:
    try:
        return request.json()
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed.at(["body"], "JSON decode error", "json_invalid") from None


def _int(request: SandboxRequest, name: str, default: int) -> int:
    value = request.arg(name)
    if value in (None, ""):
        return default
    try:
        return int(value)  # type: ignore[arg-type]
    except ValueError:
        raise ValidationFailed.at(["query", name], "Input should be a valid integer", "int_parsing") from None


def _ok(data: Any, status: int = 200) -> SandboxResponse:
    return SandboxResponse.json_body(data, status)


def list_models(world: SemanticWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.list_models(status=request.arg("status"), domain_urn=request.arg("domain_urn"),
                                 name=request.arg("name"), limit=_int(request, "limit", 20),
                                 offset=_int(request, "offset", 0)))


def create_model(world: SemanticWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_model(_body(request)), 201)


def get_model(world: SemanticWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_model(p["model_id"]))


def update_model(world: SemanticWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_model(p["model_id"], _body(request)))


def delete_model(world: SemanticWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.archive(p["model_id"])
    return SandboxResponse.empty(204)


def submit(world: SemanticWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.submit(p["model_id"]))


def approve(world: SemanticWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.approve(p["model_id"], _body(request)))


def reject(world: SemanticWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.reject(p["model_id"], _body(request)))


def batch_approve(world: SemanticWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.batch(_body(request), "approved"))


def batch_reject(world: SemanticWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.batch(_body(request), "rejected"))


def deploy(world: SemanticWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.deploy(p["model_id"], _body(request)))


def get_deployment(world: SemanticWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_deployment(p["model_id"]))
