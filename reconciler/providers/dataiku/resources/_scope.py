"""What ``reconciler export --provider dataiku --scope KEY=VALUE`` covers, and grouping ids by project.

Scope keys (``SCOPE_KEYS``): ``project=<key>`` limits the export to that project and what lives
in it (datasets, managed datasets, recipes, scenarios, managed folders, wiki articles); no
scope means every project, plus the instance-level objects (project folders, meanings,
plugins, deployer infras, published projects and deployments). An unknown key or an unknown
project is an error, never an empty export.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.dataiku.client import DataikuClient

SCOPE_KEYS = ("project",)


def check_scope(scope: Mapping[str, str]) -> None:
    unknown = sorted(set(scope) - set(SCOPE_KEYS))
    if unknown:
        raise ProviderError(f"unknown Dataiku export scope {', '.join(unknown)}; known: {', '.join(SCOPE_KEYS)}",
                            hint="give --scope project=<project key>, or no scope for the whole instance")


def instance_wide(scope: Mapping[str, str]) -> bool:
    """True when instance-level objects are in scope (no ``project=`` limit)."""
    check_scope(scope)
    return "project" not in scope


def projects_in_scope(client: DataikuClient, scope: Mapping[str, str]) -> list[str]:
    """The project keys an export covers, sorted: ``project=<key>`` or every project."""
    check_scope(scope)
    wanted = scope.get("project")
    if wanted is None:
        return sorted(str(p["projectKey"]) for p in client.list_projects() if p.get("projectKey"))
    try:
        client.get_project(wanted)
    except NotFoundError:
        raise ProviderError(f"no Dataiku project has the key {wanted!r}",
                            hint="give --scope project=<project key> (keys are case-sensitive)") from None
    return [wanted]


def by_project(object_ids: Iterable[str],
               split: Callable[[str], tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """``{"SALES": [("SALES.orders", "orders"), ...]}`` from ``"<project>.<name>"`` ids (``split`` parses one)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for object_id in object_ids:
        project, name = split(object_id)
        out.setdefault(project, []).append((object_id, name))
    return out
