"""The organization's singletons: ``lightdash_organization_settings`` and
``lightdash_allowed_email_domains``.

Both are keyed by the organization's uuid (``organization: ${lightdash_organization.<name>.uuid}``;
the API key belongs to exactly one organization, and a spec naming another is an error rather
than a silent retarget: ``create`` refuses it). Each lists as the one object of the instance.
Settings cannot be deleted: removing the block forgets them. Allowed
email domains with no domain left are no rule at all, so deleting that resource empties the
list (and an empty list reads as absent).

    settings  GET/PATCH /api/v1/org                    {name, chartColors, defaultProjectUuid}
    domains   GET/PATCH /api/v1/org/allowedEmailDomains {emailDomains, role, projects} (full replace)
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Iterable, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.lightdash.client import LightdashClient
from reconciler.providers.models import Model

HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"
DOMAIN = r"^[a-z0-9-]+(\.[a-z0-9-]+)+$"


class SettingsSpec(Model):
    """The organization's settings."""

    model_config = ConfigDict(extra="forbid")

    organization: str = Field(min_length=1, description="organization uuid: ${lightdash_organization.<name>.uuid}")
    name: str = Field(min_length=1, description="the organization's name")
    chart_colors: list[Annotated[str, Field(pattern=HEX_COLOUR)]] | None = Field(
        None, description="default chart palette (#rrggbb, in order); Lightdash's own when left out")
    default_project: str | None = Field(None, description="uuid of the project people land on")


class DomainProject(Model):
    model_config = ConfigDict(extra="forbid")

    project: str = Field(min_length=1, description="project uuid")
    role: Literal["viewer", "interactive_viewer", "editor"] = Field(description="role in that project")


class EmailDomainsSpec(Model):
    """Who may join the organization by email domain, and with which roles."""

    model_config = ConfigDict(extra="forbid")

    organization: str = Field(min_length=1, description="organization uuid: ${lightdash_organization.<name>.uuid}")
    email_domains: list[Annotated[str, Field(pattern=DOMAIN)]] = Field(
        min_length=1, description="domains (a set) whose people may join without an invite")
    role: Literal["member", "viewer", "interactive_viewer", "editor"] = Field(
        "viewer", description="organization role they join with")
    projects: list[DomainProject] = Field(default_factory=list, description="projects they get, with a role")


class _Singleton(ResourceType):
    natural_key: ClassVar[tuple[str, ...]] = ("organization",)
    create_only: ClassVar[frozenset[str]] = frozenset({"organization"})

    client: LightdashClient

    def _org_uuid(self, wanted: Any) -> str:
        mine = self.client.organization()["organizationUuid"]
        if isinstance(wanted, str) and wanted != mine:
            raise ProviderError(f"the API key belongs to organization {mine}, not {wanted}",
                                hint="use ${lightdash_organization.<name>.uuid}, or the API key of that organization")
        return mine

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        org = self.client.organization()["organizationUuid"]
        live = self.read(org)
        return [(org, live)] if live is not None else []


class OrganizationSettings(_Singleton):
    type_name: ClassVar[str] = "lightdash_organization_settings"
    spec_model: ClassVar[type[BaseModel]] = SettingsSpec
    description: ClassVar[str] = "The organization's name, chart colours and default project (singleton)"
    deletable: ClassVar[bool] = False

    def read(self, object_id: str) -> Live | None:
        org = self.client.organization()
        if org.get("organizationUuid") != object_id:
            return None
        return {"id": object_id, "organization": object_id, "name": org.get("name"),
                "chart_colors": org.get("chartColors"), "default_project": org.get("defaultProjectUuid")}

    def create(self, spec: Spec) -> tuple[str, Live]:
        org = self._org_uuid(spec.get("organization"))
        return org, self.update(org, {}, spec, frozenset(k for k in spec if k != "organization"))

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        fields = {"name": "name", "chart_colors": "chartColors", "default_project": "defaultProjectUuid"}
        body = {wire: spec.get(ours) for ours, wire in fields.items() if ours in changed and ours in spec}
        if body:
            self.client.update_organization(body)
        new = self.read(object_id)
        if new is None:
            raise NotFoundError(f"organization {object_id} is not the API key's organization")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        """Settings cannot be deleted (``deletable`` is False): nothing to do."""


class AllowedEmailDomains(_Singleton):
    type_name: ClassVar[str] = "lightdash_allowed_email_domains"
    spec_model: ClassVar[type[BaseModel]] = EmailDomainsSpec
    description: ClassVar[str] = "Email domains whose people may join, their role and projects (singleton)"
    delete_note: ClassVar[str | None] = "empties the allowed email domains (nobody joins by domain any more)"

    def read(self, object_id: str) -> Live | None:
        if self.client.organization().get("organizationUuid") != object_id:
            return None
        doc = self.client.email_domains()
        if not doc.get("emailDomains"):
            return None
        return self._live(object_id, doc)

    def create(self, spec: Spec) -> tuple[str, Live]:
        org = self._org_uuid(spec.get("organization"))
        return org, self._put(org, spec)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        return self._put(object_id, spec)

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        self.client.update_email_domains({"emailDomains": [], "role": "viewer", "projects": []})

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if isinstance(out.get("email_domains"), list):
            out["email_domains"] = sorted({str(d).lower() for d in out["email_domains"]})
        if isinstance(out.get("projects"), list):
            out["projects"] = sorted(out["projects"], key=lambda p: str(p.get("project")) if isinstance(p, dict) else "")
        return out

    def _put(self, org: str, spec: Spec) -> Live:
        """Full replace: fields the spec leaves out keep their current value (read-modify-write)."""
        current = self.client.email_domains() if not {"role", "projects"} <= spec.keys() else {}
        body = {"emailDomains": sorted({d.lower() for d in spec["email_domains"]}),
                "role": spec["role"] if "role" in spec else current.get("role") or "viewer",
                "projects": ([{"projectUuid": p["project"], "role": p["role"]} for p in spec["projects"]]
                             if "projects" in spec else list(current.get("projects") or []))}
        return self._live(org, self.client.update_email_domains(body))

    @staticmethod
    def _live(org: str, doc: Mapping[str, Any]) -> Live:
        return {"id": org, "organization": org, "email_domains": sorted(doc.get("emailDomains") or []),
                "role": doc.get("role"),
                "projects": sorted(({"project": p["projectUuid"], "role": p["role"]} for p in doc.get("projects") or []),
                                   key=lambda p: p["project"])}
