"""What one benchmark run measures, in order, and the data it returns (no printing).

Phase "latency" (sandbox at ``latency_ms``, estate of ``n``): ``apply`` of the whole estate from
empty, then a no-change ``plan`` (it must answer "no changes": exit 0 with
``--detailed-exitcode``), then the baselines over the objects the state records.
Phase "cpu" (a second sandbox at 0 ms, estate of ``n_cpu``): ``apply`` as setup (measured and
shown, not a target), then ``plan-cpu``, a no-change plan whose CPU is the figure.
A ``startup`` row (``reconciler --version``) shows the interpreter + import cost inside every
wall and CPU figure.

``only`` picks a phase: ``apply`` (apply only), ``plan`` (the latency phase: apply is its setup),
``plan-cpu`` (the cpu phase). ``profile`` (a directory) adds a second, profiled ``plan-cpu``
run whose hotspots are reported (its figures are not: the profiler slows it down).

The measured scenarios (``startup``, ``apply``, ``plan``, ``plan-cpu``) run ``repeat`` times and
report their median run (by wall time), with every run's wall and CPU kept (``runs``): one run on
a shared machine varies by several per cent, and a slow minute by a quarter. Each ``apply`` starts
from empty again: the sandbox's world reset to its seed, the state files removed. ``apply
(setup)`` (not a target) runs once.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.baselines import TERRAFORM_PARALLELISM, BaselineResult, run_reads
from benchmarks.estate import (
    EstateGenerator,
    ProviderEstate,
    Read,
    Selection,
    StateObject,
    build,
    combined_floor_seconds,
    write_specs,
)
from benchmarks.hotspots import summarize
from benchmarks.measure import Measurement, run_cli
from benchmarks.sandbox_process import SandboxProcess, diff_stats

ONLY = ("apply", "plan", "plan-cpu")
QUICK = {"n": 20, "latency_ms": 2.0, "n_cpu": 40, "repeat": 3}
#: runs of each read-only scenario (the median is reported); odd, so the median is one run
REPEAT = 5


@dataclass(frozen=True)
class Options:
    """The knobs of one run (``run.py`` maps the command line onto them)."""

    n: int = 2000
    latency_ms: float = 20.0
    n_cpu: int = 10000
    only: str | None = None
    timeout: float = 1800.0
    workdir: Path | None = None
    quick: bool = False
    profile: Path | None = None
    parallelism: int | None = None
    repeat: int = REPEAT

    def __post_init__(self) -> None:
        if self.only is not None and self.only not in ONLY:
            raise ValueError(f"--only must be one of {', '.join(ONLY)}, got {self.only!r}")
        if self.n < 1 or self.n_cpu < 1:
            raise ValueError("N must be at least 1")
        if self.latency_ms < 0:
            raise ValueError("latency must be >= 0 ms")
        if self.parallelism is not None and self.parallelism < 1:
            raise ValueError("--parallelism must be at least 1")
        if self.repeat < 1:
            raise ValueError("--repeat must be at least 1")

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "latency_ms": self.latency_ms, "n_cpu": self.n_cpu, "only": self.only,
                "timeout_s": self.timeout, "quick": self.quick,
                "profile": str(self.profile) if self.profile else None, "parallelism": self.parallelism,
                "repeat": self.repeat}

    def command(self, *words: str) -> list[str]:
        """A CLI command with ``--parallelism`` when the run sets it."""
        return [*words, *(["--parallelism", str(self.parallelism)] if self.parallelism else [])]


@dataclass(frozen=True)
class ScenarioResult:
    """One measured CLI run with what the sandbox saw and how it compares with the floor."""

    name: str
    n: int
    latency_ms: float
    measurement: Measurement
    requests: dict[str, dict[str, int]]
    final_state_bytes: int | None
    floor_s: float | None
    problem: str | None = None
    server_cpu_s: float | None = None
    #: (wall s, CPU s) of every run of a repeated scenario, in the order they ran
    runs: tuple[tuple[float, float], ...] = ()

    @property
    def total_requests(self) -> int:
        return sum(c.get("requests", 0) for c in self.requests.values())


@dataclass(frozen=True)
class BaselineRun:
    """A baseline with the requests the sandbox counted for it."""

    result: BaselineResult
    n: int
    latency_ms: float
    requests: dict[str, dict[str, int]]
    server_cpu_s: float | None = None


@dataclass
class RunResult:
    """Everything one run measured."""

    options: Options
    selection: Selection
    estates: dict[int, list[ProviderEstate]] = field(default_factory=dict)
    scenarios: list[ScenarioResult] = field(default_factory=list)
    baselines: list[BaselineRun] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)
    hotspots: dict[str, Any] | None = None

    def scenario(self, name: str) -> ScenarioResult | None:
        return next((s for s in self.scenarios if s.name == name), None)

    def baseline(self, name: str) -> BaselineRun | None:
        return next((b for b in self.baselines if b.result.name == name), None)

    @property
    def problems(self) -> list[str]:
        out = [f"{s.name}: {s.problem}" for s in self.scenarios if s.problem]
        out += [f"{b.result.name}: {b.result.failures} of {b.result.requests} reads failed"
                for b in self.baselines if b.result.failures]
        return out


Log = Callable[[str], None]


def run(opts: Options, selection: Selection, *, log: Log = lambda _: None) -> RunResult:
    """Run the phases ``opts`` asks for with the generators ``selection`` uses."""
    if not selection.used:
        raise ValueError("no provider has both a registration and an estate generator: nothing to measure")
    result = RunResult(opts, selection, machine=machine())
    own_tmp = None
    workdir = opts.workdir.resolve() if opts.workdir is not None else None  # children run elsewhere
    if workdir is None:
        own_tmp = tempfile.TemporaryDirectory(prefix="reconciler-bench-")
        workdir = Path(own_tmp.name)
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        log("byte-compiling the reconciler package (as pip install does): runs measure the tool as installed")
        byte_compile()
        log("startup: reconciler --version")
        result.scenarios.append(_startup(opts, workdir))
        if opts.only in (None, "apply", "plan"):
            _latency_phase(opts, selection.used, workdir, result, log)
        if opts.only in (None, "plan-cpu"):
            _cpu_phase(opts, selection.used, workdir, result, log)
    finally:
        if own_tmp is not None:
            own_tmp.cleanup()
    result.machine["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    return result


def byte_compile() -> None:
    """Write the ``reconciler`` package's bytecode (``__pycache__``), as installing it does: the
    measured children run with ``PYTHONDONTWRITEBYTECODE=1`` (so that only state writes are
    counted), and without bytecode each would compile every module it imports (~40 ms)."""
    import compileall

    import reconciler

    compileall.compile_dir(str(Path(reconciler.__file__).parent), quiet=1)


def machine() -> dict[str, Any]:
    """The machine, and how busy it was when the run started (other processes skew every figure)."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "executable": sys.executable, "load_average_at_start": [round(v, 2) for v in os.getloadavg()]}


