"""The run as a table (for people) and as JSON (for tools), with the issue's targets checked.

Ratios: ``x floor`` = wall / round-trip floor (1.0 is the floor; the target is <= 2);
``vs seq`` and ``vs par-10`` = the baseline's wall / the scenario's wall (how many times faster
the scenario is; the targets are >= 20 and >= 3). Only the no-change ``plan`` at latency is
compared with the baselines: they read the same objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from benchmarks.baselines import TERRAFORM_PARALLELISM
from benchmarks.estate import combined_floor_seconds
from benchmarks.hotspots import render as hotspot_lines
from benchmarks.scenarios import RunResult, ScenarioResult

FORMAT_VERSION = 1
PARALLEL = f"parallel-{TERRAFORM_PARALLELISM}"


@dataclass(frozen=True)
class Target:
    """One target of issue 8: the measured value against its limit."""

    name: str
    measured: float | None
    limit: float
    at_most: bool  # True: measured <= limit passes; False: measured >= limit passes
    unit: str

    @property
    def passed(self) -> bool | None:
        if self.measured is None:
            return None
        return self.measured <= self.limit if self.at_most else self.measured >= self.limit

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "measured": None if self.measured is None else round(self.measured, 4),
                "limit": self.limit, "comparison": "<=" if self.at_most else ">=", "unit": self.unit,
                "passed": self.passed}


def ratios(result: RunResult, scenario: ScenarioResult) -> dict[str, float | None]:
    """``x_floor``, ``vs_sequential``, ``vs_parallel`` of one scenario (None where not meaningful)."""
    wall = scenario.measurement.wall_s
    out: dict[str, float | None] = {"x_floor": None, "vs_sequential": None, "vs_parallel": None}
    if scenario.floor_s:
        out["x_floor"] = wall / scenario.floor_s
    if scenario.name == "plan" and wall > 0:
        for key, name in (("vs_sequential", "sequential"), ("vs_parallel", PARALLEL)):
            baseline = result.baseline(name)
            if baseline is not None:
                out[key] = baseline.result.wall_s / wall
    return out


def targets(result: RunResult) -> list[Target]:
    """The issue's targets, measured where this run measured them (a failed scenario: not measured)."""
    plan, apply, cpu = (_ok(result.scenario(name)) for name in ("plan", "apply", "plan-cpu"))
    plan_ratios = ratios(result, plan) if plan else {}
    apply_ratios = ratios(result, apply) if apply else {}
    n, n_cpu = result.options.n, result.options.n_cpu
    state_ratio = None
    if apply and apply.measurement.state_bytes_written is not None and apply.final_state_bytes:
        state_ratio = apply.measurement.state_bytes_written / apply.final_state_bytes
    return [
        Target(f"no-change plan of {n:,}: wall / round-trip floor", plan_ratios.get("x_floor"), 2.0, True, "x"),
        Target(f"no-change plan of {n:,}: faster than sequential", plan_ratios.get("vs_sequential"), 20.0, False, "x"),
        Target(f"no-change plan of {n:,}: faster than {PARALLEL}", plan_ratios.get("vs_parallel"), 3.0, False, "x"),
        Target(f"apply of {n:,} creates: wall / floor for creates", apply_ratios.get("x_floor"), 2.0, True, "x"),
        Target(f"plan CPU at {n_cpu:,}, 0 ms: per resource",
               cpu.measurement.cpu_s * 1000.0 / cpu.n if cpu else None, 0.3, True, "ms"),
        Target(f"plan at {n_cpu:,}, 0 ms: peak RSS", cpu.measurement.peak_rss_mb if cpu else None, 300.0, True, "MB"),
        Target(f"apply of {n:,} creates: state bytes written / final state size", state_ratio, 3.0, True, "x"),
    ]


def run_floors(result: RunResult) -> dict[str, float]:
    """The round-trip floors of the estate of N at the run's latency (empty if not built)."""
    if result.options.n not in result.estates:
        return {}
    at_n, latency_s = result.estates[result.options.n], result.options.latency_ms / 1000.0
    return {"latency_ms": result.options.latency_ms,
            "plan_s": combined_floor_seconds(at_n, latency_s, "refresh"),
            "apply_s": combined_floor_seconds(at_n, latency_s, "create")}


def _ok(scenario: ScenarioResult | None) -> ScenarioResult | None:
    """A scenario that ran as expected; a failed one measures nothing a target may use."""
    return scenario if scenario is not None and scenario.problem is None else None


def to_json(result: RunResult, argv: list[str] | None = None) -> dict[str, Any]:
    """The whole run as one JSON document (``format_version`` 1)."""
    estates = {}
    for n, provider_estates in result.estates.items():
        estates[str(n)] = {
            e.provider: {"counts": e.counts(), "lookups": len(e.lookups), "floor": e.floor.to_json()}
            for e in provider_estates
        }
    floors = run_floors(result)
    return {
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": argv,
        "machine": result.machine,
        "options": result.options.to_json(),
        "providers": {"used": [g.provider for g in result.selection.used], "skipped": result.selection.skipped},
        "estates": estates,
        "floors": floors,
        "scenarios": [_scenario_json(result, s) for s in result.scenarios],
        "baselines": [{**b.result.to_json(), "n": b.n, "latency_ms": b.latency_ms, "requests_by_provider": b.requests,
                       "server_cpu_s": None if b.server_cpu_s is None else round(b.server_cpu_s, 3),
                       "x_floor": _div(b.result.wall_s, floors.get("plan_s"))} for b in result.baselines],
        "targets": [t.to_json() for t in targets(result)],
        "hotspots": result.hotspots,
        "problems": result.problems,
    }


