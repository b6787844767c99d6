"""Item 4, concurrency: two applies started together on one state, file and PostgreSQL.

The promise, trial after trial and on both backends:

- ``race``: two ``reconciler apply`` processes started at the same instant: exactly one runs,
  the other exits 1 naming the holder (its pid); the platforms hold each object once;
- ``wait``: the same with ``--lock-timeout``: one runs, the other waits for it, then finds
  nothing left to do (exit 0, no change applied twice);
- ``kill``: the holder is killed (SIGKILL) mid-apply; the next apply takes the lock over at once
  (its holder is gone: the lease is void), says so, and converges.

The sandbox answers every request after ``LATENCY_MS`` so an apply holds the lock long enough
for the two to overlap. PostgreSQL: ``RECONCILER_TEST_POSTGRES_URL``, else 127.0.0.1:5432
(database ``test``); each run gets a schema of its own, dropped after.

    python -m tests.resilience.concurrency             # CI size (1 trial of each, each backend)
    python -m tests.resilience.concurrency --full      # 20 trials of each, each backend
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from tests.resilience.census import Check, check
from tests.resilience.figures import command_line, main_for, options, report
from tests.resilience.world import Run, World

CI_TRIALS, FULL_TRIALS = 1, 20
SIZE = 5
LATENCY_MS = 50.0
KINDS = ("race", "wait", "kill")
#: what a loser says when it meets the lock between the holder's flock and its record
UNNAMED = "its lock record is not written yet"
PG_CANDIDATES = ("postgresql://postgres@127.0.0.1:5432/test", "postgresql://root@127.0.0.1:5432/test")


def postgres_server() -> tuple[str | None, str]:
    """(URL of a reachable server, or None; why not)."""
    import psycopg

    given = os.environ.get("RECONCILER_TEST_POSTGRES_URL")
    problems = []
    for url in (given,) if given else PG_CANDIDATES:
        try:
            psycopg.connect(url, connect_timeout=3).close()
            return url, ""
        except psycopg.Error as exc:
            problems.append(str(exc).strip().splitlines()[0])
    return None, "; ".join(problems)


@contextmanager
def postgres_schema(server: str) -> Iterator[str]:
    """A schema of its own; yields a state URL prefix (``...?options=...``) to add ``&name=`` to."""
    import psycopg

    schema = f"reconciler_rsl_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(server, autocommit=True)
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{server}{'&' if '?' in server else '?'}options={quote(f'-csearch_path={schema}', safe='')}"
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


@dataclass(frozen=True)
class Trial:
    backend: str
    kind: str
    number: int
    runs: tuple[Run, ...]
    pids: tuple[int, ...]
    final: Check
    seconds: float

    def failures(self, *, name_holder: bool = True) -> list[str]:
        """What broke the promise. ``name_holder=False`` accepts a loser that says the state is
        locked but could not name the holder yet (the gap pinned by ``test_concurrency.py``)."""
        out: list[str] = []
        codes = sorted(r.code for r in self.runs)
        if self.kind == "race":
            if codes != [0, 1]:
                out.append(f"exit codes {codes} (expected one 0 and one 1)")
            else:
                winner = self.pids[[r.code for r in self.runs].index(0)]
                loser = self.runs[[r.code for r in self.runs].index(1)]
                unnamed = UNNAMED in loser.err and not name_holder
                if "locked by" not in loser.err or (f"pid {winner}" not in loser.err and not unnamed):
                    out.append(f"the loser did not name the holder (pid {winner}): {loser.err.strip()[-300:]}")
        elif self.kind == "wait":
            if codes != [0, 0]:
                out.append(f"exit codes {codes} (expected both 0)")
            elif sum(1 for r in self.runs if "No changes" in r.out) != 1:
                out.append("expected exactly one of the two to find nothing left to do")
        else:
            killed, taker = self.runs
            if killed.code != -signal.SIGKILL:
                out.append(f"the holder was not killed mid-apply (exit {killed.code})")
            if taker.code != 0:
                out.append(f"the next apply exited {taker.code}: {taker.err.strip()[-300:]}")
            elif "took over the lock" not in taker.err:
                out.append("the next apply did not say it took the lock over")
        if "Traceback" in "".join(r.text for r in self.runs):
            out.append("a traceback was printed")
        if not self.final.ok:
            out.append(self.final.problems())
        return [f"{self.backend} {self.kind} trial {self.number}: {f}" for f in out]


def _wait(children, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    for child in children:
        child.wait(timeout=max(1.0, deadline - time.monotonic()))


def trial(world: World, backend: str, kind: str, number: int, wanted: dict) -> Trial:
    world.reset()
    started = time.monotonic()
    if kind in ("race", "wait"):
        extra = ("--lock-timeout", "120") if kind == "wait" else ()
        children = [world.spawn(*extra, "apply", "--auto-approve") for _ in range(2)]
        _wait(children)
        runs = tuple(world.collect(c) for c in children)
        pids = tuple(c.pid for c in children)
    else:
        child = world.spawn("apply", "--auto-approve")
        deadline = time.monotonic() + 60
        while world.sb.write_count < 1 and child.running() and time.monotonic() < deadline:
            time.sleep(0.005)
        child.kill()
        world.settle()
        world.sb.latency_ms = 0
        # a few seconds for PostgreSQL to notice the dead session; the file lock is free at once
        runs = (world.collect(child), world.cli("--lock-timeout", "10", "apply", "--auto-approve"))
        pids = (child.pid, os.getpid())
    world.sb.latency_ms = 0
    final = check(world.census(), world.read_state(), wanted)
    return Trial(backend, kind, number, runs, pids, final, time.monotonic() - started)


def scenario(root: Path, backend: str, trials: int, *, state: str | None = None) -> list[Trial]:
    """``trials`` of each kind on one backend (``state``: the PostgreSQL URL prefix for that backend)."""
    done: list[Trial] = []
    for kind in KINDS:
        for i in range(trials):
            location = None
            if backend == "postgresql":
                assert state is not None
                location = f"{state}&name=rsl-{uuid.uuid4().hex[:12]}"
            with World(root / f"{backend}-{kind}-{i + 1}", latency_ms=LATENCY_MS, state=location) as world:
                estate = world.write_estate(SIZE, secrets=False)
                done.append(trial(world, backend, kind, i + 1, estate.resources))
    return done


def figures(trials: Sequence[Trial], skipped: str) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [("resources per apply", SIZE), ("sandbox latency", f"{LATENCY_MS:.0f} ms")]
    for backend in ("file", "postgresql"):
        mine = [t for t in trials if t.backend == backend]
        if not mine:
            rows.append((backend, f"skipped: {skipped}"))
            continue
        for kind in KINDS:
            group = [t for t in mine if t.kind == kind]
            ok = sum(1 for t in group if not t.failures())
            unnamed = sum(1 for t in group if any(UNNAMED in r.err for r in t.runs))
            what = {"race": "one ran, the other exited 1 naming the holder",
                    "wait": "one ran, the other waited (--lock-timeout) and found nothing to do",
                    "kill": "holder SIGKILLed mid-apply, the next apply took the lock over and converged"}[kind]
            rows.append((f"{backend}: {kind}", f"{ok}/{len(group)} trials: {what}; "
                                               f"median {sorted(t.seconds for t in group)[len(group) // 2]:.1f} s"
                                               + (f"; {unnamed} loser(s) could not name the holder yet" if unnamed
                                                  else "")))
        rows.append((f"{backend}: duplicates / unknown / lost (all trials)",
                     f"{sum(len(t.final.duplicates) for t in mine)} / {sum(len(t.final.unknown) for t in mine)} / "
                     f"{sum(len(t.final.lost) for t in mine)}"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    opts = options(argv, doc=__doc__, ci_size=SIZE, full_size=SIZE, ci_trials=CI_TRIALS, full_trials=FULL_TRIALS)
    trials = scenario(opts.workdir / "concurrency", "file", opts.trials)
    server, why = postgres_server()
    failures: list[str] = []
    if server is not None:
        with postgres_schema(server) as prefix:
            trials += scenario(opts.workdir / "concurrency", "postgresql", opts.trials, state=prefix)
    else:
        failures.append(f"no PostgreSQL server: {why}")
    failures += [f for t in trials for f in t.failures()]
    return report("Concurrency", command_line("tests.resilience.concurrency", argv), figures(trials, why), failures)


if __name__ == "__main__":
    main_for(main)
