"""Item 5, bad input (CI size): malformed spec sets, state files and saved plans. See
``bad_input.py`` for the corpus and the full-size run (a 50 MB file)."""

from __future__ import annotations

import pytest

from tests.resilience import bad_input, bad_state
from tests.resilience.world import World

CI_MB = 11  # above the 10 MB limit: refused by size, never parsed
#: a hang (exponential aliases, runaway nesting) is what this catches, not speed: a loaded CI
#: machine takes seconds to start a child process
CI_TIME_LIMIT = bad_input.TIME_LIMIT
CI_MEMORY_LIMIT = bad_input.MEMORY_LIMIT

#: engine gaps, each reported in docs/reliability.md (item 5) with file and line
KNOWN: dict[str, str] = {}
KNOWN_DAMAGE: dict[str, str] = {}

CASES = bad_input.spec_cases(CI_MB)


def _param(case: bad_input.Case):
    marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=KNOWN[case.id])] if case.id in KNOWN else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.fixture(scope="module")
def corpus_world(tmp_path_factory):
    with World(tmp_path_factory.mktemp("bad-input")) as world:
        yield world, bad_input.make_base(world)


def test_the_corpus_covers_the_issue():
    ids = {c.id for c in CASES}
    assert len(CASES) >= 40
    for needed in ("yaml-unclosed-bracket", "tab-indentation", "duplicate-key-in-resource", "wrong-type-list",
                   "unknown-field", "unknown-type-typo", "dangling-reference", "cyclic-references",
                   "duplicate-address", "invalid-cron", "invalid-project-key", "non-utf8-bytes", "alias-bomb",
                   "huge-file", "deep-nesting", "empty-directory", "unknown-function", "expression-type-mismatch",
                   "variable-type-mismatch", "unknown-instance-key", "for-each-over-a-number",
                   "for-each-duplicate-keys", "moved-malformed-address", "moved-from-equals-to",
                   "moved-twice-from-one-address", "moved-onto-another-declared-object",
                   "import-to-an-undeclared-address", "stacks-shared-state", "stacks-unknown-name",
                   "stacks-missing-specs-directory"):
        assert needed in ids


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_a_malformed_spec_set_exits_1_with_where_and_what_and_no_request(corpus_world, case):
    world, base = corpus_world
    result = bad_input.answer(world, base, case, time_limit=CI_TIME_LIMIT, memory_limit=CI_MEMORY_LIMIT)
    assert result.failures(case) == []


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    made = bad_state.Damaged(tmp_path_factory.mktemp("bad-state"))
    yield made
    made.close()


def _damage_param(damage: bad_state.Damage):
    marks = ([pytest.mark.xfail(strict=True, raises=AssertionError, reason=KNOWN_DAMAGE[damage.id])]
             if damage.id in KNOWN_DAMAGE else [])
    return pytest.param(damage, id=damage.id, marks=marks)


@pytest.mark.parametrize("damage", [_damage_param(d) for d in sorted(bad_state.DAMAGES,
                                                                      key=lambda d: d.id == "plan-stale")])
def test_a_bad_state_file_or_saved_plan_exits_1_and_writes_nothing(damaged, damage):
    assert damaged.run(damage).failures() == []
