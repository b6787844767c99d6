"""The process's interpreter tuning: only the console entry point's process is tuned, and a
read-only run switches the cyclic collector off only there (a host calling ``main()`` keeps it)."""

from __future__ import annotations

import gc
import subprocess
import sys

from reconciler.cli import interpreter


def test_a_host_calling_main_keeps_its_collector() -> None:
    assert gc.isenabled()
    interpreter.read_only_run()
    assert gc.isenabled()


def test_the_reconciler_process_plans_without_cyclic_collection(tmp_path) -> None:
    code = ("import gc, sys\n"
            "from reconciler.cli import interpreter\n"
            "interpreter.own_process()\n"
            "before = gc.isenabled()\n"
            "interpreter.read_only_run()\n"
            "print(before, gc.isenabled(), gc.get_threshold()[0], sys.getswitchinterval())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[:3] == ["True", "False", "200000"] and abs(float(out[3]) - 0.0002) < 1e-9


def test_a_host_calling_finish_exits_the_normal_way() -> None:
    import pytest

    interpreter.read_only_run()
    with pytest.raises(SystemExit) as exit_:
        interpreter.finish(3)
    assert exit_.value.code == 3


def _finish(read_only: bool) -> subprocess.CompletedProcess:
    code = ("import atexit, sys\n"
            "from reconciler.cli import interpreter\n"
            "interpreter.own_process()\n"
            "atexit.register(lambda: print('atexit ran', file=sys.stderr))\n"
            "import threading, time\n"  # a thread left running: only the normal exit waits for it
            "threading.Thread(target=lambda: (time.sleep(0.2), print('waited', file=sys.stderr))).start()\n"
            + ("interpreter.read_only_run()\n" if read_only else "")
            + "sys.stdout.write('x' * 100000)\n"  # buffered: only a flush gets it out
            "interpreter.finish(2)\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_a_read_only_run_ends_with_its_output_flushed_and_no_teardown() -> None:
    done = _finish(read_only=True)
    assert done.returncode == 2 and done.stdout == "x" * 100000
    assert "atexit ran" in done.stderr and "waited" not in done.stderr


def test_any_other_run_ends_the_normal_way() -> None:
    done = _finish(read_only=False)
    assert done.returncode == 2 and done.stdout == "x" * 100000
    assert "atexit ran" in done.stderr and "waited" in done.stderr


def test_the_console_process_imports_without_cyclic_collection() -> None:
    """``python -m reconciler`` / the console script keep the collector off while the CLI's
    modules import (before, about eighty collections ran there and freed nothing)."""
    code = ("import atexit, gc, sys\n"
            "starts = []\n"
            "gc.callbacks.append(lambda phase, info: starts.append(info) if phase == 'start' else None)\n"
            "atexit.register(lambda: print('collections', len(starts), file=sys.stderr))\n"
            "sys.argv = ['reconciler', '--version']\n"
            "from reconciler.__main__ import run\n"
            "starts.clear()\n"
            "run()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and "reconciler, version" in done.stdout
    assert "collections 0" in done.stderr, done.stderr


def test_the_reconciler_process_looks_for_no_pydantic_plugins() -> None:
    """Looking for plugins imports importlib.metadata and reads every distribution's entry
    points at the first model build: the reconciler process skips it; a host does not."""
    probe = ("import pydantic\n"
             "class M(pydantic.BaseModel):\n"
             "    x: int\n"
             "assert M(x=1).x == 1\n"
             "print('importlib.metadata' in sys.modules)\n")
    own = "import sys\nfrom reconciler.cli import interpreter\ninterpreter.own_process()\n" + probe
    host = "import sys\nfrom reconciler.cli import interpreter\n" + probe
    assert subprocess.run([sys.executable, "-c", own], capture_output=True, text=True, check=True).stdout.strip() == "False"
    assert subprocess.run([sys.executable, "-c", host], capture_output=True, text=True, check=True).stdout.strip() == "True"


def test_a_host_calling_keep_holds_nothing() -> None:
    interpreter.read_only_run()
    interpreter.keep(object())
    assert interpreter._kept == []


def test_the_reconciler_process_keeps_what_a_read_only_run_built_until_it_exits() -> None:
    """A kept object is never freed: ``finish`` ends the process without tearing it down. Before
    the read-only run starts (and in any other run) nothing is held."""
    code = ("import sys, weakref\n"
            "from reconciler.cli import interpreter\n"
            "class Big: pass\n"
            "interpreter.own_process()\n"
            "early = Big(); gone = weakref.ref(early); interpreter.keep(early); del early\n"
            "interpreter.read_only_run()\n"
            "late = Big(); kept = weakref.ref(late); interpreter.keep(late); del late\n"
            "print(gone() is None, kept() is not None, file=sys.stderr)\n"
            "interpreter.finish(0)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr.split() == ["True", "True"], done.stderr
