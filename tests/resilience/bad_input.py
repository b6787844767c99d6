"""Item 5, bad input: a corpus of malformed spec sets, state files and saved plans.

The promise for every malformed spec set: ``reconciler plan`` exits 1 within seconds and bounded
memory, names ``file:line`` and says what is allowed, prints no traceback, and the sandbox sees
no request. For bad state files and saved plans: exit 1 with what is wrong, no traceback, and
nothing written to any platform.

Each spec case is a valid estate across every provider plus one file that breaks it
(``broken.yaml``), or a set that is broken as a whole (an empty directory, non-UTF-8 bytes...).
Ordinary cases run in-process; the heavy ones (an alias bomb, a huge file, deep nesting) run as
a child process under a memory limit, whose peak memory and wall time are measured.

    python -m tests.resilience.bad_input            # CI size (the huge file is 8 MB)
    python -m tests.resilience.bad_input --full     # the huge file is 50 MB
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.resilience.bad_state import run_damages
from tests.resilience.figures import command_line, main_for, options, report
from tests.resilience.world import ROOT, Run, World

#: a child process may use this much address space (the heavy cases); more is "unbounded"
MEMORY_LIMIT = 1024 * 1024 * 1024
#: every case must be answered within this many seconds
TIME_LIMIT = 10.0
CI_MB, FULL_MB = 8, 50
BASE_SIZE = 10
LOCATED = re.compile(r"broken\.yaml:\d+")


@dataclass(frozen=True)
class Case:
    """One malformed spec set: ``files`` (name -> text or bytes) added to the valid base (unless
    ``alone``), and fragments the error must contain (case-insensitive)."""

    id: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    expect: tuple[str, ...] = ()
    alone: bool = False  # the set is only these files (no valid base)
    heavy: bool = False  # run as a child process under the memory limit
    located: bool = True  # the message must name broken.yaml:LINE
    #: a stacks file (``broken.yaml`` outside the specs; ``{specs}`` is the case's valid specs
    #: directory) and the stack ``plan`` runs on with ``--stacks-file ... --stack STACK``
    stacks: str | None = None
    stack: str = ""


def _broken(text: str, *expect: str, case_id: str, **kw) -> Case:
    return Case(case_id, {"broken.yaml": text}, tuple(expect), **kw)


def _resources(body: str) -> str:
    return "resources:\n" + body


def _bomb(levels: int) -> str:
    lines = ["variables:", "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def _huge(megabytes: int) -> str:
    line = "  v{i}: " + "x" * 100 + "\n"
    count = megabytes * 1024 * 1024 // len(line.format(i=0))
    return "variables:\n" + "".join(line.format(i=i) for i in range(count))


def spec_cases(huge_mb: int) -> list[Case]:
    """The corpus (at least 40 sets)."""
    c = _broken
    return [
        # -- YAML syntax -------------------------------------------------------------------------
        c(_resources("  dataiku_project.x: {key: [unclosed\n"), "yaml", case_id="yaml-unclosed-bracket"),
        c(_resources("  dataiku_project.x:\n    key: X\n   name: bad indent\n"), "indent", case_id="yaml-bad-indentation"),
        c(_resources('  dataiku_project.x:\n    key: "unclosed\n'), "yaml", case_id="yaml-unclosed-quote"),
        c("resources: {}\n---\nresources: {}\n", "document", case_id="yaml-two-documents"),
        c(_resources("  dataiku_project.x:\n    name: a: b\n"), ":", case_id="yaml-colon-in-value"),
        c(_resources("  dataiku_project.x: *nowhere\n"), "alias", case_id="yaml-undefined-alias"),
        c(_resources("  ? [a, b]\n  : 1\n"), "key", case_id="yaml-list-as-key"),
        c("- just\n- a list\n", "mapping", case_id="yaml-top-level-list"),
        c("just a sentence\n", "mapping", case_id="yaml-top-level-scalar"),
        # -- tabs --------------------------------------------------------------------------------
        c(_resources("  dataiku_project.x:\n\tkey: X\n"), "tab", case_id="tab-indentation"),
        # -- duplicate keys ------------------------------------------------------------------------
        c(_resources("  lightdash_group.dup:\n    name: a\n    name: b\n"), "twice", case_id="duplicate-key-in-resource"),
        c(_resources("  lightdash_group.a:\n    name: a\n") + _resources("  lightdash_group.b:\n    name: b\n"),
          "twice", case_id="duplicate-top-level-key"),
        # -- wrong types ---------------------------------------------------------------------------
        c(_resources("  dataiku_project.x:\n    key: RSL_X\n    name: X\n    tags: 42\n"), "tags",
          case_id="wrong-type-list"),
        c(_resources("  lightdash_group.x:\n    name: [a, b]\n"), "name", case_id="wrong-type-string"),
        c(_resources("  datarobot_prediction_environment.x:\n    name: x\n    platform: datarobotServerless\n"
                     "    supported_model_formats: datarobot\n"), "supported_model_formats",
          case_id="wrong-type-scalar-for-list"),
        c(_resources("  astro_workspace.x:\n    name: {nested: map}\n"), "name", case_id="wrong-type-mapping"),
        c(_resources("  lightdash_space.x:\n    project: p\n    name: s\n    private: maybe\n"), "private",
          case_id="wrong-type-boolean"),
        c(_resources("  astro_deployment.x:\n    workspace: w\n    name: x\n    executor: TURBO\n"), "executor",
          case_id="invalid-enum-value"),
        c(_resources("  lightdash_scheduler.x:\n    project: p\n    chart: c\n    name: n\n    cron: '0 25 * * *'\n"
                     "    format: csv\n"), "hour '25' is outside 0-23", case_id="scheduler-invalid-cron"),
        c(_resources("  lightdash_scheduler.x:\n    project: p\n    chart: c\n    name: n\n    cron: '0 9 * * *'\n"
                     "    format: csv\n    targets: [{type: teams, webhook: w}]\n"), "'email', 'slack'",
          case_id="scheduler-unknown-target-type"),
        c(_resources("  astro_deployment.x:\n    workspace: w\n    name: x\n    cloud_provider: AWS\n"
                     "    region: us-east-1\n    is_development_mode: true\n    scaling_spec:\n      hibernation_spec:\n"
                     "        schedules:\n          - {hibernate_at_cron: '0 19 * * MONDAY', wake_at_cron: '0 7 * * *'}\n"),
          "5-part cron", case_id="invalid-hibernation-cron"),
        c(_resources("  astro_notification_channel.x:\n    name: x\n    type: TEAMS\n    entity_id: d\n"), "DAG_TRIGGER",
          case_id="unknown-notification-channel-type"),
        c(_resources("  dataiku_project.x: 5\n"), "dataiku_project.x", case_id="resource-not-a-mapping"),
        c("variables: [a, b]\n", "variables", case_id="variables-not-a-mapping"),
        # -- unknown fields ------------------------------------------------------------------------
        c(_resources("  dataiku_project.x:\n    key: RSL_X\n    name: X\n    colour: blue\n"), "colour",
          case_id="unknown-field"),
        c(_resources("  semantic_model.x:\n    name: x\n    domain: urn:li:domain:sales\n    sql: SELECT 1\n"
                     "    deploy: {create_dashbord: true}\n"), "create_dashbord", case_id="unknown-nested-field"),
        c(_resources("  datarobot_deployment.x:\n    label: x\n    model_id: m\n    drift_tracking: {target: true}\n"),
          "target_drift", case_id="unknown-settings-block-key"),
        c(_resources("  datarobot_deployment.x:\n    label: x\n    model_id: m\n"
                     "    health: {data_drift: {drift_threshold: 1.5}}\n"), "less than or equal to 1",
          case_id="settings-threshold-out-of-range"),
        c("resorces:\n  lightdash_group.x:\n    name: x\n", "resorces", case_id="unknown-top-level-key"),
        c(_resources("  lightdash_group.x:\n    name: x\n    lifecycle: {prevent_destroi: true}\n"), "prevent_destroi",
          case_id="unknown-lifecycle-key"),
        c(_resources("  dataiku_group.x:\n    name: x\n    permissions: {mayFly: true}\n"), "mayCreateProjects",
          case_id="unknown-group-permission"),
        c(_resources("  dataiku_connection.x:\n    name: x\n    type: Postgres\n"), "PostgreSQL",
          case_id="unknown-connection-type"),
        c("providers:\n  dataiku:\n    urll: http://127.0.0.1:1\n", "urll", case_id="unknown-provider-setting"),
        c("providers:\n  tableau:\n    url: http://127.0.0.1:1\n", "tableau", case_id="unknown-provider"),
        # -- unknown types -------------------------------------------------------------------------
        c(_resources("  dataiku_datasett.x:\n    project: P\n"), "dataiku_datasett", "dataiku_dataset",
          case_id="unknown-type-typo"),
        c(_resources("  tableau_workbook.x:\n    name: x\n"), "tableau_workbook", case_id="unknown-type-provider"),
        c(_resources("  Dataiku Project!.x:\n    key: X\n"), "address", case_id="invalid-address"),
        # -- references ----------------------------------------------------------------------------
        c(_resources("  dataiku_dataset.x:\n    project: ${dataiku_project.nope.key}\n    name: x\n"
                     "    type: PostgreSQL\n"), "dataiku_project.nope", case_id="dangling-reference"),
        c(_resources("  lightdash_group.x:\n    name: ${var.nope}\n"), "var.nope", case_id="undefined-variable"),
        c(_resources("  lightdash_group.x:\n    name: ${lightdash_group.bench_g0000.nope}\n"), "nope",
          case_id="unknown-attribute"),
        c(_resources("  lightdash_group.x:\n    name: ${lightdash_group.bench_g0000.name\n"), "${",
          case_id="unclosed-interpolation"),
        c(_resources("  lightdash_group.x:\n    name: x\n    depends_on: [lightdash_group.nope]\n"), "lightdash_group.nope",
          case_id="dangling-depends-on"),
        c(_resources("  lightdash_group.a:\n    name: a\n    depends_on: [lightdash_group.b]\n"
                     "  lightdash_group.b:\n    name: b\n    depends_on: [lightdash_group.a]\n"), "cycle",
          case_id="cyclic-depends-on"),
        c(_resources("  lightdash_group.a:\n    name: ${lightdash_group.b.name}x\n"
                     "  lightdash_group.b:\n    name: ${lightdash_group.a.name}y\n"), "cycle",
          case_id="cyclic-references"),
        # -- expressions and locals ----------------------------------------------------------------
        c(_resources("  lightdash_group.x:\n    name: ${uper(\"x\")}\n"), "unknown function 'uper'", "allowed functions",
          case_id="unknown-function"),
        c(_resources("  lightdash_group.x:\n    name: '${1 + \"a\"}'\n"), "'+' takes numbers", case_id="expression-type-mismatch"),
        c(_resources("  lightdash_group.x:\n    name: '${length(lightdash_group.bench_g0000.name) > \"2\" ? \"a\" : \"b\"}'\n"),
          "takes numbers", case_id="expression-type-mismatch-at-plan"),
        c(_resources("  lightdash_group.x:\n    name: ${upper(\n"), "expression", case_id="expression-syntax"),
        c("locals:\n  a: ${local.b}\n  b: ${local.a}\n", "loop", case_id="locals-loop"),
        c(_resources("  lightdash_group.x:\n    name: ${local.nope}\n"), "undefined local 'nope'", case_id="undefined-local"),
        # -- provider instances ---------------------------------------------------------------------
        c(_resources("  lightdash_group.x:\n    provider: lightdash.eu\n    name: x\n"),
          "unknown provider instance 'lightdash.eu'", "instances of lightdash: lightdash",
          case_id="unknown-provider-instance"),
        c(_resources("  lightdash_group.x:\n    provider: Lightdash/EU\n    name: x\n"),
          "is not a provider instance name", "<platform>.<alias>", case_id="malformed-provider-instance"),
        c("providers:\n  lightdash.EU:\n    url: http://eu\n", "is not a provider instance name",
          case_id="malformed-instance-in-providers"),
        c(_resources("  lightdash_group.x:\n    provider: dataiku\n    name: x\n"),
          "is a lightdash resource", "instances of lightdash", case_id="provider-instance-of-another-platform"),
        # -- outputs ------------------------------------------------------------------------------
        c("outputs:\n  x:\n    value: ${lightdash_group.nope.name}\n", "lightdash_group.nope",
          case_id="output-dangling-reference"),
        c("outputs:\n  x:\n    description: no value\n", "must be a mapping with 'value'", case_id="output-without-value"),
        c("outputs:\n  x:\n    value: a\n    sensitiv: true\n", "sensitiv", case_id="output-unknown-key"),
        # -- typed variables -----------------------------------------------------------------------
        c("variables:\n  replicas:\n    type: number\n    default: many\n", "not a number", case_id="variable-type-mismatch"),
        c("variables:\n  owner:\n    type: string\n", "no value", case_id="variable-missing-required"),
        c("variables:\n  tier:\n    default: qa\n    validation:\n      - condition: ${contains([\"dev\"], var.tier)}\n"
          "        message: tier must be dev\n", "tier must be dev", case_id="variable-failed-validation"),
        c("variables:\n  x:\n    type: set(string)\n    default: []\n", "allowed: string, number", case_id="variable-unknown-type"),
        # -- for_each --------------------------------------------------------------------------------
        c(_resources("  lightdash_group.t:\n    for_each: 3\n    name: ${each.key}\n"), "for_each is a number",
          "a map", case_id="for-each-over-a-number"),
        c(_resources("  lightdash_group.t:\n    for_each: [a, b, a]\n    name: ${each.key}\n"), "listed twice",
          case_id="for-each-duplicate-keys"),
        c(_resources("  lightdash_group.t:\n    for_each: [a, b]\n    name: ${each.key}\n"
                     "  lightdash_group.u:\n    name: '${lightdash_group.t[\"c\"].name}'\n"), "has no instance \"c\"",
          case_id="unknown-instance-key"),
        c(_resources("  lightdash_group.t:\n    for_each: ${lightdash_group.bench_g0000.members}\n    name: ${each.key}\n"),
          "unknown until apply", case_id="for-each-unknown-until-apply"),
        # -- moved and import entries ----------------------------------------------------------------
        c("moved:\n  - {from: lightdash_group, to: lightdash_group.bench_g0000}\n", "not a resource address",
          "expected", case_id="moved-malformed-address"),
        c("moved:\n  - {from: lightdash_group.gone, to: lightdash_group.gone}\n", "from and to are both",
          case_id="moved-from-equals-to"),
        c("moved:\n  - {from: lightdash_group.gone, to: lightdash_group.bench_g0000}\n"
          "  - {from: lightdash_group.gone, to: lightdash_group.bench_g0001}\n", "moved twice",
          case_id="moved-twice-from-one-address"),
        c(_resources("  lightdash_group.x:\n    name: x\n") + "moved:\n  - {from: lightdash_group.bench_g0000, "
          "to: lightdash_group.x}\n", "which the specs still declare", case_id="moved-onto-another-declared-object"),
        c("moved:\n  - {from: lightdash_group.gone, to: lightdash_group.nope}\n", "not declared in the specs",
          case_id="moved-to-an-undeclared-address"),
        c("moved:\n  from: lightdash_group.gone\n  to: lightdash_group.bench_g0000\n", "must be a list",
          case_id="moved-not-a-list"),
        c("import:\n  - {to: lightdash_group.nope, id: '1'}\n", "not declared in the specs",
          case_id="import-to-an-undeclared-address"),
        c("import:\n  - {to: lightdash_group.bench_g0000}\n", "'id' is required", case_id="import-without-id"),
        # -- modules ----------------------------------------------------------------------------------
        c("modules:\n  team:\n    source: ./nowhere\n", "is not a directory of spec files", case_id="module-source-missing"),
        Case("module-source-loop", {"broken.yaml": "modules:\n  a:\n    source: ./mod_a\n",
                                    "mod_a/main.yaml": "modules:\n  b:\n    source: ../mod_b\n",
                                    "mod_b/main.yaml": "modules:\n  a:\n    source: ../mod_a\n"},
             ("loops back on itself",), located=False),
        Case("module-missing-input", {"broken.yaml": "modules:\n  team:\n    source: ./mod\n",
                                      "mod/main.yaml": "variables:\n  owner: {type: string}\n"},
             ("input 'owner' is required",)),
        Case("module-unknown-input", {"broken.yaml": "modules:\n  team:\n    source: ./mod\n    ownr: x\n",
                                      "mod/main.yaml": "variables:\n  owner: {type: string, default: a}\n"},
             ("declares no input 'ownr'", "owner")),
        Case("module-input-type-mismatch", {"broken.yaml": "modules:\n  team:\n    source: ./mod\n    owner: [a]\n",
                                            "mod/main.yaml": "variables:\n  owner: {type: string}\n"},
             ("expected a string",)),
        Case("module-unknown-output", {"broken.yaml": "modules:\n  team:\n    source: ./mod\n"
                                                      "outputs:\n  x:\n    value: ${module.team.nope}\n",
                                       "mod/main.yaml": "variables:\n  owner: {type: string, default: a}\n"},
             ("has no output 'nope'",)),
        # -- duplicate addresses -------------------------------------------------------------------
        c(_resources("  lightdash_group.bench_g0000:\n    name: again\n"), "lightdash_group.bench_g0000",
          case_id="duplicate-address"),
        # -- invalid values ------------------------------------------------------------------------
        c(_resources("  semantic_model.x:\n    name: x\n    domain: urn:li:domain:sales\n    sql: SELECT 1\n"
                     "    deploy: {create_schedule: true, schedule_cron: '61 25 * * *'}\n"), "cron",
          case_id="invalid-cron"),
        c(_resources("  dataiku_project.x:\n    key: sales-2024!\n    name: X\n"), "key", case_id="invalid-project-key"),
        c(_resources("  semantic_model.x:\n    name: Bad-Name\n    domain: urn:li:domain:sales\n    sql: SELECT 1\n"),
          "name", case_id="invalid-name-pattern"),
        c(_resources("  lightdash_group.x:\n    name: x\n    lifecycle: {prevent_destroy: sometimes}\n"),
          "prevent_destroy", case_id="invalid-lifecycle-value"),
        c("backend:\n  url: ftp://state.example/x\n", "backend", case_id="invalid-backend-url"),
        # -- bytes, size, depth, emptiness ---------------------------------------------------------
        Case("non-utf8-bytes", {"broken.yaml": b"resources:\n  lightdash_group.x:\n    name: caf\xe9\n"},
             ("utf-8",)),
        Case("alias-bomb", {"broken.yaml": _bomb(9)}, ("alias",), heavy=True),
        Case("huge-file", {"broken.yaml": _huge(huge_mb)}, ("large",), heavy=True),
        Case("deep-nesting", {"broken.yaml": "variables:\n  x: " + "[" * 10_000 + "]" * 10_000 + "\n"},
             ("nest",), heavy=True),
        Case("empty-directory", {}, ("no spec files",), alone=True, located=False),
        # -- stacks (stacks.yaml) ----------------------------------------------------------------------
        Case("stacks-shared-state", expect=("share one state", "each stack needs its own"), stack="dev",
             stacks="stacks:\n  dev:\n    specs: {specs}\n    state: one.json\n"
                    "  prod:\n    specs: {specs}\n    state: ./one.json\n"),
        Case("stacks-unknown-name", expect=("no stack named 'staging'", "known stacks: dev, prod"), stack="staging",
             stacks="stacks:\n  dev:\n    specs: {specs}\n  prod:\n    specs: {specs}\n"),
        Case("stacks-missing-specs-directory", expect=("specs", "no such directory", "relative to the stacks file"),
             stack="dev", stacks="stacks:\n  dev:\n    specs: [{specs}, {specs}-gone]\n"),
    ]


@dataclass(frozen=True)
class Result:
    """How one case was answered."""

    case: str
    code: int
    message: str
    seconds: float
    peak_mb: float | None  # children only
    requests: int
    time_limit: float = TIME_LIMIT
    memory_limit: int = MEMORY_LIMIT

    def failures(self, case: Case) -> list[str]:
        out = []
        text = self.message.lower()
        if self.code != 1:
            out.append(f"exit {self.code} (expected 1)")
        if "traceback" in text:
            out.append("traceback printed")
        if self.seconds > self.time_limit:
            out.append(f"took {self.seconds:.1f} s (limit {self.time_limit:g} s)")
        if self.peak_mb is not None and self.peak_mb * 1024 * 1024 >= self.memory_limit * 0.9:
            out.append(f"reached the {self.memory_limit // 2**20} MB memory limit")
        if self.requests:
            out.append(f"the sandbox saw {self.requests} request(s)")
        if case.located and not LOCATED.search(self.message):
            out.append("no broken.yaml:LINE in the message")
        missing = [e for e in case.expect if e.lower() not in text]
        if missing and self.code == 1:
            out.append(f"message lacks {missing}")
        return [f"{self.case}: {f} -- {self.message.strip()[:160]!r}" for f in out]


def _write(specs: Path, case: Case, base: Path) -> None:
    import shutil

    if specs.exists():
        shutil.rmtree(specs)
    if case.alone:
        specs.mkdir(parents=True)
    else:
        shutil.copytree(base, specs)
    for name, content in case.files.items():
        path = specs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def _child(world: World, specs: Path, time_limit: float, memory_limit: int) -> tuple[int, str, float, float]:
    """``reconciler --specs SPECS plan`` as a child under ``memory_limit`` bytes: (code, output,
    seconds, peak MB); killed after ``time_limit`` + 1 second (code -9)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    env = {**os.environ, **world.env, "RECONCILER_SPECS": str(specs)}
    out_path, err_path = specs.with_suffix(".out"), specs.with_suffix(".err")
    started = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "reconciler", "plan"], cwd=ROOT, env=env, preexec_fn=limit,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    deadline = started + time_limit + 1
    while True:  # wait4 gives this child's own peak memory
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    out_text, err_text = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    world.keep(Run(("plan", "(child)"), proc.returncode, out_text, err_text, "", seconds))
    return proc.returncode, out_text + err_text, seconds, usage.ru_maxrss / 1024


