"""The stacks file: reading, checking (file:line, what is allowed), and what one stack gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.errors import ConfigError, SpecError
from reconciler.providers.registry import PROVIDERS
from reconciler.spec.stacks import find_stacks_file, load_stacks, state_key


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    (tmp_path / "specs" / "common").mkdir(parents=True)
    (tmp_path / "specs" / "prod").mkdir()
    (tmp_path / "vars").mkdir()
    (tmp_path / "vars" / "prod.yaml").write_text("stage: prod\nteams: [a, b]\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(root: Path, text: str) -> Path:
    path = root / "stacks.yaml"
    path.write_text(text)
    return path


def _error(root: Path, text: str) -> str:
    with pytest.raises(SpecError) as err:
        load_stacks(_write(root, text), registry=PROVIDERS)
    return str(err.value)


def test_a_stack_resolves_its_paths_values_and_state(root):
    stacks = load_stacks(_write(root, """
stacks:
  prod:
    description: production
    specs: [specs/common, specs/prod]
    var_files: [vars/prod.yaml]
    variables: {stage: production}
    providers:
      dataiku: {url: "https://dss.example.com", api_key: "${env:DSS_KEY}"}
      dataiku.automation: {url: "https://auto.example.com"}
    state: postgresql://ci@db.example.com/estate
  dev:
    specs: specs/common
