"""The benchmark harness cannot rot: a quick run of every phase end to end (the rate-limited one
included), and its decisions as tables."""

from __future__ import annotations

import json
import re
import time

import pytest

import httpx

from benchmarks import report, run, targets
from benchmarks.estate import (
    ALL_PROVIDERS,
    Floor,
    ProviderEstate,
    Selection,
    build,
    combined_floor_seconds,
    rate_floor_seconds,
    select,
    shares,
)
from benchmarks.estate.registry import GENERATORS
from benchmarks.measure import Measurement, RunTimeout, run_cli
from benchmarks.sandbox_process import SandboxProcess, Traffic, diff_stats, free_port
from benchmarks.scenarios import RATE_LIMITED, Options, RunResult, ScenarioResult

REFERENCE = re.compile(r"\$\{([a-z0-9_]+\.[A-Za-z0-9_]+)\.[a-z_]+\}")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One ``--quick`` run of the whole harness (real sandbox process, real CLI children)."""
    out = tmp_path_factory.mktemp("bench") / "latest.json"
    code = run.main(["--quick", "--json", str(out)])
    return code, json.loads(out.read_text())


def test_quick_run_measures_every_scenario_and_baseline(quick_run):
    code, doc = quick_run
    assert code == 0, doc["problems"]
    used = doc["providers"]["used"]
    assert "dataiku" in used
    assert set(ALL_PROVIDERS) <= set(used) | set(doc["providers"]["skipped"])
    assert [s["name"] for s in doc["scenarios"]] == [
        "startup", "apply", "plan", "plan-secondary", *(f"apply {p}" for p in used),
        "rate-limited apply", "rate-limited plan", "plan-cpu (setup)", "plan-cpu",
        "plan-cpu written out (setup)", "plan-cpu written out", "plan-cpu for_each (setup)", "plan-cpu for_each"]
    assert [(b["name"], b["latency_ms"]) for b in doc["baselines"]] == [
        ("parallel-10", 2.0), ("sequential", 1.0), ("parallel-10", 1.0)]
    by_name = {s["name"]: s for s in doc["scenarios"]}
    assert by_name["plan"]["latency_ms"] == 2.0 and by_name["plan-secondary"]["latency_ms"] == 1.0
    for s in doc["scenarios"][1:]:
        assert s["exit_code"] == 0 and s["problem"] is None
        assert s["wall_s"] > 0 and s["cpu_s"] > 0 and s["peak_rss_mb"] > 10
    for name in ("apply", "plan", "plan-secondary", "plan-cpu (setup)", "plan-cpu"):
        assert set(by_name[name]["requests_by_provider"]) == set(used), name
    repeated = {"startup", "apply", "plan", "plan-secondary", "plan-cpu", "plan-cpu written out", "plan-cpu for_each"}
    for s in doc["scenarios"]:  # the median of the quick run's 3 runs (each apply from empty)
        walls = sorted(r["wall_s"] for r in s["runs"])
        if s["name"] in repeated:
            assert len(walls) == 3 and s["wall_s"] == pytest.approx(walls[1], abs=1e-4), s["name"]
        else:
            assert walls == [], s["name"]  # setups, per-provider and rate-limited scenarios run once


def test_quick_run_per_provider_applies_count_requests_by_route_against_the_floor(quick_run):
    _, doc = quick_run
    n = doc["options"]["n"]
    for provider in doc["providers"]["used"]:
        alone = next(s for s in doc["scenarios"] if s["name"] == f"apply {provider}")
        assert set(alone["requests_by_provider"]) == {provider}
        assert alone["recorded"] == n and alone["floor"] == "round trip"
        floor = doc["estates"][provider][provider]["floor"]["create_requests"]
        assert alone["floor_requests_by_provider"] == {provider: floor} and alone["floor_requests"] == floor
        assert alone["requests"] >= floor  # nobody beats the floor
        routes = alone["routes_by_provider"][provider]
        assert sum(routes.values()) == alone["requests_by_provider"][provider]["requests"] == alone["requests"]
        assert any(route.startswith("POST ") for route in routes), routes
        assert alone["requests_x_floor_by_provider"][provider] == pytest.approx(alone["requests"] / floor, abs=1e-3)


def test_quick_run_rate_limited_phase_meets_the_limit_and_fails_nothing(quick_run):
    _, doc = quick_run
    platform, rps = doc["options"]["rate_limit"]["platform"], doc["options"]["rate_limit"]["rps"]
    apply, plan = (next(s for s in doc["scenarios"] if s["name"] == name)
                   for name in ("rate-limited apply", "rate-limited plan"))
    assert apply["recorded"] == doc["options"]["n_rate"]
    assert apply["refused_by_provider"].get(platform, 0) > 0, "the limit was never met: the phase proves nothing"
    floor = doc["estates"][RATE_LIMITED][platform]["floor"]
    assert apply["floor"] == plan["floor"] == "rate"
    assert apply["floor_s"] == pytest.approx(floor["create_requests"] / rps, abs=1e-3)
    assert plan["floor_s"] == pytest.approx(floor["refresh_requests"] / rps, abs=1e-3)
    assert apply["requests"] == apply["requests_by_provider"][platform]["requests"] \
        + apply["refused_by_provider"][platform]
    failed = next(t for t in doc["targets"] if "failed operations" in t["name"])
    assert failed["measured"] == 0 and failed["passed"] is True
def test_the_median_run_is_the_middle_one_by_wall_time():
    from benchmarks.phases import median_run

    runs = [Measurement(("plan",), 0, wall, wall, 0.0, 50.0, 0, "", "") for wall in (0.9, 0.6, 0.7, 0.65, 2.0)]
    assert median_run(runs).wall_s == 0.7
    assert median_run(runs[:2]).wall_s == 0.9 and median_run(runs[:1]).wall_s == 0.9


def test_quick_run_counts_state_writes_and_no_plan_writes(quick_run):
    _, doc = quick_run
    by_name = {s["name"]: s for s in doc["scenarios"]}
    for name in ("apply", "plan-cpu (setup)", *(f"apply {p}" for p in doc["providers"]["used"])):
        applied = by_name[name]
        # the snapshot was written at least once, and the journal and backup are writes too
        assert applied["state_bytes_written"] >= applied["final_state_bytes"] > 0
    for name in ("plan", "plan-secondary", "rate-limited plan", "plan-cpu"):
        planned = by_name[name]
        # a plan sends many requests (socket sends are not counted) and writes no state
        assert planned["state_bytes_written"] == 0
        assert all(c["writes"] == 0 for c in planned["requests_by_provider"].values())


def test_quick_run_baselines_read_every_object_once(quick_run):
    _, doc = quick_run
    n = doc["options"]["n"]
    for b in doc["baselines"]:
        assert b["requests"] == n and b["failures"] == 0, b
        assert sum(c["requests"] for c in b["requests_by_provider"].values()) == n
    for name, compared in (("plan", ["vs_parallel"]), ("plan-secondary", ["vs_sequential", "vs_parallel"])):
        plan = next(s for s in doc["scenarios"] if s["name"] == name)
        assert plan["floor_s"] > 0 and plan["x_floor"] > 0
        assert all(plan[key] > 0 for key in compared), name
    plan = next(s for s in doc["scenarios"] if s["name"] == "plan")
    assert plan["vs_sequential"] is None  # no sequential baseline at the primary latency
    names = [t["name"] for t in doc["targets"]]
    assert names[0].startswith(f"no-change plan of {n} at 2 ms")
    per_provider = [name for name in names if name.endswith("creates at 2 ms: wall / floor for creates")]
    assert per_provider == [f"apply of {n} {p} creates at 2 ms: wall / floor for creates"
                            for p in doc["providers"]["used"]]
@pytest.mark.parametrize("provider", sorted(GENERATORS))
@pytest.mark.parametrize("n", [1, 2, 3, 11, 100, 257])
def test_generator_makes_exactly_n_resources_whose_references_resolve(provider, n):
    estate = GENERATORS[provider].generate(n, 8)
    assert estate.provider == provider
    assert len(estate.resources) == n
    assert all(a.split(".")[0].startswith(provider + "_") for a in estate.resources)
    addresses = set(estate.resources) | set(estate.lookups)
    for attrs in [*estate.resources.values(), *estate.lookups.values()]:
        for target in REFERENCE.findall(json.dumps(attrs)):
            assert target in addresses, target
    assert estate.floor.refresh >= 1 and sum(estate.floor.create_rounds) >= n
    assert estate.floor.requests("create") == sum(estate.floor.create_rounds)
    assert estate.floor.requests("refresh") == estate.floor.refresh


@pytest.mark.parametrize("n, count, expected", [
    pytest.param(10, 3, [4, 3, 3], id="remainder-first"),
    pytest.param(9, 3, [3, 3, 3], id="even"),
    pytest.param(2, 3, [1, 1, 0], id="fewer-than-parts"),
    pytest.param(5, 0, [], id="no-parts"),
])
def test_shares(n, count, expected):
    assert shares(n, count) == expected


@pytest.mark.parametrize("floor, latency, refresh_s, create_s", [
    pytest.param(Floor(16, (1, 16), 8), 0.02, 0.04, 0.06, id="whole-rounds"),
    pytest.param(Floor(17, (9,), 8), 0.02, 0.06, 0.04, id="partial-round-costs-a-round"),
    pytest.param(Floor(5, (5,), 8), 0.0, 0.0, 0.0, id="no-latency"),
])
def test_floor_seconds(floor, latency, refresh_s, create_s):
    assert floor.refresh_seconds(latency) == pytest.approx(refresh_s)
    assert floor.create_seconds(latency) == pytest.approx(create_s)


def test_combined_floor_is_the_slowest_provider():
    fast = ProviderEstate("a", {}, Floor(8, (8,), 8))
    slow = ProviderEstate("b", {}, Floor(80, (8, 8), 8))
    assert combined_floor_seconds([fast, slow], 0.01, "refresh") == pytest.approx(0.1)
    assert combined_floor_seconds([fast, slow], 0.01, "create") == pytest.approx(0.02)
    with pytest.raises(ValueError):
        combined_floor_seconds([fast], 0.01, "delete")


def test_rate_floor_is_the_platforms_requests_over_the_rate():
    estates = [ProviderEstate("a", {}, Floor(30, (5, 20), 8)), ProviderEstate("b", {}, Floor(8, (8,), 8))]
    assert rate_floor_seconds(estates, "a", 10.0, "create") == pytest.approx(2.5)
    assert rate_floor_seconds(estates, "a", 10.0, "refresh") == pytest.approx(3.0)
    assert rate_floor_seconds(estates, "c", 10.0, "create") == 0.0


@pytest.mark.parametrize("providers, emulators, used, skipped", [
    pytest.param(["dataiku"], ["dataiku"], ["dataiku"], {"datarobot", "lightdash", "astro", "semantic"},
                 id="only-dataiku"),
    pytest.param(["dataiku", "datarobot"], ["dataiku"], ["dataiku"], {"datarobot", "lightdash", "astro", "semantic"},
                 id="no-emulator"),
    pytest.param(["dataiku", "newone"], ["dataiku", "newone"], ["dataiku"],
                 {"datarobot", "lightdash", "astro", "semantic", "newone"}, id="no-generator"),
])
def test_select_skips_what_is_not_registered(providers, emulators, used, skipped):
    selection = select(GENERATORS, providers, emulators)
    assert [g.provider for g in selection.used] == used
    assert set(selection.skipped) == skipped
    assert all(selection.skipped.values())


def test_build_refuses_fewer_resources_than_providers():
    with pytest.raises(ValueError):
        build(1, [GENERATORS["dataiku"], GENERATORS["dataiku"]])


@pytest.mark.parametrize("measured, limit, at_most, passed", [
    pytest.param(1.5, 2.0, True, True, id="under-limit"),
    pytest.param(2.5, 2.0, True, False, id="over-limit"),
    pytest.param(25.0, 20.0, False, True, id="fast-enough"),
    pytest.param(None, 20.0, False, None, id="not-measured"),
])
def test_target_passed(measured, limit, at_most, passed):
    assert targets.Target("t", measured, limit, at_most, "x").passed is passed


def test_a_run_over_its_timeout_is_killed(tmp_path):
    port = free_port()
    started = time.monotonic()
    with pytest.raises(RunTimeout):
        run_cli(["sandbox", "--port", str(port)], {"PATH": "/usr/bin:/bin"}, timeout=1.0, cwd=tmp_path)
    assert time.monotonic() - started < 10


def test_sandbox_process_is_terminated_and_counts_requests():
    with SandboxProcess(latency_ms=0, rate_limits={"dataiku": 5}) as sandbox:
        before = sandbox.stats()
        assert "dataiku" in before and "DATAIKU_URL" in sandbox.env
        assert sandbox.running
        limits = httpx.get(f"{sandbox.base_url}/_sandbox/rate-limit", trust_env=False).json()
        assert limits == {"rates": {"dataiku": 5.0}, "refused": {}}  # --rate-limit reached the server
        sandbox.set_latency(3)
        assert httpx.get(f"{sandbox.base_url}/_sandbox/latency", trust_env=False).json() == {"ms": 3}
    assert not sandbox.running
    assert diff_stats({"a": {"requests": 1, "writes": 0}}, {"a": {"requests": 3, "writes": 0}, "b": {"requests": 0}}) \
        == {"a": {"requests": 2, "writes": 0}}


def test_traffic_since_keeps_what_grew():
    before = Traffic({"a": {"requests": 1, "writes": 0}}, {"a": {"GET /x": 1}}, {"a": 2}, 1.0)
    after = Traffic({"a": {"requests": 4, "writes": 1}, "b": {"requests": 0, "writes": 0}},
                    {"a": {"GET /x": 1, "POST /x": 3}}, {"a": 5, "b": 0}, 1.5)
    grown = after.since(before)
    assert grown == Traffic({"a": {"requests": 3, "writes": 1}}, {"a": {"POST /x": 3}}, {"a": 3}, 0.5)
    assert grown.sent("a") == 6 and grown.sent("b") == 0


def _scenario(name: str, n: int = 10, problem: str | None = None, recorded: int | None = None) -> ScenarioResult:
    m = Measurement(("apply",), 0 if problem is None else 1, 2.0, 1.0, 0.5, 100.0, 0, "", "")
    return ScenarioResult(name, n, 100.0, m, Traffic(), 100, 1.0, problem, recorded=recorded)


@pytest.mark.parametrize("apply, plan, failed", [
    pytest.param(_scenario("rate-limited apply", recorded=10), _scenario("rate-limited plan"), 0, id="none"),
    pytest.param(_scenario("rate-limited apply", problem="exit code 1", recorded=7), _scenario("rate-limited plan"),
                 3, id="three-not-created"),
    pytest.param(_scenario("rate-limited apply", problem="exit code 1", recorded=10), None, 2,
                 id="apply-failed-plan-not-run"),
    pytest.param(_scenario("rate-limited apply", recorded=10), _scenario("rate-limited plan", problem="exit 2"), 1,
                 id="plan-failed"),
    pytest.param(None, None, None, id="not-run"),
])
def test_failed_operations_of_the_rate_limited_phase(apply, plan, failed):
    result = RunResult(Options(n=10, n_cpu=10), Selection((), {}))
    result.scenarios += [s for s in (apply, plan) if s is not None]
    assert targets.failed_operations(result) == failed


@pytest.mark.parametrize("argv, message", [
    pytest.param(["--only", "apply,nothing"], "--only takes phases", id="unknown-phase"),
    pytest.param(["--rate-limit", "dataiku"], "PLATFORM=RPS", id="no-rate"),
    pytest.param(["--rate-limit", "nowhere=3"], "no estate generator for nowhere", id="unknown-platform"),
    pytest.param(["--rate-limit", "dataiku=0"], "above 0", id="zero-rate"),
    pytest.param(["--n-rate", "0"], "at least 1", id="empty-rate-estate"),
])
def test_bad_options_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        run.parse_args(argv)
    assert exited.value.code == 2 and message in capsys.readouterr().err


def test_default_options_are_the_realistic_run():
    opts, _, _ = run.parse_args([])
    assert (opts.n, opts.latency_ms, opts.secondary_latency_ms, opts.n_cpu) == (2000, 100.0, 20.0, 10000)
    assert opts.rate_limit == ("dataiku", 10.0) and opts.only is None
    assert run.parse_args(["--latency-ms", "50", "--only", "apply"])[0].latency_ms == 50.0
    assert run.parse_args(["--only", "apply, plan"])[0].only == ("apply", "plan")


@pytest.mark.parametrize("problem, measured_ms", [
    pytest.param(None, 150.0, id="ran"),
    pytest.param("exit code 1: boom", None, id="failed-run-measures-nothing"),
])
def test_plan_cpu_target_uses_only_a_run_that_succeeded(problem, measured_ms):
    m = Measurement(("plan",), 0 if problem is None else 1, 2.0, 1.0, 0.5, 100.0, 0, "", "")
    result = RunResult(Options(n=10, n_cpu=10), Selection((), {}))
    result.scenarios.append(ScenarioResult("plan-cpu", 10, 0.0, m, Traffic(), 100, None, problem))
    cpu = next(t for t in targets.targets(result) if t.name.startswith("plan CPU"))
    assert cpu.measured == (None if measured_ms is None else pytest.approx(measured_ms))
    assert "plan-cpu" in report.render(result)


def test_select_leaves_out_what_the_run_excludes():
    selection = select(GENERATORS, ["dataiku", "astro"], ["dataiku", "astro"], wanted=["astro"])
    assert [g.provider for g in selection.used] == ["astro"]
    assert selection.skipped["dataiku"] == "left out by --providers"
