"""The benchmark harness cannot rot: a quick run end to end, and its decisions as tables."""

from __future__ import annotations

import json
import re
import time

import pytest

from benchmarks import report, run
from benchmarks.estate import (
    ALL_PROVIDERS,
    Floor,
    ProviderEstate,
    Selection,
    build,
    combined_floor_seconds,
    select,
    shares,
)
from benchmarks.estate.registry import GENERATORS
from benchmarks.measure import Measurement, RunTimeout, run_cli
from benchmarks.sandbox_process import SandboxProcess, diff_stats, free_port
from benchmarks.scenarios import Options, RunResult, ScenarioResult

REFERENCE = re.compile(r"\$\{([a-z0-9_]+\.[A-Za-z0-9_]+)\.[a-z_]+\}")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One ``--quick`` run of the whole harness (real sandbox process, real CLI children)."""
    out = tmp_path_factory.mktemp("bench") / "latest.json"
    started = time.monotonic()
    code = run.main(["--quick", "--json", str(out)])
    return code, json.loads(out.read_text()), time.monotonic() - started


def test_quick_run_measures_every_scenario_and_baseline(quick_run):
    code, doc, seconds = quick_run
    assert code == 0, doc["problems"]
    assert seconds < 20, f"the smoke run took {seconds:.1f} s"
    assert [s["name"] for s in doc["scenarios"]] == ["startup", "apply", "plan", "apply (setup)", "plan-cpu"]
    assert [b["name"] for b in doc["baselines"]] == ["sequential", "parallel-10"]
    used = doc["providers"]["used"]
    assert "dataiku" in used
    assert set(ALL_PROVIDERS) <= set(used) | set(doc["providers"]["skipped"])
    for s in doc["scenarios"][1:]:
        assert s["exit_code"] == 0 and s["problem"] is None
        assert s["wall_s"] > 0 and s["cpu_s"] > 0 and s["peak_rss_mb"] > 10
        assert set(s["requests_by_provider"]) == set(used), s["name"]
    for s in doc["scenarios"]:  # the median of the quick run's 3 runs (each apply from empty)
        walls = sorted(r["wall_s"] for r in s["runs"])
        if s["name"] != "apply (setup)":
            assert len(walls) == 3 and s["wall_s"] == pytest.approx(walls[1], abs=1e-4), s["name"]
        else:
            assert walls == [], s["name"]  # the 10,000-resource setup runs once


def test_the_median_run_is_the_middle_one_by_wall_time():
    from benchmarks.scenarios import median_run

    runs = [Measurement(("plan",), 0, wall, wall, 0.0, 50.0, 0, "", "") for wall in (0.9, 0.6, 0.7, 0.65, 2.0)]
    assert median_run(runs).wall_s == 0.7
    assert median_run(runs[:2]).wall_s == 0.9 and median_run(runs[:1]).wall_s == 0.9


def test_quick_run_counts_state_writes_and_no_plan_writes(quick_run):
    _, doc, _ = quick_run
    by_name = {s["name"]: s for s in doc["scenarios"]}
    for name in ("apply", "apply (setup)"):
        applied = by_name[name]
        # the snapshot was written at least once, and the journal and backup are writes too
        assert applied["state_bytes_written"] >= applied["final_state_bytes"] > 0
    for name in ("plan", "plan-cpu"):
        planned = by_name[name]
        # a plan sends many requests (socket sends are not counted) and writes no state
        assert planned["state_bytes_written"] == 0
        assert all(c["writes"] == 0 for c in planned["requests_by_provider"].values())


def test_quick_run_baselines_read_every_object_once(quick_run):
    _, doc, _ = quick_run
    n = doc["options"]["n"]
    for b in doc["baselines"]:
        assert b["requests"] == n and b["failures"] == 0, b
        assert sum(c["requests"] for c in b["requests_by_provider"].values()) == n
    plan = next(s for s in doc["scenarios"] if s["name"] == "plan")
    assert plan["floor_s"] > 0 and plan["x_floor"] > 0
    assert plan["vs_sequential"] > 0 and plan["vs_parallel"] > 0
    assert [t["name"].split(":")[0] for t in doc["targets"]][:1] == [f"no-change plan of {n}"]
    assert len(doc["targets"]) == 7


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
    assert report.Target("t", measured, limit, at_most, "x").passed is passed


def test_a_run_over_its_timeout_is_killed(tmp_path):
    port = free_port()
    started = time.monotonic()
    with pytest.raises(RunTimeout):
        run_cli(["sandbox", "--port", str(port)], {"PATH": "/usr/bin:/bin"}, timeout=1.0, cwd=tmp_path)
    assert time.monotonic() - started < 10


def test_sandbox_process_is_terminated_and_counts_requests():
    with SandboxProcess(latency_ms=0) as sandbox:
        before = sandbox.stats()
        assert "dataiku" in before and "DATAIKU_URL" in sandbox.env
        assert sandbox.running
    assert not sandbox.running
    assert diff_stats({"a": {"requests": 1, "writes": 0}}, {"a": {"requests": 3, "writes": 0}, "b": {"requests": 0}}) \
        == {"a": {"requests": 2, "writes": 0}}


@pytest.mark.parametrize("problem, measured_ms", [
    pytest.param(None, 150.0, id="ran"),
    pytest.param("exit code 1: boom", None, id="failed-run-measures-nothing"),
])
def test_plan_cpu_target_uses_only_a_run_that_succeeded(problem, measured_ms):
    m = Measurement(("plan",), 0 if problem is None else 1, 2.0, 1.0, 0.5, 100.0, 0, "", "")
    result = RunResult(Options(n=10, n_cpu=10), Selection((), {}))
    result.scenarios.append(ScenarioResult("plan-cpu", 10, 0.0, m, {}, 100, None, problem))
    cpu = next(t for t in report.targets(result) if t.name.startswith("plan CPU"))
    assert cpu.measured == (None if measured_ms is None else pytest.approx(measured_ms))
    assert "plan-cpu" in report.render(result)


def test_select_leaves_out_what_the_run_excludes():
    selection = select(GENERATORS, ["dataiku", "astro"], ["dataiku", "astro"], wanted=["astro"])
    assert [g.provider for g in selection.used] == ["astro"]
    assert selection.skipped["dataiku"] == "left out by --providers"
