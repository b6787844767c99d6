"""The run as text (for people) and as JSON (for tools), with the targets (``targets``) checked.

The text: one table of every scenario and baseline (wall, CPU, RSS, requests against the
floor's, floor, ratios), the requests each provider sent against its floor per scenario, the
apply requests by route per provider (where the requests beyond the floor go), the floors,
and the targets side by side with PASS/MISS.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from benchmarks.hotspots import render as hotspot_lines
from benchmarks.scenarios import MIXED, BaselineRun, RunResult, ScenarioResult
from benchmarks.targets import COMPARED_PLANS, per_provider_apply, ratios, request_ratios, targets

FORMAT_VERSION = 2


# -- JSON --------------------------------------------------------------------------------------

def to_json(result: RunResult, argv: list[str] | None = None) -> dict[str, Any]:
    """The whole run as one JSON document (``format_version`` 2)."""
    estates = {}
    for name, provider_estates in result.estates.items():
        estates[name] = {e.provider: {"counts": e.counts(), "lookups": len(e.lookups), "floor": e.floor.to_json()}
                         for e in provider_estates}
    return {
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": argv,
        "machine": result.machine,
        "options": result.options.to_json(),
        "providers": {"used": [g.provider for g in result.selection.used], "skipped": result.selection.skipped},
        "estates": estates,
        "scenarios": [_scenario_json(result, s) for s in result.scenarios],
        "baselines": [{**b.result.to_json(), "n": b.n, "latency_ms": b.latency_ms,
                       "requests_by_provider": b.requests, "server_cpu_s": _round(b.traffic.cpu_s, 3),
                       "x_floor": _div(b.result.wall_s, _plan_floor(result, b.latency_ms))}
                      for b in result.baselines],
        "targets": [t.to_json() for t in targets(result)],
        "hotspots": result.hotspots,
        "notes": result.notes,
        "problems": result.problems,
    }


def _scenario_json(result: RunResult, s: ScenarioResult) -> dict[str, Any]:
    floors = result.floor_requests(s)
    return {
        "name": s.name, "n": s.n, "latency_ms": s.latency_ms, "estate": s.estate, **s.measurement.to_json(),
        "server_cpu_s": _round(s.server_cpu_s, 3),
        "requests": s.total_requests, "requests_by_provider": s.requests,
        "refused_by_provider": s.traffic.refused, "routes_by_provider": s.traffic.routes,
        "floor_kind": s.floor_kind, "floor_requests": sum(floors.values()) if floors else None,
        "floor_requests_by_provider": floors,
        "requests_x_floor_by_provider": {p: round(r, 3) for p, r in request_ratios(result, s).items()},
        "final_state_bytes": s.final_state_bytes, "recorded": s.recorded,
        "runs": [{"wall_s": round(w, 4), "cpu_s": round(c, 4)} for w, c in s.runs],
        "floor": "rate" if s.rate_floor else ("round trip" if s.floor_s is not None else None),
        "floor_s": _round(s.floor_s, 4),
        **{k: _round(v, 3) for k, v in ratios(result, s).items()},
        "problem": s.problem,
    }


def dumps(result: RunResult, argv: list[str] | None = None) -> str:
    return json.dumps(to_json(result, argv), indent=2) + "\n"


# -- text --------------------------------------------------------------------------------------

def render(result: RunResult) -> str:
    """The table, requests against the floor, requests by route, floors, targets, notes and
    problems, as plain text."""
    lines = [_table(*_rows(result)), ""]
    repeated = [f"{s.name} {min(w for w, _ in s.runs):.2f} to {max(w for w, _ in s.runs):.2f}"
                for s in result.scenarios if s.runs]
    if repeated:
        lines += [f"Repeated scenarios: the median of {result.options.repeat} runs (wall s from the fastest to the "
                  f"slowest run: {', '.join(repeated)}).", ""]
    load = result.machine.get("load_average_at_start")
    lines += ["requests: sent by the reconciler (429s of a rate limit included); floor req: the fewest the estate "
              "needs. CPU s: the reconciler process (user + sys); srv CPU: the sandbox server process, on the same "
              f"{result.machine.get('cpus')} CPUs (load average at start: {load}).", ""]
    lines += _request_lines(result)
    lines += _route_lines(result)
    lines += _floor_lines(result)
    lines += ["", "Targets (issue 18; ratios of one run):"]
    for t in targets(result):
        mark = {True: "PASS", False: "MISS", None: "n/a "}[t.passed]
        value = "not measured" if t.measured is None else f"{t.measured:,.3g} {t.unit}".rstrip()
        limit = f"{t.limit:g} {t.unit}".rstrip()
        detail = f"; {t.detail}" if t.detail else ""
        lines.append(f"  {mark}  {t.name}: {value} (target {'<=' if t.at_most else '>='} {limit}{detail})")
    if result.options.quick:
        lines.append("  (quick run: the targets are meant for the full sizes)")
    if result.hotspots:
        lines += [""] + hotspot_lines(result.hotspots)
    lines += ["", "Providers: " + ", ".join(g.provider for g in result.selection.used)]
    lines += [f"  skipped {name}: {reason}" for name, reason in result.selection.skipped.items()]
    lines += [f"Note: {note}" for note in result.notes]
    if result.problems:
        lines += ["", "Problems:"] + [f"  {p}" for p in result.problems]
    return "\n".join(lines) + "\n"


HEAD = ("scenario", "N", "lat ms", "wall s", "CPU s", "srv CPU", "RSS MB", "requests", "429s", "floor req",
        "state written / final", "floor s", "x floor", "vs seq", "vs par-10")


def _rows(result: RunResult) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """A row per scenario, in the order they ran, each plan followed by the baselines at its latency."""
    rows: list[tuple[str, ...]] = []
    shown: set[int] = set()  # ids of the baselines shown already
    for s in result.scenarios:
        r, m = ratios(result, s), s.measurement
        floors = result.floor_requests(s)
        refused = sum(s.traffic.refused.values())
        rows.append((s.name, _int(s.n), f"{s.latency_ms:g}", f"{m.wall_s:.2f}", f"{m.cpu_s:.2f}",
                     _num(s.server_cpu_s), f"{m.peak_rss_mb:.0f}", _int(s.total_requests) if s.n else "-",
                     f"{refused:,}" if refused else "", f"{sum(floors.values()):,}" if floors else "", _state(s),
                     _num(s.floor_s) + (" (rate)" if s.rate_floor else ""), _x(r["x_floor"]),
                     _x(r["vs_sequential"]), _x(r["vs_parallel"])))
        if s.name in COMPARED_PLANS:
            mine = [b for b in result.baselines if b.latency_ms == s.latency_ms and id(b) not in shown]
            rows += [_baseline_row(result, b) for b in mine]
            shown.update(id(b) for b in mine)
    rows += [_baseline_row(result, b) for b in result.baselines if id(b) not in shown]
    return HEAD, rows


def _baseline_row(result: RunResult, b: BaselineRun) -> tuple[str, ...]:
    floor = _plan_floor(result, b.latency_ms)
    return (f"  baseline {b.result.name}", _int(b.n), f"{b.latency_ms:g}", f"{b.result.wall_s:.2f}",
            f"{b.result.cpu_s:.2f}", _num(b.traffic.cpu_s), "-", _int(b.result.requests), "", "", "-",
            _num(floor), _x(_div(b.result.wall_s, floor)), "", "")


def _plan_floor(result: RunResult, latency_ms: float) -> float | None:
    """The no-change plan's floor at ``latency_ms`` (what a baseline at that latency is held to)."""
    plan = next((s for s in result.scenarios if s.estate == MIXED and s.floor_kind == "refresh"
                 and s.latency_ms == latency_ms), None)
    return plan.floor_s if plan is not None else None


