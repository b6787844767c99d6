"""Item 6, secrets: no token or sensitive value in the state, the journal, saved plans, any output
format or any log, failure paths included.

What is looked for (``SECRETS`` of ``world.py`` plus the rotated value), in every form a leak
could take: as written, percent-encoded, base64 (and base64 of ``value:``, Dataiku's HTTP Basic
credentials). Where: every file of every world this process made (state snapshot, backup,
journal, lock record, saved plans, each run's stdout, stderr and DEBUG log, child processes'
output), and the rows of the PostgreSQL backend's tables.

The runs that produce them, besides those of the other scenarios when run together:

- an apply under faults that include ``echo`` (a 500 whose body echoes the request's headers,
  ``Authorization`` included) until it converges: failure paths and their messages;
- plan and drift in text, JSON and Markdown, a saved plan applied, ``state list/show/pull``;
- the secret rotated: the plan shows a masked change for exactly the resources holding it, state
  keeps ``hmac-sha256:`` digests (different after the apply), then no changes;
- a spec whose sensitive field has the wrong type (the error must not echo the value);
- an apply killed with SIGKILL mid-way and re-run (the journal);
- an apply into a PostgreSQL state (its tables are dumped and scanned), when a server is there.

The secret is held by Astro deployments (``secret_environment_variables``) and by a Dataiku
connection (``secret_params``: its password).

    python -m tests.resilience.secret_leaks          # CI size (12 resources)
    python -m tests.resilience.secret_leaks --full   # 300 resources, after every other scenario
"""

from __future__ import annotations

import base64
import json
import signal
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

from reconciler.secrets import PREFIX as HASH_PREFIX
from tests.resilience.estate import SECRET_FIELDS
from tests.resilience.figures import command_line, main_for, options, report
from tests.resilience.world import ROOTS, SECRETS, World

ROTATED = "pw-rsl-rotated-3e5b91c07f-never-print-me"
FAULTS = {"5xx": 0.05, "429": 0.05, "drop": 0.01, "echo": 0.03}
CI_SIZE, FULL_SIZE = 12, 300
MAX_APPLIES = 10
SKIP_BYTES = 64 * 1024 * 1024


def forms(value: str) -> set[bytes]:
    """Every way ``value`` could be written out."""
    raw = value.encode()
    return {raw, quote(value, safe="").encode(), quote_plus(value).encode(), base64.b64encode(raw),
            base64.b64encode(raw + b":"), base64.urlsafe_b64encode(raw)}


def all_secrets() -> dict[str, str]:
    return {**SECRETS, "rotated secret env var": ROTATED}


@dataclass(frozen=True)
class Leak:
    where: str
    secret: str
    line: str


def scan_bytes(where: str, data: bytes, secrets: Mapping[str, str]) -> list[Leak]:
    leaks = []
    for name, value in secrets.items():
        for form in forms(value):
            at = data.find(form)
            if at >= 0:
                start, end = data.rfind(b"\n", 0, at) + 1, data.find(b"\n", at)
                line = data[start:end if end >= 0 else len(data)][:200].decode("utf-8", "replace")
                leaks.append(Leak(where, name, line.replace(value, "<" + name + ">")))
                break
    return leaks


def scan_files(roots: Iterable[Path], secrets: Mapping[str, str]) -> tuple[int, list[Leak]]:
    """(files scanned, leaks) under ``roots``."""
    count, leaks = 0, []
    for root in dict.fromkeys(Path(r) for r in roots):
        if not root.exists():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.stat().st_size > SKIP_BYTES:
                continue
            count += 1
            leaks += scan_bytes(str(path), path.read_bytes(), secrets)
    return count, leaks


def dump_postgres(location: str) -> bytes:
    """Every row of reconciler's tables in the schema ``location`` uses, as text."""
    import psycopg

    base, _, query = location.partition("?")
    kept = [p for p in query.split("&") if p and p.split("=", 1)[0] not in ("name", "versions")]
    dsn = base + ("?" + "&".join(kept) if kept else "")
    chunks = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table in ("reconciler_states", "reconciler_resources", "reconciler_journal", "reconciler_versions",
                      "reconciler_locks"):
            if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
                continue
            for row in conn.execute(f"SELECT * FROM {table}").fetchall():  # noqa: S608 - fixed names
                chunks.append(json.dumps([str(v) for v in row]))
    return "\n".join(chunks).encode()


