"""What the scenario scripts share: reading an apply's ledger from its output, the command line
of ``python -m tests.resilience.<item> [--full]``, and printing figures.

Every script runs at CI size by default and at the issue's size with ``--full``; it prints its
figures as a Markdown table (what ``docs/reliability.md`` records) and exits 1 when a check the
item promises failed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

_LEDGER = re.compile(r"^(ok|FAILED|skipped)\s+(\S+) \(([a-z-]+)[,)](.*)$")


@dataclass(frozen=True)
class LedgerLine:
    """One line of an apply's ledger: outcome (``ok``/``FAILED``/``skipped``), address, action, detail."""

    outcome: str
    address: str
    action: str
    detail: str


def ledger(output: str) -> list[LedgerLine]:
    """The ledger lines of an apply's standard output (continuation lines are left out)."""
    lines = []
    for line in output.splitlines():
        match = _LEDGER.match(line)
        if match:
            outcome, address, action, rest = match.groups()
            detail = rest.split("): ", 1)[1] if "): " in rest else rest.lstrip("): ").strip()
            lines.append(LedgerLine(outcome, address, action, detail))
    return lines


def tally(output: str) -> dict[str, int]:
    """``{"ok": n, "FAILED": n, "skipped": n}`` for one apply."""
    counts = {"ok": 0, "FAILED": 0, "skipped": 0}
    for line in ledger(output):
        counts[line.outcome] += 1
    return counts


@dataclass(frozen=True)
class Options:
    """A scenario script's options: size, seed, where its artifacts go."""

    full: bool
    size: int
    trials: int
    seed: int
    workdir: Path


def options(argv: Sequence[str] | None, *, doc: str, ci_size: int, full_size: int,
            ci_trials: int = 1, full_trials: int = 1) -> Options:
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    parser.add_argument("--full", action="store_true", help=f"the issue's size ({full_size}, {full_trials} trial(s))")
    parser.add_argument("--size", type=int, help=f"resources (default {ci_size}; {full_size} with --full)")
    parser.add_argument("--trials", type=int, help=f"trials (default {ci_trials}; {full_trials} with --full)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, help="keep the worlds' files here (default: a temporary directory)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="reconciler-resilience-"))
    workdir.mkdir(parents=True, exist_ok=True)
    return Options(args.full, args.size or (full_size if args.full else ci_size),
                   args.trials or (full_trials if args.full else ci_trials), args.seed, workdir)


def table(rows: Sequence[tuple[str, object]]) -> str:
    """A two-column Markdown table."""
    out = ["| figure | value |", "|---|---|"]
    out += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(out)


def report(title: str, command: str, rows: Sequence[tuple[str, object]], failures: Sequence[str]) -> int:
    """Print the figures and the verdict; the exit code (1 when a promised check failed)."""
    print(f"## {title}\n\n`{command}`\n")
    print(table(rows))
    if failures:
        print("\nFAILED checks:")
        for failure in failures:
            print(f"- {failure}")
    else:
        print("\nEvery check passed.")
    sys.stdout.flush()
    return 1 if failures else 0


def command_line(module: str, argv: Sequence[str] | None) -> str:
    args = list(sys.argv[1:] if argv is None else argv)
    return " ".join(["python -m", module, *args])


def main_for(run: Callable[[Sequence[str] | None], int]) -> None:
    sys.exit(run(None))
