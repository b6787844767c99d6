"""Dataiku DSS errors in DSS's wire shape: ``{"errorType", "message", "detailedMessage"}``.

The official client (``dataikuapi.utils.handle_http_exception``) renders any status >= 400 as
``DataikuException("<errorType>: <detailedMessage or message>")`` and drops the status, so the
``errorType`` names matter: callers look for ``NotFoundException`` in the text. The statuses
and class names are the research note's recommendation (reference/dataiku.md §A.6), not
observed from a real DSS.

    DSSError                      (status, errorType)
    ├── NotAuthenticated          401 com.dataiku.dip.exceptions.NotAuthenticatedException
    ├── Unauthorized              403 com.dataiku.dip.exceptions.UnauthorizedException
    ├── NotFound                  404 com.dataiku.dip.exceptions.NotFoundException
    ├── IllegalArgument           400 com.dataiku.dip.exceptions.DSSIllegalArgumentException
    │                                 (bad input, duplicates, refused moves, non-empty folders)
    └── InternalError             500 com.dataiku.dip.exceptions.InternalErrorException
"""

from __future__ import annotations

from typing import ClassVar

from reconciler.sandbox.wire import SandboxResponse

#: errorType per HTTP status for errors the sandbox itself produces (faults, routing, bugs).
_TYPE_BY_STATUS = {
    400: "com.dataiku.dip.exceptions.DSSIllegalArgumentException",
    401: "com.dataiku.dip.exceptions.NotAuthenticatedException",
    403: "com.dataiku.dip.exceptions.UnauthorizedException",
    404: "com.dataiku.dip.exceptions.NotFoundException",
    405: "com.dataiku.dip.exceptions.MethodNotAllowedException",
    409: "com.dataiku.dip.exceptions.ConflictException",
    429: "com.dataiku.dip.exceptions.TooManyRequestsException",
    500: "com.dataiku.dip.exceptions.InternalErrorException",
    502: "com.dataiku.dip.exceptions.BadGatewayException",
    503: "com.dataiku.dip.exceptions.ServiceUnavailableException",
}


def error_body(status: int, message: str, detailed: str | None = None, error_type: str | None = None) -> dict:
    """The JSON DSS answers with on an error."""
    return {
        "errorType": error_type or _TYPE_BY_STATUS.get(status, "com.dataiku.dip.exceptions.DSSException"),
        "message": message,
        "detailedMessage": detailed or message,
    }


def error_response(status: int, message: str, detailed: str | None = None) -> SandboxResponse:
    return SandboxResponse.json_body(error_body(status, message, detailed), status)


class DSSError(Exception):
    """A DSS API error raised by the models; the handlers' caller renders it."""

    status: ClassVar[int] = 500
    error_type: ClassVar[str] = _TYPE_BY_STATUS[500]

    def __init__(self, message: str, detailed: str | None = None) -> None:
        self.message = message
        self.detailed = detailed or message
        super().__init__(message)

    def to_response(self) -> SandboxResponse:
        return SandboxResponse.json_body(
            error_body(self.status, self.message, self.detailed, self.error_type), self.status
        )


class NotAuthenticated(DSSError):
    status = 401
    error_type = _TYPE_BY_STATUS[401]


class Unauthorized(DSSError):
    status = 403
    error_type = _TYPE_BY_STATUS[403]


class NotFound(DSSError):
    status = 404
    error_type = _TYPE_BY_STATUS[404]


class IllegalArgument(DSSError):
    status = 400
    error_type = _TYPE_BY_STATUS[400]


class InternalError(DSSError):
    status = 500
    error_type = _TYPE_BY_STATUS[500]
