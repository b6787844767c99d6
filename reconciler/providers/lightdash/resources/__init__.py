"""The Lightdash resource types and data sources, one module per family."""

from reconciler.providers.lightdash.resources.chart import Chart
from reconciler.providers.lightdash.resources.dashboard import Dashboard
from reconciler.providers.lightdash.resources.data_sources import Organization, Project, User
from reconciler.providers.lightdash.resources.group import Group
from reconciler.providers.lightdash.resources.member import OrganizationMember
from reconciler.providers.lightdash.resources.organization import AllowedEmailDomains, OrganizationSettings
from reconciler.providers.lightdash.resources.project_access import ProjectAccess
from reconciler.providers.lightdash.resources.project_settings import ProjectSettings
from reconciler.providers.lightdash.resources.scheduler import Scheduler
from reconciler.providers.lightdash.resources.space import Space
from reconciler.providers.lightdash.resources.user_attribute import UserAttribute

__all__ = [
    "AllowedEmailDomains",
    "Chart",
    "Dashboard",
    "Group",
    "Organization",
    "OrganizationMember",
    "OrganizationSettings",
    "Project",
    "ProjectAccess",
    "ProjectSettings",
    "Scheduler",
    "Space",
    "User",
    "UserAttribute",
]
