"""Astro errors in Astro's wire shape: ``{"message", "requestId", "statusCode"}``.

All three keys are required by ``astro-platform-api``'s ``Error.from_dict``. The client parses
400/401/403/404/500 into ``Error`` (``sync()`` *returns* it); other statuses (409, 429...) come
back unparsed. The blob stand-in (``dagsUploadUrl``) answers like Azure Blob Storage, in XML.

    AstroError (status)
    ├── BadRequest     400  invalid body, refused transition, non-empty workspace
    ├── Unauthorized   401
    ├── Forbidden      403
    ├── NotFound       404  unknown organization / workspace / deployment / deploy / object
    └── Conflict       409  an environment object key taken in its scope
"""

from __future__ import annotations

import itertools
from typing import ClassVar

from reconciler.sandbox.wire import SandboxResponse

_REQUEST_IDS = itertools.count(1)


def error_body(status: int, message: str) -> dict:
    return {"message": message, "requestId": f"req-{next(_REQUEST_IDS):06d}", "statusCode": status}


def error_response(status: int, message: str) -> SandboxResponse:
    return SandboxResponse.json_body(error_body(status, message), status)


class AstroError(Exception):
    status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def to_response(self) -> SandboxResponse:
        return error_response(self.status, self.message)


class BadRequest(AstroError):
    status = 400


class Unauthorized(AstroError):
    status = 401


class Forbidden(AstroError):
    status = 403


class NotFound(AstroError):
    status = 404


class Conflict(AstroError):
    status = 409


class BlobError(Exception):
    """An Azure-Blob-shaped failure of the upload stand-in (XML body)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message
        super().__init__(message)

    def to_response(self) -> SandboxResponse:
        body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{self.code}</Code>'
                f"<Message>{self.message}</Message></Error>").encode()
        return SandboxResponse(self.status, body, {"Content-Type": "application/xml", "x-ms-error-code": self.code})
