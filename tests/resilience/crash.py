"""Item 3, crash: an apply creating an estate across every provider is killed with SIGKILL at a
random moment, then run again; repeated over many trials.

The promise, in every trial: the state read right after the kill is valid; the re-run exits 0;
the platforms (counted through their APIs) hold no duplicate and nothing the state does not
know, and the state holds every resource; a plan then shows no changes. Interrupted creates are
recovered by natural key (every managed resource type of every provider declares one; the
engine's refusal for types without one is covered by ``test_crash.py`` and
``tests/test_workflow_recovery.py``).

The moment: the child is killed once its journal holds a random number of entries (between the
first intent and the last result), plus a random part of one request's latency, so kills land
before, during and after requests, creates and async waits alike.

    python -m tests.resilience.crash             # CI size (20 creates, 2 trials)
    python -m tests.resilience.crash --full      # 100 creates, 30 trials
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.sandbox import Sandbox
from tests.resilience.census import Check, check
from tests.resilience.figures import command_line, main_for, options, report
from tests.resilience.world import TOKEN, Run, World

CI_SIZE, FULL_SIZE = 20, 100
CI_TRIALS, FULL_TRIALS = 2, 30
LATENCY_MS = 20.0


@dataclass(frozen=True)
class Trial:
    """One kill and re-run."""

    number: int
    target_entries: int
    journal_entries: int
    killed: bool
    state_valid: str  # "" when the state read fine right after the kill, else the error
    state_resources: int
    pending: int
    rerun: Run
    final_plan: Run
    final: Check

    def failures(self) -> list[str]:
        out = []
        if self.state_valid:
            out.append(f"state unreadable after the kill: {self.state_valid}")
        if self.rerun.code != 0:
            out.append(f"re-run exited {self.rerun.code}: {self.rerun.err.strip().splitlines()[-1:]}")
        if not self.final.ok:
            out.append(self.final.problems())
        if self.final_plan.code != 0:
            out.append(f"the plan after the re-run exited {self.final_plan.code}")
        return [f"trial {self.number}: {f}" for f in out]


@dataclass(frozen=True)
class Outcome:
    resources: dict[str, dict]
    trials: list[Trial]

    def failures(self) -> list[str]:
        return [f for t in self.trials for f in t.failures()]


def _journal_entries(world: World) -> int:
    path = Path(str(world.state) + ".journal")
    try:
        return sum(1 for line in path.read_text().splitlines() if line.strip()) - 1  # the header
    except FileNotFoundError:
        return 0


def _state_after_kill(world: World) -> tuple[str, int, int]:
    """(error or "", resources, pending operations) of the state as the next run reads it."""
    from reconciler.state import open_store

    path = Path(str(world.state))
    try:
        if path.exists():
            json.loads(path.read_text())
        store = open_store(world.state)
        state = store.read()
        return "", len(state.resources), len(store.pending())
    except Exception as error:  # any failure to read is what this check is about
        return f"{type(error).__name__}: {error}", 0, 0


def trial(world: World, number: int, rng: random.Random, n: int, wanted: dict) -> Trial:
    world.reset()
    target = rng.randint(1, max(1, 2 * n - 1))
    extra = rng.uniform(0, LATENCY_MS / 1000.0)
    child = world.spawn("apply", "--auto-approve")
    deadline = time.monotonic() + 120
    while _journal_entries(world) < target and child.running() and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(extra)
    killed = child.running()
    child.kill()
    world.collect(child)
    world.settle()
    entries = _journal_entries(world)
    valid, held, pending = _state_after_kill(world)
    rerun = world.cli("apply", "--auto-approve")
    final_plan = world.cli("plan", "--detailed-exitcode")
    final = check(world.census(), world.read_state(), wanted)
    return Trial(number, target, entries, killed, valid, held, pending, rerun, final_plan, final)


def scenario(root: Path, n: int, trials: int, *, seed: int = 7) -> Outcome:
    rng = random.Random(seed)
    with World(root, latency_ms=LATENCY_MS, seed=seed) as world:
        estate = world.write_estate(n)
        done = [trial(world, i + 1, rng, n, estate.resources) for i in range(trials)]
        return Outcome(estate.resources, done)


@dataclass(frozen=True)
class ReplaceTrial:
    """One kill of an apply that replaces an object with dependents, and the plain re-run."""

    number: int
    target_entries: int
    killed: bool
    rerun: Run
    final_plan: Run
    final: Check
    #: the replaced object's id before, and in the state after the re-run
    before_id: str
    after_id: str | None

    def failures(self) -> list[str]:
        out = []
        if self.rerun.code != 0:
            out.append(f"re-run exited {self.rerun.code}: {self.rerun.err.strip().splitlines()[-1:]}")
        if not self.final.ok:
            out.append(self.final.problems())
        if self.final_plan.code != 0:
            out.append(f"the plan after the re-run exited {self.final_plan.code}")
        return [f"replace trial {self.number}: {f}" for f in out]


#: the replaced object and its dependents' provider: an environment several deployments stand on
REPLACED = "datarobot_prediction_environment.bench_e0000"


def _create_before_destroy(world: World, address: str) -> None:
    """Give ``address``'s block in the written estate ``lifecycle.create_before_destroy``."""
    kind, name = address.split(".")
    for path in world.specs.rglob("*.yaml"):
        text = path.read_text()
        head = f"  {kind}.{name}:\n"
        if head in text:
            path.write_text(text.replace(head, head + "    lifecycle:\n      create_before_destroy: true\n"))
            return
    raise AssertionError(f"{address} is not in the written estate")


