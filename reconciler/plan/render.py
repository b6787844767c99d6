"""Rendering a ``Plan``, its drift, and an apply ledger for people and machines.

The one entry point for output: ``render_plan`` (text | json | markdown), ``render_drift`` (the
drift report alone), ``render_ledger`` (what apply did). Pure: these return strings and never
print, read files or call anything; ``use_color`` is the only function that looks at the
environment, so the CLI decides colour once and passes ``color=``.

- text: Terraform's look (``render_text``), ANSI colour only when ``color=True``.
- json: the versioned ``Plan.to_json`` format, exactly; colour never.
- markdown: a pull-request comment (``render_markdown``), never longer than ``max_chars``.
"""

from __future__ import annotations

import json
import os
from typing import Any, Sequence

from reconciler.plan.ledger import OUTCOMES, LedgerEntry
from reconciler.plan.model import FORMAT_VERSION, Action, Plan
from reconciler.plan.render_markdown import render_drift_markdown, render_plan_markdown
from reconciler.plan.render_text import Paint, drift_counts, printable, render_drift_text, render_plan_text

FORMATS = ("text", "json", "markdown")


def use_color(stream: Any) -> bool:
    """True only if ``stream`` is a terminal, ``NO_COLOR`` is unset or empty and TERM is not dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; expected one of: {', '.join(FORMATS)}")


def render_plan(plan: Plan, fmt: str = "text", *, color: bool = False, max_chars: int = 65000) -> str:
    """The plan as ``fmt``. ``color`` applies to text only; ``max_chars`` caps markdown only."""
    _check_format(fmt)
    if fmt == "json":
        return json.dumps(plan.to_json(), indent=2, sort_keys=False) + "\n"
    if fmt == "markdown":
        return render_plan_markdown(plan, max_chars)
    return render_plan_text(plan, Paint(color))


def render_drift(plan: Plan, fmt: str = "text", *, color: bool = False) -> str:
    """The drift report: ``plan.drift`` only (objects changed outside reconciler since last apply)."""
    _check_format(fmt)
    if fmt == "json":
        doc = {"format_version": FORMAT_VERSION, "drift": [d.to_json() for d in plan.drift],
               "summary": drift_counts(plan)}
        return json.dumps(doc, indent=2, sort_keys=False) + "\n"
    if fmt == "markdown":
        return render_drift_markdown(plan)
    return render_drift_text(plan, Paint(color))


# ---------------------------------------------------------------- apply ledger

_LABELS = {"failed": ("FAILED", "1;31"), "skipped": ("skipped", "33"), "blocked": ("blocked", "33"),
           "applied": ("ok", "32")}


def render_ledger(ledger: Sequence[LedgerEntry], *, color: bool = False) -> str:
    """One line per entry (failures, skips, blocked changes, successes), then the outcome line."""
    paint = Paint(color)
    lines = []
    for outcome in ("failed", "skipped", "blocked", "applied"):
        label, code = _LABELS[outcome]
        for e in (e for e in ledger if e.outcome == outcome):
            took = f", {e.duration_s:.1f}s" if e.duration_s else ""
            head = f"{paint.style(label.ljust(7), code)} {paint.bold(str(e.address))} ({e.action.value}{took})"
            detail = printable(e.detail).splitlines() or [""]
            lines.append(head + (f": {detail[0]}" if detail[0] else ""))
            lines.extend("        " + line for line in detail[1:])
    counts = {o: sum(1 for e in ledger if e.outcome == o) for o in OUTCOMES}
    if counts["failed"] or counts["skipped"]:
        verdict = "Apply failed" if counts["failed"] else "Apply incomplete"
        lines += ["", paint.style(verdict, "1;31") + f": {counts['failed']} failed, {counts['skipped']} skipped, "
                  f"{counts['applied']} applied."]
    else:
        blocked = f" ({counts['blocked']} blocked, not changed)" if counts["blocked"] else ""
        lines += ["", paint.style("Apply complete!", "1;32") + f" Resources: {_resources(ledger)}.{blocked}"]
    return "\n".join(lines).lstrip("\n") + "\n"


def _resources(ledger: Sequence[LedgerEntry]) -> str:
    """``2 added, 1 changed, 0 destroyed`` (a replace is one added and one destroyed)."""
    n = {"imported": 0, "added": 0, "changed": 0, "destroyed": 0, "forgotten": 0, "moved": 0}
    for e in ledger:
        if e.outcome != "applied":
            continue
        n["moved"] += e.moved_from is not None
        if e.action is Action.NOOP and e.moved_from is not None and e.detail == f"moved from {e.moved_from}":
            continue  # a move alone
        if e.action in (Action.CREATE, Action.REPLACE):
            n["added"] += 1
        if e.action in (Action.DELETE, Action.REPLACE):
            n["destroyed"] += 1
        n["changed"] += e.action is Action.UPDATE
        n["forgotten"] += e.action is Action.FORGET
        n["imported"] += e.action is Action.NOOP  # an applied no-op is an adoption
    parts = [f"{n[k]} {k}" for k in ("added", "changed", "destroyed")]
    if n["imported"]:
        parts.insert(0, f"{n['imported']} imported")
    if n["forgotten"]:
        parts.append(f"{n['forgotten']} forgotten")
    if n["moved"]:
        parts.append(f"{n['moved']} moved")
    return ", ".join(parts)
