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
    assert out == ["True", "False", "200000", "0.001"]
