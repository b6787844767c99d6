"""What every Dataiku payload module shares: ``parse``, the request base model, the name and id
rules, object metadata (projects, datasets and recipes carry the same) and the version tags and
taggable fields every object document has.

Request models only *check* a body (types of the fields DSS interprets, required fields, name
rules); the world stores the caller's JSON verbatim, so unknown fields round-trip. Every model
allows extra fields. ``parse(model, body)`` turns a validation failure into a 400
``DSSIllegalArgumentException`` naming the offending field.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from reconciler.providers.dataiku.sandbox.errors import IllegalArgument
from reconciler.providers.dataiku.sandbox.seed import ADMIN
from reconciler.providers.models import Model

#: The seed says ``[A-Za-z_]*`` (L488) but its own examples hold digits (``PKEY1``).
PROJECT_KEY_RE = re.compile(r"^[A-Za-z0-9_]+$")
#: DSS object names (datasets): letters, digits and underscores (inferred).
OBJECT_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
#: meaning, plugin, infra, deployment and bundle ids (inferred: DSS uses these in URLs)
ID_RE = re.compile(r"^[A-Za-z0-9_.-]+$")

Doc = dict[str, Any]
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


def checked_id(value: str, what: str) -> str:
    """``value`` if it is a valid id (``ID_RE``), else a ``ValueError`` naming ``what``."""
    if not ID_RE.match(value):
        raise ValueError(f"{what} {value!r} must match [A-Za-z0-9_.-]+")
    return value


# -- object metadata --------------------------------------------------------------------------
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


# -- what every object document carries -------------------------------------------------------
def version_tag(version: int, now_ms: int) -> Doc:
    """A ``versionTag``/``creationTag``."""
    return {"versionNumber": version, "lastModifiedBy": dict(ADMIN), "lastModifiedOn": now_ms}


def taggable_defaults() -> Doc:
    """What every taggable flow object carries."""
    return {"tags": [], "description": "", "shortDesc": "", "customFields": {}, "checklists": {"checklists": []}}
