"""How the Dataiku client spells requests: the ``/dip/publicapi`` prefix, quoted path
segments, and query booleans as ``True``/``False`` (what ``dataikuapi`` sends)."""

from __future__ import annotations

from urllib.parse import quote

PREFIX = "/dip/publicapi"


def flag(value: bool) -> str:
    return "True" if value else "False"


def path(*segments: str) -> str:
    """``path("projects", "P/Q")`` -> ``/dip/publicapi/projects/P%2FQ``."""
    return PREFIX + "".join("/" + quote(str(s), safe="") for s in segments)
