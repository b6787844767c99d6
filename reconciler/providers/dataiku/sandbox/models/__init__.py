"""The Dataiku DSS world in memory: one design node with its project deployer.

One method per API operation, grouped by object family in mixins over ``core.WorldCore``:

    projects   project folders, projects (metadata, permissions, variables, settings, tags)
    datasets   datasets (external, managed), schema, metadata
    flow       recipes, managed folders, and the cascades from datasets / folders to recipes
    zones      flow zones and saved models (their active version)
    scenarios  scenarios, their python payloads and runs
    wiki       wiki settings and articles
    instance   identity, meanings, plugins
    admin      users, groups, connections, code envs
    deployer   exported bundles, deployer infras, published projects, deployments

Every method validates its whole input before changing anything and raises ``errors.DSSError``
subclasses; it returns plain JSON-ready data that the caller may keep (copies, never live
state). No HTTP here. State is one JSON-ready dict (so ``snapshot``/``restore`` are copies):

    users        {login: user}                           groups   {name: group}
    connections  {name: connection}                      codeEnvs {"LANG/name": definition}
    folders      {id: folder}   (ROOT always present)    projects {key: project}
    meanings     {id: meaning}                           plugins  {id: plugin}
    deployer     {infras, projects, deployments}         futures  {jobId: task}
    idCounter    ids are drawn from random.Random(f"{seed}:{counter}"): stable given the seed
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.providers.dataiku.sandbox.models.admin import AdminModel
from reconciler.providers.dataiku.sandbox.models.datasets import DatasetsModel
from reconciler.providers.dataiku.sandbox.models.deployer import DeployerModel
from reconciler.providers.dataiku.sandbox.models.flow import FlowModel
from reconciler.providers.dataiku.sandbox.models.instance import InstanceModel
from reconciler.providers.dataiku.sandbox.models.projects import ROOT, ProjectsModel
from reconciler.providers.dataiku.sandbox.models.scenarios import ScenariosModel
from reconciler.providers.dataiku.sandbox.models.wiki import WikiModel
from reconciler.providers.dataiku.sandbox.models.zones import ZonesModel
from reconciler.providers.dataiku.sandbox.payloads.projects import folder_settings
from reconciler.providers.dataiku.sandbox.seed import seeded_code_envs, seeded_connections, seeded_groups, \
    seeded_users
from reconciler.sandbox.world import World

__all__ = ["ROOT", "DataikuWorld"]

class DataikuWorld(ProjectsModel, DatasetsModel, FlowModel, ZonesModel, ScenariosModel, WikiModel, InstanceModel,
                   AdminModel, DeployerModel, World):
    """An in-memory DSS node with one user (``admin``), seeded connections and code envs."""

    platform = "Dataiku"
    state_keys = ("users", "groups", "connections", "codeEnvs", "folders", "projects", "meanings", "plugins",
                  "deployer", "futures", "idCounter")

    def __init__(self, seed: int = 0, clock: Callable[[], float] = time.time, pending_polls: int = 0) -> None:
        super().__init__(seed=seed, clock=clock, pending_polls=pending_polls)
        self.reset()

    def reset(self) -> None:
        self._s = {
            "users": seeded_users(),
            "groups": seeded_groups(),
            "connections": seeded_connections(),
            "codeEnvs": seeded_code_envs(),
            "folders": {ROOT: self._folder_record(ROOT, None, folder_settings(None))},
            "projects": {},
            "meanings": {},
            "plugins": {},
            "deployer": {"infras": {}, "projects": {}, "deployments": {}},
            "futures": {},
            "idCounter": 0,
        }

    #: keys a snapshot written before they existed may lack: seeded when restored
    _ADDED_LATER = {"users": seeded_users, "groups": seeded_groups}

    def missing(self, data: Mapping[str, Any]) -> list[str]:
        lacking = [k for k in super().missing(data) if k not in self._ADDED_LATER]
        return lacking or ([] if ROOT in data.get("folders", {}) else ["folders.ROOT"])

    def restore(self, data: Mapping[str, Any]) -> None:
        super().restore({**{k: make() for k, make in self._ADDED_LATER.items() if k not in data}, **data})