def replacement_trials(root: Path, trials: int, *, seed: int = 5, size: int = 10,
                       create_before_destroy: bool = False) -> list[ReplaceTrial]:
    """Kill ``apply --replace REPLACED`` (its dependents replaced with it, delete-first) at a random
    journal entry, then re-run a plain apply: no duplicate, nothing unknown to the state (an old
    object a create-before-destroy replacement left behind included), every resource held, and an
    empty plan after. ``create_before_destroy``: REPLACED has ``lifecycle.create_before_destroy``
    (its new object is made first, the old one deleted after the dependents moved)."""
    rng = random.Random(seed)
    out = []
    with World(root, latency_ms=LATENCY_MS, seed=seed) as world:
        estate = world.write_estate(size, ["datarobot"], secrets=False)
        if create_before_destroy:
            _create_before_destroy(world, REPLACED)
        for number in range(1, trials + 1):
            world.reset()
            first = world.cli("apply", "--auto-approve")
            if first.code != 0:
                raise AssertionError(f"the estate did not apply: {first.err[-2000:]}")
            before = world.read_state().resources
            before_id = next(rs.object_id for a, rs in before.items() if str(a) == REPLACED)
            start = _journal_entries(world)
            dependents = sum(1 for rs in before.values() if any(str(d) == REPLACED for d in rs.dependencies))
            target = start + rng.randint(1, max(1, 4 * (dependents + 1) - 1))
            child = world.spawn("apply", "--auto-approve", "--replace", REPLACED)
            deadline = time.monotonic() + 120
            while _journal_entries(world) < target and child.running() and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, LATENCY_MS / 1000.0))
            killed = child.running()
            child.kill()
            world.collect(child)
            world.settle()
            rerun = world.cli("apply", "--auto-approve")
            final_plan = world.cli("plan", "--detailed-exitcode")
            state = world.read_state()
            final = check(world.census(["datarobot"]), state, estate.resources)
            after = next((rs.object_id for a, rs in state.resources.items() if str(a) == REPLACED), None)
            out.append(ReplaceTrial(number, target - start, killed, rerun, final_plan, final, before_id, after))
    return out


