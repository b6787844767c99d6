"""A tiny fake provider registry (no network) and helpers to write spec trees."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Callable, Literal

import pytest
from pydantic import BaseModel, ConfigDict

from reconciler.providers.models import PlatformSettings
from reconciler.providers.base import ProviderSpec, ResourceType
from reconciler.spec import SpecSet, load_specs


class Permission(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: str
    readProjectContent: bool = False


class ProjectModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str
    name: str
    tags: list[str] = []
    folder: str | None = None
    variables: dict[str, Any] = {}
    permissions: list[Permission] = []


class DatasetModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project: str
    name: str
    type: Literal["PostgreSQL", "Filesystem"]
    params: dict[str, Any] = {}
    description: str = ""
    partitions: int | None = None
    password: str | None = None


class ProjectType(ResourceType):
    type_name = "test_project"
    unique_key = "a project key is unique"
    spec_model = ProjectModel
    natural_key = ("key",)
    server_owned = frozenset({"id", "created_on"})


class DatasetType(ResourceType):
    type_name = "test_dataset"
    spec_model = DatasetModel
    sensitive = frozenset({"password"})


class Settings(PlatformSettings):
    url: str
    api_key: str
    max_concurrency: int = 8


PROVIDER = ProviderSpec(
    name="test",
    settings_model=Settings,
    env={"url": "TEST_URL", "api_key": "TEST_API_KEY"},
    resource_types={"test_project": ProjectType, "test_dataset": DatasetType},
    client=lambda http, settings: None,
    secret_settings=frozenset({"api_key"}),
)
REGISTRY = {"test": PROVIDER}


@pytest.fixture
def registry() -> dict[str, ProviderSpec]:
    return REGISTRY


@pytest.fixture
def write(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write ``{relative path: yaml text}`` under ``tmp_path/specs``; return that directory."""

    def _write(files: dict[str, str]) -> Path:
        root = tmp_path / "specs"
        root.mkdir(exist_ok=True)
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"))
        return root

    return _write


@pytest.fixture
def load(write, monkeypatch, tmp_path) -> Callable[..., SpecSet]:
    """``load(files, env=None)``: write the files and load them; paths print as ``specs/x.yaml``."""

    def _load(files: dict[str, str], env: dict[str, str] | None = None) -> SpecSet:
        write(files)
        monkeypatch.chdir(tmp_path)
        return load_specs("specs", registry=REGISTRY, env=env or {})

    return _load
