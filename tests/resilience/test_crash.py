"""Item 3, crash (CI size): SIGKILL an apply at random moments and re-run it; per provider, an
interrupted create is adopted by natural key. See ``crash.py`` for the full-size run."""

from __future__ import annotations

import pytest

from reconciler.providers.registry import PROVIDERS
from tests.resilience import crash


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> crash.Outcome:
    return crash.scenario(tmp_path_factory.mktemp("crash"), crash.CI_SIZE, crash.CI_TRIALS, seed=11)


def test_every_trial_converges_with_no_duplicate_nothing_unknown_and_a_valid_state(outcome):
    assert any(t.killed for t in outcome.trials), "no trial was killed mid-apply"
    assert outcome.failures() == []


def test_an_interrupted_create_is_adopted_by_natural_key_on_every_provider(tmp_path):
    adoptions, rerun, result = crash.per_provider(tmp_path, sorted(PROVIDERS))
    assert rerun.code == 0, rerun.err[-2000:]
    assert [a.provider for a in adoptions if not a.note] == []
    assert result.ok, result.problems()


MANAGED = sorted((name, t) for spec in PROVIDERS.values() for name, t in spec.resource_types.items()
                 if not t.data_source)


@pytest.mark.parametrize(("type_name", "rt"), [pytest.param(n, t, id=n) for n, t in MANAGED])
def test_every_managed_type_declares_a_natural_key_to_recover_by(type_name, rt):
    """Recovery looks an interrupted create up by natural key; a type without one makes the plan stop
    and say what to check (reconciler/workflow.py ``_refuse_blind_recreate``, tested in
    tests/test_workflow_recovery.py). Today every managed type has one."""
    assert rt.natural_key, f"{type_name} has no natural key: an interrupted create would stop the plan"
    assert set(rt.natural_key) <= set(rt.spec_model.model_fields), rt.natural_key


def test_a_killed_replacement_with_dependents_converges_on_the_next_run(tmp_path):
    """SIGKILL an apply that replaces a DataRobot environment and the deployments on it (their
    deletes, its delete, its create, theirs), at random moments; the next plain apply converges:
    no duplicate, no orphan, every resource held, and an empty plan after."""
    trials = crash.replacement_trials(tmp_path, 4, seed=3)
    assert any(t.killed for t in trials), "no trial was killed mid-apply"
    assert [f for t in trials for f in t.failures()] == []


def test_a_killed_create_before_destroy_replacement_leaves_no_orphan(tmp_path):
    """The same with ``lifecycle.create_before_destroy`` on the environment: a kill between the new
    object's create and the old one's delete leaves the old one deposed in the state (deleted by
    the re-run), a kill during the create is recovered by natural key: never an orphan, never a
    duplicate."""
    trials = crash.replacement_trials(tmp_path, 6, seed=11, create_before_destroy=True)
    assert any(t.killed for t in trials), "no trial was killed mid-apply"
    assert [f for t in trials for f in t.failures()] == []
    assert all(t.after_id != t.before_id for t in trials if t.rerun.code == 0)
