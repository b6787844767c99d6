"""The benchmark command line: ``python -m benchmarks.run [options]`` (``make bench``).

With no option it runs every phase (``phases``) at the full sizes: 2,000 resources at 100 ms
per request (and the 20 ms rows, the rate-limited phase, the plan-CPU phase); ``--latency-ms``
and the sizes override the primary values, ``--only`` picks phases, ``--quick`` makes every
size small (the smoke test). Prints progress to stderr, the table to stdout, and writes the
JSON (default ``benchmarks/results/latest.json``). Exit 0 when every scenario ran as expected
(targets missed are reported, not failures), 1 when one did not (a command failed, a plan
after apply was not empty, a baseline read failed), 2 on bad options.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks import report
from benchmarks.estate import select
from benchmarks.estate.registry import GENERATORS
from benchmarks.phases import run
from benchmarks.scenarios import FULL, PHASES, QUICK, RATE_LIMIT, Options

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"


def _sized(name: str, what: str) -> str:
    return f"{what} (default {FULL[name]:g}; quick: {QUICK[name]:g})"


def parse_args(argv: list[str] | None = None) -> tuple[Options, Path, list[str] | None]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, help=_sized("n", "resources in the estate"))
    parser.add_argument("--latency-ms", type=float,
                        help=_sized("latency_ms", "the primary sandbox latency per request"))
    parser.add_argument("--secondary-latency-ms", type=float,
                        help=_sized("secondary_latency_ms", "the latency of the plan-secondary phase"))
    parser.add_argument("--n-cpu", type=int, help=_sized("n_cpu", "resources of the plan-CPU phase, at 0 ms"))
    parser.add_argument("--n-rate", type=int, help=_sized("n_rate", "resources of the rate-limited phase"))
    parser.add_argument("--rate-limit", metavar="PLATFORM=RPS", default="%s=%g" % RATE_LIMIT,
                        help="the rate-limited phase's platform and requests per second per token [%(default)s]")
    parser.add_argument("--only", help=f"comma-separated phases to run, among {', '.join(PHASES)} (default: all)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the JSON [%(default)s]")
    parser.add_argument("--quick", action="store_true", help="small sizes (the smoke test)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per CLI run [%(default)s]")
    parser.add_argument("--workdir", type=Path, help="keep the specs and state here (default: a temp dir)")
    parser.add_argument("--providers", help="comma-separated subset of the registered providers to use")
    parser.add_argument("--parallelism", type=int, help="pass --parallelism N to plan and apply "
                                                        "(default: the CLI's own default)")
    parser.add_argument("--repeat", type=int,
                        help=_sized("repeat", "runs of the startup, apply, plan, plan-secondary and plan-cpu "
                                              "scenarios; the median is reported (per-provider and rate-limited "
                                              "scenarios run once)"))
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="also profile plan-cpu (cProfile, every thread) into DIR and list its hotspots")
    ns = parser.parse_args(argv)
    sizes = QUICK if ns.quick else FULL

    def pick(name: str) -> float:
        given = getattr(ns, name)
        return given if given is not None else sizes[name]

    platform, sep, rps = ns.rate_limit.partition("=")
    try:
        rate = float(rps)
    except ValueError:
        sep = ""
    if not sep or not platform:
        parser.error(f"--rate-limit: give PLATFORM=RPS, e.g. {'%s=%g' % RATE_LIMIT}, got {ns.rate_limit!r}")
    only = tuple(p.strip() for p in ns.only.split(",") if p.strip()) if ns.only is not None else None
    try:
        opts = Options(
            n=int(pick("n")), latency_ms=pick("latency_ms"), secondary_latency_ms=pick("secondary_latency_ms"),
            n_cpu=int(pick("n_cpu")), n_rate=int(pick("n_rate")), rate_limit=(platform, rate), only=only,
            timeout=ns.timeout, workdir=ns.workdir, quick=ns.quick, profile=ns.profile,
            parallelism=ns.parallelism, repeat=int(pick("repeat")),
        )
    except ValueError as err:
        parser.error(str(err))
    wanted = [p.strip() for p in ns.providers.split(",") if p.strip()] if ns.providers else None
    unknown = sorted(set(wanted or ()) - set(GENERATORS))
    if unknown:
        parser.error(f"--providers: no estate generator for {', '.join(unknown)} (known: {', '.join(GENERATORS)})")
    if platform not in GENERATORS:
        parser.error(f"--rate-limit: no estate generator for {platform} (known: {', '.join(GENERATORS)})")
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
