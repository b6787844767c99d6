"""The benchmark command line: ``python -m benchmarks.run [options]`` (``make bench``).

Prints progress to stderr, the table to stdout, and writes the JSON (default
``benchmarks/results/latest.json``). Exit 0 when every scenario ran as expected (targets missed
are reported, not failures), 1 when one did not (a command failed, a plan after apply was not
empty, a baseline read failed), 2 on bad options.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks import report
from benchmarks.estate import select
from benchmarks.estate.registry import GENERATORS
from benchmarks.scenarios import ONLY, QUICK, REPEAT, Options, run

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"


def parse_args(argv: list[str] | None = None) -> tuple[Options, Path, list[str] | None]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, help="resources in the estate (default 2000; quick: %d)" % QUICK["n"])
    parser.add_argument("--latency-ms", type=float,
                        help="sandbox latency per request (default 20; quick: %g)" % QUICK["latency_ms"])
    parser.add_argument("--n-cpu", type=int, help="resources for the plan CPU scenario at 0 ms "
                                                  "(default 10000; quick: %d)" % QUICK["n_cpu"])
    parser.add_argument("--only", choices=ONLY, help="one phase: apply, plan (apply is its setup), plan-cpu")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the JSON [%(default)s]")
    parser.add_argument("--quick", action="store_true", help="small sizes (the smoke test)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per CLI run [%(default)s]")
    parser.add_argument("--workdir", type=Path, help="keep the specs and state here (default: a temp dir)")
    parser.add_argument("--providers", help="comma-separated subset of the registered providers to use")
    parser.add_argument("--parallelism", type=int, help="pass --parallelism N to plan and apply "
                                                        "(default: the CLI's own default)")
    parser.add_argument("--repeat", type=int, help="runs of each read-only scenario (startup, plan, plan-cpu); "
                                                   "the median is reported (default %d; quick: %d)"
                                                   % (REPEAT, QUICK["repeat"]))
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="also profile plan-cpu (cProfile, every thread) into DIR and list its hotspots")
    ns = parser.parse_args(argv)
    sizes = QUICK if ns.quick else {"n": 2000, "latency_ms": 20.0, "n_cpu": 10000, "repeat": REPEAT}
    try:
        opts = Options(
            n=ns.n if ns.n is not None else sizes["n"],
            latency_ms=ns.latency_ms if ns.latency_ms is not None else sizes["latency_ms"],
            n_cpu=ns.n_cpu if ns.n_cpu is not None else sizes["n_cpu"],
            only=ns.only, timeout=ns.timeout, workdir=ns.workdir, quick=ns.quick, profile=ns.profile,
            parallelism=ns.parallelism, repeat=ns.repeat if ns.repeat is not None else sizes["repeat"],
        )
    except ValueError as err:
        parser.error(str(err))
    wanted = [p.strip() for p in ns.providers.split(",") if p.strip()] if ns.providers else None
    unknown = sorted(set(wanted or ()) - set(GENERATORS))
    if unknown:
        parser.error(f"--providers: no estate generator for {', '.join(unknown)} (known: {', '.join(GENERATORS)})")
    return opts, ns.json, wanted


def main(argv: list[str] | None = None) -> int:
    opts, json_path, wanted = parse_args(argv)
    selection = select(GENERATORS, wanted=wanted)
    for name, reason in selection.skipped.items():
        print(f"skipping {name}: {reason}", file=sys.stderr)
    result = run(opts, selection, log=lambda line: print(f"[bench] {line}", file=sys.stderr, flush=True))
    sys.stdout.write(report.render(result))
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(report.dumps(result, ["python", "-m", "benchmarks.run", *(argv or sys.argv[1:])]),
                         encoding="utf-8")
    print(f"\nJSON written to {json_path}", file=sys.stderr)
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
