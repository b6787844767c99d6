"""Request and response helpers shared by the Lightdash handlers: the success envelope, body
and query parsing with Lightdash's error shapes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.providers.lightdash.sandbox.errors import ParameterError, ValidateError
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

Params = Mapping[str, str]
_NO_RESULTS = object()


def ok(results: Any = _NO_RESULTS, status: int = 200) -> SandboxResponse:
    """``{"status": "ok", "results": ...}``; without ``results`` just ``{"status": "ok"}`` (the
    controllers' ``results: undefined``)."""
    body: dict[str, Any] = {"status": "ok"}
    if results is not _NO_RESULTS:
        body["results"] = results
    return SandboxResponse.json_body(body, status)


def no_content() -> SandboxResponse:
    return SandboxResponse.empty(204)


def body(request: SandboxRequest) -> Any:
    try:
        return request.json()
    except (ValueError, UnicodeDecodeError):
        raise ParameterError("Request body is not valid JSON") from None


def number(request: SandboxRequest, name: str) -> int | None:
    """A numeric query parameter (tsoa ``number``): 422 when it is not a number, ``""`` included."""
    value = request.arg(name)
    if value is None:
        return None
    try:  # an empty value is not a number either (tsoa validates what is sent)
        parsed = float(value)
    except ValueError:
        raise ValidateError("", {name: {"message": "invalid float number", "value": value}}) from None
    return int(parsed)


def flag(request: SandboxRequest, name: str) -> bool:
    value = request.arg(name)
    if value is None:
        return False
    try:
        return request.flag(name)
    except ValueError:
        raise ValidateError("", {name: {"message": "invalid boolean value", "value": value}}) from None


def site_url(request: SandboxRequest) -> str:
    host = request.headers.get("Host", "localhost")
    return f"http://{host}/lightdash"
