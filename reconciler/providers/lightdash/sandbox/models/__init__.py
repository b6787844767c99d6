"""The Lightdash world: every model family over one state (see ``models.core`` for its layout).

One method per API operation, grouped by family: ``org`` (organization, email domains, projects,
members, invites, user attributes), ``access`` (groups, project access), ``spaces``, ``charts``
(saved charts, content as code, v2 content), ``dashboards``, ``schedulers`` and ``projects`` (scheduler settings, metadata,
validation).
"""

from __future__ import annotations

from reconciler.providers.lightdash.sandbox.models.access import AccessModels
from reconciler.providers.lightdash.sandbox.models.org import OrgModels
from reconciler.providers.lightdash.sandbox.models.projects import ProjectModels
from reconciler.providers.lightdash.sandbox.models.schedulers import SchedulerModels


class LightdashWorld(OrgModels, AccessModels, ProjectModels, SchedulerModels):
    """An in-memory Lightdash instance: one organization, seeded as ``seed`` describes."""