def _stack_run(world: World, specs: Path, case: Case) -> tuple[int, str, float, None]:
    """``reconciler --stacks-file FILE --stack STACK plan``, with no RECONCILER_SPECS / _STATE
    (the stack says where its specs and state are)."""
    stacks_file = specs.with_name(f"{case.id}.stacks") / "broken.yaml"
    stacks_file.parent.mkdir(parents=True, exist_ok=True)
    stacks_file.write_text((case.stacks or "").format(specs=specs))
    saved = dict(world.extra_env)
    world.extra_env.update(RECONCILER_SPECS="", RECONCILER_STATE="")  # (empty: unset, for click)
    try:
        run = world.cli("--stacks-file", str(stacks_file), "--stack", case.stack, "plan")
    finally:
        world.extra_env.clear()
        world.extra_env.update(saved)
    return run.code, run.text, run.seconds, None


def make_base(world: World) -> Path:
    """The valid estate every case breaks (written once, copied per case)."""
    base = world.root / "base"
    if not base.exists():
        world.write_estate(BASE_SIZE)
        world.specs.rename(base)
        world.specs.mkdir()
    return base


def answer(world: World, base: Path, case: Case, *, time_limit: float = TIME_LIMIT,
           memory_limit: int = MEMORY_LIMIT) -> Result:
    """Run ``plan`` on one case; heavy cases in a child process under the limits."""
    specs = world.root / "cases" / case.id
    _write(specs, case, base)
    before = sum(c["requests"] for c in world.sb.counts.values()) + world.sb.fault_count
    if case.heavy:
        code, message, seconds, peak = _child(world, specs, time_limit, memory_limit)
    elif case.stacks is not None:
        code, message, seconds, peak = _stack_run(world, specs, case)
    else:
        run = world.cli("--specs", str(specs), "plan")
        code, message, seconds, peak = run.code, run.text, run.seconds, None
    requests = sum(c["requests"] for c in world.sb.counts.values()) + world.sb.fault_count - before
    return Result(case.id, code, message, seconds, peak, requests, time_limit, memory_limit)