class HoldFirstCreates(Sandbox):
    """Answers the first successful POST of each platform only after ``release()``: the platform
    has created the object, and the client has not heard back (the moment a crash loses most)."""

    def __init__(self, platforms: Sequence[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.waiting = set(platforms)
        self.held: dict[str, str] = {}
        self.all_held = threading.Event()
        self._release = threading.Event()

    def handle(self, request):
        response = super().handle(request)
        platform = request.segments[0] if request.segments else ""
        if request.method == "POST" and response.status < 300 and platform in self.waiting:
            with self._lock:
                first = platform not in self.held
                if first:
                    self.held[platform] = request.path
                    if set(self.held) == self.waiting:
                        self.all_held.set()
            if first:
                self._release.wait(timeout=60)
        return response

    def release(self) -> None:
        self._release.set()


@dataclass(frozen=True)
class Adoption:
    """Per provider: the create the kill interrupted after the platform made the object."""

    provider: str
    held: str
    note: bool  # the re-run's plan said it was found and adopted
    duplicates: list[str]


def adopted_after_interruption(plan_text: str) -> list[str]:
    """Addresses a plan adopts with the note that an interrupted create made them."""
    lines = plan_text.splitlines()
    found = []
    for i, line in enumerate(lines):
        match = re.match(r"\s*# (\S+) will be adopted", line)
        if not match:
            continue
        comments = []
        for following in lines[i + 1:]:
            if not following.lstrip().startswith("#"):
                break
            comments.append(following)
        if any("interrupted during its create" in c and "found on the platform and adopted" in c for c in comments):
            found.append(match.group(1))
    return found


def per_provider(root: Path, providers: Sequence[str], *, n_each: int = 3) -> tuple[list[Adoption], Run, Check]:
    """Kill an apply while each provider's first create has been made but not answered; re-run."""
    sandbox = HoldFirstCreates(providers, token=TOKEN, retry_after=0)
    with World(root, sandbox=sandbox) as world:
        estate = world.write_estate(n_each * len(providers), providers)
        child = world.spawn("apply", "--auto-approve")
        held_all = sandbox.all_held.wait(timeout=60)
        child.kill()
        sandbox.release()
        world.collect(child)
        world.settle()
        if not held_all:
            raise AssertionError(f"only {sorted(sandbox.held)} of {sorted(providers)} reached a create")
        rerun = world.cli("apply", "--auto-approve")
        result = check(world.census(), world.read_state(), estate.resources)
        adopted = adopted_after_interruption(rerun.out)
        adoptions = [Adoption(p, sandbox.held[p], any(a.startswith(f"{p}_") for a in adopted),
                              [d for d in result.duplicates if d.startswith(f"{p}_")]) for p in providers]
        return adoptions, rerun, result


def figures(outcome: Outcome) -> list[tuple[str, object]]:
    trials = outcome.trials
    killed = [t for t in trials if t.killed]
    adopted = sum(t.pending for t in killed)
    rows: list[tuple[str, object]] = [
        ("creates per trial", len(outcome.resources)),
        ("trials (killed mid-apply / finished before the kill)", f"{len(trials)} ({len(killed)} / "
                                                                 f"{len(trials) - len(killed)})"),
        ("kill points (journal entries at the kill)", ", ".join(str(t.journal_entries) for t in trials)),
        ("state readable right after every kill", f"{sum(1 for t in trials if not t.state_valid)}/{len(trials)}"),
        ("interrupted operations left in the journal (all trials)", adopted),
        ("re-runs that exited 0", f"{sum(1 for t in trials if t.rerun.code == 0)}/{len(trials)}"),
        ("re-run wall time (median)", f"{sorted(t.rerun.seconds for t in trials)[len(trials) // 2]:.1f} s"),
        ("duplicate objects (all trials)", sum(len(t.final.duplicates) for t in trials)),
        ("live objects unknown to the state (all trials)", sum(len(t.final.unknown) for t in trials)),
        ("state entries lost / resources missing (all trials)",
         f"{sum(len(t.final.lost) for t in trials)} / {sum(len(t.final.missing) for t in trials)}"),
        ("objects left half-way (semantic models not deployed, all trials)",
         sum(len(t.final.unsettled) for t in trials)),
        ("plans with no changes after the re-run", f"{sum(1 for t in trials if t.final_plan.code == 0)}/{len(trials)}"),
    ]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    opts = options(argv, doc=__doc__, ci_size=CI_SIZE, full_size=FULL_SIZE, ci_trials=CI_TRIALS,
                   full_trials=FULL_TRIALS)
    from reconciler.providers.registry import PROVIDERS

    adoptions, rerun, result = per_provider(opts.workdir / "crash-per-provider", sorted(PROVIDERS))
    outcome = scenario(opts.workdir / "crash", opts.size, opts.trials, seed=opts.seed)
    failures = outcome.failures()
    failures += [f"{a.provider}: the interrupted create was not adopted by natural key" for a in adoptions
                 if not a.note]
    failures += [f"per provider: {result.problems()}"] if not result.ok or rerun.code != 0 else []
    failures += [f"trial {t.number}: left half-way: {t.final.unsettled}" for t in outcome.trials if t.final.unsettled]
    rows = figures(outcome) + [
        ("per provider: create made, answer lost, process killed; re-run",
         "; ".join(f"{a.provider} {'adopted by natural key' if a.note else 'NOT adopted'}"
                   f"{', duplicates ' + str(a.duplicates) if a.duplicates else ''}" for a in adoptions)),
    ]
    return report("Crash", command_line("tests.resilience.crash", argv), rows, failures)


if __name__ == "__main__":
    main_for(main)
