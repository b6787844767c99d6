"""``reconciler sandbox`` in its own process, on a free 127.0.0.1 port, always terminated.

    with SandboxProcess(latency_ms=20) as sb:
        sb.env          # env vars pointing every provider at it
        sb.stats()      # {"dataiku": {"requests": n, "writes": n}, ...}
        sb.cpu_seconds()  # the server's CPU so far (it shares the machine with the CLI)
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


class SandboxProcess:
    """A sandbox server child process; a context manager that always terminates it."""

    def __init__(self, latency_ms: float = 0.0, token: str = "bench-token", *,
                 python: str = sys.executable, start_timeout: float = 30.0) -> None:
        self.latency_ms = latency_ms
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
        return f"SandboxProcess(base_url={self.base_url!r}, latency_ms={self.latency_ms})"

    def start(self) -> "SandboxProcess":
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        cmd = [self.python, "-m", "reconciler", "sandbox", "--host", HOST, "--port", str(self.port),
               "--token", self.token, "--latency-ms", str(self.latency_ms)]
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
        assert self._http is not None, "start() first"
        response = self._http.get("/_sandbox/stats")
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
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
    """Per platform: requests and writes between two ``stats()`` snapshots (platforms with none left out)."""
    out = {}
    for name, counts in after.items():
        old = before.get(name, {})
        delta = {k: v - old.get(k, 0) for k, v in counts.items()}
        if any(delta.values()):
            out[name] = delta
    return out