def _request_lines(result: RunResult) -> list[str]:
    """Per scenario with a floor: each provider's requests sent / the floor's count."""
    lines = []
    for s in result.scenarios:
        floors = result.floor_requests(s)
        if not floors:
            continue
        parts = []
        for provider, floor in floors.items():
            sent, refused = s.traffic.sent(provider), s.traffic.refused.get(provider, 0)
            ratio = f" ({sent / floor:.2f}x)" if floor else ""
            parts.append(f"{provider} {sent:,} / {floor:,}{ratio}" + (f", {refused:,} refused" if refused else ""))
        lines.append(f"  {s.name:<20} " + "; ".join(parts))
    return ["Requests sent / the floor's count, per provider:", *lines, ""] if lines else []


def _route_lines(result: RunResult) -> list[str]:
    """Each provider's apply (alone, else its share of the mixed apply) by route, most first."""
    lines = []
    for generator in result.selection.used:
        provider = generator.provider
        s = per_provider_apply(result, provider) or result.scenario("apply")
        if s is None or provider not in s.traffic.routes:
            continue
        resources = next((sum(e.counts().values()) for e in result.estates.get(s.estate or "", ())
                          if e.provider == provider), 0)
        floor = result.floor_requests(s).get(provider, 0)
        lines.append(f"  {provider} ({s.name}: {resources:,} resources, {s.traffic.sent(provider):,} requests, "
                     f"the floor {floor:,}):")
        routes = sorted(s.traffic.routes[provider].items(), key=lambda item: (-item[1], item[0]))
        for route, count in routes:
            per = f"{count / resources:.2f} per resource" if resources else ""
            lines.append(f"    {count:>7,}  {per:>18}  {route}")
    return ["Apply requests by route (where the requests beyond the floor go):", *lines, ""] if lines else []


def _floor_lines(result: RunResult) -> list[str]:
    lines = []
    latency_s = result.options.latency_ms / 1000.0
    for name, provider_estates in result.estates.items():
        for e in provider_estates:
            if name not in (MIXED, e.provider):
                continue  # the cpu and rate-limited estates' floors are in their rows
            f = e.floor
            counts = ", ".join(f"{v:,} {k}" for k, v in e.counts().items())
            lines.append(f"  {name:<10} {e.provider:<10} {counts}: refresh {f.refresh:,} req -> "
                         f"{f.refresh_seconds(latency_s):.2f} s; create {sum(f.create_rounds):,} req in "
                         f"{len(f.create_rounds)} rounds -> {f.create_seconds(latency_s):.2f} s "
                         f"(concurrency {f.concurrency})")
    if not lines:
        return []
    return [f"Round-trip floors at {result.options.latency_ms:g} ms (requests / concurrency x latency per round; "
            f"in the mixed estate providers run side by side, the slowest sets it):", *lines]


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max([len(head[i]), *(len(r[i]) for r in rows)]) for i in range(len(head))]
    left = {0}

    def line(cells: tuple[str, ...]) -> str:
        cells_ = (c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
        return "  ".join(cells_).rstrip()

    return "\n".join([line(head), line(tuple("-" * w for w in widths)), *(line(r) for r in rows)])


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


def _round(v: float | None, digits: int) -> float | None:
    return None if v is None else round(v, digits)


def _div(a: float, b: float | None) -> float | None:
    return round(a / b, 3) if b else None
