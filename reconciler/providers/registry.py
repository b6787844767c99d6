"""Every provider, by name: explicit and greppable (no entry points, no import magic).

Adding a provider = one import and one line in ``PROVIDERS``.
"""

from __future__ import annotations

from reconciler.providers.astro.provider import ASTRO
from reconciler.providers.base import ProviderSpec
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

