"""Request bodies the Lightdash emulator validates, one pydantic model each.

tsoa routes (everything in ``swagger.json``) validate the body against the spec before the
controller runs: a missing required field, a wrong type or an unknown enum value is a 422
``ValidateError`` whose ``data`` names each field the way tsoa does (``body.role``,
``body.members.$0.userUuid``), and unknown extra keys are silently dropped (Lightdash's tsoa
config: ``noImplicitAdditionalProperties: silently-remove-extras``). Legacy express routes
(saved charts, dashboards by uuid, invite links) have no schema validation; the emulator checks
their bodies anyway and answers 400 ``ParameterError`` (inferred: the services' own checks).
"""

from __future__ import annotations

import copy
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from reconciler.providers.lightdash.sandbox.errors import ParameterError, ValidateError
from reconciler.providers.models import Model

OrganizationMemberRole = Literal["member", "viewer", "interactive_viewer", "editor", "developer", "admin"]
ProjectMemberRole = Literal["viewer", "interactive_viewer", "editor", "developer", "admin"]
SpaceMemberRole = Literal["viewer", "editor", "admin"]
AllowedEmailDomainsRole = Literal["member", "viewer", "interactive_viewer", "editor"]
AllowedEmailDomainProjectsRole = Literal["viewer", "interactive_viewer", "editor"]

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "string_type": "invalid string value",
    "bool_type": "invalid boolean value",
    "float_type": "invalid float number",
    "int_type": "invalid float number",
    "list_type": "invalid array",
    "dict_type": "invalid object",
    "model_type": "invalid object",
}


class _Body(Model):
    model_config = ConfigDict(extra="ignore", strict=True)


def _field(loc: tuple[Any, ...], prefix: str) -> str:
    parts = [prefix] + [f"${p}" if isinstance(p, int) else str(p) for p in loc]
    return ".".join(parts)


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return f"'{error['loc'][-1]}' is required"
    if kind == "literal_error":
        allowed = error.get("ctx", {}).get("expected", "")
        return f"should be one of the following; [{allowed.replace(' or ', ',').replace(', ', ',')}]"
    return _MESSAGES.get(kind, error["msg"])


def parse(model: type[M], body: Any, *, express: bool = False) -> M:
    """Validate a decoded JSON body; 422 ``ValidateError`` (tsoa) or 400 ``ParameterError`` (express)."""
    if not isinstance(body, dict):
        if express:
            raise ParameterError("Request body must be a JSON object")
        raise ValidateError("", {"body": {"message": "invalid object", "value": body}})
    try:
        return model.model_validate(body)
    except ValidationError as error:
        fields: dict[str, Any] = {}
        for item in error.errors():
            entry: dict[str, Any] = {"message": _message(item)}
            if item["type"] != "missing":
                entry["value"] = item.get("input")
            fields[_field(tuple(item["loc"]), "body")] = entry
        if express:
            first = next(iter(fields.items()))
            raise ParameterError(f"Invalid field {first[0].removeprefix('body.')}: {first[1]['message']}")
        raise ValidateError("", fields) from None


# -- organization ---------------------------------------------------------------------------
class UpdateOrganization(_Body):
    name: str | None = None
    chartColors: list[str] | None = None
    defaultProjectUuid: str | None = None


class AllowedEmailDomainProject(_Body):
    projectUuid: str
    role: AllowedEmailDomainProjectsRole


class UpdateAllowedEmailDomains(_Body):
    emailDomains: list[str]
    role: AllowedEmailDomainsRole
    projects: list[AllowedEmailDomainProject]


class UpdateOrganizationMember(_Body):
    role: OrganizationMemberRole


class CreateInviteLink(_Body):
    email: str
    role: OrganizationMemberRole | None = None
    expiresAt: str | None = None


# -- groups and access ----------------------------------------------------------------------
class GroupMemberRef(_Body):
    userUuid: str


class CreateGroup(_Body):
    name: str
    members: list[GroupMemberRef] | None = None


class UpdateGroupWithMembers(_Body):
    name: str | None = None
    members: list[GroupMemberRef] | None = None


class CreateProjectMember(_Body):
    email: str
    role: ProjectMemberRole
    sendEmail: bool


class UpdateProjectMember(_Body):
    role: ProjectMemberRole


class ProjectGroupAccessRole(_Body):
    role: ProjectMemberRole


class AttributeUserValue(_Body):
    userUuid: str
    value: str


class AttributeGroupValue(_Body):
    groupUuid: str
    value: str


class CreateUserAttribute(_Body):
    name: str
    description: str | None = None
    attributeDefault: str | None
    users: list[AttributeUserValue]
    groups: list[AttributeGroupValue]


