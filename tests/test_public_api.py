"""The package's public surface is deliberate: everything in __all__ exists, and the
one-liners drive the same engine as the CLI (over the in-process sandbox transport)."""

from __future__ import annotations

import inspect
import shutil

import reconciler
from reconciler.plan.model import Action
from reconciler.sandbox import Sandbox
from tests.conftest import ROOT


def test_all_names_exist():
    for name in reconciler.__all__:
        assert hasattr(reconciler, name), name


def test_plan_and_apply_one_liners_over_the_in_process_sandbox(tmp_path):
    sb = Sandbox(token="t")
    shutil.copytree(ROOT / "specs" / "dataiku", tmp_path / "specs" / "dataiku")
    shutil.copy(ROOT / "specs" / "variables.yaml", tmp_path / "specs")
    options = dict(env={"DATAIKU_URL": "http://sandbox/dataiku", "DATAIKU_API_KEY": "t"},
                   transports={"dataiku": sb.transport()})
    specs, state = str(tmp_path / "specs"), str(tmp_path / "state.json")
    first = reconciler.plan(specs, state, **options)
    assert {c.action for c in first.changes} == {Action.CREATE}
    result = reconciler.apply(specs, state, **options)
    assert result.ok and len(result.ledger) == 6
    assert not reconciler.plan(specs, state, **options).has_changes()
    assert sb.counts["dataiku"]["writes"] > 0


def test_plan_and_apply_stay_the_functions_when_their_subpackages_load():
    import reconciler.apply.executor  # noqa: F401  (a subpackage's module imported after the package)
    import reconciler.plan.render  # noqa: F401

    assert inspect.isfunction(reconciler.plan) and inspect.isfunction(reconciler.apply)
