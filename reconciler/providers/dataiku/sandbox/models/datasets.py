"""Datasets: external and managed, with their schema and metadata views.

State: ``projects[key]["datasets"] {name: {doc, metadataExtra}}``. Deleting a dataset deletes
the recipes that read or write it (seed L1542), through ``FlowModel._drop_recipes_using``.
"""

from __future__ import annotations

from typing import Any

from reconciler.providers.dataiku.sandbox.errors import IllegalArgument, NotFound
from reconciler.providers.dataiku.sandbox.models.core import Doc, WorldCore
from reconciler.providers.dataiku.sandbox.models.core import deep_copy as _copy
from reconciler.providers.dataiku.sandbox.payloads.common import ObjectMetadata, parse, version_tag
from reconciler.providers.dataiku.sandbox.payloads.datasets import (
    DATASET_SERVER_OWNED,
    FORMAT_OPTIONS,
    DatasetDocument,
    DatasetSchema,
    ManagedDatasetCreate,
    RenameDataset,
    dataset_defaults,
    managed_dataset_fields,
    metadata_of,
)


class DatasetsModel(WorldCore):
    """Datasets of a project."""

    def _dataset(self, project_key: str, name: str) -> Doc:
        record = self._project(project_key)["datasets"].get(name)
        if record is None:
            raise NotFound(f"Dataset {project_key}.{name} does not exist")
        return record

    @staticmethod
    def _dataset_doc(body: Doc) -> Doc:
        """Defaults, then the caller's fields (``None`` never erases a structural default)."""
        doc = dataset_defaults()
        for key, value in body.items():
            if key in DATASET_SERVER_OWNED:
                continue
            if value is None and isinstance(doc.get(key), (dict, list)):
                continue
            doc[key] = _copy(value)
        return doc

    def list_datasets(self, project_key: str, tags: list[str], foreign: bool) -> list[Doc]:
        project = self._project(project_key)
        found = [record["doc"] for record in project["datasets"].values()]
        if foreign:
            for other in self._s["projects"].values():
                if other is project:
                    continue
                for exposed in other["settings"].get("exposedObjects", {}).get("objects", []):
                    shared = exposed.get("type") == "DATASET" and any(
                        rule.get("targetProject") == project_key for rule in exposed.get("rules", [])
                    )
                    if shared and exposed.get("localName") in other["datasets"]:
                        found.append(other["datasets"][exposed["localName"]]["doc"])
        wanted = set(tags)
        return [_copy(d) for d in found if not wanted or wanted & set(d.get("tags") or [])]

    def _check_new_dataset(self, project: Doc, name: str) -> None:
        if name in project["datasets"]:
            raise IllegalArgument(f"Dataset {project['projectKey']}.{name} already exists")

    def _insert_dataset(self, project: Doc, doc: Doc) -> Doc:
        now = self._now_ms()
        doc.update(projectKey=project["projectKey"], creationTag=version_tag(0, now), versionTag=version_tag(0, now))
        project["datasets"][doc["name"]] = {"doc": doc, "metadataExtra": {}}
        return _copy(doc)

    def create_dataset(self, project_key: str, body: Any) -> Doc:
        project = self._project(project_key)
        request = parse(DatasetDocument, body, "dataset")
        if request.name is None:
            raise IllegalArgument("Invalid dataset: name: Field required")
        if request.projectKey not in (None, project_key):
            raise IllegalArgument(f"Dataset projectKey {request.projectKey} does not match project {project_key}")
        self._check_new_dataset(project, request.name)
        doc = self._dataset_doc(body)
        doc["name"] = request.name
        return self._insert_dataset(project, doc)

    def create_managed_dataset(self, project_key: str, body: Any) -> Doc:
        project = self._project(project_key)
        request = parse(ManagedDatasetCreate, body, "managed dataset creation request")
        settings = request.creationSettings
        connection = self._s["connections"].get(settings.connectionId)
        if connection is None:
            raise IllegalArgument(f"Connection {settings.connectionId} does not exist")
        if not connection.get("allowManagedDatasets"):
            raise IllegalArgument(f"Connection {settings.connectionId} does not allow managed datasets")
        format_option = settings.specificSettings.get("formatOptionId")
        if format_option is not None and format_option not in FORMAT_OPTIONS:
            raise IllegalArgument(
                f"Unknown formatOptionId {format_option!r} (one of {', '.join(FORMAT_OPTIONS)})"
            )
        partitioning = None
        if settings.partitioningOptionId:
            kind, _, source = settings.partitioningOptionId.partition(":dataset:")
            if kind != "copy" or source not in project["datasets"]:
                raise IllegalArgument(f"Invalid partitioningOptionId {settings.partitioningOptionId!r}")
            partitioning = _copy(project["datasets"][source]["doc"]["partitioning"])
        self._check_new_dataset(project, request.name)
        doc = self._dataset_doc(managed_dataset_fields(project_key, request.name, connection, format_option))
        doc["name"] = request.name
        if partitioning is not None:
            doc["partitioning"] = partitioning
        return self._insert_dataset(project, doc)

    def get_dataset(self, project_key: str, name: str) -> Doc:
        return _copy(self._dataset(project_key, name)["doc"])

    def set_dataset(self, project_key: str, name: str, body: Any) -> None:
        record = self._dataset(project_key, name)
        parse(DatasetDocument, body, "dataset")
        old = record["doc"]
        doc = self._dataset_doc(body)
        doc.update(projectKey=project_key, name=name, creationTag=old["creationTag"], versionTag=old["versionTag"])
        record["doc"] = doc
        self._bump(doc)

    def delete_dataset(self, project_key: str, name: str, drop_data: bool) -> None:
        """Delete the dataset and the recipes that read or write it (seed L1542)."""
        self._dataset(project_key, name)
        project = self._project(project_key)
        del project["datasets"][name]
        self._drop_recipes_using(project, name)

    def rename_dataset(self, project_key: str, body: Any) -> None:
        project = self._project(project_key)
        request = parse(RenameDataset, body, "dataset rename request")
        record = self._dataset(project_key, request.oldName)
        if request.newName == request.oldName:
            raise IllegalArgument(f"Dataset {project_key}.{request.oldName} is already named so")
        self._check_new_dataset(project, request.newName)
        del project["datasets"][request.oldName]
        record["doc"]["name"] = request.newName
        project["datasets"][request.newName] = record
        self._bump(record["doc"])
        self._rename_refs(project, request.oldName, request.newName)

    def get_dataset_schema(self, project_key: str, name: str) -> Doc:
        return _copy(self._dataset(project_key, name)["doc"]["schema"])

    def set_dataset_schema(self, project_key: str, name: str, body: Any) -> None:
        record = self._dataset(project_key, name)
        parse(DatasetSchema, body, "dataset schema")
        record["doc"]["schema"] = _copy(body)
        self._bump(record["doc"])

    def get_dataset_metadata(self, project_key: str, name: str) -> Doc:
        record = self._dataset(project_key, name)
        return _copy(metadata_of(record["doc"], record["metadataExtra"]))

    def set_dataset_metadata(self, project_key: str, name: str, body: Any) -> None:
        record = self._dataset(project_key, name)
        metadata = parse(ObjectMetadata, body, "dataset metadata")
        doc = record["doc"]
        doc["description"] = metadata.description or ""
        doc["shortDesc"] = metadata.shortDesc or ""
        doc["tags"] = list(metadata.tags)
        doc["customFields"] = _copy(body.get("custom", {}).get("kv", {}))
        if metadata.checklists is not None:
            doc["checklists"] = self._stamp_checklists(body["checklists"])
        known = {"label", "description", "shortDesc", "tags", "custom", "checklists"}
        record["metadataExtra"] = {k: _copy(v) for k, v in body.items() if k not in known}
        self._bump(doc)
