"""The Astro resource types, one module each."""

from reconciler.providers.astro.resources.alert import Alert
from reconciler.providers.astro.resources.deploy import Deploy
from reconciler.providers.astro.resources.deployment import Deployment
from reconciler.providers.astro.resources.environment_object import EnvironmentObject
from reconciler.providers.astro.resources.notification_channel import NotificationChannel
from reconciler.providers.astro.resources.team import Team
from reconciler.providers.astro.resources.workspace import Workspace

__all__ = [
    "Alert",
    "Deploy",
    "Deployment",
    "EnvironmentObject",
    "NotificationChannel",
    "Team",
    "Workspace",
]
