"""DataRobot errors in DataRobot's wire shape: ``{"message": "...", "errors": {field: msg}}``.

Always ``Content-Type: application/json`` (exactly): the official client reads the error text
with ``response.headers["content-type"] == "application/json"`` and raises ``KeyError`` when
the header is missing (reference A1). The ``errors`` map appears only on validation failures
(its shape is inferred). The seed gives statuses only:

    DataRobotError            status
    ├── BadRequest            400  malformed JSON, bad query parameters
    ├── Unauthorized          401  missing or wrong token
    ├── Forbidden             403  feature flag off (compute bundles)
    ├── NotFound              404  unknown id, unknown route
    ├── Conflict              409  status change in flight / already in that status; deployment limit;
    │                              prediction environment still used by deployments
    └── Unprocessable         422  invalid body, unknown referenced model / server / environment,
                                   model replacement that fails validation
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from reconciler.sandbox.wire import SandboxResponse


def error_body(message: str, errors: Mapping[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if errors:
        body["errors"] = dict(errors)
    return body


def error_response(status: int, message: str, errors: Mapping[str, Any] | None = None) -> SandboxResponse:
    """An error answer: JSON body, ``Content-Type: application/json``."""
    return SandboxResponse.json_body(error_body(message, errors), status)


class DataRobotError(Exception):
    """A DataRobot API error raised by the world; the emulator renders it."""

    status: ClassVar[int] = 500

    def __init__(self, message: str, errors: Mapping[str, Any] | None = None) -> None:
        self.message = message
        self.errors = dict(errors or {})
        super().__init__(message)

    def to_response(self) -> SandboxResponse:
        return error_response(self.status, self.message, self.errors)


class BadRequest(DataRobotError):
    status = 400


class Unauthorized(DataRobotError):
    status = 401


class Forbidden(DataRobotError):
    status = 403


class NotFound(DataRobotError):
    status = 404


class Conflict(DataRobotError):
    status = 409


class Unprocessable(DataRobotError):
    status = 422
