"""The Dataiku resource types, one module per family; each imported when first named."""

from reconciler.lazy import lazy_attributes

__all__ = [
    "CodeEnv",
    "Connection",
    "Dataset",
    "DeployerInfra",
    "DeployerProject",
    "Deployment",
    "ManagedDataset",
    "ManagedFolder",
    "Meaning",
    "Plugin",
    "Project",
    "ProjectFolder",
    "Recipe",
    "RootFolder",
    "Scenario",
    "WikiArticle",
]

__getattr__, __dir__ = lazy_attributes(__name__, {
    "CodeEnv": ".data_sources",
    "Connection": ".data_sources",
    "Dataset": ".dataset",
    "DeployerInfra": ".deployer",
    "DeployerProject": ".deployer",
    "Deployment": ".deployment",
    "ManagedDataset": ".managed_dataset",
    "ManagedFolder": ".managed_folder",
    "Meaning": ".meaning",
    "Plugin": ".plugin",
    "Project": ".project",
    "ProjectFolder": ".folder",
    "Recipe": ".recipe",
    "RootFolder": ".data_sources",
    "Scenario": ".scenario",
    "WikiArticle": ".wiki_article",
})
