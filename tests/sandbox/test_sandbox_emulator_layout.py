"""Every registered emulator is laid out as ``reconciler.sandbox.emulator`` says: the same names in
every sandbox package, its ``Emulator`` subclass in ``emulator`` and exported by the package,
imports pointing down ``EMULATOR_LAYOUT``."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from reconciler.sandbox.emulator import EMULATOR_LAYOUT
from reconciler.sandbox.registry import EMULATORS

EMULATOR_NAMES = [pytest.param(name, id=name) for name in sorted(EMULATORS)]


def _package(name: str) -> tuple[type, str, Path]:
    """The emulator class registered as ``name``, its package and the package's directory."""
    cls = type(EMULATORS[name](0))
    package = cls.__module__.rpartition(".")[0]
    return cls, package, Path(importlib.import_module(package).__file__).parent


def _entries(directory: Path) -> set[str]:
    """What ``directory`` holds: module names (``.py`` dropped), directory and other file names."""
    return {p.stem if p.suffix == ".py" else p.name for p in directory.iterdir() if p.name != "__pycache__"}


def _layer(package: str, importer: str, imported: str) -> str | None:
    """The layout name ``imported`` (a dotted module) belongs to, if it is in ``package``."""
    if imported == package:
        return importer
    if imported.startswith(package + "."):
        return imported[len(package) + 1:].split(".")[0]
    return None


@pytest.mark.parametrize("name", EMULATOR_NAMES)
def test_every_emulator_package_holds_exactly_the_layout(name):
    _, _, directory = _package(name)
    assert _entries(directory) == {"__init__", "COVERAGE.md", *EMULATOR_LAYOUT}
    for entry in EMULATOR_LAYOUT:
        if (directory / entry).is_dir():
            assert (directory / entry / "__init__.py").is_file(), f"{name}: {entry}/ is not a package"
            assert not (directory / f"{entry}.py").exists()


@pytest.mark.parametrize("name", EMULATOR_NAMES)
def test_the_emulator_class_lives_in_emulator_and_the_package_exports_it(name):
    cls, package, _ = _package(name)
    assert cls.__module__ == f"{package}.emulator"
    assert getattr(importlib.import_module(package), cls.__name__) is cls


@pytest.mark.parametrize("name", EMULATOR_NAMES)
def test_imports_point_down_the_layout(name):
    _, package, directory = _package(name)
    wrong = []
    for path in sorted(directory.rglob("*.py")):
        own = path.relative_to(directory).parts[0].removesuffix(".py")
        if own == "__init__":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [f"{node.module}.{a.name}" if node.module == package else node.module for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                layer = _layer(package, own, target)
                if layer is None or layer == own:
                    continue
                if layer not in EMULATOR_LAYOUT or EMULATOR_LAYOUT.index(layer) < EMULATOR_LAYOUT.index(own):
                    wrong.append(f"{path.relative_to(directory)} imports {layer}")
    assert wrong == []
