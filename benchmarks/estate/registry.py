"""Every estate generator, by provider name: explicit and greppable.

Adding a provider = one module ``benchmarks/estate/<provider>.py`` and one line here. A
provider listed here but not (yet) registered with the engine is skipped at run time.
"""

from __future__ import annotations

from benchmarks.estate import EstateGenerator
from benchmarks.estate.astro import ASTRO
from benchmarks.estate.dataiku import DATAIKU
from benchmarks.estate.datarobot import DATAROBOT
from benchmarks.estate.lightdash import LIGHTDASH
from benchmarks.estate.semantic import SEMANTIC

GENERATORS: dict[str, EstateGenerator] = {
    "dataiku": DATAIKU,
    "datarobot": DATAROBOT,
    "lightdash": LIGHTDASH,
    "astro": ASTRO,
    "semantic": SEMANTIC,
}
