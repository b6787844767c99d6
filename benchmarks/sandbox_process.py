"""``reconciler sandbox`` in its own process, on a free 127.0.0.1 port, always terminated.

    with SandboxProcess(latency_ms=100, rate_limits={"dataiku": 10}) as sb:
        sb.env            # env vars pointing every provider at it
        sb.stats()        # {"dataiku": {"requests": n, "writes": n}, ...}
        before = sb.traffic()
        ...               # run something against it
        sb.traffic().since(before)  # what it answered meanwhile: by platform, by route, 429s, CPU
        sb.set_latency(20)
        sb.reset()

The sandbox's own output goes to a log file (it prints the token in its export lines, so it is
never echoed here).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class SandboxError(RuntimeError):
    """The sandbox process did not start or answer."""


@dataclass(frozen=True)
class Traffic:
    """What a sandbox answered: per platform, requests that reached its emulator (and writes
    among them), the same requests by ``"METHOD /route"``, requests its rate limit refused
    (429), and the server process's CPU seconds (None if unknown). Counters since the sandbox's
    last reset, or since another snapshot (``since``)."""

    requests: dict[str, dict[str, int]] = field(default_factory=dict)
    routes: dict[str, dict[str, int]] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    cpu_s: float | None = None

    def since(self, before: "Traffic") -> "Traffic":
        """The traffic between ``before`` and this snapshot (platforms and routes with none left out)."""
        refused = {p: n - before.refused.get(p, 0) for p, n in self.refused.items()}
        routes = {p: {route: n for route, n in grown.items() if n}
                  for p, grown in diff_stats(before.routes, self.routes).items()}
        return Traffic(diff_stats(before.requests, self.requests), routes,
                       {p: n for p, n in refused.items() if n},
                       None if self.cpu_s is None or before.cpu_s is None else self.cpu_s - before.cpu_s)

    def sent(self, platform: str) -> int:
        """Requests a client sent to ``platform``: answered by its emulator or refused by the limit."""
        return self.requests.get(platform, {}).get("requests", 0) + self.refused.get(platform, 0)


class SandboxProcess:
    """A sandbox server child process; a context manager that always terminates it."""

    def __init__(self, latency_ms: float = 0.0, token: str = "bench-token", *,
                 rate_limits: Mapping[str, float] | None = None,
                 python: str = sys.executable, start_timeout: float = 30.0) -> None:
        self.latency_ms = latency_ms
        self.rate_limits = dict(rate_limits or {})
        self.token = token
        self.python = python
        self.start_timeout = start_timeout
        self.port = 0
        self.base_url = ""
        self.env: dict[str, str] = {}
        self._proc: subprocess.Popen | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="bench-sandbox-", suffix=".log", delete=False)
        self._http: httpx.Client | None = None

    def __repr__(self) -> str:
        return (f"SandboxProcess(base_url={self.base_url!r}, latency_ms={self.latency_ms}, "
                f"rate_limits={self.rate_limits})")

    def start(self) -> "SandboxProcess":
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        cmd = [self.python, "-m", "reconciler", "sandbox", "--host", HOST, "--port", str(self.port),
               "--token", self.token, "--latency-ms", str(self.latency_ms),
               *(arg for platform, rps in self.rate_limits.items() for arg in ("--rate-limit", f"{platform}={rps}"))]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        self._proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      env=env)
        self._http = httpx.Client(base_url=self.base_url, timeout=10.0, trust_env=False)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        from reconciler.sandbox import Sandbox

        self.env = Sandbox(token=self.token).env(self.base_url)
        return self

    @property
    def running(self) -> bool:
        """The server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def _wait_until_ready(self) -> None:
        assert self._proc is not None and self._http is not None
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._proc.poll() is not None:
                raise SandboxError(f"the sandbox exited with code {self._proc.returncode}: {self.log_tail()}")
            try:
                self._http.get("/_sandbox/stats").raise_for_status()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise SandboxError(f"the sandbox did not answer on {self.base_url} "
                                       f"within {self.start_timeout:.0f} s") from None
                time.sleep(0.05)

    def cpu_seconds(self) -> float | None:
        """CPU (user + sys, every thread) the server process has used so far; None if unknown."""
        if self._proc is None:
            return None
        try:
            fields = Path(f"/proc/{self._proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def stats(self) -> dict[str, dict[str, int]]:
        """Per platform: requests answered and writes among them, since the last reset."""
        stats = self._get("/_sandbox/stats")
        assert isinstance(stats, dict)
        return stats

    def _get(self, path: str) -> object:
        assert self._http is not None, "start() first"
        response = self._http.get(path)
        response.raise_for_status()
        return response.json()

    def traffic(self) -> Traffic:
        """Every counter now (subtract an earlier snapshot with ``Traffic.since``)."""
        stats, routes, limit = self._get("/_sandbox/stats"), self._get("/_sandbox/routes"), \
            self._get("/_sandbox/rate-limit")
        assert isinstance(stats, dict) and isinstance(routes, dict) and isinstance(limit, dict)
        return Traffic(stats, routes, dict(limit["refused"]), self.cpu_seconds())

    def set_latency(self, latency_ms: float) -> None:
        """Every request from now on waits ``latency_ms`` before its answer."""
        assert self._http is not None, "start() first"
        self._http.post("/_sandbox/latency", json={"ms": latency_ms}).raise_for_status()
        self.latency_ms = latency_ms

    def reset(self) -> None:
        """The world back to its seed, every counter at 0, the rate limit's buckets full."""
        assert self._http is not None, "start() first"
        self._http.post("/_sandbox/reset").raise_for_status()

    def log_tail(self, chars: int = 2000) -> str:
        text = Path(self._log.name).read_text(encoding="utf-8", errors="replace")
        return text[-chars:].replace(self.token, "***")

    def stop(self) -> None:
        """Terminate (then kill) the server; idempotent."""
        if self._http is not None:
            self._http.close()
            self._http = None
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        self._proc = None
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)

    def __enter__(self) -> "SandboxProcess":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def diff_stats(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Per platform: each counter's growth between two snapshots (``stats()``: requests and
    writes; ``traffic().routes``: by route). Platforms with no growth are left out."""
    out = {}
    for name, counts in after.items():
        old = before.get(name, {})
        delta = {k: v - old.get(k, 0) for k, v in counts.items()}
        if any(delta.values()):
            out[name] = delta
    return out
