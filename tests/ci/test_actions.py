"""Reading the Actions environment, and the job summary / step output files."""

from __future__ import annotations

import json

import pytest

from reconciler.ci.actions import SUMMARY_MAX_BYTES, ActionsEnv
from reconciler.errors import ConfigError


def _env(tmp_path, event: dict | None, **extra) -> dict[str, str]:
    env = {"GITHUB_REPOSITORY": "acme/data-platform", "GITHUB_RUN_ID": "99", "GITHUB_SHA": "merge" * 8,
           "GITHUB_SERVER_URL": "https://github.test", "GITHUB_API_URL": "https://api.github.test/",
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_OUTPUT": str(tmp_path / "output")}
    if event is not None:
        (tmp_path / "event.json").write_text(json.dumps(event))
        env["GITHUB_EVENT_PATH"] = str(tmp_path / "event.json")
    return {**env, **extra}


@pytest.mark.parametrize("event, number, sha", [
    pytest.param({"pull_request": {"number": 7, "head": {"sha": "head1"}}, "number": 7}, 7, "head1", id="pull_request"),
    pytest.param({"issue": {"number": 8, "pull_request": {}}}, 8, "merge" * 8, id="comment-on-a-pr"),
    pytest.param({"issue": {"number": 9}}, None, "merge" * 8, id="comment-on-an-issue"),
    pytest.param({"schedule": "17 5 * * *"}, None, "merge" * 8, id="schedule"),
    pytest.param(None, None, "merge" * 8, id="no-event"),
])
def test_pull_request_and_head_commit_from_the_event(tmp_path, event, number, sha):
    actions = ActionsEnv.from_env(_env(tmp_path, event))
    assert actions.pr_number == number and actions.head_sha == sha
    assert actions.api_url == "https://api.github.test"
    assert actions.run_url == "https://github.test/acme/data-platform/actions/runs/99"


def test_run_url_names_a_retried_attempt(tmp_path):
    actions = ActionsEnv.from_env(_env(tmp_path, None, GITHUB_RUN_ATTEMPT="2"))
    assert actions.run_url.endswith("/runs/99/attempts/2")


def test_requirements_say_what_to_set(tmp_path):
    actions = ActionsEnv.from_env({})
    with pytest.raises(ConfigError, match="--repo"):
        actions.require_repository()
    with pytest.raises(ConfigError, match="--pr"):
        actions.require_pr()
    with pytest.raises(ConfigError, match="OWNER/NAME"):
        actions.require_repository("not a repo")
    assert actions.require_pr(5) == 5


def test_a_missing_event_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        ActionsEnv.from_env({"GITHUB_EVENT_PATH": str(tmp_path / "nope.json")})


def test_summary_appends_and_never_passes_one_mebibyte(tmp_path):
    actions = ActionsEnv.from_env(_env(tmp_path, None))
    (tmp_path / "summary.md").write_text("earlier step\n")
    assert actions.write_summary("# one")
    assert not actions.write_summary("x" * SUMMARY_MAX_BYTES)
    assert actions.write_summary_fitting(lambda cap: "y" * min(cap, 5 * SUMMARY_MAX_BYTES))
    size = (tmp_path / "summary.md").stat().st_size
    assert SUMMARY_MAX_BYTES - 1000 < size <= SUMMARY_MAX_BYTES
    assert (tmp_path / "summary.md").read_text().startswith("earlier step\n# one\n")


def test_outputs(tmp_path):
    actions = ActionsEnv.from_env(_env(tmp_path, None))
    actions.set_output("run_id", "42")
    actions.set_output("label", "reconciler:changes")
    assert (tmp_path / "output").read_text() == "run_id=42\nlabel=reconciler:changes\n"
    with pytest.raises(ValueError):
        actions.set_output("x", "two\nlines")


def test_outside_actions_the_writers_do_nothing():
    actions = ActionsEnv.from_env({})
    assert not actions.write_summary("x")
    actions.set_output("a", "b")
    assert actions.run_url is None
