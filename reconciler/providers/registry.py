"""Every provider, by name: explicit and greppable (no entry points, no import magic).

Adding a provider = one import and one line in ``PROVIDERS``.
"""

from __future__ import annotations

from reconciler.providers.astro.provider import ASTRO
from reconciler.providers.base import ProviderSpec, ResourceType
from reconciler.providers.dataiku.provider import DATAIKU
from reconciler.providers.datarobot.provider import DATAROBOT
from reconciler.providers.lightdash.provider import LIGHTDASH
from reconciler.providers.semantic.provider import SEMANTIC

PROVIDERS: dict[str, ProviderSpec] = {
    "astro": ASTRO,
    "dataiku": DATAIKU,
    "datarobot": DATAROBOT,
    "lightdash": LIGHTDASH,
    "semantic": SEMANTIC,
}


def resource_type(type_name: str) -> type[ResourceType]:
    """The class of ``type_name`` (``dataiku_project``); ``KeyError`` naming the known types."""
    for spec in PROVIDERS.values():
        if type_name in spec.resource_types:
            return spec.resource_types[type_name]
    known = sorted(t for spec in PROVIDERS.values() for t in spec.resource_types)
    raise KeyError(f"unknown resource type {type_name!r}; known: {', '.join(known)}")