@dataclass
class Outcome:
    files: int = 0
    leaks: list[Leak] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # checks of item 6 that failed (not leaks)
    figures: list[tuple[str, object]] = field(default_factory=list)


def _secret_fields(state_doc: Mapping, holders: Sequence[str]) -> dict[str, object]:
    by_address = {r["address"]: r for r in state_doc["resources"]}
    return {a: next((by_address[a]["attrs"][f] for f in SECRET_FIELDS if f in by_address[a]["attrs"]), None)
            for a in holders if a in by_address}


def _converge(world: World, outcome: Outcome, label: str) -> int:
    for i in range(1, MAX_APPLIES + 1):
        if world.cli("apply", "--auto-approve").code == 0:
            return i
    outcome.notes.append(f"{label}: no apply converged in {MAX_APPLIES}")
    return MAX_APPLIES


def exercise(root: Path, n: int, *, postgres: str | None = None) -> Outcome:
    """Every path that could leak, in one world (and one PostgreSQL state when given)."""
    outcome = Outcome()
    with World(root / "secrets", faults=FAULTS, seed=5) as world:
        estate = world.write_estate(n)
        # a Dataiku connection's password: write-only, answered by DSS in encrypted form
        (world.specs / "dataiku" / "zz-secret-connection.yaml").write_text(
            "resources:\n  dataiku_connection.rsl_warehouse:\n    name: rsl_warehouse\n    type: PostgreSQL\n"
            "    params: {host: dwh, user: rsl}\n    secret_params: {password: \"${env:RSL_SECRET_VALUE}\"}\n")
        holders = sorted([*estate.secret_holders, "dataiku_connection.rsl_warehouse"])
        applies = _converge(world, outcome, "apply under faults with echo")
        echoed = world.sb.fault_counts.get("echo", 0)
        world.sb.set_faults({})
        plan_file = world.root / "saved.plan.json"
        world.cli("state", "list")
        for address in holders[:2]:
            world.cli("state", "show", address)
        world.cli("state", "pull", "--to", str(world.root / "pulled.json"))

        # rotation: the value changes, the state's keyed hash tells; every format shows the change
        before = _secret_fields(json.loads(Path(str(world.state)).read_text()), holders)
        if not holders or not all(isinstance(v, str) and v.startswith(HASH_PREFIX) for v in before.values()):
            outcome.notes.append(f"secret attributes are not stored as {HASH_PREFIX} digests: {before}")
        world.extra_env["RSL_SECRET_VALUE"] = ROTATED
        rotated = world.cli("plan", "--detailed-exitcode", "--format", "json", "--out", str(plan_file))
        changed = sorted(c["address"] for c in json.loads(rotated.out)["resource_changes"]
                         if c["action"] != "no-op") if rotated.code == 2 else []
        if changed != sorted(holders):
            outcome.notes.append(f"rotation planned changes for {changed}, expected exactly {sorted(holders)}")
        for fmt in ("text", "markdown"):
            world.cli("plan", "--format", fmt)
        for fmt in ("text", "json", "markdown"):
            world.cli("drift", "--format", fmt)
        applied = world.cli("apply", str(plan_file))
        after = _secret_fields(json.loads(Path(str(world.state)).read_text()), holders)
        if applied.code != 0 or any(after[a] == before[a] for a in after):
            outcome.notes.append("applying the rotation did not change the stored digests")
        if world.cli("plan", "--detailed-exitcode").code != 0:
            outcome.notes.append("the plan after the rotation was not clean")

        # a server that echoes credentials on every read
        world.sb.set_faults({"echo": 1.0})
        echo_plan = world.cli("plan", "--target", holders[0])
        if echo_plan.code != 1:
            outcome.notes.append(f"a plan against an echoing server exited {echo_plan.code}")
        world.sb.set_faults({})

        # a sensitive field with the wrong type (the value must not be echoed)
        bad = world.root / "bad-specs"
        bad.mkdir(exist_ok=True)
        (bad / "bad.yaml").write_text(
            "resources:\n  astro_workspace.w:\n    name: w\n  astro_deployment.d:\n"
            "    workspace: ${astro_workspace.w.id}\n    name: d\n    secret_environment_variables: "
            "${env:RSL_SECRET_VALUE}\n")
        for command in ("validate", "plan"):
            if world.cli("--specs", str(bad), command).code != 1:
                outcome.notes.append(f"{command} accepted a sensitive field of the wrong type")

        # killed mid-apply: the journal holds intents; then re-run
        extra = world.specs / "astro" / "zz-crash.yaml"
        extra.write_text("resources:\n" + "".join(
            f"  astro_deployment.crash_{i}:\n    workspace: ${{astro_workspace.bench_w0000.id}}\n"
            f"    name: crash-{i}\n    cloud_provider: AWS\n    region: us-east-1\n    secret_environment_variables:\n      PW: ${{env:RSL_SECRET_VALUE}}\n"
            for i in range(6)))
        world.sb.latency_ms = 30
        writes = world.sb.write_count
        child = world.spawn("apply", "--auto-approve")
        deadline = time.monotonic() + 60
        while world.sb.write_count < writes + 2 and child.running() and time.monotonic() < deadline:
            time.sleep(0.005)
        child.kill()
        world.collect(child)
        world.settle()
        journal = Path(str(world.state) + ".journal")
        world.root.joinpath("journal-after-kill.txt").write_bytes(journal.read_bytes() if journal.exists() else b"")
        world.sb.latency_ms = 0
        killed = world.runs[-1].code == -signal.SIGKILL
        if world.cli("apply", "--auto-approve").code != 0 or not killed:
            outcome.notes.append(f"the apply killed mid-way (killed: {killed}) was not completed by the re-run")
        outcome.figures += [
            ("resources (secret holders)", f"{len(estate.resources)} ({len(holders)})"),
            ("applies under faults until exit 0 (faults incl. echo)", applies),
            ("echo faults answered (headers echoed in the error body)", echoed),
            ("rotation", f"{len(changed)} change(s) planned for {len(holders)} holder(s); digests "
                         f"{'changed' if after != before else 'UNCHANGED'}"),
        ]

    if postgres is not None:
        with World(root / "secrets-pg", state=postgres) as pg:
            pg.write_estate(10, ["astro"])
            if pg.cli("apply", "--auto-approve").code != 0:
                outcome.notes.append("the apply into the PostgreSQL state failed")
            pg.cli("state", "pull", "--to", str(pg.root / "pulled.json"))
            dump = dump_postgres(postgres)
            (pg.root / "postgres-rows.txt").write_bytes(dump)
            outcome.figures.append(("PostgreSQL rows scanned", dump.count(b"\n") + 1 if dump else 0))
    return outcome


