"""``reconciler.testing.run_lifecycle`` fails loudly, at the right step, and cleans up."""

from __future__ import annotations

import pytest

from reconciler.testing import run_lifecycle, sandbox_session


@pytest.fixture
def session():
    _, session = sandbox_session()
    yield session
    session.close()


def test_report_lists_every_step(session):
    report = run_lifecycle(session, "dataiku_project", {"key": "P1", "name": "one"}, {"key": "P1", "name": "two"})
    assert report.steps == (
        "validate specs", "create", "compare create result", "read after create", "compare after create",
        "list", "find by natural key", "diff update spec", "update", "compare update result", "read after update",
        "compare after update", "delete", "read after delete", "delete again",
    )
    assert report.changed == {"name"} and report.updated["name"] == "two"


@pytest.mark.parametrize(
    "create, update, message",
    [
        pytest.param({"key": "P1", "name": "same"}, {"key": "P1", "name": "same"},
                     "step 'diff update spec' (id P1): update_spec does not differ", id="nothing-to-update"),
        pytest.param({"key": "P1", "name": "n"}, {"key": "P2", "name": "n"},
                     "update_spec changes create-only field(s) ['key']", id="create-only-change"),
        pytest.param({"key": "P1", "name": "n", "colour": "red"}, {"key": "P1", "name": "m"},
                     "step 'validate specs'", id="invalid-spec"),
    ],
)
def test_failures_name_the_step_and_clean_up(session, create, update, message):
    with pytest.raises(AssertionError) as info:
        run_lifecycle(session, "dataiku_project", create, update)
    assert message in str(info.value)
    assert session.resource("dataiku_project").read("P1") is None  # deleted on the way out


def test_platform_errors_become_assertion_errors(session):
    # a dataset in a project that does not exist: the create step fails with the platform's message
    with pytest.raises(AssertionError, match=r"dataiku_dataset lifecycle, step 'create': .*NO_SUCH"):
        run_lifecycle(session, "dataiku_dataset",
                      {"project": "NO_SUCH", "name": "d", "type": "PostgreSQL"},
                      {"project": "NO_SUCH", "name": "d", "type": "PostgreSQL", "tags": ["x"]})
