"""A resilience scenario's world: a sandbox served on loopback, a scratch project, and the CLI.

    with World(tmp, faults={"5xx": 0.1}) as world:
        world.write_estate(300)              # spec files across every provider
        run = world.cli("apply", "--auto-approve")   # in-process, output and logs captured
        child = world.spawn("apply", "--auto-approve")  # a real process (kill it, race it)
        world.census()                        # what the platforms hold, through their APIs

Every run's standard output, standard error and log records (DEBUG and up, every logger) are
kept in ``runs`` and written under ``<root>/runs/`` so the secrets scan can read them later,
failure paths included. The token, the state's secret key and the secret values the estate
uses are distinctive strings (``SECRETS``) that must never appear in any of it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.sandbox import Sandbox, serve_in_thread

if TYPE_CHECKING:
    from tests.resilience.estate import Estate

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "tok-rsl-8c41e2d7a9-never-print-me"
SECRET_KEY = "hkey-rsl-51f0c3b6e2-never-print-me"
SECRET_VALUE = "pw-rsl-7d29ae04c8-never-print-me"
#: name -> value of everything that must never leave the process that holds it
SECRETS: dict[str, str] = {"token": TOKEN, "state secret key": SECRET_KEY, "secret env var": SECRET_VALUE}
#: the root of every world made in this process (the secrets scan reads them all)
ROOTS: list[Path] = []


@dataclass(frozen=True)
class Run:
    """One CLI run: its arguments, exit code, outputs, log text and wall time."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str
    log: str = ""
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return self.out + self.err

    def __repr__(self) -> str:
        return f"Run({' '.join(self.args)!r} -> {self.code} in {self.seconds:.1f}s)"


