"""Item 2, outage: one platform (DataRobot) answers 503 to everything while an estate across
every provider is applied.

The promise: the other providers' changes are applied, the failed ones are in the ledger with
their reason, the state is consistent, the apply exits 1; after the platform recovers, the next
apply converges. Two moments for the outage to begin:

- ``during``: the platform goes down when the apply sends its first write (its plan had read
  everything): the other providers must be applied, the platform's changes fail in the ledger;
- ``before``: the platform is down from the start, so the apply's own refresh cannot read it.

After each, the platform recovers and the next apply must converge (then a plan shows no
changes), with the platforms counted through their APIs against the state.

    python -m tests.resilience.outage            # CI size (20 resources)
    python -m tests.resilience.outage --full     # 300 resources
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.sandbox import Sandbox
from tests.resilience.census import Check, check
from tests.resilience.figures import LedgerLine, command_line, ledger, main_for, options, report
from tests.resilience.world import TOKEN, Run, World

PLATFORM = "datarobot"
CI_SIZE, FULL_SIZE = 20, 300
MOMENTS = ("during", "before")


class OutageOnFirstWrite(Sandbox):
    """A sandbox whose ``platform`` goes down when the first write request (any platform) arrives."""

    def __init__(self, platform: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.down_on_write = platform

    def handle(self, request):
        if self.down_on_write and request.method not in ("GET", "HEAD", "OPTIONS") \
                and request.segments and request.segments[0] in self.emulators:
            self.outage(self.down_on_write)
            self.down_on_write = ""
        return super().handle(request)


@dataclass(frozen=True)
class Outcome:
    moment: str
    resources: dict[str, dict]
    down: Run
    after_down: Check
    writes_while_down: dict[str, int]
    recovered: Run
    final_plan: Run
    final: Check

    @property
    def lines(self) -> list[LedgerLine]:
        return ledger(self.down.out)

    def by_provider(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for line in self.lines:
            counts = out.setdefault(line.address.split("_", 1)[0], {"ok": 0, "FAILED": 0, "skipped": 0})
            counts[line.outcome] += 1
        return dict(sorted(out.items()))

    @property
    def error(self) -> str:
        return next((line for line in self.down.err.splitlines() if line.startswith("Error:")), "")

    def failures(self) -> list[str]:
        """What broke the promise (an empty list: kept)."""
        failures = []
        if self.down.code != 1:
            failures.append(f"the apply during the outage exited {self.down.code} (expected 1)")
        if "Traceback" in self.down.text:
            failures.append("the apply during the outage printed a traceback")
        others = {a for a in self.resources if not a.startswith(PLATFORM)}
        applied = {line.address for line in self.lines if line.outcome == "ok"}
        if not others <= applied:
            failures.append(f"{len(others - applied)} of {len(others)} changes of the other providers were not "
                            f"applied ({self.error or 'see the ledger'})")
        platform_lines = [line for line in self.lines if line.address.startswith(PLATFORM)]
        if not any(line.outcome == "FAILED" for line in platform_lines):
            failures.append(f"no {PLATFORM} change is in the ledger as failed")
        for line in platform_lines:
            if line.outcome == "FAILED" and "503" not in line.detail:
                failures.append(f"{line.address} failed without its reason (503): {line.detail[:120]}")
        for name, problems in (("during", self.after_down), ("after recovery", self.final)):
            if problems.duplicates or problems.unknown or problems.lost:
                failures.append(f"state inconsistent {name}: {problems.problems()}")
        if self.recovered.code != 0:
            failures.append(f"the apply after recovery exited {self.recovered.code}")
        if not self.final.ok:
            failures.append(f"after recovery: {self.final.problems()}")
        if self.final_plan.code != 0:
            failures.append(f"the plan after recovery exited {self.final_plan.code} (expected 0)")
        return failures


def scenario(root: Path, n: int, moment: str, *, seed: int = 7) -> Outcome:
    if moment not in MOMENTS:
        raise ValueError(f"moment must be one of {MOMENTS}")
    sandbox = OutageOnFirstWrite(PLATFORM if moment == "during" else "", token=TOKEN, retry_after=0, seed=seed)
    with World(root, sandbox=sandbox) as world:
        estate = world.write_estate(n)
        if moment == "before":
            world.sb.outage(PLATFORM)
        down = world.cli("apply", "--auto-approve")
        writes = {p: c["writes"] for p, c in world.sb.counts.items()}
        world.sb.outage(None)
        after_down = check(world.census(), world.read_state())
        recovered = world.cli("apply", "--auto-approve")
        final_plan = world.cli("plan", "--detailed-exitcode")
        final = check(world.census(), world.read_state(), estate.resources)
        return Outcome(moment, estate.resources, down, after_down, writes, recovered, final_plan, final)


def figures(outcomes: Sequence[Outcome]) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [("resources", len(outcomes[0].resources)), ("platform down", PLATFORM)]
    for o in outcomes:
        tag = f"outage {o.moment} the apply"
        per = "; ".join(f"{p}: {c['ok']} ok, {c['FAILED']} failed, {c['skipped']} skipped"
                        for p, c in o.by_provider().items()) or f"nothing applied ({o.error[:200]})"
        reasons = sorted({line.detail.split(" (gave up")[0][-80:] for line in o.lines if line.outcome == "FAILED"})
        rows += [
            (f"{tag}: exit, wall", f"{o.down.code}, {o.down.seconds:.1f} s"),
            (f"{tag}: ledger", per),
            (f"{tag}: failure reasons", "; ".join(reasons[:2]) or "-"),
            (f"{tag}: state vs platforms", o.after_down.problems() if not o.after_down.ok else "consistent"),
            (f"{tag}: recovery apply", f"exit {o.recovered.code}, {o.recovered.seconds:.1f} s; "
                                       f"then plan exit {o.final_plan.code}; census {o.final.total} live, "
                                       f"{o.final.problems()}"),
        ]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    opts = options(argv, doc=__doc__, ci_size=CI_SIZE, full_size=FULL_SIZE)
    outcomes = [scenario(opts.workdir / f"outage-{m}", opts.size, m, seed=opts.seed) for m in MOMENTS]
    failures = [f"outage {o.moment}: {f}" for o in outcomes for f in o.failures()]
    return report("Outage", command_line("tests.resilience.outage", argv), figures(outcomes), failures)


if __name__ == "__main__":
    main_for(main)
