"""What a GitHub Actions job tells a step through its environment (``GITHUB_*``).

Owns reading those variables and the event file, and writing the two files a step may append
to: the job summary (``GITHUB_STEP_SUMMARY``, at most 1 MiB per step) and the step outputs
(``GITHUB_OUTPUT``). Holds no token: the token is read by whoever makes the GitHub client.
Outside Actions every field is simply absent and the writers do nothing.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from reconciler.errors import ConfigError

#: GitHub refuses a step summary larger than this (bytes, per step)
SUMMARY_MAX_BYTES = 1024 * 1024
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class ActionsEnv:
    """The job's context as the runner sets it; every field may be missing outside Actions."""

    api_url: str = "https://api.github.com"
    server_url: str = "https://github.com"
    repository: str | None = None
    run_id: str | None = None
    run_attempt: str | None = None
    sha: str | None = None
    event_name: str | None = None
    event: Mapping[str, Any] = field(default_factory=dict)
    step_summary: str | None = None
    output: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "ActionsEnv":
        env = os.environ if env is None else env
        event: Mapping[str, Any] = {}
        path = env.get("GITHUB_EVENT_PATH")
        if path:
            try:
                with open(path, encoding="utf-8") as fh:
                    loaded = json.load(fh)
            except FileNotFoundError:
                raise ConfigError(f"GITHUB_EVENT_PATH names {path}, which does not exist") from None
            except ValueError as err:
                raise ConfigError(f"GITHUB_EVENT_PATH {path} is not JSON: {err}") from None
            event = loaded if isinstance(loaded, dict) else {}
        return cls(
            api_url=(env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
            server_url=(env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
            repository=env.get("GITHUB_REPOSITORY") or None,
            run_id=env.get("GITHUB_RUN_ID") or None,
            run_attempt=env.get("GITHUB_RUN_ATTEMPT") or None,
            sha=env.get("GITHUB_SHA") or None,
            event_name=env.get("GITHUB_EVENT_NAME") or None,
            event=event,
            step_summary=env.get("GITHUB_STEP_SUMMARY") or None,
            output=env.get("GITHUB_OUTPUT") or None,
        )

    # -- what the event says ---------------------------------------------------------------
    @property
    def pull_request(self) -> Mapping[str, Any]:
        pr = self.event.get("pull_request")
        return pr if isinstance(pr, dict) else {}

    @property
    def pr_number(self) -> int | None:
        """The pull request of a ``pull_request`` / ``pull_request_target`` / ``issue_comment`` event."""
        for candidate in (self.pull_request.get("number"), _pr_of_issue(self.event), self.event.get("number")):
            if isinstance(candidate, int) and candidate > 0:
                return candidate
        return None

    @property
    def head_sha(self) -> str | None:
        """The commit the pull request's author pushed (not the test merge commit), else ``GITHUB_SHA``."""
        head = self.pull_request.get("head")
        sha = head.get("sha") if isinstance(head, dict) else None
        return sha if isinstance(sha, str) and sha else self.sha

    @property
    def run_url(self) -> str | None:
        if not (self.repository and self.run_id):
            return None
        url = f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"
        return url + (f"/attempts/{self.run_attempt}" if self.run_attempt and self.run_attempt != "1" else "")

    # -- what a command needs ---------------------------------------------------------------
    def require_repository(self, given: str | None = None) -> str:
        repo = given or self.repository
        if not repo:
            raise ConfigError("no GitHub repository: set GITHUB_REPOSITORY or pass --repo OWNER/NAME")
        if not _REPO.match(repo):
            raise ConfigError(f"--repo {repo!r} is not OWNER/NAME")
        return repo

    def require_pr(self, given: int | None = None) -> int:
        number = given or self.pr_number
        if not number:
            raise ConfigError("no pull request: this is not a pull_request event (GITHUB_EVENT_PATH); pass --pr N")
        return number

    # -- what a step writes ---------------------------------------------------------------------
    def summary_room(self) -> int:
        """Bytes still free in this step's job summary (0 outside Actions)."""
        if not self.step_summary:
            return 0
        try:
            used = os.path.getsize(self.step_summary)
        except OSError:
            used = 0
        return max(0, SUMMARY_MAX_BYTES - used)

    def write_summary(self, markdown: str) -> bool:
        """Append ``markdown`` to the job summary if it fits; True if written."""
        if not self.step_summary:
            return False
        data = markdown if markdown.endswith("\n") else markdown + "\n"
        if len(data.encode("utf-8")) > self.summary_room():
            return False
        with open(self.step_summary, "a", encoding="utf-8") as fh:
            fh.write(data)
        return True

    def write_summary_fitting(self, render: Callable[[int], str]) -> bool:
        """Append ``render(max_chars)`` to the job summary, shrinking ``max_chars`` until its UTF-8
        fits in the room left; True if written."""
        room = self.summary_room()
        cap = room
        for _ in range(8):
            if cap < 200:
                return False
            text = render(cap)
            size = len(text.encode("utf-8")) + 1
            if size <= room:
                return self.write_summary(text)
            cap = int(cap * room / size) - 64
        return False

    def set_output(self, name: str, value: str) -> None:
        """``name=value`` for later steps (``steps.<id>.outputs.<name>``); one line only."""
        if not self.output:
            return
        if "\n" in value or "\r" in value:
            raise ValueError(f"step output {name} must be one line")
        with open(self.output, "a", encoding="utf-8") as fh:
            fh.write(f"{name}={value}\n")


def _pr_of_issue(event: Mapping[str, Any]) -> int | None:
    issue = event.get("issue")
    if isinstance(issue, dict) and "pull_request" in issue:
        return issue.get("number")
    return None
