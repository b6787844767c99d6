"""Where a profiled run spent its CPU: the top functions of a cProfile dump, as plain data.

The dump comes from ``measure.run_cli(..., profile=PATH)``: every thread profiled with its own
CPU clock (``time.thread_time``) and merged, so worker threads (refresh, apply) are included
and time spent waiting on the network is not.
"""

from __future__ import annotations

import pstats
from pathlib import Path
from typing import Any

ANCHORS = ("reconciler/", "site-packages/", "lib/python3")


def where(filename: str, line: int, function: str) -> str:
    """``reconciler/diff.py:42(diff)``: the path from a known anchor, else the base name."""
    for anchor in ANCHORS:
        at = filename.rfind(anchor)
        if at >= 0:
            short = filename[at:].removeprefix("site-packages/").removeprefix("lib/")
            return f"{short}:{line}({function})"
    if filename == "~":
        return function  # a C function: cProfile names it like {built-in method ...}
    return f"{Path(filename).name}:{line}({function})"


def summarize(path: Path, top: int = 12) -> dict[str, Any]:
    """Total profiled CPU, the ``top`` functions by own time, and the ``top`` reconciler
    functions by cumulative time."""
    stats = pstats.Stats(str(path))
    rows = []
    for (filename, line, function), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": where(filename, line, function), "calls": calls,
                     "self_s": round(own, 4), "cumulative_s": round(cumulative, 4),
                     "ours": "reconciler/" in filename})
    total = sum(r["self_s"] for r in rows)
    by_self = sorted(rows, key=lambda r: r["self_s"], reverse=True)[:top]
    ours = sorted((r for r in rows if r["ours"]), key=lambda r: r["cumulative_s"], reverse=True)[:top]
    strip = lambda rs: [{k: v for k, v in r.items() if k != "ours"} for r in rs]  # noqa: E731
    return {"profile": str(path), "total_cpu_s": round(total, 3), "top_self": strip(by_self),
            "top_cumulative_reconciler": strip(ours)}


def render(summary: dict[str, Any], top: int = 12) -> list[str]:
    """The summary as text lines."""
    lines = [f"Hotspots of the profiled plan-cpu run ({summary['total_cpu_s']:.1f} s CPU under cProfile, "
             f"{summary['profile']}):", "  by own time:"]
    lines += [f"    {r['self_s']:8.2f} s  {r['calls']:>10,} calls  {r['function']}" for r in summary["top_self"][:top]]
    lines.append("  reconciler functions by cumulative time:")
    lines += [f"    {r['cumulative_s']:8.2f} s  {r['calls']:>10,} calls  {r['function']}"
              for r in summary["top_cumulative_reconciler"][:top]]
    return lines