"""), registry=PROVIDERS)
    prod, dev = stacks.get("prod"), stacks.get("dev")
    assert prod.specs == ("specs/common", "specs/prod") and dev.specs == ("specs/common",)
    assert prod.state == "postgresql://ci@db.example.com/estate?name=prod"
    assert dev.state == "state/dev.json"  # the default, beside the stacks file
    assert prod.description == "production" and prod.location.line == 3
    given = prod.given()
    assert [(g.name, g.value) for g in given] == [("stage", "prod"), ("teams", ["a", "b"]), ("stage", "production")]
    assert given[0].source == "stack prod var file vars/prod.yaml" and given[0].location.line == 1
    assert given[2].source == "stack prod (variables)" and given[2].location.line == 7
    settings = prod.provider_settings({"DSS_KEY": "s3cret"})
    assert settings["dataiku"] == {"url": "https://dss.example.com", "api_key": "s3cret"}
    with pytest.raises(ConfigError) as err:
        prod.provider_settings({})
    assert "stacks.yaml:9: stack prod: providers.dataiku.api_key reads the environment variable DSS_KEY" \
        in str(err.value)


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("stacks:\n  a:\n    specs: nowhere\n",
                 "stacks.yaml:3: stack a: specs 'nowhere': no such directory", id="missing-specs-directory"),
    pytest.param("stacks:\n  a:\n    specs: [specs/common, specs/gone]\n",
                 "stacks.yaml:3: stack a: specs 'specs/gone': no such directory", id="missing-one-of-several"),
    pytest.param("stacks:\n  a:\n    specs: specs\n    var_files: [vars/none.yaml]\n",
                 "stacks.yaml:4: stack a: var_files 'vars/none.yaml': no such file", id="missing-var-file"),
    pytest.param("stacks:\n  a:\n    specs: specs\n    state: s.json\n  b:\n    specs: specs\n    state: ./s.json\n",
                 "stacks.yaml:7: stacks a and b share one state (s.json)", id="shared-state-file"),
    pytest.param("stacks:\n  a:\n    specs: specs\n    state: postgresql://u:pw@db/x?name=one\n"
                 "  b:\n    specs: specs\n    state: postgresql://other@db/x?name=one\n",
                 "stacks.yaml:7: stacks a and b share one state (postgresql://other@db/x?name=one)", id="shared-postgres-state"),
    pytest.param("stacks:\n  a:\n    specs: specs\n    colour: red\n",
                 "stacks.yaml:4: stack a: unknown key 'colour'; allowed: description, specs", id="unknown-key"),
    pytest.param("stacks:\n  a: {}\n", "stacks.yaml:2: stack a: no specs", id="no-specs"),
    pytest.param("stacks:\n  a b:\n    specs: specs\n", "stack name 'a b' is not valid", id="bad-name"),
    pytest.param("stack:\n  a:\n    specs: specs\n", "stacks.yaml:1: a stacks file is a mapping", id="no-stacks-key"),
    pytest.param("stacks:\n  a:\n    specs: specs\n    state: ftp://x/y\n",
                 "stacks.yaml:4: stack a: unknown state backend ftp://", id="bad-backend"),
    pytest.param("stacks:\n  a:\n    specs: specs\n    providers: {tableau: {url: x}}\n",
                 "stacks.yaml:4: stack a: unknown provider 'tableau'; known: astro, dataiku", id="unknown-provider"),
    pytest.param("stacks:\n  a:\n    specs: specs\n    providers:\n      dataiku: {urll: x}\n",
                 "stacks.yaml:5: stack a: providers.dataiku: unknown setting 'urll'; allowed:", id="unknown-setting"),
    pytest.param("stacks:\n  a:\n    specs: specs\n    variables: [x]\n",
                 "stacks.yaml:4: stack a: variables must be a mapping", id="variables-not-a-mapping"),
    pytest.param("stacks:\n  a:\n    specs: specs\n  a:\n    specs: specs\n", "twice", id="duplicate-stack"),
])
def test_bad_stacks_files_name_file_line_and_what_is_allowed(root, text, expected):
    assert expected in _error(root, text)


def test_a_password_never_appears_in_a_message(root):
    message = _error(root, "stacks:\n  a:\n    specs: specs\n    state: postgresql://u:hunter2@db/x?name=n\n"
                           "  b:\n    specs: specs\n    state: postgresql://u:hunter2@db/x?name=n\n")
    assert "hunter2" not in message


def test_an_unknown_stack_lists_the_known_ones(root):
    stacks = load_stacks(_write(root, "stacks:\n  dev: {specs: specs}\n  prod: {specs: specs}\n"))
    with pytest.raises(SpecError) as err:
        stacks.get("staging")
    assert "stacks.yaml:1: no stack named 'staging'" in str(err.value)
    assert "known stacks: dev, prod" in str(err.value)


def test_the_stacks_file_is_found_from_a_subdirectory_but_not_above_the_repository(root):
    _write(root, "stacks:\n  dev: {specs: specs}\n")
    assert find_stacks_file(root / "specs" / "prod") == root / "stacks.yaml"
    inner = root / "inner"
    (inner / ".git").mkdir(parents=True)
    assert find_stacks_file(inner) is None


def test_state_keys_tell_states_apart():
    assert state_key("postgresql://a@db/x?name=p") == state_key("postgresql://b:pw@DB/x?name=p")
    assert state_key("postgresql://a@db/x?name=p") != state_key("postgresql://a@db/x?name=q")
    assert state_key("postgresql://a@db/x") == state_key("postgresql://a@db/x?name=default")
    assert state_key("s.json") == state_key(os.path.abspath("s.json"))


def test_published_stacks_schema_is_what_reconciler_schema_prints(capsys):
    from reconciler.cli import main

    published = Path(__file__).resolve().parents[2] / "schema" / "stacks.schema.json"
    assert main(["schema", "--stacks"]) == 0
    assert published.read_text() == capsys.readouterr().out, (
        "schema/stacks.schema.json is stale: regenerate it with `make schema`")


def test_the_schema_knows_every_key_the_reader_allows():
    import json

    from reconciler.spec.stacks import NAME_RE, STACK_KEYS, json_schema

    schema = json.loads(json.dumps(json_schema(PROVIDERS)))
    stack = schema["properties"]["stacks"]["patternProperties"][NAME_RE.pattern]
    assert tuple(stack["properties"]) == STACK_KEYS
    assert set(stack["properties"]["providers"]["properties"]) == set(PROVIDERS)