def _scenario_json(result: RunResult, s: ScenarioResult) -> dict[str, Any]:
    return {
        "name": s.name, "n": s.n, "latency_ms": s.latency_ms, **s.measurement.to_json(),
        "server_cpu_s": None if s.server_cpu_s is None else round(s.server_cpu_s, 3),
        "requests_by_provider": s.requests, "requests": s.total_requests, "final_state_bytes": s.final_state_bytes,
        "runs": [{"wall_s": round(w, 4), "cpu_s": round(c, 4)} for w, c in s.runs],
        "floor_s": None if s.floor_s is None else round(s.floor_s, 4),
        **{k: None if v is None else round(v, 3) for k, v in ratios(result, s).items()},
        "problem": s.problem,
    }


def _div(a: float, b: float | None) -> float | None:
    return round(a / b, 3) if b else None


def render(result: RunResult) -> str:
    """The table, the floors, the targets, skipped providers and problems, as plain text."""
    head = ("scenario", "N", "lat ms", "wall s", "CPU s", "srv CPU", "requests by provider", "RSS MB",
            "state written / final", "floor s", "x floor", "vs seq", "vs par-10")
    rows: list[tuple[str, ...]] = []
    for s in result.scenarios:
        r = ratios(result, s)
        m = s.measurement
        rows.append((s.name, _int(s.n), f"{s.latency_ms:g}", f"{m.wall_s:.2f}", f"{m.cpu_s:.2f}",
                     _num(s.server_cpu_s), _requests(s.requests), f"{m.peak_rss_mb:.0f}", _state(s),
                     _num(s.floor_s), _x(r["x_floor"]), _x(r["vs_sequential"]), _x(r["vs_parallel"])))
    floors = run_floors(result)
    for b in result.baselines:
        plan_floor = floors.get("plan_s")
        rows.append((f"baseline {b.result.name}", _int(b.n), f"{b.latency_ms:g}", f"{b.result.wall_s:.2f}",
                     f"{b.result.cpu_s:.2f}", _num(b.server_cpu_s), _requests(b.requests), "-", "-",
                     _num(plan_floor), _x(_div(b.result.wall_s, plan_floor)), "", ""))
    load = result.machine.get("load_average_at_start")
    lines = [_table(head, rows), ""]
    repeated = [f"{s.name} {min(w for w, _ in s.runs):.2f} to {max(w for w, _ in s.runs):.2f}"
                for s in result.scenarios if s.runs]
    if repeated:
        lines += [f"Read-only scenarios: the median of {result.options.repeat} runs (wall s from the fastest to the "
                  f"slowest run: {', '.join(repeated)}).", ""]
    lines += [f"CPU s: the reconciler process (user + sys); srv CPU: the sandbox server process, on the same "
              f"{result.machine.get('cpus')} CPUs (load average at start: {load}).", ""]
    lines += _floor_lines(result)
    lines += ["", "Targets (issue 8):"]
    for t in targets(result):
        mark = {True: "PASS", False: "MISS", None: "n/a "}[t.passed]
        value = "not measured" if t.measured is None else f"{t.measured:,.3g} {t.unit}"
        lines.append(f"  {mark}  {t.name}: {value} (target {'<=' if t.at_most else '>='} {t.limit:g} {t.unit})")
    if result.options.quick:
        lines.append("  (quick run: the targets are meant for the full sizes)")
    if result.hotspots:
        lines += [""] + hotspot_lines(result.hotspots)
    lines += ["", "Providers: " + ", ".join(g.provider for g in result.selection.used)]
    for name, reason in result.selection.skipped.items():
        lines.append(f"  skipped {name}: {reason}")
    if result.problems:
        lines += ["", "Problems:"] + [f"  {p}" for p in result.problems]
    return "\n".join(lines) + "\n"


def _floor_lines(result: RunResult) -> list[str]:
    lines = []
    latency_s = result.options.latency_ms / 1000.0
    if result.options.n in result.estates:
        lines.append(f"Round-trip floor at {result.options.latency_ms:g} ms (requests / concurrency x latency; "
                     f"providers side by side, the slowest sets it):")
        for e in result.estates[result.options.n]:
            f = e.floor
            counts = ", ".join(f"{v:,} {k}" for k, v in e.counts().items())
            lines.append(f"  {e.provider:<10} {counts}: refresh {f.refresh:,} req -> "
                         f"{f.refresh_seconds(latency_s):.2f} s; create {sum(f.create_rounds):,} req in "
                         f"{len(f.create_rounds)} rounds -> "
                         f"{f.create_seconds(latency_s):.2f} s (concurrency {f.concurrency})")
    return lines


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max([len(head[i]), *(len(r[i]) for r in rows)]) for i in range(len(head))]
    left = {0, 6}

    def line(cells: tuple[str, ...]) -> str:
        cells_ = (c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
        return "  ".join(cells_).rstrip()

    return "\n".join([line(head), line(tuple("-" * w for w in widths)), *(line(r) for r in rows)])


def _requests(requests: dict[str, dict[str, int]]) -> str:
    return " ".join(f"{name} {c.get('requests', 0):,}" for name, c in requests.items()) or "-"


def _state(s: ScenarioResult) -> str:
    written = s.measurement.state_bytes_written
    if written is None or s.name == "startup":
        return "-"
    final = s.final_state_bytes
    if not final:
        return f"{written:,} / -"
    return f"{written:,} / {final:,} ({written / final:.1f}x)"


def _int(n: int) -> str:
    return f"{n:,}" if n else "-"


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def _x(v: float | None) -> str:
    return "" if v is None else f"{v:.1f}x"


def dumps(result: RunResult, argv: list[str] | None = None) -> str:
    return json.dumps(to_json(result, argv), indent=2) + "\n"
