"""DockerPusher: the token goes through stdin only, failures never show it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from reconciler.errors import ProviderError
from reconciler.providers.astro.images import DockerPusher

TOKEN = "astro-token-5f1e-never-print"


@pytest.fixture
def fake_docker(tmp_path):
    """A ``docker`` executable that logs argv and stdin, and fails when asked to."""
    log = tmp_path / "calls.log"
    script = tmp_path / "docker"
    script.write_text(f"""#!{sys.executable}
import sys, os
data = sys.stdin.read() if sys.argv[1] == "login" else ""
with open({str(log)!r}, "a") as f:
    f.write(repr((sys.argv[1:], data)) + "\\n")
if os.environ.get("FAIL_ON") == sys.argv[1]:
    sys.stderr.write("denied: token " + data + " rejected")
    sys.exit(3)
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


def test_push_logs_in_tags_and_pushes(fake_docker):
    script, log = fake_docker
    DockerPusher(TOKEN, str(script)).push("etl:1.4.2", "images.astro.local/org/dep", "deploy-1")
    calls = [eval(line) for line in log.read_text().splitlines()]
    assert calls == [
        (["login", "images.astro.local", "-u", "cli", "--password-stdin"], TOKEN),
        (["tag", "etl:1.4.2", "images.astro.local/org/dep:deploy-1"], ""),
        (["push", "images.astro.local/org/dep:deploy-1"], ""),
    ]
    assert all(TOKEN not in " ".join(argv) for argv, _ in calls)


def test_a_failure_names_the_step_and_hides_the_token(fake_docker, monkeypatch):
    script, _ = fake_docker
    monkeypatch.setenv("FAIL_ON", "login")
    with pytest.raises(ProviderError) as err:
        DockerPusher(TOKEN, str(script)).push("etl:1", "images.astro.local/o/d", "t")
    assert "log in to images.astro.local" in str(err.value) and "exited with 3" in str(err.value)
    assert TOKEN not in str(err.value) and "***" in str(err.value)
    assert TOKEN not in repr(DockerPusher(TOKEN))


def test_a_missing_docker_is_explained(tmp_path):
    with pytest.raises(ProviderError, match="was not found") as err:
        DockerPusher(TOKEN, str(tmp_path / "no-docker")).push("a", "r/x", "t")
    assert "docker_command" in err.value.hint


def test_a_hanging_docker_times_out():
    def run(*args, **kwargs):
        raise subprocess.TimeoutExpired(args[0], kwargs["timeout"])

    with pytest.raises(ProviderError, match="did not finish in 5s"):
        DockerPusher(TOKEN, run=run, timeout=5).push("a", "r/x", "t")
