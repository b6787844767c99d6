"""Item 1, faults: every platform answers 10 % 5xx, 5 % 429 (``Retry-After``) and drops 1 % of
connections while an estate across every provider is applied from empty.

The promise: the apply converges in one run, with zero duplicate objects and zero lost state
entries. This scenario applies until the apply exits 0 (at most ``MAX_APPLIES`` times), and after
every apply counts the objects on each platform through its API and compares them with the state:
no duplicate, nothing live the state does not know, no state entry whose object is gone. Then,
faults off, a plan must show no changes. Figures: applies needed, each apply's outcome and wall
time, faults injected.

    python -m tests.resilience.faults            # CI size (40 resources)
    python -m tests.resilience.faults --full     # the issue's size (300 resources)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.resilience.census import Check, check
from tests.resilience.estate import Estate
from tests.resilience.figures import command_line, main_for, options, report, tally
from tests.resilience.world import Run, World

FAULTS = {"5xx": 0.10, "429": 0.05, "drop": 0.01}
CI_SIZE, FULL_SIZE = 40, 300
MAX_APPLIES = 12


@dataclass(frozen=True)
class Apply:
    """One apply under faults and what the platforms held after it."""

    run: Run
    outcomes: dict[str, int]
    faults: dict[str, int]
    check: Check

    @property
    def stopped_before_applying(self) -> bool:
        """It failed before changing anything (a refresh read that failed on every retry)."""
        return self.run.code != 0 and not any(self.outcomes.values())

    @property
    def reason(self) -> str:
        """The error line (``Error: ...``), if any."""
        return next((line for line in self.run.err.splitlines() if line.startswith("Error:")), "")


@dataclass(frozen=True)
class Outcome:
    estate: Estate
    applies: list[Apply]
    final_plan: Run
    final: Check
    requests: int

    @property
    def converged_in(self) -> int | None:
        """The number of applies until one exited 0 (None: it never did)."""
        return next((i + 1 for i, a in enumerate(self.applies) if a.run.code == 0), None)

    @property
    def first_apply_converged(self) -> bool:
        return self.applies[0].run.code == 0 and self.final.ok and self.final_plan.code == 0

    def invariant_failures(self) -> list[str]:
        """What broke the promises that hold whatever the number of applies."""
        failures = []
        for i, a in enumerate(self.applies, 1):
            if a.check.duplicates or a.check.unknown or a.check.lost:
                failures.append(f"after apply {i}: {a.check.problems()}")
            if a.run.code != 0 and "Traceback" in a.run.text:
                failures.append(f"apply {i} printed a traceback")
            if a.run.code not in (0, 1):
                failures.append(f"apply {i} exited {a.run.code}")
        if self.converged_in is None:
            failures.append(f"no apply converged in {len(self.applies)} tries")
        if not self.final.ok:
            failures.append(f"final census: {self.final.problems()}")
        if self.final_plan.code != 0:
            failures.append(f"the plan after convergence exited {self.final_plan.code} (expected 0: no changes)")
        return failures


def scenario(root: Path, n: int, *, seed: int = 7, max_applies: int = MAX_APPLIES) -> Outcome:
    with World(root, faults=FAULTS, seed=seed) as world:
        estate = world.write_estate(n)
        applies: list[Apply] = []
        for _ in range(max_applies):
            before = world.sb.fault_counts
            run = world.cli("apply", "--auto-approve")
            after = world.sb.fault_counts
            injected = {k: after.get(k, 0) - before.get(k, 0) for k in sorted(after)}
            applies.append(Apply(run, tally(run.out), injected, check(world.census(), world.read_state())))
            if run.code == 0:
                break
        requests = sum(c["requests"] for c in world.sb.counts.values()) + world.sb.fault_count
        world.sb.set_faults({})
        final_plan = world.cli("plan", "--detailed-exitcode")
        final = check(world.census(), world.read_state(), estate.resources)
        return Outcome(estate, applies, final_plan, final, requests)


def figures(outcome: Outcome) -> list[tuple[str, object]]:
    total = {k: sum(a.faults.get(k, 0) for a in outcome.applies) for k in FAULTS}
    rows: list[tuple[str, object]] = [
        ("resources (per type)", f"{len(outcome.estate.resources)} "
                                 f"({', '.join(f'{t} {c}' for t, c in outcome.estate.counts.items())})"),
        ("providers", ", ".join(outcome.estate.providers)),
        ("fault rates", ", ".join(f"{k} {v:.0%}" for k, v in FAULTS.items())),
        ("faults injected during the applies", ", ".join(f"{k} {v}" for k, v in total.items())),
        ("requests (all applies and censuses)", outcome.requests),
        ("applies until exit 0", outcome.converged_in or f"none in {len(outcome.applies)}"),
        ("converged in one run", "yes" if outcome.first_apply_converged else "NO"),
    ]
    for i, a in enumerate(outcome.applies, 1):
        what = (f"stopped before applying: {a.reason[:160]}" if a.stopped_before_applying
                else f"{a.outcomes['ok']} ok, {a.outcomes['FAILED']} failed, {a.outcomes['skipped']} skipped")
        rows.append((f"apply {i}", f"exit {a.run.code}, {a.run.seconds:.1f} s, {what}"))
    worst = max((len(a.check.duplicates) for a in outcome.applies), default=0)
    rows += [
        ("duplicate objects (worst census after any apply)", worst),
        ("live objects unknown to the state (worst)", max((len(a.check.unknown) for a in outcome.applies), default=0)),
        ("lost state entries (worst)", max((len(a.check.lost) for a in outcome.applies), default=0)),
        ("final census", f"{outcome.final.total} live, {outcome.final.problems()}"),
        ("objects left half-way (semantic models not deployed)", len(outcome.final.unsettled)),
        ("plan after convergence (faults off)", f"exit {outcome.final_plan.code}"),
    ]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    opts = options(argv, doc=__doc__, ci_size=CI_SIZE, full_size=FULL_SIZE)
    outcome = scenario(opts.workdir / "faults", opts.size, seed=opts.seed)
    failures = outcome.invariant_failures()
    if not outcome.first_apply_converged:
        failures.append("the first apply did not converge")
    if outcome.final.unsettled:
        failures.append(f"left half-way after convergence: {outcome.final.unsettled}")
    return report("Faults", command_line("tests.resilience.faults", argv), figures(outcome), failures)


if __name__ == "__main__":
    main_for(main)
