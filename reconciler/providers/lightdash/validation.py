"""Lightdash's post-apply check (``reconciler apply --validate``): validate the content of every
project the apply changed content in, and name the broken charts and dashboards.

Lightdash validates a project as a background job: ``POST /projects/{p}/validate`` answers
``{jobId}``, ``GET /schedulers/job/{jobId}/status`` says when it is ``completed`` (or ``error``),
and ``GET /projects/{p}/validate?jobId=`` lists the errors it found (charts and dashboards that
name fields or models the project no longer has; table errors are left out here). Every broken
chart and dashboard of the project is reported, not only those this apply wrote: a change to one
object can break another.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

from reconciler.errors import ProviderError
from reconciler.providers.lightdash.client import LightdashClient

#: the types whose objects live in a project's content (their ids start with the project uuid)
CONTENT_TYPES = frozenset({"lightdash_space", "lightdash_chart", "lightdash_dashboard", "lightdash_scheduler"})
TIMEOUT_S = 300.0


def wait_for_job(client: LightdashClient, job_id: str, *, timeout_s: float = TIMEOUT_S,
                 sleep: Callable[[float], None] = time.sleep) -> None:
    """Until the job is ``completed``; ``ProviderError`` when it ends in ``error`` or times out."""
    deadline = time.monotonic() + timeout_s
    delay = 0.5
    while True:
        status = (client.job_status(job_id) or {}).get("status")
        if status == "completed":
            return
        if status == "error":
            raise ProviderError(f"Lightdash validation job {job_id} ended in error")
        if time.monotonic() + delay > deadline:
            raise ProviderError(f"Lightdash validation job {job_id} did not finish in {timeout_s:.0f} s")
        sleep(delay)
        delay = min(delay * 2, 10.0)


def describe(error: dict[str, Any]) -> str | None:
    """One line naming a broken chart or dashboard and why, or None for other validation rows."""
    source = error.get("source") or ("chart" if "chartUuid" in error else "dashboard" if "dashboardUuid" in error
                                     else "table")
    if source not in ("chart", "dashboard"):
        return None
    uuid = error.get("chartUuid") if source == "chart" else error.get("dashboardUuid")
    return f"{source} {error.get('name')!r} ({uuid}) is broken: {error.get('error')}"


def check(client: LightdashClient, applied: Sequence[tuple[str, str]]) -> list[str]:
    """The ``post_apply_check`` of the Lightdash provider (see the module docstring)."""
    projects = sorted({object_id.split("/", 1)[0] for type_name, object_id in applied
                       if type_name in CONTENT_TYPES and "/" in object_id})
    problems: list[str] = []
    for project in projects:
        job_id = client.validate_project(project)
        wait_for_job(client, job_id)
        lines = {describe(e) for e in client.validation_results(project, job_id)}
        problems.extend(f"project {project}: {line}" for line in sorted(line for line in lines if line))
    return problems
