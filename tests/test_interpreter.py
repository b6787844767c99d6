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