class UpdateSchedulerSettings(_Body):
    schedulerTimezone: str


class UpdateMetadata(_Body):
    upstreamProjectUuid: str | None = None


class UpdateSchedulerEnabled(_Body):
    enabled: bool


# -- spaces ---------------------------------------------------------------------------------
class SpaceShareRef(_Body):
    userUuid: str
    role: SpaceMemberRole


class CreateSpace(_Body):
    name: str
    isPrivate: bool | None = None
    inheritParentPermissions: bool | None = None
    access: list[SpaceShareRef] | None = None
    parentSpaceUuid: str | None = None


class UpdateSpace(_Body):
    name: str
    isPrivate: bool | None = None
    inheritParentPermissions: bool | None = None


class ContentItem(_Body):
    """``ItemPayload`` of ``ApiContentActionBody``: a chart carries its ``source``."""

    uuid: str
    contentType: Literal["chart", "dashboard", "space"]
    source: Literal["dbt_explore", "sql"] | None = None


class ContentMoveAction(_Body):
    type: str
    targetSpaceUuid: str | None


class MoveContent(_Body):
    """``ApiContentActionBody<ContentActionMove>`` (``POST /api/v2/content/{projectUuid}/move``)."""

    item: ContentItem
    action: ContentMoveAction


class AddSpaceUserAccess(_Body):
    userUuid: str
    spaceRole: SpaceMemberRole


class AddSpaceGroupAccess(_Body):
    groupUuid: str
    spaceRole: SpaceMemberRole


# -- content --------------------------------------------------------------------------------
class TableConfig(_Body):
    columnOrder: list[str]


class ChartAsCodeUpsert(_Body):
    name: str
    slug: str
    updatedAt: str
    tableName: str
    tableConfig: TableConfig
    version: float | int
    spaceSlug: str
    description: str | None = None
    metricQuery: Any  # ``AnyType`` in the spec: tsoa lets any value through; the model checks it (400)
    chartConfig: Any
    pivotConfig: dict[str, Any] | None = None
    dashboardSlug: str | None = None
    downloadedAt: str | None = None
    skipSpaceCreate: bool | None = None
    publicSpaceCreate: bool | None = None


class DashboardTab(_Body):
    uuid: str
    name: str
    order: float | int


class DashboardAsCodeUpsert(_Body):
    name: str
    slug: str
    updatedAt: str
    tabs: list[DashboardTab]
    version: float | int
    spaceSlug: str
    description: str | None = None
    tiles: list[dict[str, Any]]
    filters: dict[str, Any]
    downloadedAt: str | None = None
    skipSpaceCreate: bool | None = None
    publicSpaceCreate: bool | None = None


class CreateSavedChart(_Body):
    name: str
    description: str | None = None
    tableName: str
    metricQuery: dict[str, Any]
    chartConfig: dict[str, Any]
    tableConfig: dict[str, Any]
    pivotConfig: dict[str, Any] | None = None
    spaceUuid: str | None = None
    dashboardUuid: str | None = None


class UpdateSavedChart(_Body):
    name: str | None = None
    description: str | None = None
    spaceUuid: str | None = None


class CreateSavedChartVersion(_Body):
    tableName: str
    metricQuery: dict[str, Any]
    chartConfig: dict[str, Any]
    tableConfig: dict[str, Any]
    pivotConfig: dict[str, Any] | None = None


class CreateDashboard(_Body):
    name: str
    description: str | None = None
    spaceUuid: str | None = None
    tiles: list[dict[str, Any]]
    tabs: list[DashboardTab]
    filters: dict[str, Any] | None = None


class UpdateDashboard(_Body):
    name: str | None = None
    description: str | None = None
    spaceUuid: str | None = None
    tiles: list[dict[str, Any]] | None = None
    filters: dict[str, Any] | None = None
    tabs: list[DashboardTab] | None = None


# -- response documents ---------------------------------------------------------------------
METRIC_QUERY_DEFAULTS: dict[str, Any] = {
    "dimensions": [], "metrics": [], "filters": {}, "sorts": [], "limit": 500, "tableCalculations": [],
    "additionalMetrics": [], "customDimensions": [], "metricOverrides": {},
}


def with_server_defaults(metric_query: dict[str, Any], table_name: str) -> dict[str, Any]:
    """A saved chart's ``metricQuery`` as Lightdash stores it: every list and map left out comes back
    empty, ``limit`` defaults to 500."""
    out = {"exploreName": table_name, **copy.deepcopy(METRIC_QUERY_DEFAULTS)}
    out.update({k: copy.deepcopy(v) for k, v in metric_query.items() if v is not None})
    return out
