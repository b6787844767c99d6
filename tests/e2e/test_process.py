"""The ``reconciler`` process as a shell or CI job sees it: each command's exit code, all of its
output through a pipe, ``atexit`` functions run (a coverage harness keeps its report), a reader
that closes the pipe early, and Ctrl-C."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from reconciler.workspace import Workspace
from tests.conftest import ROOT

#: ``python -m reconciler ARGS`` with an ``atexit`` function registered first
_WITH_ATEXIT = ("import atexit, runpy, sys\n"
                "atexit.register(lambda: print('atexit ran', file=sys.stderr))\n"
                "sys.argv = ['reconciler', *sys.argv[1:]]\n"
                "runpy.run_module('reconciler', run_name='__main__', alter_sys=True)\n")


def _env(project) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    return {**env, **project.env()}


def _run(project, *args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _WITH_ATEXIT, *args], env=_env(project), cwd=ROOT,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120)


def test_each_command_exits_with_its_code_and_writes_all_of_its_output_to_a_pipe(project):
    checks = [
        (("validate",), 0, "Success!"),
        (("plan", "--detailed-exitcode"), 2, "Plan: 6 to add, 0 to change, 0 to destroy."),
        (("apply", "--auto-approve"), 0, "Apply complete!"),
        (("plan", "--detailed-exitcode"), 0, "No changes."),
        (("drift",), 0, ""),
        (("state", "show", "dataiku_project.nope"), 1, ""),
        (("nope",), 1, ""),
    ]
    for args, code, out in checks:
        done = _run(project, *args)
        assert done.returncode == code, (args, done.stdout, done.stderr)
        assert out in done.stdout, (args, done.stdout)
        assert done.stderr.rstrip().endswith("atexit ran"), (args, done.stderr)
        assert "Traceback" not in done.stderr, (args, done.stderr)


def test_a_json_plan_reaches_the_pipe_whole(project):
    done = _run(project, "plan", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["resource_changes"]) == 6


@pytest.mark.parametrize("args", [("plan",), ("schema",), ("--help",)])
def test_a_reader_that_closed_the_pipe_ends_the_run_with_1_and_no_traceback(project, args):
    read, write = os.pipe()
    os.close(read)
    try:
        done = _run(project, *args, stdout=write)
    finally:
        os.close(write)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert "atexit ran" in done.stderr


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_ctrl_c_exits_130_saying_the_state_holds_what_was_applied(project, command):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    project.monkeypatch.setattr(Workspace, command, interrupted)
    result = project.cli(command, "--auto-approve") if command == "apply" else project.cli(command)
    assert result.code == 130
    assert "Interrupted: the state records everything applied so far." in result.err
    assert "Traceback" not in result.text
