"""Lightdash errors in Lightdash's wire shape (``ApiErrorPayload``)::

    {"status": "error", "error": {"statusCode": 404, "name": "NotFoundError", "message": "...", "data": {}}}

Names and codes are those of ``@lightdash/common`` (reference/lightdash.md §A.4). tsoa body
validation fails with 422 ``ValidateError`` whose ``data`` maps each failing field
(``body.role``) to ``{message, value}`` and whose ``message`` is empty, as tsoa throws it.

    LightdashApiError             (statusCode, name)
    ├── ParameterError            400  bad input ("Some provided user UUIDs are invalid")
    ├── AuthorizationError        401  missing / unknown personal access token
    ├── ForbiddenError            403  CASL check failed (deleting yourself...)
    ├── NotFoundError             404  unknown uuid or slug
    ├── NotExistsError            404  grant to an email that is not in the organization
    ├── AlreadyExistsError        409  duplicate group name, duplicate project membership
    ├── ValidateError             422  tsoa schema validation (data = per-field errors)
    ├── UnexpectedDatabaseError   500  duplicate group project access ("Failed to add project access")
    └── UnexpectedServerError     500  anything else
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from reconciler.sandbox.wire import SandboxResponse

#: error names per HTTP status, for errors the sandbox itself produces (routing, faults, bugs)
_NAME_BY_STATUS = {
    400: "ParameterError",
    401: "AuthorizationError",
    403: "ForbiddenError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    409: "AlreadyExistsError",
    422: "ValidateError",
    429: "TooManyRequestsError",
    500: "UnexpectedServerError",
    502: "BadGatewayError",
    503: "ServiceUnavailableError",
}


def error_body(status: int, message: str, name: str | None = None, data: Mapping[str, Any] | None = None) -> dict:
    """The JSON Lightdash answers with on an error."""
    return {
        "status": "error",
        "error": {
            "statusCode": status,
            "name": name or _NAME_BY_STATUS.get(status, "LightdashError"),
            "message": message,
            "data": dict(data or {}),
        },
    }


def error_response(status: int, message: str, name: str | None = None) -> SandboxResponse:
    return SandboxResponse.json_body(error_body(status, message, name), status)


class LightdashApiError(Exception):
    """A Lightdash API error raised by the world; the emulator renders it."""

    status: ClassVar[int] = 500
    name: ClassVar[str] = "UnexpectedServerError"

    def __init__(self, message: str, data: Mapping[str, Any] | None = None) -> None:
        self.message = message
        self.data = dict(data or {})
        super().__init__(message)

    def to_response(self) -> SandboxResponse:
        return SandboxResponse.json_body(error_body(self.status, self.message, self.name, self.data), self.status)


class ParameterError(LightdashApiError):
    status = 400
    name = "ParameterError"


class AuthorizationError(LightdashApiError):
    status = 401
    name = "AuthorizationError"


class ForbiddenError(LightdashApiError):
    status = 403
    name = "ForbiddenError"


class NotFoundError(LightdashApiError):
    status = 404
    name = "NotFoundError"


class NotExistsError(LightdashApiError):
    status = 404
    name = "NotExistsError"


class AlreadyExistsError(LightdashApiError):
    status = 409
    name = "AlreadyExistsError"


class ValidateError(LightdashApiError):
    status = 422
    name = "ValidateError"


class UnexpectedDatabaseError(LightdashApiError):
    status = 500
    name = "UnexpectedDatabaseError"
