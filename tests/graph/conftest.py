"""A one-type fake registry (no network) and a helper to load specs written inline."""

from __future__ import annotations

import textwrap

import pytest
from pydantic import BaseModel, ConfigDict

from reconciler.providers.base import ProviderSpec, ResourceType
from reconciler.spec import SpecSet, load_specs


class NodeModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    parent: str | None = None


class NodeType(ResourceType):
    type_name = "test_node"
    spec_model = NodeModel


class Settings(BaseModel):
    url: str = ""


REGISTRY = {
    "test": ProviderSpec(name="test", settings_model=Settings, env={}, resource_types={"test_node": NodeType},
                         client=lambda http, settings: None)
}


@pytest.fixture
def load_text(tmp_path, monkeypatch):
    """``load_text({"a.yaml": text, ...})`` -> SpecSet; files print as ``specs/a.yaml``."""

    def _load(files: dict[str, str]) -> SpecSet:
        (tmp_path / "specs").mkdir(exist_ok=True)
        for name, text in files.items():
            (tmp_path / "specs" / name).write_text(textwrap.dedent(text).lstrip("\n"))
        monkeypatch.chdir(tmp_path)
        return load_specs("specs", registry=REGISTRY, env={})

    return _load
