"""What the end-to-end CI tests share: the ``ci`` group on the CLI, and a job's ``GITHUB_*`` world.

``actions_job`` sets the variables GitHub Actions sets for a step (token, repository, event file,
job summary, step outputs, run id, API URL pointing at the fake GitHub) on top of the
``project`` fixture's sandbox-wired environment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.cli.ci import register
from reconciler.cli.commands import cli
from tests.ci.fake_github import TOKEN, FakeGitHub, github  # noqa: F401 - the served fixture

register(cli)  # a no-op once the lead has wired it in; until then it puts `ci` on the CLI

REPO = "acme/data-platform"
HEAD = "1111111111111111111111111111111111111111"


@dataclass
class Job:
    """One Actions job's files and variables; ``step()`` starts a new step (fresh summary/output)."""

    root: Path
    fake: FakeGitHub
    api_url: str
    monkeypatch: pytest.MonkeyPatch
    run_id: int = 100
    steps: int = 0

    def step(self) -> None:
        self.steps += 1
        for name, var in (("summary", "GITHUB_STEP_SUMMARY"), ("output", "GITHUB_OUTPUT")):
            path = self.root / f"{name}-{self.steps}"
            path.write_text("")
            self.monkeypatch.setenv(var, str(path))

    def new_run(self) -> None:
        self.run_id += 1
        self.monkeypatch.setenv("GITHUB_RUN_ID", str(self.run_id))
        self.step()

    def pull_request(self, number: int, *, sha: str = HEAD, action: str = "synchronize", merged: bool = False) -> None:
        if number not in self.fake.repo().issues:
            self.fake.add_pull_request(number, head_sha=sha)
        event = {"action": action, "number": number,
                 "pull_request": {"number": number, "head": {"sha": sha}, "merged": merged,
                                  "merge_commit_sha": "2" * 40 if merged else None},
                 "repository": {"full_name": REPO}}
        path = self.root / f"event-{number}-{action}.json"
        path.write_text(json.dumps(event))
        self.monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))
        self.monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
        self.new_run()

    def schedule(self) -> None:
        path = self.root / "event-schedule.json"
        path.write_text(json.dumps({"schedule": "17 5 * * *"}))
        self.monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))
        self.monkeypatch.setenv("GITHUB_EVENT_NAME", "schedule")
        self.new_run()

    @property
    def summary(self) -> str:
        return (self.root / f"summary-{self.steps}").read_text()

    @property
    def outputs(self) -> dict[str, str]:
        text = (self.root / f"output-{self.steps}").read_text()
        return dict(line.split("=", 1) for line in text.splitlines() if line)

    @property
    def run_url(self) -> str:
        return f"https://github.test/{REPO}/actions/runs/{self.run_id}"


@pytest.fixture
def actions_job(project, github, tmp_path_factory) -> Job:
    fake, api_url = github
    job = Job(tmp_path_factory.mktemp("actions"), fake, api_url, project.monkeypatch)
    for key, value in {"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO,
                       "GITHUB_API_URL": api_url, "GITHUB_SERVER_URL": "https://github.test",
                       "GITHUB_SHA": "9" * 40, "GITHUB_RUN_ATTEMPT": "1"}.items():
        project.monkeypatch.setenv(key, value)
    project.monkeypatch.delenv("RECONCILER_DRIFT_WEBHOOK", raising=False)
    project.monkeypatch.delenv("RECONCILER_COMMENT_AUTHOR", raising=False)
    job.new_run()
    return job
