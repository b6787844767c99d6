"""Use cases and registered models with their versions. A mixin of ``models.DataRobotWorld``.

Use cases (``/useCases/``): synchronous CRUD; the document follows the official client's
converter (``UseCase``: counts, creator and updater, members).

Registered models (``/registeredModels/``) group model packages (their versions). The seeded
packages belong to the seeded registered models (``seed.REGISTERED_MODELS``); new ones are made
by ``POST /modelPackages/fromLeaderboard/`` (client ``RegisteredModelVersion.
create_for_leaderboard_item``): with ``registeredModelName`` a new registered model at version
1, with ``registeredModelId`` the next version of that one. ``PATCH /registeredModels/{id}/``
renames it or changes its description, ``PATCH .../versions/{vid}/`` renames a version, and
``DELETE /registeredModels/{id}/`` archives it (the client's ``archive``): it leaves the list and
reads as ``isArchived: true``. Registered model names are unique (422 on a second one).

State: ``registered`` {id: registered model document (without its seeded or archived
versions)}, ``packages`` {id: model package created here}, ``use_cases`` {id: document}; made on
first use, so world files saved before them still load.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from reconciler.providers.datarobot.sandbox import seed
from reconciler.providers.datarobot.sandbox.errors import NotFound, Unprocessable
from reconciler.providers.datarobot.sandbox.payloads import parse
from reconciler.providers.datarobot.sandbox.payloads.registry import (
    FromLeaderboard,
    RegisteredModelUpdate,
    UseCaseWrite,
    VersionUpdate,
)

Doc = dict[str, Any]


def _user() -> Doc:
    return {"id": seed.OWNER["id"], "email": seed.OWNER["email"], "username": seed.OWNER["email"],
            "fullName": f"{seed.OWNER['firstName']} {seed.OWNER['lastName']}", "userhash": None}


class RegistryOps:
    _s: dict[str, Any]
    new_id: Callable[[], str]
    now: Callable[[], str]

    # -- use cases --------------------------------------------------------------------------
    def _use_cases(self) -> dict[str, Doc]:
        return self._s.setdefault("use_cases", {})

    def _use_case(self, use_case_id: str) -> Doc:
        found = self._use_cases().get(use_case_id)
        if found is None:
            raise NotFound(f"Use Case {use_case_id} not found")
        return found

    def list_use_cases(self, search: str | None = None) -> list[Doc]:
        needle = (search or "").lower()
        return [copy.deepcopy(u) for u in self._use_cases().values() if needle in u["name"].lower()]

    def get_use_case(self, use_case_id: str) -> Doc:
        return copy.deepcopy(self._use_case(use_case_id))

    def create_use_case(self, body: Any) -> Doc:
        want = parse(UseCaseWrite, body, "use case")
        now = self.now()
        use_case_id = self.new_id()
        doc: Doc = {"id": use_case_id, "name": want.name or f"Use Case {len(self._use_cases()) + 1}",
                    "description": want.description, "createdAt": now, "created": _user(), "updatedAt": now,
                    "updated": _user(), "modelsCount": 0, "projectsCount": 0, "datasetsCount": 0, "filesCount": 0,
                    "notebooksCount": 0, "applicationsCount": 0, "playgroundsCount": 0, "vectorDatabasesCount": 0,
                    "owners": [_user()], "members": [_user()]}
        self._use_cases()[use_case_id] = doc
        return copy.deepcopy(doc)

    def update_use_case(self, use_case_id: str, body: Any) -> Doc:
        doc = self._use_case(use_case_id)
        fields = parse(UseCaseWrite, body, "use case update").model_dump(exclude_unset=True)
        if fields.get("name") is not None:
            doc["name"] = fields["name"]
        if "description" in fields:
            doc["description"] = fields["description"]
        doc["updatedAt"], doc["updated"] = self.now(), _user()
        return copy.deepcopy(doc)

    def delete_use_case(self, use_case_id: str) -> None:
        self._use_case(use_case_id)
        del self._use_cases()[use_case_id]

    # -- registered models ------------------------------------------------------------------
    def _registered(self) -> dict[str, Doc]:
        store = self._s.setdefault("registered", None)
        if store is None:
            store = self._s["registered"] = {r["id"]: copy.deepcopy(r) for r in seed.REGISTERED_MODELS}
        return store

    def _packages(self) -> dict[str, Doc]:
        return self._s.setdefault("packages", {})

    def created_package(self, package_id: str) -> Doc | None:
        """A model package made by this world (a registered model version), or None."""
        found = self._packages().get(package_id)
        return copy.deepcopy(found) if found is not None else None

    def all_packages(self) -> list[Doc]:
        return [copy.deepcopy(p) for p in seed.MODEL_PACKAGES] + [copy.deepcopy(p) for p in self._packages().values()]

    def _registered_model(self, registered_id: str) -> Doc:
        found = self._registered().get(registered_id)
        if found is None:
            raise NotFound(f"Registered model {registered_id} not found")
        return found

    def list_registered_models(self, search: str | None = None) -> list[Doc]:
        needle = (search or "").lower()
        return [copy.deepcopy(r) for r in self._registered().values()
                if not r["isArchived"] and needle in r["name"].lower()]

    def get_registered_model(self, registered_id: str) -> Doc:
        return copy.deepcopy(self._registered_model(registered_id))

    def list_versions(self, registered_id: str) -> list[Doc]:
        self._registered_model(registered_id)
        versions = [p for p in self.all_packages() if p["registeredModelId"] == registered_id]
        return sorted(versions, key=lambda p: -p["registeredModelVersion"])

    def get_version(self, registered_id: str, version_id: str) -> Doc:
        found = [p for p in self.list_versions(registered_id) if p["id"] == version_id]
        if not found:
            raise NotFound(f"Version {version_id} of registered model {registered_id} not found")
        return found[0]

    def create_from_leaderboard(self, body: Any) -> Doc:
        """A new model package: version 1 of a new registered model, or the next version of one."""
        want = parse(FromLeaderboard, body, "model package")
        model = seed.model(want.modelId)
        if model is None:
            raise Unprocessable(f"Model {want.modelId} not found", {"modelId": "model not found"})
        if (want.registeredModelName is None) == (want.registeredModelId is None):
            raise Unprocessable("Invalid field data", {"registeredModelName": "give registeredModelName (a new "
                                                                              "registered model) or registeredModelId"})
        registered = self._registered()
        if want.registeredModelId is not None:
            parent = self._registered_model(want.registeredModelId)
            if parent["isArchived"]:
                raise Unprocessable(f"Registered model {parent['id']} is archived",
                                    {"registeredModelId": "archived"})
            project = seed.project(model["projectId"]) or {}
            if parent["target"].get("name") != project.get("target") or \
                    parent["target"].get("type") != project.get("targetType"):
                raise Unprocessable("The model's target does not match the registered model's",
                                    {"modelId": "target name and type must match the registered model"})
        else:
            if any(r["name"] == want.registeredModelName and not r["isArchived"] for r in registered.values()):
                raise Unprocessable(f"Registered model {want.registeredModelName!r} already exists",
                                    {"registeredModelName": "must be unique"})
            parent = None
        now = self.now()
        if parent is None:
            project = seed.project(model["projectId"]) or {}
            parent = {"id": self.new_id(), "name": want.registeredModelName,
                      "description": want.registeredModelDescription or "", "createdAt": now, "modifiedAt": now,
                      "modifiedBy": _user(), "createdBy": _user(), "lastVersionNum": 0, "isArchived": False,
                      "isGlobal": False,
                      "target": {"name": project.get("target"), "type": project.get("targetType")}}
            registered[parent["id"]] = parent
        parent["lastVersionNum"] += 1
        parent["modifiedAt"] = now
        package = seed.package_document(model, self.new_id(), parent["id"], parent["lastVersionNum"],
                                        want.name or f"{model['modelType']} (v{parent['lastVersionNum']})", now)
        self._packages()[package["id"]] = package
        return copy.deepcopy(package)

    def update_registered_model(self, registered_id: str, body: Any) -> Doc:
        doc = self._registered_model(registered_id)
        fields = parse(RegisteredModelUpdate, body, "registered model update").model_dump(exclude_unset=True)
        if fields.get("name") is not None and fields["name"] != doc["name"]:
            if any(r["name"] == fields["name"] and not r["isArchived"] for r in self._registered().values()):
                raise Unprocessable(f"Registered model {fields['name']!r} already exists", {"name": "must be unique"})
            doc["name"] = fields["name"]
        if "description" in fields:
            doc["description"] = fields["description"] or ""
        doc["modifiedAt"], doc["modifiedBy"] = self.now(), _user()
        return copy.deepcopy(doc)

    def update_version(self, registered_id: str, version_id: str, body: Any) -> Doc:
        self._registered_model(registered_id)
        package = self._packages().get(version_id)
        if package is None or package["registeredModelId"] != registered_id:
            self.get_version(registered_id, version_id)  # 404 when it is not a version at all
            raise Unprocessable("Seeded versions are read-only in the sandbox", {"versionId": "read-only"})
        fields = parse(VersionUpdate, body, "registered model version update").model_dump(exclude_unset=True)
        if fields.get("name") is not None:
            package["name"] = fields["name"]
        package["updatedAt"] = self.now()
        return copy.deepcopy(package)

    def archive_registered_model(self, registered_id: str) -> None:
        doc = self._registered_model(registered_id)
        doc["isArchived"] = True
        for package in self._packages().values():
            if package["registeredModelId"] == registered_id:
                package["isArchived"] = True
