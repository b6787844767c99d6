"""The engine's layers (pyproject.toml, ``[tool.importlinter]``): each stage imports only the
stages below it, and nothing of the engine reaches into the emulators. ``lint-imports`` checks
the import graph; a contract written upside down must fail, so the check cannot pass vacuously."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--no-cache", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_every_layer_imports_only_downward():
    done = _lint()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_contract_written_upside_down_is_reported_broken(tmp_path):
    config = tmp_path / "upside-down.toml"
    config.write_text('[tool.importlinter]\nroot_package = "reconciler"\n\n'
                      '[[tool.importlinter.contracts]]\nname = "refresh above plan"\ntype = "layers"\n'
                      'layers = ["reconciler.refresh", "reconciler.plan"]\n')
    done = _lint("--config", str(config))
    assert done.returncode != 0
    assert "reconciler.plan is not allowed to import reconciler.refresh" in done.stdout
