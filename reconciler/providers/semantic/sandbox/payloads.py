"""The semantic-model service's bodies: the requests the emulator validates (pydantic, FastAPI-like
422 on failure) and the Model document it answers with (``model_document``).

``DeployRequest`` is the documented body of ``POST /{model_id}/deploy`` (seed000 L66-93); the
others are inferred. ``parse`` turns a failure into a 422 whose ``detail`` lists every problem
with its ``loc`` (``["body", field, ...]``), before any side effect.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reconciler.providers.models import Model
from reconciler.providers.semantic import cron
from reconciler.providers.semantic.sandbox.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)
NAME_RE = r"^[a-z][a-z0-9_]{0,62}$"
TABLE_RE = re.compile(r"^[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+$")


def parse(model: type[M], body: Any) -> M:
    if not isinstance(body, dict):
        raise ValidationFailed.at(["body"], "Input should be a valid dictionary", "dict_type")
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise ValidationFailed([{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                                for e in error.errors(include_url=False, include_context=False,
                                                      include_input=False)]) from None


class Column(Model):
    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1)
    type: str | None = None
    description: str | None = None


class _Content(Model):
    model_config = ConfigDict(extra="forbid")

    @field_validator("sql", check_fields=False)
    @classmethod
    def _select(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^\s*(select|with)\b", value, re.IGNORECASE):
            raise ValueError("sql must be a SELECT (or WITH ... SELECT) statement")
        return value

    @field_validator("source_tables", check_fields=False)
    @classmethod
    def _tables(cls, value: list[str] | None) -> list[str] | None:
        for table in value or []:
            if not TABLE_RE.match(table):
                raise ValueError(f"source table {table!r} must be catalog.schema.table")
        return value


class CreateModel(_Content):
    name: str = Field(pattern=NAME_RE)
    description: str = ""
    domain_urn: str = Field(pattern=r"^urn:li:domain:.+")
    sql: str = Field(min_length=1)
    source_tables: list[str] = []
    columns: list[Column] = []
    target_catalog: str = Field("iceberg", pattern=r"^[a-z][a-z0-9_]*$")
    target_schema: str = Field(pattern=r"^[a-z][a-z0-9_]*$")


class UpdateModel(_Content):
    name: str | None = Field(None, pattern=NAME_RE)
    description: str | None = None
    domain_urn: str | None = None
    sql: str | None = Field(None, min_length=1)
    source_tables: list[str] | None = None
    columns: list[Column] | None = None
    target_catalog: str | None = None
    target_schema: str | None = None


class DeployRequest(Model):
    """seed000: Request to deploy an approved model."""

    model_config = ConfigDict(extra="ignore")

    create_schedule: bool = False
    schedule_cron: str | None = None
    register_in_datahub: bool = True
    add_lineage: bool = True
    create_dashboard: bool = True

    @model_validator(mode="after")
    def _cron(self) -> "DeployRequest":
        if self.create_schedule and not self.schedule_cron:
            raise ValueError("schedule_cron is required if create_schedule=True")
        if self.schedule_cron:
            problem = cron.check(self.schedule_cron)
            if problem:
                raise ValueError(f"schedule_cron: {problem}")
        return self


class Review(Model):
    model_config = ConfigDict(extra="ignore")

    review_notes: str | None = None


class BatchReview(Model):
    model_config = ConfigDict(extra="ignore")

    model_ids: list[str] = Field(min_length=1)
    review_notes: str | None = None


# -- response documents -------------------------------------------------------------------
def model_document(model_id: str, content: dict[str, Any], status: str, now: str) -> dict[str, Any]:
    """A Model document (reference §B3 shape) with ``content`` (create-request fields)."""
    return {
        "id": model_id, "name": content["name"], "description": content.get("description", ""),
        "domain_urn": content["domain_urn"], "sql": content["sql"],
        "source_tables": list(content.get("source_tables", [])),
        "columns": [{k: v for k, v in c.items() if v is not None} for c in content.get("columns", [])],
        "target_catalog": content.get("target_catalog", "iceberg"), "target_schema": content["target_schema"],
        "view_name": content["name"], "status": status, "review_notes": None, "reviewed_by": None,
        "reviewed_at": None, "submitted_at": None, "error": None, "created_by": "seed", "updated_by": None, "created_at": now,
        "updated_at": now, "deployed_at": None, "external_id": None, "job_id": None, "airflow_url": None,
        "dashboard": None, "deploy_options": None,
    }
