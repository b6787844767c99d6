"""Request payloads the Dataiku emulator validates, one pydantic model each.

The models only *check* a body (types of the fields DSS interprets, required fields, name
rules); the models.py world stores the caller's JSON verbatim, so unknown fields round-trip.
Every model allows extra fields. ``parse(model, body)`` turns a validation failure into a
400 ``DSSIllegalArgumentException`` naming the offending field.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reconciler.providers.dataiku.sandbox.errors import IllegalArgument
from reconciler.providers.models import Model

#: The seed says ``[A-Za-z_]*`` (L488) but its own examples hold digits (``PKEY1``).
PROJECT_KEY_RE = re.compile(r"^[A-Za-z0-9_]+$")
#: DSS object names (datasets): letters, digits and underscores (inferred).
OBJECT_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
#: Column types of the seed (L1727-L1741) plus the client's ``dateonly``/``datetimenotz``.
COLUMN_TYPES = frozenset(
    "string boolean tinyint smallint int bigint float double date dateonly datetimenotz "
    "array map object geopoint geometry".split()
)

M = TypeVar("M", bound=BaseModel)


class _Payload(Model):
    model_config = ConfigDict(extra="allow", strict=True)


def parse(model: type[M], body: Any, what: str) -> M:
    """Validate ``body`` (already JSON-decoded) as ``model``; raise ``IllegalArgument`` if not."""
    if not isinstance(body, dict):
        got = "an empty body" if body is None else f"a JSON {type(body).__name__}"
        raise IllegalArgument(f"Invalid {what}: expected a JSON object, got {got}")
    try:
        return model.model_validate(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}" for e in error.errors()
        )
        raise IllegalArgument(f"Invalid {what}: {problems}") from None


# -- project folders ------------------------------------------------------------------------
class FolderSettings(_Payload):
    name: str = Field(min_length=1)
    owner: str | None = None
    permissions: list[dict[str, Any]] = []


# -- projects -------------------------------------------------------------------------------
class ProjectCreate(_Payload):
    projectKey: str
    name: str = Field(min_length=1)
    owner: str | None = None
    description: str | None = None
    settings: dict[str, Any] | None = None
    permissions: list[dict[str, Any]] | None = None
    tags: list[str] | None = None

    @field_validator("projectKey")
    @classmethod
    def _key(cls, value: str) -> str:
        if not PROJECT_KEY_RE.match(value):
            raise ValueError(f"project key {value!r} must match [A-Za-z0-9_]+")
        return value


class ChecklistItem(_Payload):
    text: str
    done: bool = False


class Checklist(_Payload):
    title: str | None = None
    items: list[ChecklistItem] = []


class Checklists(_Payload):
    checklists: list[Checklist] = []


class CustomMetadata(_Payload):
    kv: dict[str, Any] = {}


class ObjectMetadata(_Payload):
    """Project, dataset and recipe metadata: ``{label, description, shortDesc, tags, custom,
    checklists, customFields}``."""

    label: str | None = None
    description: str | None = None
    shortDesc: str | None = None
    tags: list[str] = []
    custom: CustomMetadata = CustomMetadata()
    checklists: Checklists | None = None
    customFields: dict[str, Any] | None = None


class PermissionEntry(_Payload):
    group: str | None = None
    user: str | None = None

    @model_validator(mode="after")
    def _one_principal(self) -> "PermissionEntry":
        if (self.group is None) == (self.user is None):
            raise ValueError("each permission names exactly one of 'group' or 'user'")
        return self


class ProjectPermissions(_Payload):
    owner: str = Field(min_length=1)
    permissions: list[PermissionEntry] = []


class ProjectVariables(_Payload):
    standard: dict[str, Any] = {}
    local: dict[str, Any] = {}


class TagDefinitions(_Payload):
    tags: dict[str, dict[str, Any]] = {}


# -- datasets -------------------------------------------------------------------------------
class SchemaColumn(_Payload):
    name: str = Field(min_length=1)
    type: str

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in COLUMN_TYPES:
            raise ValueError(f"unknown column type {value!r} (one of {', '.join(sorted(COLUMN_TYPES))})")
        return value


class DatasetSchema(_Payload):
    columns: list[SchemaColumn] = []


class Partitioning(_Payload):
    dimensions: list[dict[str, Any]] = []


class DatasetDocument(_Payload):
    """A dataset as POSTed (create) or PUT (settings); ``name`` is required on create only."""

    name: str | None = None
    projectKey: str | None = None
    type: str = Field(min_length=1)
    params: dict[str, Any] = {}
    formatType: str | None = None
    formatParams: dict[str, Any] | None = None
    managed: bool = False
    schema_: DatasetSchema | None = Field(default=None, alias="schema")
    partitioning: Partitioning | None = None
    tags: list[str] = []
    description: str | None = None
    shortDesc: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not OBJECT_NAME_RE.match(value):
            raise ValueError(f"dataset name {value!r} must match [A-Za-z0-9_]+")
        return value


class ManagedCreationSettings(_Payload):
    connectionId: str = Field(min_length=1)
    typeOptionId: str | None = None
    specificSettings: dict[str, Any] = {}
    partitioningOptionId: str | None = None


class ManagedDatasetCreate(_Payload):
    name: str
    creationSettings: ManagedCreationSettings

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not OBJECT_NAME_RE.match(value):
            raise ValueError(f"dataset name {value!r} must match [A-Za-z0-9_]+")
        return value


class RenameDataset(_Payload):
    oldName: str = Field(min_length=1)
    newName: str

    @field_validator("newName")
    @classmethod
    def _name(cls, value: str) -> str:
        if not OBJECT_NAME_RE.match(value):
            raise ValueError(f"dataset name {value!r} must match [A-Za-z0-9_]+")
        return value
