"""Shared fixtures: a real sandbox server on loopback, and a scratch copy of the example specs."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.cli import main as cli_main
from reconciler.sandbox import Sandbox, serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "tok-7f3a9c-never-print-me"


@pytest.fixture(scope="session")
def sandbox_server():
    sb = Sandbox(token=TOKEN)
    server, base_url = serve_in_thread(sb, host="127.0.0.1", port=0)
    yield sb, base_url
    server.shutdown()


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass
class Project:
    """A scratch project directory (specs + state) wired to the sandbox through env vars."""

    root: Path
    sandbox: Sandbox
    base_url: str
    capsys: pytest.CaptureFixture
    monkeypatch: pytest.MonkeyPatch

    @property
    def specs(self) -> Path:
        return self.root / "specs"

    @property
    def state_file(self) -> Path:
        return self.root / "state" / "default.json"

    @property
    def dataiku_url(self) -> str:
        return f"{self.base_url}/dataiku"

    def env(self) -> dict[str, str]:
        return {
            **self.sandbox.env(self.base_url),
            "RECONCILER_SPECS": str(self.specs),
            "RECONCILER_STATE": str(self.state_file),
            "NO_COLOR": "1",
        }

    def cli(self, *args: str) -> CliResult:
        """Run the CLI in-process, exactly as the console script does."""
        self.capsys.readouterr()
        code = cli_main(list(args))
        captured = self.capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    def spec_path(self, name: str) -> Path:
        """A spec file by its name (``projects.yaml``), wherever it sits under ``specs/``."""
        found = sorted(self.specs.rglob(name))
        assert len(found) == 1, f"{name}: {found}"
        return found[0]

    def edit_spec(self, name: str, old: str, new: str) -> None:
        path = self.spec_path(name)
        text = path.read_text()
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1))

    def dss(self):
        """The official Dataiku client, pointed at the sandbox."""
        import dataikuapi

        return dataikuapi.DSSClient(self.dataiku_url, TOKEN)


@pytest.fixture
def make_project(tmp_path, sandbox_server, capsys, monkeypatch):
    """``make_project("dataiku", "datarobot")``: a scratch copy of ``specs/variables.yaml`` and of
    the named providers' example folders (``specs/<provider>/``), wired to a freshly reset sandbox."""

    def make(*providers: str) -> Project:
        sb, base_url = sandbox_server
        sb.reset()
        (tmp_path / "specs").mkdir()
        shutil.copy(ROOT / "specs" / "variables.yaml", tmp_path / "specs" / "variables.yaml")
        for provider in providers:
            shutil.copytree(ROOT / "specs" / provider, tmp_path / "specs" / provider)
        proj = Project(tmp_path, sb, base_url, capsys, monkeypatch)
        for key in list(os.environ):
            if key.startswith("RECONCILER_") or key in sb.env(base_url):
                monkeypatch.delenv(key, raising=False)
        for key, value in proj.env().items():
            monkeypatch.setenv(key, value)
        return proj

    return make


@pytest.fixture
def project(make_project) -> Project:
    """The Dataiku example estate (the engine's end-to-end tests run on it)."""
    return make_project("dataiku")
