"""The semantic-model resource types."""

from reconciler.providers.semantic.resources.model import SemanticModel

__all__ = [
    "SemanticModel",
]
