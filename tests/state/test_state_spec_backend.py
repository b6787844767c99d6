"""The specs' ``backend:`` block (where the team's state lives): loading, errors, secrecy, schema.

(Kept with the state tests because it exists for them; it exercises ``reconciler.spec``.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import SpecError
from reconciler.spec import load_specs
from reconciler.spec.model import BackendConfig
from reconciler.spec.schema import json_schema
from reconciler.state import open_store

SECRET = "s3cr3t-never-print"


def load(tmp_path: Path, *files: str, env: dict | None = None):
    specs = tmp_path / "specs"
    specs.mkdir()
    for i, text in enumerate(files):
        (specs / f"{i}.yaml").write_text(text)
    return load_specs(specs, registry={}, env=env or {})


def test_no_block_no_backend(tmp_path: Path) -> None:
    assert load(tmp_path, "variables: {a: 1}\n").backend is None


def test_the_block_gives_a_state_location(tmp_path: Path) -> None:
    specs = load(tmp_path, "variables: {env: prod}\n",
                 "backend:\n  url: postgresql://ops:${env:PGPW}@db.internal/platform?sslmode=require\n"
                 "  name: analytics-${var.env}\n",
                 env={"PGPW": SECRET})
    backend = specs.backend
    assert isinstance(backend, BackendConfig)
    assert backend.state_location == (f"postgresql://ops:{SECRET}@db.internal/platform"
                                      "?sslmode=require&name=analytics-prod")
    assert str(backend.location).endswith("1.yaml:1")  # the block's key
    assert SECRET not in repr(backend) and SECRET not in repr(specs)
    store = open_store(backend.state_location)
    assert store.name == "analytics-prod" and SECRET not in store.location


def test_a_file_backend_needs_no_name(tmp_path: Path) -> None:
    backend = load(tmp_path, "backend: {url: state/prod.json}\n").backend
    assert backend.state_location == "state/prod.json"


@pytest.mark.parametrize(
    ("files", "fragments"),
    [
        pytest.param(["backend: {url: 'postgresql://h/db', nmae: x}\n"],
                     ["0.yaml:1: backend key 'nmae' is not allowed; allowed keys: url, name",
                      "did you mean 'name'?"], id="unknown-key"),
        pytest.param(["backend: {name: x}\n"], ["backend 'url' is required"], id="no-url"),
        pytest.param(["backend: {url: [a]}\n"], ["backend 'url' is required", "got a list"],
                     id="url-not-a-string"),
        pytest.param(["backend: {url: state/x.json, name: x}\n"],
                     ["'name' applies to a postgresql:// url only"], id="name-with-a-file"),
        pytest.param(["backend: {url: 'postgresql://h/db?name=a', name: b}\n"],
                     ["state name is given twice"], id="name-twice"),
        pytest.param(["backend: {url: state/a.json}\n", "backend: {url: state/b.json}\n"],
                     ["'backend' is defined twice: at", "0.yaml:1", "1.yaml:1"], id="two-blocks"),
        pytest.param(["backend: [postgresql]\n"], ["'backend' must be a mapping, got a list"],
                     id="not-a-mapping"),
        pytest.param(["backend: {url: '${dataiku_project.x.key}'}\n"], ["in the backend block"],
                     id="no-resource-references"),
        pytest.param(["backeend: {url: a}\n"], ["allowed keys: providers, variables, locals, resources, modules, outputs, backend",
                                                "did you mean 'backend'?"], id="misspelt-block"),
    ],
)
def test_errors_name_the_place_and_never_the_url(tmp_path: Path, files, fragments) -> None:
    files = [f.replace("postgresql://h/db", f"postgresql://u:{SECRET}@h/db") for f in files]
    with pytest.raises(SpecError) as info:
        load(tmp_path, *files)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert SECRET not in str(info.value)


def test_the_schema_describes_the_block() -> None:
    schema = json_schema({})
    block = schema["properties"]["backend"]
    assert block["required"] == ["url"] and block["additionalProperties"] is False
    assert set(block["properties"]) == {"url", "name"}
