"""``lightdash_project_settings``: what a user may change about a project without a recompile: the
time zone its scheduled deliveries run in, and its upstream project (the one content is promoted
to with ``lightdash promote``).

Keyed by the project's uuid (one per project; the id is the uuid). The project itself is created
and compiled outside this tool (its warehouse and dbt connection), so the settings cannot be
deleted: removing the block forgets them. ``PATCH /projects/{p}`` (name, warehouse, dbt) is left
out: it needs the warehouse credentials and starts a recompile.

    read    GET   /projects/{p}                       {schedulerTimezone, upstreamProjectUuid}
    list    GET   /org/projects, then GET /projects/{p} each
    update  PATCH /projects/{p}/schedulerSettings     {schedulerTimezone}
            PATCH /projects/{p}/metadata              {upstreamProjectUuid: uuid | null}
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler.errors import NotFoundError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import fan_out, or_none
from reconciler.providers.lightdash.client import LightdashClient
from reconciler.providers.lightdash.cron import timezone_error
from reconciler.providers.models import Model


class ProjectSettingsSpec(Model):
    """A project's scheduler time zone and upstream project."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(min_length=1, description="project uuid: ${lightdash_project.<name>.uuid}")
    scheduler_timezone: str = Field("UTC", description="IANA time zone scheduled deliveries run in when "
                                                       "they name none (Lightdash's default: UTC)")
    upstream_project: str | None = Field(None, description="uuid of the project content is promoted to "
                                                           "(lightdash promote); none when left out")

    @field_validator("scheduler_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        problem = timezone_error(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _not_itself(self) -> "ProjectSettingsSpec":
        if self.upstream_project is not None and self.upstream_project == self.project:
            raise ValueError("a project cannot be its own upstream project")
        return self


class ProjectSettings(ResourceType):
    type_name: ClassVar[str] = "lightdash_project_settings"
    spec_model: ClassVar[type[BaseModel]] = ProjectSettingsSpec
    description: ClassVar[str] = "A project's scheduler time zone and upstream project (one per project)"
    natural_key: ClassVar[tuple[str, ...]] = ("project",)
    create_only: ClassVar[frozenset[str]] = frozenset({"project"})
    ref_fields: ClassVar[Mapping[str, str]] = {"project": "lightdash_project.uuid",
                                               "upstream_project": "lightdash_project.uuid"}
    deletable: ClassVar[bool] = False

    client: LightdashClient

    def read(self, object_id: str) -> Live | None:
        doc = or_none(lambda: self.client.project(object_id))
        return self._live(doc) if doc else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        found = fan_out(self.read, [p["projectUuid"] for p in self.client.projects()])
        return [(live["id"], live) for live in found if live is not None]

    def id_of(self, spec: Spec) -> str | None:
        project = spec.get("project")
        return project if isinstance(project, str) else None

    def create(self, spec: Spec) -> tuple[str, Live]:
        project = spec["project"]
        return project, self.update(project, {}, spec, frozenset(k for k in spec if k != "project"))

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        if "scheduler_timezone" in changed and "scheduler_timezone" in spec:
            self.client.update_scheduler_settings(object_id, spec["scheduler_timezone"])
        if "upstream_project" in changed and "upstream_project" in spec:
            self.client.update_project_metadata(object_id, spec["upstream_project"])
        new = self.read(object_id)
        if new is None:
            raise NotFoundError(f"Lightdash project {object_id} does not exist")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        """Settings cannot be deleted (``deletable`` is False): nothing to do."""

    @staticmethod
    def _live(doc: Mapping[str, Any]) -> Live:
        return {"id": doc["projectUuid"], "project": doc["projectUuid"],
                "scheduler_timezone": doc.get("schedulerTimezone") or "UTC",
                "upstream_project": doc.get("upstreamProjectUuid") or None}
