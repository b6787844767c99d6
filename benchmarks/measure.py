"""One measured run of the reconciler CLI in its own process.

The child is ``python -c WRAPPER SIDE_FILE ARGS...``: the wrapper runs ``python -m reconciler ARGS``
through ``runpy`` (the same code path as the console script) with an ``atexit`` hook that flushes
stdout/stderr, then writes the process's ``wchar`` counter from ``/proc/self/io`` (bytes passed
to write(2)-family calls, whatever the file) at start and at exit to SIDE_FILE.

* wall: from spawn to reap (interpreter start-up and imports included, as a user sees them);
* CPU (user + sys) and peak RSS: the child's own rusage from ``os.wait4``;
* bytes written to state: wchar(exit) - wchar(start) - bytes the child wrote to its stdout and
  stderr (both captured to files, whose sizes are those bytes). HTTP traffic goes through
  send(2) on sockets, which wchar does not count (checked by ``tests/benchmarks``), and
  ``PYTHONDONTWRITEBYTECODE=1`` keeps ``.pyc`` writes out, so what is left is the state
  backend's writes: snapshot, its temp file and backup, journal, lock.

A run that outlives its timeout is killed and raises ``RunTimeout``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WRAPPER = """\
import atexit, os, runpy, sys
def _wchar():
    try:
        with open('/proc/self/io') as f:
            for line in f:
                if line.startswith('wchar:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1
_side, _start = sys.argv[1], _wchar()
_profile_path, _profiles = os.environ.pop('BENCH_PROFILE', ''), []
if _profile_path:
    import cProfile, threading, time
    def _profile_thread(*_):
        _profiles.append(cProfile.Profile(time.thread_time))
        _profiles[-1].enable()
    threading.setprofile(_profile_thread)
    _profiles.append(cProfile.Profile(time.thread_time))
    _profiles[0].enable()
def _report():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    end = _wchar()
    with open(_side, 'w') as f:
        f.write(f'{_start} {end}')
    if _profiles:
        import pstats
        _profiles[0].disable()
        stats = pstats.Stats(_profiles[0])
        for other in _profiles[1:]:
            stats.add(other)
        stats.dump_stats(_profile_path)
atexit.register(_report)
sys.argv = ['reconciler', *sys.argv[2:]]
runpy.run_module('reconciler', run_name='__main__', alter_sys=True)
"""


class RunTimeout(RuntimeError):
    """The child ran longer than its timeout and was killed."""


@dataclass(frozen=True)
class Measurement:
    """What one CLI run cost. ``state_bytes_written`` is None where ``/proc/self/io`` is missing."""

    args: tuple[str, ...]
    exit_code: int
    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_mb: float
    state_bytes_written: int | None
    stdout: str
    stderr: str

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s

    def to_json(self) -> dict[str, Any]:
        return {"args": list(self.args), "exit_code": self.exit_code, "wall_s": round(self.wall_s, 4),
                "cpu_s": round(self.cpu_s, 4), "user_s": round(self.user_s, 4), "sys_s": round(self.sys_s, 4),
                "peak_rss_mb": round(self.peak_rss_mb, 1), "state_bytes_written": self.state_bytes_written}


def run_cli(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    timeout: float,
    python: str = sys.executable,
    cwd: str | os.PathLike[str] | None = None,
    profile: Path | None = None,
) -> Measurement:
    """Run ``reconciler ARGS`` as a measured child (``env`` is its whole environment).

    ``profile``: also write a cProfile of every thread (per-thread CPU time) there; the profiler
    slows the child down, so such a run's figures are not the measured ones."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        side, out_path, err_path = Path(tmp, "io"), Path(tmp, "stdout"), Path(tmp, "stderr")
        child_env = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
        if profile is not None:
            child_env["BENCH_PROFILE"] = str(profile)
        with out_path.open("wb") as out, err_path.open("wb") as err:
            start = time.perf_counter()
            proc = subprocess.Popen([python, "-c", WRAPPER, str(side), *args], stdout=out, stderr=err,
                                    stdin=subprocess.DEVNULL, env=child_env, cwd=cwd)
            status, rusage, timed_out = _reap(proc, timeout)
            wall = time.perf_counter() - start
        stdout = out_path.read_bytes()
        stderr = err_path.read_bytes()
        if timed_out:
            raise RunTimeout(f"reconciler {' '.join(args)} ran over {timeout:.0f} s and was killed")
        written = _state_bytes(side, len(stdout) + len(stderr))
    return Measurement(
        args=tuple(args),
        exit_code=os.waitstatus_to_exitcode(status),
        wall_s=wall,
        user_s=rusage.ru_utime,
        sys_s=rusage.ru_stime,
        peak_rss_mb=rusage.ru_maxrss / 1024.0,  # KiB on Linux
        state_bytes_written=written,
        stdout=stdout.decode("utf-8", "replace"),
        stderr=stderr.decode("utf-8", "replace"),
    )


def _reap(proc: subprocess.Popen, timeout: float) -> tuple[int, Any, bool]:
    """Wait for ``proc`` with ``os.wait4`` (its own rusage); kill it at ``timeout``."""
    lock = threading.Lock()
    reaped = False
    timed_out = False

    def kill() -> None:
        nonlocal timed_out
        with lock:
            if not reaped:
                timed_out = True
                proc.kill()

    timer = threading.Timer(timeout, kill)
    timer.daemon = True
    timer.start()
    try:
        _, status, rusage = os.wait4(proc.pid, 0)
    except BaseException:  # interrupted: never leave the child behind
        with lock:
            reaped = True
        timer.cancel()
        proc.kill()
        proc.wait()
        raise
    with lock:
        reaped = True
    timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return status, rusage, timed_out


def _state_bytes(side: Path, captured: int) -> int | None:
    try:
        start, end = (int(v) for v in side.read_text().split())
    except (OSError, ValueError):
        return None
    if start < 0 or end < 0:
        return None
    return end - start - captured
