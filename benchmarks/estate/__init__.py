"""The benchmark estate: N resources spread over every registered provider, with references.

One small generator per provider (``benchmarks/estate/<provider>.py``) turns a share of N into
resource blocks (``{address: attrs}``, references written as ``${type.name.attr}``), says how
many requests that provider's APIs need at least to refresh or create them (``Floor``), and
which per-object GETs a hand-written script would send (``baseline_reads``). This module holds
the shared data types, splits N between providers and writes the spec files.

Which providers take part is decided at run time (``select``): a provider is used when it is
registered in both ``reconciler.providers.registry.PROVIDERS`` and
``reconciler.sandbox.registry.EMULATORS`` and has a generator here; every other one is skipped
with its reason, and the run says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: every provider of DESIGN.md, in the order the report lists them
ALL_PROVIDERS = ("dataiku", "datarobot", "lightdash", "astro", "semantic")
#: resources per spec file (users split big estates over many files too)
FILE_SIZE = 500
#: what a floor is of: a no-change plan's refresh, or a from-empty apply's creates
FLOOR_KINDS = ("refresh", "create")


@dataclass(frozen=True)
class Floor:
    """The fewest requests one provider's APIs allow for an estate, and the concurrency they allow.

    ``refresh``: requests a no-change plan needs (list endpoints where the API has them);
    ``create_rounds``: requests of a from-empty apply per dependency round (round k needs ids
    that round k-1 returns); ``concurrency``: requests in flight at once, the provider's
    declared budget (its settings model's ``concurrency`` default).
    """

    refresh: int
    create_rounds: tuple[int, ...]
    concurrency: int = 1

    def refresh_seconds(self, latency_s: float) -> float:
        return math.ceil(self.refresh / self.concurrency) * latency_s

    def create_seconds(self, latency_s: float) -> float:
        return sum(math.ceil(r / self.concurrency) for r in self.create_rounds) * latency_s

    def requests(self, kind: str) -> int:
        """The fewest requests of a ``refresh`` or a ``create`` (every round)."""
        if kind not in FLOOR_KINDS:
            raise ValueError(f"unknown floor kind {kind!r}")
        return self.refresh if kind == "refresh" else sum(self.create_rounds)

    def seconds(self, kind: str, latency_s: float) -> float:
        """The round-trip floor of a ``refresh`` or a ``create``."""
        if kind not in FLOOR_KINDS:
            raise ValueError(f"unknown floor kind {kind!r}")
        return self.refresh_seconds(latency_s) if kind == "refresh" else self.create_seconds(latency_s)

    def to_json(self) -> dict[str, Any]:
        return {"refresh_requests": self.refresh, "create_rounds": list(self.create_rounds),
                "create_requests": sum(self.create_rounds), "concurrency": self.concurrency}


@dataclass(frozen=True)
class StateObject:
    """One managed object as the state records it (for the baselines' per-object GETs)."""

    address: str
    type: str
    object_id: str


@dataclass(frozen=True)
class Read:
    """One GET of a baseline script: absolute URL and the headers (auth) it carries."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderEstate:
    """One provider's share of the estate: the managed resource blocks (exactly its share of N),
    the read-only data sources they reference (``lookups``, not counted in N), the floor, and
    provider settings for the specs' ``providers:`` block (url and token still come from env)."""

    provider: str
    resources: dict[str, dict[str, Any]]
    floor: Floor
    lookups: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Resources per type (``{"dataiku_dataset": 1780, ...}``)."""
        out: dict[str, int] = {}
        for address in self.resources:
            kind = address.split(".", 1)[0]
            out[kind] = out.get(kind, 0) + 1
        return out


@dataclass(frozen=True)
class EstateGenerator:
    """What a provider's module offers.

    ``generate(n, concurrency)`` returns exactly ``n`` resources; ``baseline_reads(objects, env)``
    the one GET per object a user's script would send (``env``: the sandbox env vars, which hold
    the provider's base URL and token).
    """

    provider: str
    generate: Callable[[int, int], ProviderEstate]
    baseline_reads: Callable[[Sequence[StateObject], Mapping[str, str]], list[Read]]


@dataclass(frozen=True)
class Selection:
    """The generators used in this run, and the providers skipped with the reason."""

    used: tuple[EstateGenerator, ...]
    skipped: dict[str, str]


def select(
    generators: Mapping[str, EstateGenerator],
    providers: Sequence[str] | None = None,
    emulators: Sequence[str] | None = None,
    wanted: Sequence[str] | None = None,
) -> Selection:
    """Generators of the providers registered now (``providers``/``emulators`` default to the
    live registries), restricted to ``wanted`` when given; the others are skipped with the reason."""
    if providers is None:
        from reconciler.providers.registry import PROVIDERS

        providers = list(PROVIDERS)
    if emulators is None:
        from reconciler.sandbox.registry import EMULATORS

        emulators = list(EMULATORS)
    used: list[EstateGenerator] = []
    skipped: dict[str, str] = {}
    for name in dict.fromkeys([*ALL_PROVIDERS, *providers]):
        if wanted is not None and name not in wanted:
            skipped[name] = "left out by --providers"
        elif name not in providers:
            skipped[name] = "provider not registered in reconciler.providers.registry"
        elif name not in emulators:
            skipped[name] = "no emulator registered in reconciler.sandbox.registry"
        elif name not in generators:
            skipped[name] = "no estate generator in benchmarks/estate/"
        else:
            used.append(generators[name])
    return Selection(tuple(used), skipped)


def declared_concurrency(provider: str) -> int:
    """The provider's declared budget: the default of its settings model's ``concurrency``."""
    from reconciler.providers.registry import PROVIDERS

    info = PROVIDERS[provider].settings_model.model_fields.get("concurrency")
    if info is None or not isinstance(info.default, int):
        return 1  # no declared budget: assume one request at a time
    return info.default


def shares(n: int, count: int) -> list[int]:
    """``n`` split into ``count`` near-equal parts, larger parts first."""
    if count <= 0:
        return []
    base, extra = divmod(n, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def build(n: int, used: Sequence[EstateGenerator]) -> list[ProviderEstate]:
    """Every used provider's share of ``n`` resources."""
    if n < len(used):
        raise ValueError(f"N={n} is smaller than the number of providers ({len(used)})")
    return [g.generate(share, declared_concurrency(g.provider)) for g, share in zip(used, shares(n, len(used)))]


def write_specs(directory: Path, estates: Sequence[ProviderEstate]) -> list[Path]:
    """Write the estate as ``<provider>/part-NNN.yaml`` files under ``directory``."""
    written = []
    for estate in estates:
        items = [*estate.lookups.items(), *estate.resources.items()]
        folder = directory / estate.provider
        folder.mkdir(parents=True, exist_ok=True)
        for part, start in enumerate(range(0, len(items), FILE_SIZE)):
            path = folder / f"part-{part:03d}.yaml"
            doc: dict[str, Any] = {}
            if part == 0 and estate.settings:
                doc["providers"] = {estate.provider: dict(estate.settings)}
            doc["resources"] = dict(items[start:start + FILE_SIZE])
            path.write_text(yaml.safe_dump(doc, sort_keys=False, width=120), encoding="utf-8")
            written.append(path)
    return written


def combined_floor_seconds(estates: Sequence[ProviderEstate], latency_s: float, kind: str) -> float:
    """The floor of a whole run: providers have separate budgets and run side by side, so the
    slowest provider sets it. ``kind`` is ``refresh`` or ``create``."""
    if kind not in FLOOR_KINDS:
        raise ValueError(f"unknown floor kind {kind!r}")
    return max((e.floor.seconds(kind, latency_s) for e in estates), default=0.0)


def rate_floor_seconds(estates: Sequence[ProviderEstate], platform: str, rps: float, kind: str) -> float:
    """The floor on a platform allowing ``rps`` requests per second: its estate's fewest
    requests divided by the rate (DESIGN.md §9); 0 if no estate is on that platform."""
    return sum(e.floor.requests(kind) for e in estates if e.provider == platform) / rps
