"""Every platform emulator the sandbox mounts, by its first path segment: one explicit dict.

Factories import lazily so that an emulator module may import the sandbox framework without an
import cycle. A factory takes the sandbox seed (for stable generated ids) and returns a fresh,
seeded emulator. Later platforms add one line here, and lay their emulator package out as
``emulator.EMULATOR_LAYOUT`` says.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.sandbox.emulator import Emulator

EmulatorFactory = Callable[[int], Emulator]


def _astro(seed: int) -> Emulator:
    from reconciler.providers.astro.sandbox import AstroEmulator

    return AstroEmulator(seed=seed)


def _dataiku(seed: int) -> Emulator:
    from reconciler.providers.dataiku.sandbox import DataikuEmulator

    return DataikuEmulator(seed=seed)


def _datarobot(seed: int) -> Emulator:
    from reconciler.providers.datarobot.sandbox import DataRobotEmulator

    return DataRobotEmulator(seed=seed)


def _lightdash(seed: int) -> Emulator:
    from reconciler.providers.lightdash.sandbox import LightdashEmulator

    return LightdashEmulator(seed=seed)


def _semantic(seed: int) -> Emulator:
    from reconciler.providers.semantic.sandbox import SemanticEmulator

    return SemanticEmulator(seed=seed)


EMULATORS: dict[str, EmulatorFactory] = {
    "astro": _astro,
    "dataiku": _dataiku,
    "datarobot": _datarobot,
    "lightdash": _lightdash,
    "semantic": _semantic,
}


def build_emulators(seed: int = 0) -> dict[str, Emulator]:
    """A fresh emulator for every registered platform."""
    built = {name: factory(seed) for name, factory in EMULATORS.items()}
    for name, emulator in built.items():
        if emulator.name != name:
            raise ValueError(f"emulator registered as {name!r} calls itself {emulator.name!r}")
    return built
