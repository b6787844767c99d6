"""The Dataiku share of the estate: project folders, projects in them, datasets in the projects.

Shape for a share of n: ``n // 100`` folders (at least 1), ``n // 10`` projects (at least 1 when
n >= 2), datasets for the rest, spread evenly. References: ``project.folder`` ->
``${dataiku_project_folder.<f>.id}`` (server-generated, known after apply), ``dataset.project``
-> ``${dataiku_project.<p>.key}``.

The floor (fewest requests the DSS public API allows for the fields these blocks declare):

refresh (no-change plan), one round:
    folders   1 GET /project-folders/{id} each (name and parentId; owner and permissions are
              not declared, so the settings document is not needed)
    projects  1 GET /projects/?includeLocation=true for all (label, description, shortDesc,
              tags, owner, folder) + 1 GET .../permissions + 1 GET .../variables/ each
    datasets  1 GET /projects/{key}/datasets/ per project holding datasets (whole documents,
              description and tags included)
create (from empty), three rounds, each needing ids or objects of the one before:
    1. 1 POST /project-folders/ROOT/children per folder
    2. 1 POST /projects/?projectFolderId= per project (key, name, description, tags, owner,
       permissions travel in the creation body)
    3. 1 PUT .../variables/ per project (not part of the creation body) and 1 POST
       /projects/{key}/datasets/ per dataset (the whole document, metadata included)

Baseline: one GET per object on its own endpoint, as a script with the official client does
(``get_project_folder(id)``, ``get_project(key)``'s ``GET /projects/{key}/``,
``get_dataset(...).get_settings()``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from benchmarks.estate import EstateGenerator, Floor, ProviderEstate, Read, StateObject

PREFIX = "/dip/publicapi"
PROJECT_FLAGS = {"readProjectContent": True, "readDashboards": True}


def shape(n: int) -> tuple[int, int, int]:
    """(folders, projects, datasets) for a share of ``n`` resources."""
    if n < 1:
        return (0, 0, 0)
    folders = max(1, n // 100)
    projects = max(1, n // 10) if n - folders >= 1 else 0
    return folders, projects, n - folders - projects


def generate(n: int, concurrency: int) -> ProviderEstate:
    """Exactly ``n`` Dataiku resources and their floor."""
    n_folders, n_projects, n_datasets = shape(n)
    resources: dict[str, dict] = {}
    for f in range(n_folders):
        resources[f"dataiku_project_folder.bench_f{f:04d}"] = {"name": f"Bench folder {f:04d}", "parent": "ROOT"}
    for p in range(n_projects):
        resources[f"dataiku_project.bench_p{p:05d}"] = {
            "key": f"BENCH_P{p:05d}",
            "name": f"Bench project {p:05d}",
            "description": f"Benchmark project {p} of {n_projects}.",
            "tags": ["bench", f"team_{p % 7}"],
            "folder": f"${{dataiku_project_folder.bench_f{p % n_folders:04d}.id}}",
            "variables": {"standard": {"warehouse": "dwh_bench", "index": p}, "local": {}},
            "permissions": [{"group": "analysts", **PROJECT_FLAGS}],
        }
    with_datasets = set()
    for d in range(n_datasets):
        p = d % n_projects
        with_datasets.add(p)
        resources[f"dataiku_dataset.bench_d{d:06d}"] = {
            "project": f"${{dataiku_project.bench_p{p:05d}.key}}",
            "name": f"d{d:06d}",
            "type": "PostgreSQL",
            "params": {"connection": "dwh", "mode": "table", "schema": "bench", "table": f"t_{d:06d}"},
            "description": f"Benchmark table {d}.",
            "tags": ["bench", "raw"],
            "schema_columns": [{"name": "id", "type": "bigint"}, {"name": "amount", "type": "double"},
                               {"name": "at", "type": "date"}],
        }
    refresh = n_folders + (1 + 2 * n_projects if n_projects else 0) + len(with_datasets)
    rounds = tuple(r for r in (n_folders, n_projects, n_projects + n_datasets) if r)
    return ProviderEstate("dataiku", resources, Floor(refresh, rounds, concurrency))


def baseline_reads(objects: Sequence[StateObject], env: Mapping[str, str]) -> list[Read]:
    """One GET per object on its per-object endpoint, with HTTP Basic auth (key as user)."""
    base = env["DATAIKU_URL"].rstrip("/") + PREFIX
    token = base64.b64encode(f"{env['DATAIKU_API_KEY']}:".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    reads = []
    for obj in objects:
        path = _path(obj)
        if path is not None:
            reads.append(Read(base + path, headers))
    return reads


def _path(obj: StateObject) -> str | None:
    q = lambda s: quote(s, safe="")  # noqa: E731 - local shorthand
    if obj.type == "dataiku_project_folder":
        return f"/project-folders/{q(obj.object_id)}"
    if obj.type == "dataiku_project":
        return f"/projects/{q(obj.object_id)}/"
    if obj.type == "dataiku_dataset":
        project, _, name = obj.object_id.partition(".")
        return f"/projects/{q(project)}/datasets/{q(name)}"
    return None


DATAIKU = EstateGenerator("dataiku", generate, baseline_reads)
