"""What one benchmark run does, in order (``run``); each phase is selectable (``Options.only``).

A ``startup`` row (``reconciler --version``) first: the interpreter + import cost inside every
wall and CPU figure. Then, against a sandbox process at the primary latency (default 100 ms)
holding the mixed estate (N resources over every used provider):

``apply``           the mixed estate applied from empty, ``repeat`` times (each from empty: the
                    sandbox's world reset to its seed, the state files removed);
``plan``            a no-change plan of it (it must answer "no changes": exit 0 with
                    ``--detailed-exitcode``), ``repeat`` times, then the parallel-10 baseline;
``plan-secondary``  the sandbox's latency set to the secondary one (default 20 ms): the same
                    plan (``plan-secondary``), then the sequential and parallel-10 baselines
                    (sequential only here: at 100 ms it would take N x 100 ms);
``per-provider``    N resources of one provider alone applied from empty, once per used
                    provider (``apply <provider>``; left out when only one provider is used and
                    ``apply`` ran: that row is the same run).

A plan phase without ``apply`` first creates the estate once (``apply (setup)``, not a target).
Then, each against its own sandbox process:

``rate-limited``    a sandbox allowing ``rate_limit`` (default 10 requests/s per token on
                    Dataiku) at the primary latency: ``n_rate`` resources of that platform
                    applied from empty, then a no-change plan, once each;
``plan-cpu``        a sandbox at 0 ms: ``n_cpu`` resources applied once (``plan-cpu (setup)``,
                    shown, not a target), then a no-change plan ``repeat`` times whose CPU and
                    peak RSS are the figures; with ``profile``, once more under cProfile for
                    its hotspots (whose figures are not reported: the profiler slows it down).
``plan-cpu-for-each`` ``n_cpu`` Lightdash groups and Dataiku projects, written out one block
                    each, then the same objects as 20 ``for_each`` blocks (each on its own
                    sandbox at 0 ms, applied once, then planned ``repeat`` times): the CPU per
                    resource of the two plans (``estate/expansion.py``).
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.baselines import TERRAFORM_PARALLELISM, run_reads
from benchmarks.estate import (
    EstateGenerator,
    ProviderEstate,
    Read,
    Selection,
    StateObject,
    build,
    combined_floor_seconds,
    rate_floor_seconds,
    write_specs,
)
from benchmarks.hotspots import summarize
from benchmarks.measure import Measurement, run_cli
from benchmarks.sandbox_process import SandboxProcess, Traffic
from benchmarks.estate import expansion
from benchmarks.scenarios import (CPU, FOR_EACH, MIXED, RATE_LIMITED, WRITTEN_OUT, BaselineRun, Options, RunResult,
                                  ScenarioResult)

Log = Callable[[str], None]
PARALLEL = f"parallel-{TERRAFORM_PARALLELISM}"


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
        if any(opts.runs(p) for p in ("apply", "plan", "plan-secondary", "per-provider")):
            _latency_phases(opts, selection.used, workdir, result, log)
        if opts.runs("rate-limited"):
            _rate_limited_phase(opts, selection.used, workdir, result, log)
        if opts.runs("plan-cpu"):
            _cpu_phase(opts, selection.used, workdir, result, log)
        if opts.runs("plan-cpu-for-each"):
            _expansion_phase(opts, selection.used, workdir, result, log)
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
    return ScenarioResult("startup", 0, 0.0, m, Traffic(), None, None, problem,
                          runs=_walls(runs) if opts.repeat > 1 else ())


class _Estate:
    """One estate on disk: its name in ``RunResult.estates``, specs folder and state file."""

    def __init__(self, name: str, n: int, used: Sequence[EstateGenerator], workdir: Path, result: RunResult) -> None:
        self.name, self.n = name, n
        self.providers: list[ProviderEstate] = build(n, used)
        result.estates[name] = self.providers
        slug = name.replace(" ", "-")
        self.specs, self.state = workdir / f"specs-{slug}", workdir / f"state-{slug}.json"
        write_specs(self.specs, self.providers)

    def floor_s(self, kind: str, latency_ms: float) -> float:
        return combined_floor_seconds(self.providers, latency_ms / 1000.0, kind)


def _latency_phases(opts: Options, used: Sequence[EstateGenerator], workdir: Path, result: RunResult,
                    log: Log) -> None:
    mixed = _Estate(MIXED, opts.n, used, workdir, result)
    latency = opts.latency_ms
    with SandboxProcess(latency_ms=latency) as sandbox:

        def from_empty(state: Path) -> Callable[[int], None]:
            def prepare(attempt: int) -> None:
                sandbox.reset()
                remove_state(state)
            return prepare

        applied = None
        if opts.runs("apply"):
            log(f"apply: {opts.n:,} creates over {len(used)} providers at {latency:g} ms, {opts.repeat} time(s)")
            applied = _cli(sandbox, "apply", mixed, opts.command("apply", "--auto-approve"), opts, kind="create",
                           latency_ms=latency, repeat=opts.repeat, prepare=from_empty(mixed.state))
        elif opts.runs("plan") or opts.runs("plan-secondary"):
            log(f"apply (setup): {opts.n:,} creates at {latency:g} ms")
            applied = _cli(sandbox, "apply (setup)", mixed, opts.command("apply", "--auto-approve"), opts,
                           kind="create", latency_ms=latency, prepare=from_empty(mixed.state))
        if applied is not None:
            result.scenarios.append(applied)
        if applied is not None and not applied.problem:
            objects = state_objects(mixed.state)
            if opts.runs("plan"):
                _plans(sandbox, "plan", mixed, latency, (PARALLEL,), objects, used, opts, result, log)
            if opts.runs("plan-secondary"):
                sandbox.set_latency(opts.secondary_latency_ms)
                _plans(sandbox, "plan-secondary", mixed, opts.secondary_latency_ms, ("sequential", PARALLEL),
                       objects, used, opts, result, log)
                sandbox.set_latency(latency)
        if opts.runs("per-provider"):
            if len(used) == 1 and opts.runs("apply"):
                result.notes.append(f"per-provider: only {used[0].provider} is used, so the apply row is its row")
                return
            for generator in used:
                alone = _Estate(generator.provider, opts.n, [generator], workdir, result)
                log(f"apply {generator.provider}: {opts.n:,} creates at {latency:g} ms")
                result.scenarios.append(_cli(sandbox, f"apply {generator.provider}", alone,
                                             opts.command("apply", "--auto-approve"), opts, kind="create",
                                             latency_ms=latency, prepare=from_empty(alone.state)))


def _plans(sandbox: SandboxProcess, name: str, estate: _Estate, latency_ms: float, baselines: Sequence[str],
           objects: Sequence[StateObject], used: Sequence[EstateGenerator], opts: Options, result: RunResult,
           log: Log) -> None:
    """A no-change plan of ``estate`` at ``latency_ms`` (``repeat`` times), then ``baselines``
    reading the same objects."""
    log(f"{name}: no-change plan of {estate.n:,} at {latency_ms:g} ms, {opts.repeat} time(s)")
    result.scenarios.append(_cli(sandbox, name, estate, opts.command("plan", "--detailed-exitcode"), opts,
                                 kind="refresh", latency_ms=latency_ms, repeat=opts.repeat))
    reads = baseline_reads(used, objects, sandbox.env)
    for baseline in baselines:
        threads = 1 if baseline == "sequential" else TERRAFORM_PARALLELISM
        log(f"baseline {baseline} at {latency_ms:g} ms: {len(reads):,} GETs")
        before = sandbox.traffic()
        measured = run_reads(baseline, reads, threads)
        result.baselines.append(BaselineRun(measured, estate.n, latency_ms, sandbox.traffic().since(before)))


def _rate_limited_phase(opts: Options, used: Sequence[EstateGenerator], workdir: Path, result: RunResult,
                        log: Log) -> None:
    platform_, rps = opts.rate_limit
    generator = next((g for g in used if g.provider == platform_), None)
    if generator is None:
        result.notes.append(f"rate-limited: {platform_} is not among the providers used, so the phase did not run")
        return
    estate = _Estate(RATE_LIMITED, opts.n_rate, [generator], workdir, result)
    latency = opts.latency_ms
    with SandboxProcess(latency_ms=latency, rate_limits={platform_: rps}) as sandbox:
        for name, command, kind in (("rate-limited apply", opts.command("apply", "--auto-approve"), "create"),
                                    ("rate-limited plan", opts.command("plan", "--detailed-exitcode"), "refresh")):
            floor_s = max(estate.floor_s(kind, latency), rate_floor_seconds(estate.providers, platform_, rps, kind))
            log(f"{name}: {opts.n_rate:,} {platform_} resources at {latency:g} ms, {rps:g} requests/s per token "
                f"(rate floor {floor_s:.1f} s)")
            measured = _cli(sandbox, name, estate, command, opts, kind=kind, latency_ms=latency, floor_s=floor_s,
                            rate_floor=True)
            result.scenarios.append(measured)
            if measured.problem and kind == "create":
                break


def _cpu_phase(opts: Options, used: Sequence[EstateGenerator], workdir: Path, result: RunResult, log: Log) -> None:
    estate = _Estate(CPU, opts.n_cpu, used, workdir, result)
    with SandboxProcess(latency_ms=0) as sandbox:
        log(f"plan-cpu (setup): {opts.n_cpu:,} creates at 0 ms")
        setup = _cli(sandbox, "plan-cpu (setup)", estate, opts.command("apply", "--auto-approve"), opts,
                     kind=None, latency_ms=0.0)
        result.scenarios.append(setup)
        if setup.problem:
            return
        log(f"plan-cpu: no-change plan of {opts.n_cpu:,} at 0 ms, {opts.repeat} time(s)")
        planned = _cli(sandbox, "plan-cpu", estate, opts.command("plan", "--detailed-exitcode"), opts,
                       kind=None, latency_ms=0.0, repeat=opts.repeat)
        result.scenarios.append(planned)
        if opts.profile is not None and not planned.problem:
            dump = opts.profile.resolve() / "plan-cpu.prof"
            dump.parent.mkdir(parents=True, exist_ok=True)
            log(f"plan-cpu again under cProfile -> {dump}")
            profiled = run_cli(["--specs", str(estate.specs), "--state", str(estate.state), *opts.command("plan")],
                               _child_env(sandbox), timeout=opts.timeout * 3, cwd=estate.state.parent, profile=dump)
            if profiled.exit_code == 0 and dump.exists():
                result.hotspots = summarize(dump)
            else:
                log(f"the profiled plan failed (exit {profiled.exit_code}): no hotspots")


class _Written:
    """An estate written by ``estate/expansion.py`` (no floor: only its CPU is compared)."""

    def __init__(self, name: str, n: int, resources: dict[str, dict], workdir: Path) -> None:
        self.name, self.n = name, n
        slug = name.replace(" ", "-")
        self.specs, self.state = workdir / f"specs-{slug}", workdir / f"state-{slug}.json"
        expansion.write(self.specs, resources)


def _expansion_phase(opts: Options, used: Sequence[EstateGenerator], workdir: Path, result: RunResult,
                     log: Log) -> None:
    missing = sorted(set(expansion.providers()) - {g.provider for g in used})
    if missing:
        log(f"plan-cpu-for-each: skipped ({', '.join(missing)} not in this run)")
        return
    for name, resources in ((WRITTEN_OUT, expansion.written_out(opts.n_cpu)), (FOR_EACH, expansion.compact(opts.n_cpu))):
        estate = _Written(name, opts.n_cpu, resources, workdir)
        with SandboxProcess(latency_ms=0) as sandbox:
            log(f"{name} (setup): {opts.n_cpu:,} creates at 0 ms from {len(resources):,} blocks")
            setup = _cli(sandbox, f"{name} (setup)", estate, opts.command("apply", "--auto-approve"), opts,  # type: ignore[arg-type]
                         kind=None, latency_ms=0.0)
            result.scenarios.append(setup)
            if setup.problem:
                return
            log(f"{name}: no-change plan of {opts.n_cpu:,} at 0 ms, {opts.repeat} time(s)")
            result.scenarios.append(_cli(sandbox, name, estate, opts.command("plan", "--detailed-exitcode"),  # type: ignore[arg-type]
                                         opts, kind=None, latency_ms=0.0, repeat=opts.repeat))


def _cli(sandbox: SandboxProcess, name: str, estate: _Estate, command: list[str], opts: Options, *,
         kind: str | None, latency_ms: float, floor_s: float | None = None, rate_floor: bool = False,
         repeat: int = 1, prepare: Callable[[int], None] | None = None) -> ScenarioResult:
    """Measure one CLI command on ``estate`` against ``sandbox`` ``repeat`` times (``prepare(i)``
    before run ``i``); the median run is the result, with its own traffic. ``kind`` (``refresh``
    or ``create``) picks the estate's floor (``floor_s`` overrides its seconds). A wrong exit
    code in any run is the scenario's problem; an apply also reports how many resources the
    state records after it."""
    measured: list[tuple[Measurement, Traffic]] = []
    for attempt in range(repeat):
        if prepare is not None:
            prepare(attempt)
        before = sandbox.traffic()
        m = run_cli(["--specs", str(estate.specs), "--state", str(estate.state), *command], _child_env(sandbox),
                    timeout=opts.timeout, cwd=estate.state.parent)
        measured.append((m, sandbox.traffic().since(before)))
    m = median_run([run for run, _ in measured])
    traffic = next(t for run, t in measured if run is m)
    problem = None
    for run, _ in measured:
        if run.exit_code == 2 and command[0] == "plan":
            problem = "the plan is not empty after apply (exit 2): the estate does not converge"
        elif run.exit_code != 0:
            problem = f"exit code {run.exit_code}: {_tail(run.stderr or run.stdout)}"
        if problem:
            break
    if floor_s is None and kind is not None:
        floor_s = estate.floor_s(kind, latency_ms)
    recorded = len(state_objects(estate.state)) if command[0] == "apply" and estate.state.exists() else None
    return ScenarioResult(name, estate.n, latency_ms, m, traffic, state_size(estate.state), floor_s, problem,
                          runs=_walls([run for run, _ in measured]) if repeat > 1 else (), estate=estate.name,
                          floor_kind=kind, rate_floor=rate_floor,
                          recorded=recorded if command[0] == "apply" else None)


def median_run(runs: Sequence[Measurement]) -> Measurement:
    """The run with the median wall time (of an even number, the slower of the middle two)."""
    return sorted(runs, key=lambda m: m.wall_s)[len(runs) // 2]


def _walls(runs: Sequence[Measurement]) -> tuple[tuple[float, float], ...]:
    return tuple((m.wall_s, m.cpu_s) for m in runs)


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
