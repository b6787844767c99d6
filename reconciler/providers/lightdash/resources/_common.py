"""Vocabulary shared by the Lightdash resource types: roles, grant entries, space paths, and the
pure helpers that make grant lists comparable. Project-scoped ids are ``<projectUuid>/<uuid>``
(``common.join_id``/``split_id`` with ``sep="/"``).

Grant lists are *sets keyed by principal*: users by email (case-insensitive, so lowercased),
groups by name. Values that are not of the expected shape (a ``(known after apply)`` marker at
plan time) pass through untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import ConfigDict, Field

from reconciler.providers.models import Model

OrgRole = Literal["member", "viewer", "interactive_viewer", "editor", "developer", "admin"]
ProjectRole = Literal["viewer", "interactive_viewer", "editor", "developer", "admin"]
SpaceRole = Literal["viewer", "editor", "admin"]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
#: a space path as Lightdash's content as code writes it: slugs joined by ``/`` (``finance/q-reports``)
PATH_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)*$"


class _Entry(Model):
    model_config = ConfigDict(extra="forbid")


class ProjectUserGrant(_Entry):
    email: str = Field(pattern=EMAIL_PATTERN, description="the member's email")
    role: ProjectRole = Field(description="viewer, interactive_viewer, editor, developer or admin")


class ProjectGroupGrant(_Entry):
    group: str = Field(min_length=1, description="the group's name")
    role: ProjectRole = Field(description="viewer, interactive_viewer, editor, developer or admin")


class SpaceUserGrant(_Entry):
    email: str = Field(pattern=EMAIL_PATTERN, description="the member's email")
    role: SpaceRole = Field(description="viewer (can view), editor (can edit) or admin (full access)")


class SpaceGroupGrant(_Entry):
    group: str = Field(min_length=1, description="the group's name")
    role: SpaceRole = Field(description="viewer (can view), editor (can edit) or admin (full access)")


def email_key(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def normalize_emails(values: Any) -> Any:
    """A set of emails: lowercased, deduplicated, sorted. ``None`` is the empty set."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        return values
    return sorted({email_key(v) for v in values}, key=str)


def normalize_grants(entries: Any, key: str) -> Any:
    """Grants keyed by ``key`` (``email`` or ``group``): one per principal, sorted by it."""
    if entries is None:
        return []
    if not isinstance(entries, (list, tuple)):
        return entries
    out: dict[Any, Any] = {}
    for entry in entries:
        if isinstance(entry, Mapping):
            item = dict(entry)
            if key == "email":
                item["email"] = email_key(item.get("email"))
            out[str(item.get(key))] = item
        else:
            out[str(entry)] = entry
    return [out[k] for k in sorted(out)]


def code_path(ltree: str) -> str:
    """Lightdash's ltree path (``finance.q_reports``) as content-as-code writes it (``finance/q-reports``)."""
    return ltree.replace("_", "-").replace(".", "/")


def parent_path(path: str) -> str | None:
    """``finance/q-reports`` -> ``finance``; a top-level space has no parent (``None``)."""
    head, sep, _ = path.rpartition("/")
    return head if sep else None


def nullable_text(value: Any) -> Any:
    """Optional text as Lightdash stores it: ``""`` and ``None`` are the same, ``None`` (null).

    Unlike ``common.text`` (which reads both as ``""``): live views, plans and the fingerprints
    recorded in state hold ``None`` for a chart, dashboard or attribute without a description.
    """
    return None if value == "" else value
