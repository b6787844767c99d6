"""The Astro resource types, one module each."""

from reconciler.providers.astro.resources.deploy import Deploy
from reconciler.providers.astro.resources.deployment import Deployment
from reconciler.providers.astro.resources.environment_object import EnvironmentObject
from reconciler.providers.astro.resources.workspace import Workspace

__all__ = [
    "Deploy",
    "Deployment",
    "EnvironmentObject",
    "Workspace",
]
