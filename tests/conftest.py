"""Shared fixtures: a real sandbox server on loopback, and a scratch copy of the example specs."""

from __future__ import annotations

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
            "DATAIKU_URL": self.dataiku_url,
            "DATAIKU_API_KEY": TOKEN,
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

    def edit_spec(self, name: str, old: str, new: str) -> None:
        path = self.specs / name
        text = path.read_text()
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1))

    def dss(self):
        """The official Dataiku client, pointed at the sandbox."""
        import dataikuapi

        return dataikuapi.DSSClient(self.dataiku_url, TOKEN)


@pytest.fixture
def project(tmp_path, sandbox_server, capsys, monkeypatch) -> Project:
    sb, base_url = sandbox_server
    sb.reset()
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    proj = Project(tmp_path, sb, base_url, capsys, monkeypatch)
    for key in ("DATAIKU_URL", "DATAIKU_API_KEY", "RECONCILER_SPECS", "RECONCILER_STATE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in proj.env().items():
        monkeypatch.setenv(key, value)
    return proj
