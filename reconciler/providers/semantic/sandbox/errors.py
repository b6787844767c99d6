"""Semantic-model service errors in its (FastAPI-style) wire shape.

    SemanticError (status)              body
    ├── NotFound          404           {"detail": "Semantic model <id> not found"}
    ├── Forbidden         403           {"detail": "Requires role nx1_semantic_admin"}
    ├── Conflict          409           {"detail": "Model must be approved before deployment"}
    ├── ValidationFailed  422           {"detail": [{"loc": [...], "msg": ..., "type": ...}]}
    └── DeployFailed      500           {"detail": "Deployment failed: ..."}

Shapes and statuses other than the documented deploy call are inferred (reference §A3, §E3).
"""

from __future__ import annotations

from typing import Any, ClassVar

from reconciler.sandbox.wire import SandboxResponse


def error_response(status: int, detail: Any) -> SandboxResponse:
    return SandboxResponse.json_body({"detail": detail}, status)


class SemanticError(Exception):
    status: ClassVar[int] = 500

    def __init__(self, detail: Any) -> None:
        self.detail = detail
        super().__init__(str(detail))

    def to_response(self) -> SandboxResponse:
        return error_response(self.status, self.detail)


class NotFound(SemanticError):
    status = 404


class Forbidden(SemanticError):
    status = 403


class Conflict(SemanticError):
    status = 409


class DeployFailed(SemanticError):
    status = 500


class ValidationFailed(SemanticError):
    status = 422

    @classmethod
    def at(cls, loc: list[Any], msg: str, kind: str = "value_error") -> "ValidationFailed":
        return cls([{"loc": loc, "msg": msg, "type": kind}])
