"""Helpers shared by the Astro resource types (pure functions, no network)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def version_key(version: str) -> tuple[int, ...]:
    """``"12.1.0"`` -> ``(12, 1, 0)``; non-numeric parts are ignored (``"9.1.0-rc1"`` -> ``(9, 1, 0, 1)``)."""
    return tuple(int(p) for p in re.findall(r"\d+", version))


def subject_name(subject: Any) -> str | None:
    """Who an Astro ``BasicSubjectProfile`` is: username, API token name, or id."""
    if not isinstance(subject, Mapping):
        return None
    for key in ("username", "apiTokenName", "fullName", "id"):
        if subject.get(key):
            return str(subject[key])
    return None


def last_modified(live: Mapping[str, Any]) -> tuple[str | None, str | None] | None:
    """(who, when) of a live view's last change, from its ``updated_by`` and ``updated_at``."""
    who, when = subject_name(live.get("updated_by")), live.get("updated_at")
    return (who, when) if who or when else None
