"""Every platform emulator the sandbox mounts, by its first path segment: one explicit dict.

Factories import lazily so that an emulator module may import the sandbox framework without an
import cycle. A factory takes the sandbox seed (for stable generated ids) and returns a fresh,
seeded emulator. Later platforms add one line here, and lay their emulator package out as
``emulator.EMULATOR_LAYOUT`` says.

A second instance of a platform (a Dataiku design node and an automation node) is one more world
of that platform's emulator, mounted under the instance's name (``/dataiku.automation``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from reconciler.instances import env_var
from reconciler.instances import parse as parse_instance
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


def build_emulators(seed: int = 0, instances: Iterable[str] = ()) -> dict[str, Emulator]:
    """A fresh emulator for every registered platform, and one more world for each named provider
    instance in ``instances`` (``dataiku.automation``: a second Dataiku, mounted at that name).
    Raises ``ValueError`` for an instance name that is malformed or of no known platform."""
    built = {name: factory(seed) for name, factory in EMULATORS.items()}
    for name, emulator in built.items():
        if emulator.name != name:
            raise ValueError(f"emulator registered as {name!r} calls itself {emulator.name!r}")
    for name in instances:
        platform, alias = parse_instance(name)
        if alias is None or platform not in EMULATORS:
            raise ValueError(f"{name!r} is not a named instance of a sandbox platform; expected <platform>.<alias> "
                             f"with a platform among {', '.join(sorted(EMULATORS))}, e.g. dataiku.automation")
        built[name] = EMULATORS[platform](seed)
    return built


def instance_env(mount: str, platform_env: Mapping[str, str], root: str) -> dict[str, str]:
    """The env vars for the world mounted at ``mount`` (``dataiku.automation``), made from its
    platform's: ``DATAIKU_URL=<root>/dataiku`` -> ``DATAIKU_AUTOMATION_URL=<root>/dataiku.automation``,
    the names the named provider instance reads (``reconciler.instances.env_var``)."""
    platform = mount.split(".", 1)[0]
    out = {}
    for var, value in platform_env.items():
        if value.startswith(f"{root}/{platform}"):
            value = f"{root}/{mount}" + value[len(root) + 1 + len(platform):]
        out[env_var(var, mount)] = value
    return out
