"""What a benchmark run is asked to do (``Options``) and what it measured (``RunResult``), as
plain data: no printing, no running (``phases`` runs, ``report`` prints).

A scenario is one CLI command measured against a sandbox process: its wall time, CPU and peak
RSS (``measure``), what the sandbox answered meanwhile (``Traffic``: requests by provider and
by route, 429s of the rate limit, server CPU) and the floor it is compared with. A repeated
scenario reports its median run (by wall time) and keeps every run's wall and CPU (``runs``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.baselines import BaselineResult
from benchmarks.estate import ProviderEstate, Selection
from benchmarks.measure import Measurement
from benchmarks.sandbox_process import Traffic

#: the phases of a run, in the order they run (``--only`` picks some)
PHASES = ("apply", "plan", "plan-secondary", "per-provider", "rate-limited", "plan-cpu", "plan-cpu-for-each")
#: runs of each repeated scenario (the median is reported); odd, so the median is one run
REPEAT = 5
#: the sizes of a full run and of ``--quick`` (the smoke test)
FULL = {"n": 2000, "latency_ms": 100.0, "secondary_latency_ms": 20.0, "n_cpu": 10000, "n_rate": 200,
        "repeat": REPEAT}
QUICK = {"n": 20, "latency_ms": 2.0, "secondary_latency_ms": 1.0, "n_cpu": 40, "n_rate": 10, "repeat": 3}
#: the rate-limited scenario's platform and its allowed requests per second per token
RATE_LIMIT = ("dataiku", 10.0)

#: keys of ``RunResult.estates`` other than a provider's name (its estate applied alone)
MIXED, CPU, RATE_LIMITED = "mixed", "cpu", "rate-limited"
#: the plan-cpu-for-each phase's scenarios: the estate written out, and as 20 for_each blocks
WRITTEN_OUT, FOR_EACH = "plan-cpu written out", "plan-cpu for_each"


@dataclass(frozen=True)
class Options:
    """The knobs of one run (``run.py`` maps the command line onto them).

    ``latency_ms`` is the primary latency (every row but ``plan-secondary`` and the plan-CPU
    phase's); ``only`` is the phases to run (None: all of ``PHASES``); ``rate_limit`` is
    (platform, requests per second per token) of the rate-limited phase, whose estate is
    ``n_rate`` resources of that platform.
    """

    n: int = FULL["n"]
    latency_ms: float = FULL["latency_ms"]
    secondary_latency_ms: float = FULL["secondary_latency_ms"]
    n_cpu: int = FULL["n_cpu"]
    n_rate: int = FULL["n_rate"]
    rate_limit: tuple[str, float] = RATE_LIMIT
    only: tuple[str, ...] | None = None
    timeout: float = 1800.0
    workdir: Path | None = None
    quick: bool = False
    profile: Path | None = None
    parallelism: int | None = None
    repeat: int = REPEAT

    def __post_init__(self) -> None:
        unknown = sorted(set(self.only or ()) - set(PHASES))
        if unknown or self.only == ():
            raise ValueError(f"--only takes phases among {', '.join(PHASES)}, got {', '.join(unknown) or 'none'}")
        if min(self.n, self.n_cpu, self.n_rate) < 1:
            raise ValueError("every N must be at least 1")
        if self.latency_ms < 0 or self.secondary_latency_ms < 0:
            raise ValueError("latency must be >= 0 ms")
        if self.rate_limit[1] <= 0:
            raise ValueError("the rate limit must be above 0 requests per second")
        if self.parallelism is not None and self.parallelism < 1:
            raise ValueError("--parallelism must be at least 1")
        if self.repeat < 1:
            raise ValueError("--repeat must be at least 1")

    def runs(self, phase: str) -> bool:
        """Whether this run includes ``phase``."""
        return self.only is None or phase in self.only

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "latency_ms": self.latency_ms, "secondary_latency_ms": self.secondary_latency_ms,
                "n_cpu": self.n_cpu, "n_rate": self.n_rate,
                "rate_limit": {"platform": self.rate_limit[0], "rps": self.rate_limit[1]},
                "only": list(self.only) if self.only else None, "timeout_s": self.timeout, "quick": self.quick,
                "profile": str(self.profile) if self.profile else None, "parallelism": self.parallelism,
                "repeat": self.repeat}

    def command(self, *words: str) -> list[str]:
        """A CLI command with ``--parallelism`` when the run sets it."""
        return [*words, *(["--parallelism", str(self.parallelism)] if self.parallelism else [])]


@dataclass(frozen=True)
class ScenarioResult:
    """One measured CLI command, what the sandbox saw, and the floor it is compared with.

    ``estate`` names the estate in ``RunResult.estates`` it ran on and ``floor_kind`` which of
    its floors applies (``refresh`` or ``create``); ``floor_s`` is that floor in seconds: the
    round-trip floor, or on a rate-limited platform the larger of it and the rate floor
    (``rate_floor``). ``recorded``: the resources the state records after the command.
    """

    name: str
    n: int
    latency_ms: float
    measurement: Measurement
    traffic: Traffic
    final_state_bytes: int | None
    floor_s: float | None
    problem: str | None = None
    #: (wall s, CPU s) of every run of a repeated scenario, in the order they ran
    runs: tuple[tuple[float, float], ...] = ()
    estate: str | None = None
    floor_kind: str | None = None
    rate_floor: bool = False
    recorded: int | None = None

    @property
    def requests(self) -> dict[str, dict[str, int]]:
        """Per provider: requests its emulator answered, and writes among them."""
        return self.traffic.requests

    @property
    def server_cpu_s(self) -> float | None:
        return self.traffic.cpu_s

    @property
    def total_requests(self) -> int:
        """Requests sent: answered by an emulator or refused by a rate limit."""
        return sum(self.traffic.sent(p) for p in {*self.traffic.requests, *self.traffic.refused})


@dataclass(frozen=True)
class BaselineRun:
    """A baseline at one latency, with what the sandbox counted for it."""

    result: BaselineResult
    n: int
    latency_ms: float
    traffic: Traffic

    @property
    def requests(self) -> dict[str, dict[str, int]]:
        return self.traffic.requests


@dataclass
class RunResult:
    """Everything one run measured. ``estates``: each estate a scenario ran on, by name
    (``MIXED``, ``CPU``, ``RATE_LIMITED``, or a provider's name for its estate alone)."""

    options: Options
    selection: Selection
    estates: dict[str, list[ProviderEstate]] = field(default_factory=dict)
    scenarios: list[ScenarioResult] = field(default_factory=list)
    baselines: list[BaselineRun] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)
    hotspots: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def scenario(self, name: str) -> ScenarioResult | None:
        return next((s for s in self.scenarios if s.name == name), None)

    def baseline(self, name: str, latency_ms: float) -> BaselineRun | None:
        return next((b for b in self.baselines if b.result.name == name and b.latency_ms == latency_ms), None)

    def floor_requests(self, scenario: ScenarioResult) -> dict[str, int]:
        """Per provider: the fewest requests ``scenario`` needs (its estate's floor), or ``{}``."""
        if scenario.estate is None or scenario.floor_kind is None:
            return {}
        return {e.provider: e.floor.requests(scenario.floor_kind) for e in self.estates.get(scenario.estate, ())}

    @property
    def problems(self) -> list[str]:
        out = [f"{s.name}: {s.problem}" for s in self.scenarios if s.problem]
        out += [f"{b.result.name} at {b.latency_ms:g} ms: {b.result.failures} of {b.result.requests} reads failed"
                for b in self.baselines if b.result.failures]
        return out
