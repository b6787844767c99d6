"""The baselines a no-change plan is compared with: a script that GETs every object once.

``sequential``: one ``httpx.Client``, one GET after another (what a user writes with the official
clients). ``parallel``: the same client shared by 10 threads (Terraform's default
``-parallelism``). Both run in this process; CPU is this process's user + sys time over the run
(nothing else runs in it meanwhile). Every answer must be a 200: the count of others is kept.
"""

from __future__ import annotations

import resource
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks.estate import Read

TERRAFORM_PARALLELISM = 10


@dataclass(frozen=True)
class BaselineResult:
    """One baseline run: how long reading every object took, and how many reads failed."""

    name: str
    threads: int
    requests: int
    failures: int
    wall_s: float
    cpu_s: float
    statuses: dict[int, int]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "threads": self.threads, "requests": self.requests, "failures": self.failures,
                "wall_s": round(self.wall_s, 4), "cpu_s": round(self.cpu_s, 4),
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())}}


def run_reads(name: str, reads: Sequence[Read], threads: int = 1, *, timeout: float = 30.0) -> BaselineResult:
    """GET every read with one shared client and ``threads`` workers (1: a plain loop)."""
    statuses: Counter[int] = Counter()
    limits = httpx.Limits(max_connections=max(threads, 1), max_keepalive_connections=max(threads, 1))
    with httpx.Client(timeout=timeout, limits=limits, trust_env=False) as client:

        def get(read: Read) -> int:
            try:
                return client.get(read.url, headers=read.headers).status_code
            except httpx.HTTPError:
                return 0  # no answer

        cpu0, wall0 = _cpu(), time.perf_counter()
        if threads <= 1:
            codes = [get(r) for r in reads]
        else:
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="baseline") as pool:
                codes = list(pool.map(get, reads))
        wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
    statuses.update(codes)
    failures = sum(v for k, v in statuses.items() if k != 200)
    return BaselineResult(name, threads, len(reads), failures, wall, cpu, dict(statuses))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
