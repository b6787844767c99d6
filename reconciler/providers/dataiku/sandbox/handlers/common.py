"""What every Dataiku handler needs to read a request and shape a response.

``body`` parses the JSON body whatever the Content-Type (``dataikuapi`` sends none); ``flag``
reads a ``True``/``false``/``1`` query boolean; ``number`` an integer query parameter; ``written``
shapes the answer of a write whose seed status (204) and client expectation (JSON) differ. A
malformed value is a 400 ``DSSIllegalArgumentException``, raised before any side effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.providers.dataiku.sandbox.errors import IllegalArgument
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

Params = Mapping[str, str]


def body(request: SandboxRequest) -> Any:
    try:
        return request.json()
    except (ValueError, UnicodeDecodeError):
        raise IllegalArgument("The request body is not valid JSON") from None


def flag(request: SandboxRequest, name: str, default: bool = False) -> bool:
    try:
        return request.flag(name, default)
    except ValueError as error:
        raise IllegalArgument(f"Invalid query parameter {name}: {error}") from None


def number(request: SandboxRequest, name: str, default: int) -> int:
    value = request.arg(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise IllegalArgument(f"Invalid query parameter {name}: {value!r} is not an integer") from None


def ok(data: Any) -> SandboxResponse:
    return SandboxResponse.json_body(data)


def no_content() -> SandboxResponse:
    return SandboxResponse.empty(204)


def written(world: Any, data: Any) -> SandboxResponse:
    """The answer of a write the seed documents as ``204`` with no body but the client parses
    (reference/dataiku.md §A.7): ``data`` as JSON, or, on an emulator made with
    ``seed_answers=True``, the seed's bare 204 (to test a caller against both)."""
    return no_content() if getattr(world, "seed_answers", False) else ok(data)
