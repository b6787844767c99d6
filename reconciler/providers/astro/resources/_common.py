"""Helpers shared by the Astro resource types (pure functions, no network)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Iterable

from reconciler.errors import PlanError, ProviderError


def text(value: Any) -> Any:
    """Optional text: ``None`` and ``""`` are the same."""
    return "" if value is None else value


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


def last_modified(doc: Mapping[str, Any]) -> tuple[str | None, str | None] | None:
    who, when = subject_name(doc.get("updatedBy")), doc.get("updatedAt")
    return (who, when) if who or when else None


def only_match(matches: list[dict], what: str) -> dict | None:
    """The single object matching a natural key; ``None`` for none; an error for several."""
    if not matches:
        return None
    if len(matches) > 1:
        ids = ", ".join(sorted(str(m.get("id")) for m in matches))
        raise ProviderError(f"{len(matches)} Astro objects match {what} ({ids}); cannot tell which to manage",
                            hint="rename the duplicates, or `reconciler import` the right one by id")
    return matches[0]


def workspaces_in_scope(client: Any, scope: Mapping[str, str]) -> list[dict]:
    """The Workspaces an export covers: ``workspace=<name or id>``, or every one."""
    unknown = sorted(set(scope) - {"workspace"})
    if unknown:
        raise PlanError(f"astro export: unknown --scope key(s) {', '.join(unknown)}",
                        hint="the only scope is workspace=<name or id>")
    workspaces = client.list_workspaces()
    wanted = scope.get("workspace")
    if wanted is None:
        return workspaces
    found = [w for w in workspaces if wanted in (w.get("id"), w.get("name"))]
    if not found:
        raise PlanError(f"no Astro Workspace is named or has the id {wanted!r}",
                        hint="give --scope workspace=<name or id>")
    return found


def deployments_in_scope(client: Any, scope: Mapping[str, str]) -> Iterable[dict]:
    """The Deployments of the Workspaces an export covers (one list call)."""
    workspace_ids = [w["id"] for w in workspaces_in_scope(client, scope)]
    return client.list_deployments(workspace_ids=workspace_ids) if workspace_ids else []
