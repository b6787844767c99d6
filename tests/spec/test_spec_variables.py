"""Typed variables: declarations, values from --var / --var-file / RECONCILER_VAR_*, precedence,
validation, sensitive values."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.errors import SpecError
from reconciler.spec import load_specs
from reconciler.spec.variables import parse_type
from tests.spec.conftest import REGISTRY

DECLS = """
variables:
  stage:
    type: string
    default: dev
    description: the environment
    validation:
      - condition: ${contains(["dev", "prod"], var.stage)}
        message: stage must be dev or prod
  replicas:
    type: number
    default: 1
  teams:
    type: list(string)
    default: []
  labels:
    type: map(string)
    default: {}
  enabled:
    type: bool
    default: false
  region: eu          # an untyped variable: its value is its default
  owner:
    type: string      # required: no default
"""


def load(write, monkeypatch, tmp_path, files, *, env=None, var_args=(), var_files=()):
    write(files)
    monkeypatch.chdir(tmp_path)
    return load_specs("specs", registry=REGISTRY, env=env or {}, var_args=var_args, var_files=var_files)


@pytest.fixture
def run(write, monkeypatch, tmp_path):
    return lambda files, **kw: load(write, monkeypatch, tmp_path, files, **kw)


def test_defaults_types_and_text_conversion(run, tmp_path):
    specs = run({"v.yaml": DECLS}, var_args=("owner=ana", "replicas=3", "teams=[a, b]", 'labels={"x": "1"}',
                                             "enabled=true"))
    assert specs.variables == {"stage": "dev", "replicas": 3, "teams": ["a", "b"], "labels": {"x": "1"},
                               "enabled": True, "region": "eu", "owner": "ana"}


def test_precedence_env_then_files_then_var(run, tmp_path):
    (tmp_path / "one.yaml").write_text("stage: prod\nowner: from-file-1\nreplicas: 2\n")
    (tmp_path / "two.yaml").write_text("owner: from-file-2\n")
    specs = run({"v.yaml": DECLS}, env={"RECONCILER_VAR_owner": "from-env", "RECONCILER_VAR_region": "us",
                                        "RECONCILER_VAR_replicas": "9"},
                var_files=(str(tmp_path / "one.yaml"), str(tmp_path / "two.yaml")), var_args=("replicas=5",))
    assert specs.variables["owner"] == "from-file-2"  # the later file wins over the earlier and the env
    assert specs.variables["region"] == "us"  # env wins over the default
    assert specs.variables["replicas"] == 5  # --var wins over everything
    assert specs.variables["stage"] == "prod"


@pytest.mark.parametrize("kw, fragments", [
    ({"var_args": ("owner=a", "nope=1")},
     ["--var nope: no variable 'nope' is declared in the specs; declared variables: enabled, labels"]),
    ({"env": {"RECONCILER_VAR_owner": "a", "RECONCILER_VAR_stag": "x"}},
     ["environment variable RECONCILER_VAR_stag: no variable 'stag' is declared", "did you mean 'stage'?"]),
    ({}, ["specs/v.yaml:22: variable 'owner' has no value and no default", "--var owner="]),
    ({"var_args": ("owner=a", "replicas=many")},
     ["specs/v.yaml:9: variable 'replicas' (from --var replicas): expected a number, got 'many'"]),
    ({"var_args": ("owner=a", "stage=qa")},
     ['specs/v.yaml:7: variable \'stage\' = "qa" (from --var stage): stage must be dev or prod']),
    ({"env": {"RECONCILER_VAR_owner": "a", "RECONCILER_VAR_enabled": "yes"}},
     ["variable 'enabled' (from environment variable RECONCILER_VAR_enabled): expected true or false, got 'yes'"]),
    ({"var_args": ("owner=a", "teams={a: 1}")},
     ["variable 'teams' (from --var teams): expected a list of strings, got a map of 1"]),
    ({"var_args": ("owner",)}, ["--var 'owner': expected NAME=VALUE"]),
])
def test_bad_values_name_where_they_came_from(run, kw, fragments):
    with pytest.raises(SpecError) as info:
        run({"v.yaml": DECLS}, **kw)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_a_var_file_value_of_the_wrong_type_names_the_file_and_line(run, tmp_path):
    (tmp_path / "prod.yaml").write_text("owner: a\nreplicas: [1]\n")
    with pytest.raises(SpecError) as info:
        run({"v.yaml": DECLS}, var_files=(str(tmp_path / "prod.yaml"),))
    assert f"{tmp_path / 'prod.yaml'}:2: variable 'replicas' (from --var-file {tmp_path / 'prod.yaml'}): " \
           "expected a number, got a list of 1" in str(info.value)


@pytest.mark.parametrize("decl, fragment", [
    ("x:\n    type: strin\n", "type 'strin' is not a type; allowed: string, number, bool"),
    ("x:\n    type: number\n    default: abc\n", "variable 'x': the default is not a number: got a string"),
    ("x:\n    type: string\n    sensitive: maybe\n", "sensitive must be true or false"),
    ("x:\n    default: a\n    validation: [{condition: '${var.x}'}]\n", "the condition must be true or false"),
    ("x:\n    default: a\n    validation: [{message: m}]\n", "a validation rule is a mapping with 'condition'"),
])
def test_bad_declarations(run, decl, fragment):
    with pytest.raises(SpecError) as info:
        run({"v.yaml": "variables:\n  " + decl})
    assert fragment in str(info.value)
    assert "specs/v.yaml:" in str(info.value)


def test_a_sensitive_value_is_never_shown_and_goes_only_into_sensitive_fields(run):
    files = {"v.yaml": """
        variables:
          db_password:
            type: string
            sensitive: true
            validation:
              - condition: ${length(var.db_password) >= 8}
                message: the password needs 8 characters
        resources:
          test_project.sales: {key: SALES, name: Sales}
          test_dataset.orders:
            project: SALES
            name: orders
            type: PostgreSQL
            password: ${var.db_password}
        """}
    specs = run(files, var_args=("db_password=s3cr3t-long",))
    assert specs.resources[Address("test_dataset", "orders")].attrs["password"] == "s3cr3t-long"
    assert "s3cr3t" not in repr(specs)

    with pytest.raises(SpecError) as info:
        run(files, var_args=("db_password=short",))
    assert "variable 'db_password' = (sensitive value) (from --var db_password): the password needs 8" in str(info.value)
    assert "short" not in str(info.value).replace("the password", "")

    leaky = files["v.yaml"].replace("    password: ${var.db_password}", "    description: pw ${var.db_password}")
    with pytest.raises(SpecError) as info:
        run({"v.yaml": leaky}, var_args=("db_password=s3cr3t-long",))
    assert "'description' uses a sensitive variable, but is not a sensitive field of test_dataset (its sensitive " \
           "fields: password)" in str(info.value)
    assert "s3cr3t" not in str(info.value)


def test_a_sensitive_value_through_a_local_is_still_sensitive(run):
    with pytest.raises(SpecError) as info:
        run({"v.yaml": """
            variables:
              token: {type: string, sensitive: true, default: abc}
            locals:
              bearer: Bearer ${var.token}
            resources:
              test_project.sales: {key: SALES, name: '${local.bearer}'}
            """})
    assert "'name' uses a sensitive variable" in str(info.value)


def test_types_parse():
    assert str(parse_type("list(map(number))")) == "list(map(number))"
    assert parse_type("map").describe() == "a map"
    with pytest.raises(ValueError, match="allowed: string, number"):
        parse_type("set(string)")
