"""The DataRobot world in memory: state, ids, clock, knobs, and the async jobs that change it.

``DataRobotWorld`` is assembled from one mixin per object family (``models.deployments``,
``models.environments``, ``models.catalog``); this module owns what they share. Every operation validates its
whole input before changing anything, raises ``errors.DataRobotError`` subclasses and returns
JSON-ready copies. No HTTP here (handlers build URLs from the ids returned).

State (one JSON-ready dict, so ``snapshot``/``restore`` are copies; the seeded catalog is static
and lives in ``seed``):

    deployments   {id: deployment document, as GET returns it}
    deleted       {id: {id, label, deletedAt}}       soft-deleted, until PermanentlyErase
    history       {deployment id: [model history entries]}
    environments  {id: prediction environment document}
    settings      {deployment id: its settings documents}  (``models.settings``; not in
                  ``state_keys``, so world files saved before settings existed still load)
    use_cases, registered, packages   (``models.registry``; made on first use, likewise)
    jobs          {status id: job}                   async work behind a 202 + Location
    counter       ids come from sha1(f"{seed}:{counter}"): stable for a given seed

Async jobs (a create, a status change, a model replacement, an erase) start ``RUNNING`` and are
resolved *in the background*: at the start of every request (``tick``) each running job whose
polls are used up resolves according to the knobs below. Defaults: the first poll already sees
the job finished (the official client sleeps 5 s between polls).

Knobs (plain attributes, restored by ``reset``):
    job_outcome        "finish" (default) | "pending" (never resolves) | "fail" (resolves as ERROR)
    job_running_polls  polls answered RUNNING before a job may resolve (default 0)
    job_failure_message
    max_deployments    None, or the organization limit (409 on create beyond it)
    bundles_enabled    compute bundles feature flag (403 when off; default on)
    pps_image_available  portable prediction server image metadata present (404 when not)
    replacement_keeps_model  a model replacement job completes (COMPLETED, model history
                       entry and all) while the deployment keeps serving its previous model and
                       package: an apply that did not happen although the platform says it did
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from reconciler.providers.datarobot.sandbox.errors import NotFound
from reconciler.providers.datarobot.sandbox.models.catalog import CatalogOps
from reconciler.providers.datarobot.sandbox.models.deployments import DeploymentOps
from reconciler.providers.datarobot.sandbox.models.environments import EnvironmentOps
from reconciler.providers.datarobot.sandbox.models.registry import RegistryOps
from reconciler.providers.datarobot.sandbox.models.settings import SettingsOps
from reconciler.sandbox.world import World

Doc = dict[str, Any]
JOB_OUTCOMES = ("finish", "pending", "fail")
_MAX_JOBS = 1000
_DEFAULT_KNOBS: dict[str, Any] = {
    "job_outcome": "finish",
    "job_running_polls": 0,
    "job_failure_message": "The deployment job failed (injected by the sandbox)",
    "max_deployments": None,
    "bundles_enabled": True,
    "pps_image_available": True,
    "replacement_keeps_model": False,
}


class DataRobotWorld(DeploymentOps, SettingsOps, RegistryOps, EnvironmentOps, CatalogOps, World):
    """One DataRobot organization: seeded catalog, deployments, environments, jobs."""

    platform = "DataRobot"
    state_keys = ("deployments", "deleted", "history", "environments", "jobs", "counter")

    job_outcome: str
    job_running_polls: int
    job_failure_message: str
    max_deployments: int | None
    bundles_enabled: bool
    pps_image_available: bool
    replacement_keeps_model: bool

    def __init__(self, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.seed = seed
        self._clock = clock
        self._s: dict[str, Any] = {}
        self.reset()

    # -- lifecycle ------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the seeded world, knobs included."""
        self._s = {"deployments": {}, "deleted": {}, "history": {}, "environments": {}, "jobs": {}, "counter": 0,
                   "settings": {}}
        for name, value in _DEFAULT_KNOBS.items():
            setattr(self, name, value)

    # -- shared helpers -------------------------------------------------------------------------
    def now(self) -> str:
        return datetime.fromtimestamp(self._clock(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _digest(self) -> str:
        self._s["counter"] += 1
        return hashlib.sha1(f"{self.seed}:{self._s['counter']}".encode()).hexdigest()

    def new_id(self) -> str:
        """A 24-hex ObjectId-like id."""
        return "66" + self._digest()[:22]

    def _new_job_id(self) -> str:
        h = self._digest()
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"

    # -- async jobs -----------------------------------------------------------------------------
    def start_job(self, kind: str, description: str, *, deployment_id: str | None = None,
                  on_success: Doc | None = None, on_failure: Doc | None = None,
                  history: Doc | None = None, erase: list[str] | None = None,
                  result_path: str | None = None, settings: Doc | None = None) -> str:
        """Record a RUNNING job; returns its status id. ``on_success``/``on_failure`` are the
        deployment fields the job sets when it resolves; ``history`` a model-history entry to
        append on success; ``erase`` deleted deployments to drop; ``result_path`` what a
        finished job redirects to (303), relative to the API root; ``settings`` the deployment's
        settings document as it is once the job succeeds."""
        jobs = self._s["jobs"]
        job_id = self._new_job_id()
        jobs[job_id] = {
            "statusId": job_id, "kind": kind, "description": description, "status": "RUNNING",
            "message": "", "created": self.now(), "deploymentId": deployment_id,
            "pollsLeft": max(0, int(self.job_running_polls)), "onSuccess": on_success or {},
            "onFailure": on_failure or {}, "history": history, "erase": erase or [], "resultPath": result_path,
            "settings": settings,
        }
        while len(jobs) > _MAX_JOBS:
            jobs.pop(next(iter(jobs)))
        return job_id

    def tick(self) -> None:
        """Background progress: resolve every running job whose polls are used up."""
        if self.job_outcome == "pending":
            return
        for job in self._s["jobs"].values():
            if job["status"] == "RUNNING" and job["pollsLeft"] <= 0:
                self._resolve(job, ok=self.job_outcome == "finish")

    def poll_job(self, job_id: str) -> Doc:
        """``GET /status/{id}/``: the job as it stands (a poll may use up one RUNNING answer)."""
        job = self._s["jobs"].get(job_id)
        if job is None:
            raise NotFound(f"Status {job_id} not found")
        if job["status"] == "RUNNING" and self.job_outcome != "pending":
            if job["pollsLeft"] > 0:
                job["pollsLeft"] -= 1
            else:
                self._resolve(job, ok=self.job_outcome == "finish")
        return copy.deepcopy(job)

    def running_jobs(self, deployment_id: str) -> list[Doc]:
        return [copy.deepcopy(j) for j in self._s["jobs"].values()
                if j["deploymentId"] == deployment_id and j["status"] == "RUNNING"]

    def abort_jobs(self, deployment_id: str, reason: str) -> None:
        for job in self._s["jobs"].values():
            if job["deploymentId"] == deployment_id and job["status"] == "RUNNING":
                job["status"], job["message"] = "ABORTED", reason

    def _resolve(self, job: Doc, *, ok: bool) -> None:
        deployment = self._s["deployments"].get(job["deploymentId"]) if job["deploymentId"] else None
        if ok:
            job["status"] = "COMPLETED"
            if deployment is not None:
                deployment.update(copy.deepcopy(job["onSuccess"]))
                if job["history"] is not None:
                    self._append_history(deployment["id"], job["history"])
                if job.get("settings") is not None:
                    self._land_settings(deployment["id"], job["settings"])
            for erased in job["erase"]:
                self._s["deleted"].pop(erased, None)
                self._s["history"].pop(erased, None)
        else:
            job["status"], job["message"] = "ERROR", self.job_failure_message
            if deployment is not None:
                deployment.update(copy.deepcopy(job["onFailure"]))
