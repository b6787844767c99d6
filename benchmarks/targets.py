"""The targets of issue 18 (and DESIGN.md §9), measured from one run as ratios.

Ratios: ``x floor`` = wall / floor (1.0 is the floor); ``vs par-10`` and ``vs seq`` = the
baseline's wall / the plan's wall at the same latency (how many times faster the plan is);
``requests / floor`` = requests sent (429s included) / the fewest the estate needs. A scenario
that failed measures nothing a ratio target may use; the rate-limited phase's failures are a
target of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks.baselines import TERRAFORM_PARALLELISM
from benchmarks.scenarios import FOR_EACH, WRITTEN_OUT, RunResult, ScenarioResult

PARALLEL = f"parallel-{TERRAFORM_PARALLELISM}"
#: the plans compared with the baselines read at their latency
COMPARED_PLANS = ("plan", "plan-secondary")


@dataclass(frozen=True)
class Target:
    """One target: the measured value against its limit; ``detail`` says what was measured."""

    name: str
    measured: float | None
    limit: float
    at_most: bool  # True: measured <= limit passes; False: measured >= limit passes
    unit: str
    detail: str = ""

    @property
    def passed(self) -> bool | None:
        if self.measured is None:
            return None
        return self.measured <= self.limit if self.at_most else self.measured >= self.limit

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "measured": None if self.measured is None else round(self.measured, 4),
                "limit": self.limit, "comparison": "<=" if self.at_most else ">=", "unit": self.unit,
                "detail": self.detail, "passed": self.passed}


def ratios(result: RunResult, scenario: ScenarioResult) -> dict[str, float | None]:
    """``x_floor``, ``vs_sequential``, ``vs_parallel`` of one scenario (None where not meaningful)."""
    wall = scenario.measurement.wall_s
    out: dict[str, float | None] = {"x_floor": None, "vs_sequential": None, "vs_parallel": None}
    if scenario.floor_s:
        out["x_floor"] = wall / scenario.floor_s
    if scenario.name in COMPARED_PLANS and wall > 0:
        for key, name in (("vs_sequential", "sequential"), ("vs_parallel", PARALLEL)):
            baseline = result.baseline(name, scenario.latency_ms)
            if baseline is not None:
                out[key] = baseline.result.wall_s / wall
    return out


def request_ratios(result: RunResult, scenario: ScenarioResult) -> dict[str, float]:
    """Per provider: requests sent / the floor's count (providers whose floor counts none left out)."""
    floors = result.floor_requests(scenario)
    return {p: scenario.traffic.sent(p) / f for p, f in floors.items() if f}


def failed_operations(result: RunResult) -> int | None:
    """Of the rate-limited phase: resources its apply did not create (at least 1 if the apply
    failed), plus 1 if its plan failed; None if the phase did not run."""
    apply, plan = result.scenario("rate-limited apply"), result.scenario("rate-limited plan")
    if apply is None:
        return None
    failed = max(apply.n - (apply.recorded or 0), 1 if apply.problem else 0)
    if plan is None or plan.problem:
        failed += 1
    return failed


def per_provider_apply(result: RunResult, provider: str) -> ScenarioResult | None:
    """The apply of N resources of ``provider`` alone (the mixed apply when it is the only one)."""
    alone = result.scenario(f"apply {provider}")
    if alone is None and [g.provider for g in result.selection.used] == [provider]:
        return result.scenario("apply")
    return alone


