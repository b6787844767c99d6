"""open_store picks a backend; the package's public surface and its layering."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import reconciler.state
from reconciler.errors import StateError
from reconciler.state import FileStateStore, StateStore, open_store
from reconciler.state.postgres import PostgresStateStore

PACKAGE = Path(reconciler.state.__file__).parent


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        pytest.param("state/default.json", "state/default.json", id="relative-path"),
        pytest.param(Path("/tmp/x/prod.json"), "/tmp/x/prod.json", id="path-like"),
        pytest.param("file:///tmp/x/prod.json", "/tmp/x/prod.json", id="file-url"),
    ],
)
def test_a_path_opens_the_file_backend(location, expected: str) -> None:
    store = open_store(location)
    assert isinstance(store, FileStateStore) and isinstance(store, StateStore)
    assert store.location == expected


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        pytest.param("postgresql://admin:hunter2@db.internal/state",
                     "postgresql://admin@db.internal/state", id="postgresql"),
        pytest.param("postgres://admin:hunter2@db/state?name=prod", "postgres://admin@db/state?name=prod",
                     id="postgres"),
    ],
)
def test_a_postgresql_url_opens_the_team_backend_without_connecting(location: str,
                                                                    expected: str) -> None:
    store = open_store(location)
    assert isinstance(store, PostgresStateStore) and isinstance(store, StateStore)
    assert store.location == expected and "hunter2" not in repr(store)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        pytest.param("s3://admin:hunter2@bucket/state.json", "unknown state backend s3://",
                     id="unknown-scheme"),
        pytest.param("", "empty", id="empty"),
    ],
)
def test_other_locations_are_refused_without_echoing_credentials(location: str,
                                                                 message: str) -> None:
    with pytest.raises(StateError) as info:
        open_store(location)
    assert message in str(info.value)
    assert "hunter2" not in str(info.value)


def test_public_surface() -> None:
    assert set(reconciler.state.__all__) == {
        "FileStateStore", "JournalEntry", "PendingOp", "ResourceState", "State", "StateLock",
        "StateStore", "open_store", "replay"}
    for name in reconciler.state.__all__:
        assert getattr(reconciler.state, name) is not None


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", sorted(p.name for p in PACKAGE.glob("*.py")))
def test_state_imports_no_http_and_no_provider(module: str) -> None:
    imported = _imports(PACKAGE / module)
    allowed = ("reconciler.state", "reconciler.errors", "reconciler.addresses", "reconciler.coalesce")
    assert not imported & {"click", "reconciler.workspace"}
    assert not {n for n in imported if n.split(".")[0] == "httpx"}
    assert all(n.startswith(allowed) for n in imported if n.startswith("reconciler"))
