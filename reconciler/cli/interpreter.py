"""Interpreter tuning for the ``reconciler`` process itself, never for a host calling ``main()``.

A run builds millions of small, long-lived objects (spec nodes, live views) and exits: the cyclic
collector's passes over them find nothing to free. So the process freezes what the imports
built and collects the young generation less often (as mypy does); a read-only run (``plan``,
``drift``: what it allocates, it keeps until it exits, and it exits in seconds) switches the
collector off, and exits without the interpreter's teardown (freeing every object one at a
time), having freed nothing of what the run built along the way either (``keep``). Threads
waiting on platform answers take the interpreter back after 0.2 ms instead of 5 while the main
thread loads specs. Pydantic plugins are not looked for (``_without_pydantic_plugins``).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import types
from typing import NoReturn

_owned = False
_read_only = False
#: what ``keep`` holds until the process ends
_kept: list[tuple[object, ...]] = []


def own_process() -> None:
    """Tune the interpreter: called once by the console entry point, before ``main()``."""
    global _owned
    _owned = True
    gc.freeze()
    gc.set_threshold(200_000, 30, 30)
    gc.enable()  # (``python -m reconciler`` imports with it off)
    sys.setswitchinterval(0.0002)
    _without_pydantic_plugins()


def _without_pydantic_plugins() -> None:
    """This process loads no pydantic plugins: its models are its own, and looking for plugins
    (pydantic's first model build imports ``importlib.metadata`` and reads the entry points of
    every installed distribution) took ~10 ms before a plan could send its first request. The
    loader pydantic imports is replaced by one that finds none, unless it was imported already."""
    name = "pydantic.plugin._loader"
    if name not in sys.modules:
        loader = types.ModuleType(name, "no pydantic plugins in the reconciler process (cli/interpreter.py)")
        loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
        sys.modules[name] = loader


def read_only_run() -> None:
    """A read-only command is starting: no cyclic collection for the rest of this process (only
    when the process is ours: a test runner or host application calling ``main()`` keeps its GC)."""
    global _read_only
    if _owned:
        gc.disable()
        _read_only = True


def keep(*objects: object) -> None:
    """Objects a read-only run of the reconciler process built and no longer needs (a plan's live
    objects, specs, state): held until ``finish`` ends the process, which frees nothing. Letting
    them go out of scope would free them one at a time: ~12 ms for 2,000 resources, on the way
    to the exit. Anywhere else (another command, a host calling ``main()``) this does nothing."""
    if _owned and _read_only:
        _kept.append(objects)


def finish(code: int) -> NoReturn:
    """End the process with ``code``. After a read-only run (which holds no lock, has no write in
    flight and has joined its threads) the ``atexit`` functions run (a coverage or measuring
    harness keeps its report), the output is flushed and the process ends at once: tearing the
    interpreter down object by object would take ~10 ms per 2,000 resources for nothing. Any
    other run exits the normal way."""
    if _owned and _read_only:
        run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
        if run_exit_functions is None:  # not CPython: no shortcut
            sys.exit(code)
        run_exit_functions()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: the normal exit would not write either
                code = code or 1
        os._exit(code)
    sys.exit(code)