@dataclass
class Child:
    """A CLI child process and the files its output goes to."""

    proc: subprocess.Popen
    args: tuple[str, ...]
    out: Path
    err: Path
    started: float

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL (no chance to clean up), then reap."""
        if self.running():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def wait(self, timeout: float | None = None) -> int:
        return self.proc.wait(timeout=timeout)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a record that cannot be formatted must not break the run
            self.lines.append(f"{record.levelname} {record.name}: <unformattable record>")


def _quiet_socket_error(request: object, client_address: object) -> None:
    error = sys.exc_info()[1]
    logging.getLogger("reconciler.sandbox").debug("client %s went away: %s", client_address,
                                                  type(error).__name__)


@contextlib.contextmanager
def captured_logs() -> Iterator[_Records]:
    """Every log record of every logger, DEBUG and up, while the block runs."""
    handler = _Records()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@contextlib.contextmanager
def environ(values: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set while the block runs (restored after)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@dataclass
class World:
    """A sandbox on a loopback port and a project directory (``specs/``, state, ``runs/``).

    ``state`` is a file path or a ``postgresql://`` URL (default ``<root>/state/default.json``);
    ``sandbox`` may be given (a subclass with a trigger, say) instead of the knobs.
    """

    root: Path
    faults: Mapping[str, float] | None = None
    latency_ms: float = 0.0
    seed: int = 0
    state: str | None = None
    sandbox: Sandbox | None = None
    runs: list[Run] = field(default_factory=list)
    #: more environment for the runs (a rotated secret, say), over ``env``'s defaults
    extra_env: dict[str, str] = field(default_factory=dict, repr=False)
    children: list["Child"] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._seq = 0
        self.root = Path(self.root)
        ROOTS.append(self.root)
        if self.sandbox is None:
            self.sandbox = Sandbox(token=TOKEN, latency_ms=self.latency_ms, faults=self.faults, seed=self.seed,
                                   retry_after=0)
        self._server, self.base_url = serve_in_thread(self.sandbox, host="127.0.0.1", port=0)
        # a killed client leaves the server a broken socket: note it in one line, never print a traceback
        # (the server's threads share this process's stderr with the in-process CLI runs)
        self._server.handle_error = _quiet_socket_error  # type: ignore[method-assign]
        self.specs.mkdir(parents=True, exist_ok=True)
        (self.root / "state").mkdir(exist_ok=True)
        self.runs_dir.mkdir(exist_ok=True)
        if self.state is None:
            self.state = str(self.root / "state" / "default.json")

    # -- places ---------------------------------------------------------------------------------
    @property
    def specs(self) -> Path:
        return self.root / "specs"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def sb(self) -> Sandbox:
        assert self.sandbox is not None
        return self.sandbox

    @property
    def env(self) -> dict[str, str]:
        """What a user exports: the platforms' URLs and tokens, the specs, the state, the key."""
        return {**self.sb.env(self.base_url), "RECONCILER_SPECS": str(self.specs),
                "RECONCILER_STATE": str(self.state), "RECONCILER_SECRET_KEY": SECRET_KEY,
                "RSL_SECRET_VALUE": SECRET_VALUE, "NO_COLOR": "1", **self.extra_env}

    # -- running the CLI ------------------------------------------------------------------------
    def cli(self, *args: str) -> Run:
        """``reconciler ARGS`` in this process, exactly as the console script runs it."""
        from reconciler.cli import main

        out, err = io.StringIO(), io.StringIO()
        started = time.monotonic()
        with environ(self.env), captured_logs() as logs, contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            code = main(list(args))
        run = Run(tuple(args), code, out.getvalue(), err.getvalue(), "\n".join(logs.lines),
                  time.monotonic() - started)
        self.keep(run)
        return run

    def spawn(self, *args: str, extra_env: Mapping[str, str] | None = None) -> "Child":
        """``python -m reconciler ARGS`` (with every log record on stderr) as a child process;
        its output goes to files under ``runs/`` (``collect`` reads them into ``runs``)."""
        stem = self._stem(args)
        out, err = stem.with_suffix(".out"), stem.with_suffix(".err")
        env = {**os.environ, **self.env, **(extra_env or {}), "PYTHONDONTWRITEBYTECODE": "1"}
        with open(out, "w") as out_file, open(err, "w") as err_file:
            proc = subprocess.Popen([sys.executable, "-m", "tests.resilience.logged_cli", *args], cwd=ROOT, env=env,
                                    stdin=subprocess.DEVNULL, stdout=out_file, stderr=err_file)
        child = Child(proc, tuple(args), out, err, time.monotonic())
        self.children.append(child)
        return child

    def collect(self, child: "Child") -> Run:
        """The finished child's run (its code is -9 when it was killed)."""
        code = child.proc.returncode if child.proc.returncode is not None else -1
        run = Run(child.args, code, child.out.read_text(errors="replace"), child.err.read_text(errors="replace"),
                  "", time.monotonic() - child.started)
        self.runs.append(run)
        return run

    def _stem(self, args: Sequence[str]) -> Path:
        self._seq += 1
        words = re.sub(r"[^A-Za-z0-9]+", "-", " ".join(a for a in args if not a.startswith("/"))).strip("-")
        return self.runs_dir / f"{self._seq:04d}-{words[:48] or 'run'}"

    def keep(self, run: Run) -> None:
        """Record a run and write its outputs under ``runs/`` (for the secrets scan)."""
        self.runs.append(run)
        stem = self._stem(run.args)
        stem.with_suffix(".out").write_text(run.out)
        stem.with_suffix(".err").write_text(run.err)
        stem.with_suffix(".log").write_text(run.log)

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until no request a dead client sent is still being answered."""
        deadline = time.monotonic() + timeout
        while self.sb.in_flight and time.monotonic() < deadline:
            time.sleep(0.005)

    # -- the world ------------------------------------------------------------------------------
    def write_estate(self, n: int, providers: Sequence[str] | None = None, *, secrets: bool = True) -> "Estate":
        """``n`` resources across ``providers`` (default: every registered one) under ``specs/``."""
        from tests.resilience.estate import write_estate

        return write_estate(self.specs, n, providers, secrets=secrets)

    def census(self, providers: Sequence[str] | None = None):
        """Every estate object on the platforms (or on ``providers``), through their APIs."""
        from tests.resilience.census import census

        return census(self.env, providers)

    def read_state(self):
        from reconciler.state import open_store

        store = open_store(self.state)
        try:
            return store.read()
        finally:
            close = getattr(store, "close", None)
            if close is not None:
                close()

    def reset(self) -> None:
        """A fresh world and no state (between trials): the sandbox's seeded world, no state files."""
        self.sb.reset()
        if self.state and "://" not in self.state:
            for path in Path(self.state).parent.glob(Path(self.state).name + "*"):
                path.unlink()

    def close(self) -> None:
        for child in self.children:
            if child.proc.poll() is None:
                child.proc.kill()
                child.proc.wait(timeout=10)
        self._server.shutdown()

    def __enter__(self) -> "World":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