def main(argv: Sequence[str] | None = None) -> int:
    opts = options(argv, doc=__doc__, ci_size=CI_MB, full_size=FULL_MB)
    cases = spec_cases(opts.size)
    with World(opts.workdir / "bad-input") as world:
        base = make_base(world)
        results = [answer(world, base, case) for case in cases]
    damages = run_damages(opts.workdir / "bad-state")  # bad_state.py
    by_id = {c.id: c for c in cases}
    failures = [f for r in results for f in r.failures(by_id[r.case])] + [f for d in damages for f in d.failures()]
    heavy = [r for r in results if r.peak_mb is not None]
    rows: list[tuple[str, object]] = [
        ("malformed spec sets", len(results)),
        ("answered as promised (exit 1, file:line, what is allowed, no traceback, no request)",
         f"{sum(1 for r in results if not r.failures(by_id[r.case]))}/{len(results)}"),
        ("slowest in-process case", f"{max(r.seconds for r in results if r.peak_mb is None):.2f} s"),
        *[(f"{r.case} (child, {MEMORY_LIMIT // 2**20} MB limit)",
           f"exit {r.code}, {r.seconds:.1f} s, peak {r.peak_mb:.0f} MB") for r in heavy],
        ("huge file size", f"{opts.size} MB"),
        ("bad state files and saved plans", len(damages)),
        ("answered as promised (exit 1, what is wrong, no traceback, no write)",
         f"{sum(1 for d in damages if not d.failures())}/{len(damages)}"),
    ]
    return report("Bad input", command_line("tests.resilience.bad_input", argv), rows, failures)


if __name__ == "__main__":
    main_for(main)