def body_level_error(root: Path) -> tuple[str, list[Leak]]:
    """A block whose error concerns the whole body (a STANDARD Astro deployment without its
    cloud) while it holds a secret: (the error, what of the secret it shows)."""
    with World(root / "body-level-error") as world:
        (world.specs / "d.yaml").write_text(
            "resources:\n  astro_workspace.w:\n    name: w\n  astro_deployment.d:\n"
            "    secret_environment_variables:\n      PW: ${env:RSL_SECRET_VALUE}\n"
            "    workspace: ${astro_workspace.w.id}\n    name: d\n")
        run = world.cli("validate")
        return run.err, scan_bytes("validate's error", run.text.encode(), all_secrets())


def scan(outcome: Outcome, roots: Iterable[Path] = ()) -> Outcome:
    files, leaks = scan_files([*ROOTS, *roots], all_secrets())
    outcome.files = files
    outcome.leaks = leaks  # the body-level-error world included: that leak is fixed, so it counts
    return outcome


def main(argv: Sequence[str] | None = None) -> int:
    opts = options(argv, doc=__doc__, ci_size=CI_SIZE, full_size=FULL_SIZE)
    from tests.resilience.concurrency import postgres_schema, postgres_server

    server, why = postgres_server()
    if server is None:
        outcome = exercise(opts.workdir, opts.size)
        outcome.notes.append(f"no PostgreSQL server: {why}")
    else:
        with postgres_schema(server) as prefix:
            outcome = exercise(opts.workdir, opts.size, postgres=f"{prefix}&name=rsl-secrets")
    error, body_leaks = body_level_error(opts.workdir)
    scan(outcome, [opts.workdir])
    outcome.leaks += body_leaks
    rows = outcome.figures + [
        ("secrets looked for", ", ".join(all_secrets())),
        ("files scanned (states, journals, plans, outputs, logs)", outcome.files),
        ("occurrences found", len(outcome.leaks)),
    ]
    failures = [f"{leak.secret} in {leak.where}: {leak.line}" for leak in outcome.leaks[:50]] + outcome.notes
    return report("Secrets", command_line("tests.resilience.secret_leaks", argv), rows, failures)


if __name__ == "__main__":
    main_for(main)