def targets(result: RunResult) -> list[Target]:
    """Every target, measured where this run measured it."""
    o = result.options
    n, lat = o.n, o.latency_ms
    platform, rps = o.rate_limit
    plan, apply, cpu = (_ok(result.scenario(name)) for name in ("plan", "apply", "plan-cpu"))
    rl_apply, rl_plan = (_ok(result.scenario(name)) for name in ("rate-limited apply", "rate-limited plan"))
    plan_ratios = ratios(result, plan) if plan else {}
    worst, worst_detail = None, ""
    if plan:
        by_provider = request_ratios(result, plan)
        if by_provider:
            name = max(by_provider, key=lambda p: by_provider[p])
            worst = by_provider[name]
            worst_detail = (f"most over: {name}, {plan.traffic.sent(name):,} sent / "
                            f"{result.floor_requests(plan)[name]:,}")
    out = [
        Target(f"no-change plan of {n:,} at {lat:g} ms: faster than {PARALLEL}", plan_ratios.get("vs_parallel"),
               8.0, False, "x"),
        Target(f"no-change plan of {n:,} at {lat:g} ms: wall / round-trip floor", plan_ratios.get("x_floor"),
               1.6, True, "x"),
        Target(f"no-change plan of {n:,} at {lat:g} ms: refresh requests / the floor's, per provider", worst,
               1.0, True, "x", worst_detail),
        Target(f"apply of {n:,} creates at {lat:g} ms, mixed: wall / floor for creates",
               _x_floor(result, apply), 1.3, True, "x"),
    ]
    for generator in result.selection.used:
        alone = _ok(per_provider_apply(result, generator.provider))
        detail = ""
        if alone is not None:
            sent, floor = alone.traffic.sent(generator.provider), result.floor_requests(alone).get(generator.provider)
            detail = f"{sent:,} requests sent / {floor:,} in the floor" if floor else ""
        out.append(Target(f"apply of {n:,} {generator.provider} creates at {lat:g} ms: wall / floor for creates",
                          _x_floor(result, alone), 1.3, True, "x", detail))
    out += [
        Target(f"rate-limited ({platform} at {rps:g} requests/s): failed operations of plan and apply",
               failed_operations(result), 0, True, ""),
        Target(f"rate-limited apply of {o.n_rate:,}: wall / rate floor", _x_floor(result, rl_apply), 1.3, True, "x",
               _rate_detail(rl_apply, platform)),
        Target(f"rate-limited plan of {o.n_rate:,}: wall / rate floor", _x_floor(result, rl_plan), 1.3, True, "x",
               _rate_detail(rl_plan, platform)),
        Target(f"plan CPU at {o.n_cpu:,}, 0 ms: per resource",
               cpu.measurement.cpu_s * 1000.0 / cpu.n if cpu else None, 0.8, True, "ms"),
        Target(f"plan at {o.n_cpu:,}, 0 ms: peak RSS", cpu.measurement.peak_rss_mb if cpu else None, 300.0, True,
               "MB"),
        Target(f"apply of {n:,} creates: state bytes written / final state size (DESIGN §9)",
               _state_ratio(apply), 3.0, True, "x"),
        Target(f"plan CPU at {o.n_cpu:,}, 0 ms: 20 for_each blocks / the same written out, per resource",
               *_expansion_ratio(result)),
    ]
    return out


def _expansion_ratio(result: RunResult) -> tuple[float | None, float, bool, str, str]:
    """(measured, limit, at_most, unit, detail) of the for_each CPU comparison (issue 20)."""
    flat, compact = (_ok(result.scenario(name)) for name in (WRITTEN_OUT, FOR_EACH))
    if flat is None or compact is None or not flat.measurement.cpu_s:
        return None, 1.2, True, "x", ""
    per = [s.measurement.cpu_s * 1000.0 / s.n for s in (flat, compact)]
    return per[1] / per[0], 1.2, True, "x", f"{per[1]:.2f} vs {per[0]:.2f} ms CPU per resource"


def _ok(scenario: ScenarioResult | None) -> ScenarioResult | None:
    """A scenario that ran as expected; a failed one measures nothing a target may use."""
    return scenario if scenario is not None and scenario.problem is None else None


def _x_floor(result: RunResult, scenario: ScenarioResult | None) -> float | None:
    return ratios(result, scenario)["x_floor"] if scenario is not None else None


def _rate_detail(scenario: ScenarioResult | None, platform: str) -> str:
    if scenario is None:
        return ""
    refused = scenario.traffic.refused.get(platform, 0)
    return f"{scenario.traffic.sent(platform):,} requests sent, {refused:,} refused (429)"


def _state_ratio(apply: ScenarioResult | None) -> float | None:
    if apply is None or apply.measurement.state_bytes_written is None or not apply.final_state_bytes:
        return None
    return apply.measurement.state_bytes_written / apply.final_state_bytes
