"""The semantic-model resource types; each imported when first named."""

from reconciler.lazy import lazy_attributes

__all__ = [
    "SemanticModel",
]

__getattr__, __dir__ = lazy_attributes(__name__, {
    "SemanticModel": ".model",
})
