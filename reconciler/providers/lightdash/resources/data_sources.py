"""Read-only data sources: the organization, projects by name, users by email.

They are found by ``find`` at every refresh, referenced by the resources that need a uuid
(``${lightdash_project.jaffle.uuid}``) and never created, changed, deleted or stored in state.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ProviderError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import or_none
from reconciler.providers.lightdash.client import LightdashClient
from reconciler.providers.lightdash.resources._common import EMAIL_PATTERN
from reconciler.providers.models import Model


class OrganizationQuery(Model):
    """The organization the API key belongs to (no arguments)."""

    model_config = ConfigDict(extra="forbid")


class ProjectQuery(Model):
    """A project of the organization, by its exact name."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="the project's name (exact; must be unique in the organization)")


class UserQuery(Model):
    """A member of the organization, by email."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(pattern=EMAIL_PATTERN, description="the member's email (case-insensitive)")


class Organization(ResourceType):
    type_name: ClassVar[str] = "lightdash_organization"
    spec_model: ClassVar[type[BaseModel]] = OrganizationQuery
    description: ClassVar[str] = "The organization of the API key (read-only): uuid, name, default project"
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "uuid", "name", "default_project"})
    data_source: ClassVar[bool] = True

    client: LightdashClient

    def read(self, object_id: str) -> Live | None:
        org = self.client.organization()
        return self._live(org) if org.get("organizationUuid") == object_id else None

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        live = self._live(self.client.organization())
        return live["uuid"], live

    @staticmethod
    def _live(org: dict[str, Any]) -> Live:
        return {"id": org["organizationUuid"], "uuid": org["organizationUuid"], "name": org.get("name"),
                "default_project": org.get("defaultProjectUuid")}


class Project(ResourceType):
    type_name: ClassVar[str] = "lightdash_project"
    spec_model: ClassVar[type[BaseModel]] = ProjectQuery
    description: ClassVar[str] = "A project by name (read-only): uuid, type"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "uuid", "type"})
    data_source: ClassVar[bool] = True

    client: LightdashClient

    def read(self, object_id: str) -> Live | None:
        project = or_none(lambda: self.client.project(object_id))
        return self._live(project) if project is not None else None

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        name = spec.get("name")
        matches = [p for p in self.client.projects() if p.get("name") == name]
        if len(matches) > 1:
            uuids = ", ".join(p["projectUuid"] for p in matches)
            raise ProviderError(f"{len(matches)} Lightdash projects are named {name!r} ({uuids})",
                                hint="rename one of them: a project is found by its exact name")
        if not matches:
            return None
        live = self._live(matches[0])
        return live["uuid"], live

    @staticmethod
    def _live(project: dict[str, Any]) -> Live:
        return {"id": project["projectUuid"], "uuid": project["projectUuid"], "name": project.get("name"),
                "type": project.get("type")}


class User(ResourceType):
    type_name: ClassVar[str] = "lightdash_user"
    spec_model: ClassVar[type[BaseModel]] = UserQuery
    description: ClassVar[str] = "A member of the organization by email (read-only): uuid, names, role"
    natural_key: ClassVar[tuple[str, ...]] = ("email",)
    server_owned: ClassVar[frozenset[str]] = frozenset(
        {"id", "uuid", "first_name", "last_name", "role", "active", "pending"})
    data_source: ClassVar[bool] = True

    client: LightdashClient

    def read(self, object_id: str) -> Live | None:
        member = or_none(lambda: self.client.member(object_id))
        return self._live(member) if member is not None else None

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        email = spec.get("email")
        member = self.client.member_by_email(email) if isinstance(email, str) else None
        if member is None:
            return None
        live = self._live(member)
        return live["uuid"], live

    @staticmethod
    def _live(member: dict[str, Any]) -> Live:
        return {"id": member["userUuid"], "uuid": member["userUuid"], "email": str(member.get("email", "")).lower(),
                "first_name": member.get("firstName"), "last_name": member.get("lastName"),
                "role": member.get("role"), "active": member.get("isActive"), "pending": member.get("isPending")}
