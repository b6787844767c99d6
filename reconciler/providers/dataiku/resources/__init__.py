"""The Dataiku resource types, one module per family."""

from reconciler.providers.dataiku.resources.code_env import CodeEnv
from reconciler.providers.dataiku.resources.connection import Connection
from reconciler.providers.dataiku.resources.data_sources import RootFolder
from reconciler.providers.dataiku.resources.dataset import Dataset
from reconciler.providers.dataiku.resources.deployer import DeployerInfra, DeployerProject
from reconciler.providers.dataiku.resources.deployment import Deployment
from reconciler.providers.dataiku.resources.exposed_object import ExposedObject
from reconciler.providers.dataiku.resources.flow_zone import FlowZone
from reconciler.providers.dataiku.resources.folder import ProjectFolder
from reconciler.providers.dataiku.resources.group import Group
from reconciler.providers.dataiku.resources.managed_dataset import ManagedDataset
from reconciler.providers.dataiku.resources.managed_folder import ManagedFolder
from reconciler.providers.dataiku.resources.meaning import Meaning
from reconciler.providers.dataiku.resources.plugin import Plugin
from reconciler.providers.dataiku.resources.project import Project
from reconciler.providers.dataiku.resources.recipe import Recipe
from reconciler.providers.dataiku.resources.saved_model import SavedModel
from reconciler.providers.dataiku.resources.scenario import Scenario
from reconciler.providers.dataiku.resources.user import User
from reconciler.providers.dataiku.resources.wiki_article import WikiArticle

__all__ = [
    "CodeEnv",
    "Connection",
    "Dataset",
    "DeployerInfra",
    "DeployerProject",
    "Deployment",
    "ExposedObject",
    "FlowZone",
    "Group",
    "ManagedDataset",
    "ManagedFolder",
    "Meaning",
    "Plugin",
    "Project",
    "ProjectFolder",
    "Recipe",
    "RootFolder",
    "SavedModel",
    "Scenario",
    "User",
    "WikiArticle",
]