def _child_env(sandbox: SandboxProcess | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    env.update(sandbox.env if sandbox else {})
    env["NO_COLOR"] = "1"
    return env


def _startup(opts: Options, workdir: Path) -> ScenarioResult:
    runs = [run_cli(["--version"], _child_env(None), timeout=min(opts.timeout, 120.0), cwd=workdir)
            for _ in range(opts.repeat)]
    m = median_run(runs)
    failed = next((r for r in runs if r.exit_code != 0), None)
    problem = None if failed is None else f"exit code {failed.exit_code}: {_tail(failed.stderr)}"
    return ScenarioResult("startup", 0, 0.0, m, {}, None, None, problem,
                          runs=_walls(runs) if opts.repeat > 1 else ())


def _estate(n: int, used: Sequence[EstateGenerator], workdir: Path, result: RunResult) -> tuple[Path, Path]:
    estates = build(n, used)
    result.estates[n] = estates
    specs, state = workdir / f"specs-{n}", workdir / f"state-{n}.json"
    write_specs(specs, estates)
    return specs, state


def _latency_phase(opts: Options, used: Sequence[EstateGenerator], workdir: Path, result: RunResult,
                   log: Log) -> None:
    specs, state = _estate(opts.n, used, workdir, result)
    latency_s = opts.latency_ms / 1000.0
    estates = result.estates[opts.n]
    with SandboxProcess(latency_ms=opts.latency_ms) as sandbox:
        log(f"apply: {opts.n:,} creates at {opts.latency_ms:g} ms" + (f", {opts.repeat} times" if opts.repeat > 1 else ""))

        def from_empty(attempt: int) -> None:
            if attempt:
                sandbox.reset()
                remove_state(state)

        apply = _cli(sandbox, "apply", opts.n, specs, state, opts.command("apply", "--auto-approve"), opts,
                     floor_s=combined_floor_seconds(estates, latency_s, "create"), repeat=opts.repeat,
                     prepare=from_empty)
        result.scenarios.append(apply)
        if opts.only == "apply" or apply.problem:
            return
        log(f"plan: no-change plan of {opts.n:,} at {opts.latency_ms:g} ms")
        result.scenarios.append(_cli(sandbox, "plan", opts.n, specs, state,
                                     opts.command("plan", "--detailed-exitcode"), opts,
                                     floor_s=combined_floor_seconds(estates, latency_s, "refresh"),
                                     repeat=opts.repeat))
        reads = baseline_reads(used, state_objects(state), sandbox.env)
        for name, threads in (("sequential", 1), (f"parallel-{TERRAFORM_PARALLELISM}", TERRAFORM_PARALLELISM)):
            log(f"baseline {name}: {len(reads):,} GETs")
            before, cpu_before = sandbox.stats(), sandbox.cpu_seconds()
            baseline = run_reads(name, reads, threads)
            result.baselines.append(BaselineRun(baseline, opts.n, opts.latency_ms,
                                                diff_stats(before, sandbox.stats()),
                                                _delta(cpu_before, sandbox.cpu_seconds())))


def _cpu_phase(opts: Options, used: Sequence[EstateGenerator], workdir: Path, result: RunResult, log: Log) -> None:
    specs, state = _estate(opts.n_cpu, used, workdir, result)
    with SandboxProcess(latency_ms=0) as sandbox:
        log(f"apply (setup): {opts.n_cpu:,} creates at 0 ms")
        setup = _cli(sandbox, "apply (setup)", opts.n_cpu, specs, state, opts.command("apply", "--auto-approve"),
                     opts, floor_s=None, latency_ms=0.0)
        result.scenarios.append(setup)
        if setup.problem:
            return
        log(f"plan-cpu: no-change plan of {opts.n_cpu:,} at 0 ms")
        planned = _cli(sandbox, "plan-cpu", opts.n_cpu, specs, state, opts.command("plan", "--detailed-exitcode"),
                       opts, floor_s=None, latency_ms=0.0, repeat=opts.repeat)
        result.scenarios.append(planned)
        if opts.profile is not None and not planned.problem:
            dump = opts.profile.resolve() / "plan-cpu.prof"
            dump.parent.mkdir(parents=True, exist_ok=True)
            log(f"plan-cpu again under cProfile -> {dump}")
            profiled = run_cli(["--specs", str(specs), "--state", str(state), *opts.command("plan")],
                               _child_env(sandbox), timeout=opts.timeout * 3, cwd=state.parent, profile=dump)
            if profiled.exit_code == 0 and dump.exists():
                result.hotspots = summarize(dump)
            else:
                log(f"the profiled plan failed (exit {profiled.exit_code}): no hotspots")


def _cli(sandbox: SandboxProcess, name: str, n: int, specs: Path, state: Path, command: list[str], opts: Options,
         *, floor_s: float | None, latency_ms: float | None = None, repeat: int = 1,
         prepare: Callable[[int], None] | None = None) -> ScenarioResult:
    """Measure one CLI command against ``sandbox`` ``repeat`` times (``prepare(i)`` before run
    ``i``); the median run is the result, with its own request counts and server CPU. A wrong
    exit code in any run is the scenario's problem."""
    measured = []
    for attempt in range(repeat):
        if prepare is not None:
            prepare(attempt)
        before, cpu_before = sandbox.stats(), sandbox.cpu_seconds()
        m = run_cli(["--specs", str(specs), "--state", str(state), *command], _child_env(sandbox),
                    timeout=opts.timeout, cwd=state.parent)
        measured.append((m, diff_stats(before, sandbox.stats()), _delta(cpu_before, sandbox.cpu_seconds())))
    m = median_run([run for run, _, _ in measured])
    _, requests, server_cpu = next(entry for entry in measured if entry[0] is m)
    problem = None
    for run, _, _ in measured:
        if run.exit_code == 2 and command[0] == "plan":
            problem = "the plan is not empty after apply (exit 2): the estate does not converge"
        elif run.exit_code != 0:
            problem = f"exit code {run.exit_code}: {_tail(run.stderr or run.stdout)}"
        if problem:
            break
    return ScenarioResult(name, n, opts.latency_ms if latency_ms is None else latency_ms, m, requests,
                          state_size(state), floor_s, problem, server_cpu,
                          runs=_walls([run for run, _, _ in measured]) if repeat > 1 else ())


def median_run(runs: Sequence[Measurement]) -> Measurement:
    """The run with the median wall time (of an even number, the slower of the middle two)."""
    return sorted(runs, key=lambda m: m.wall_s)[len(runs) // 2]


def _walls(runs: Sequence[Measurement]) -> tuple[tuple[float, float], ...]:
    return tuple((m.wall_s, m.cpu_s) for m in runs)


def _delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def remove_state(state: Path) -> None:
    """The state file and every file beside it that belongs to it (journal, backup, lock)."""
    for path in state.parent.glob(state.name + "*"):
        path.unlink()


def state_size(state: Path) -> int | None:
    """Bytes of the state as it rests: the snapshot plus what its journal holds."""
    files = [state, state.with_name(state.name + ".journal")]
    sizes = [f.stat().st_size for f in files if f.exists()]
    return sum(sizes) if sizes else None


def state_objects(state: Path) -> list[StateObject]:
    """Every managed object the state records (address, type, id)."""
    from reconciler.state import open_store

    recorded = open_store(state).read()
    return [StateObject(str(address), address.type, rs.object_id)
            for address, rs in sorted(recorded.resources.items(), key=lambda item: str(item[0]))]


def baseline_reads(used: Sequence[EstateGenerator], objects: Sequence[StateObject], env: dict[str, str]) -> list[Read]:
    """Every used provider's per-object GETs for the objects it owns."""
    reads: list[Read] = []
    for generator in used:
        mine = [o for o in objects if o.type.split("_", 1)[0] == generator.provider]
        reads.extend(generator.baseline_reads(mine, env))
    return reads


def _tail(text: str, chars: int = 600) -> str:
    text = text.strip()
    return text if len(text) <= chars else "…" + text[-chars:]
