"""The Astro resource types, one module each; each imported when first named."""

from reconciler.lazy import lazy_attributes

__all__ = [
    "Deploy",
    "Deployment",
    "Workspace",
]

__getattr__, __dir__ = lazy_attributes(__name__, {
    "Deploy": ".deploy",
    "Deployment": ".deployment",
    "Workspace": ".workspace",
})
