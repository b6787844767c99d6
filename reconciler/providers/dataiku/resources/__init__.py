"""The Dataiku resource types, one module each."""

from reconciler.providers.dataiku.resources.dataset import Dataset
from reconciler.providers.dataiku.resources.folder import ProjectFolder
from reconciler.providers.dataiku.resources.project import Project

__all__ = ["Dataset", "Project", "ProjectFolder"]
