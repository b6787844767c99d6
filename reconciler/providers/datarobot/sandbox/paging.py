"""DataRobot pagination: ``offset``/``limit`` in, ``{count, data, next, previous, totalCount}`` out.

``next``/``previous`` are absolute URLs (the official client follows ``next`` verbatim; the TF
provider re-applies its query string), built from the request's ``Host`` and keeping every
other query parameter. ``deletedDeployments`` has no ``totalCount`` (seed). A ``limit`` of 0 or
none means the endpoint's default page size.
"""

from __future__ import annotations

from typing import Any, Sequence
from urllib.parse import urlencode

from reconciler.providers.datarobot.sandbox.errors import BadRequest
from reconciler.sandbox.wire import SandboxRequest

API_ROOT = "/datarobot/api/v2"


def base_url(request: SandboxRequest) -> str:
    """``http://host:port`` the client used (the emulator's Host header; ``localhost`` if none)."""
    return f"http://{request.headers.get('Host') or 'localhost'}"


def api_url(request: SandboxRequest, path: str) -> str:
    """An absolute API URL: ``api_url(r, "status/abc/")`` -> ``http://host/datarobot/api/v2/status/abc/``."""
    return f"{base_url(request)}{API_ROOT}/{path.lstrip('/')}"


def _int_arg(request: SandboxRequest, name: str) -> int | None:
    value = request.arg(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Invalid query parameter {name}: {value!r} is not an integer",
                         {name: "value is not an integer"}) from None
    if number < 0:
        raise BadRequest(f"Invalid query parameter {name}: must be >= 0", {name: "must be >= 0"})
    return number


def page(
    request: SandboxRequest,
    items: Sequence[Any],
    *,
    default_limit: int = 100,
    max_limit: int | None = None,
    total: bool = True,
) -> dict[str, Any]:
    """One page of ``items`` for ``request`` (its ``offset``/``limit``), in DataRobot's envelope."""
    offset = _int_arg(request, "offset") or 0
    limit = _int_arg(request, "limit") or default_limit
    if max_limit is not None and limit > max_limit:
        raise BadRequest(f"Invalid query parameter limit: must be at most {max_limit}",
                         {"limit": f"must be at most {max_limit}"})
    data = list(items[offset: offset + limit])
    path = request.path if request.path.endswith("/") else request.path + "/"
    others = [(k, v) for k, values in request.query.items() if k not in ("offset", "limit") for v in values]

    def link(new_offset: int) -> str:
        query = urlencode(others + [("offset", new_offset), ("limit", limit)])
        return f"{base_url(request)}{path}?{query}"

    body: dict[str, Any] = {
        "count": len(data),
        "data": data,
        "next": link(offset + limit) if offset + limit < len(items) else None,
        "previous": link(max(0, offset - limit)) if offset > 0 else None,
    }
    if total:
        body["totalCount"] = len(items)
    return body
