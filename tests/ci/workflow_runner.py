"""Run a GitHub Actions job of ours on this machine, the way the runner would, as far as our
templates need: ``run:`` steps in ``bash -eo pipefail`` with exactly the environment Actions
gives them, and the few actions they use simulated on a local artifact store.

Faithful where the templates depend on it: the ``GITHUB_*`` variables Actions sets (and not
``GITHUB_TOKEN``, which Actions never exports: a step must ask for ``${{ github.token }}``),
``env`` at workflow, job and step level with ``${{ ... }}`` expressions, ``GITHUB_OUTPUT`` read
back into ``steps.<id>.outputs``, per-step job summaries, ``if:`` on jobs and steps, and a
failing step skipping the rest. A matrix job runs once per ``matrix`` the test gives (its
``strategy`` is not evaluated), with ``needs`` (the outputs of the jobs it needs, as
``JobResult.outputs`` returns them). Anything else in a template (an unknown action, an expression
this runner cannot evaluate) is an error, so a template cannot silently outgrow its test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
#: steps the test does not run: reconciler is already installed (the shim below puts it on PATH)
SKIPPED_STEPS = ("Install reconciler",)


def load_workflow(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    if True in doc and "on" not in doc:  # YAML 1.1 reads the key `on` as true
        doc["on"] = doc.pop(True)
    return doc


@dataclass
class StepResult:
    name: str
    outcome: str  # success | failure | skipped
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""


@dataclass
class JobResult:
    steps: list[StepResult]
    #: the job's ``outputs:``, evaluated after its steps (for ``needs.<job>.outputs``)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(s.outcome != "failure" for s in self.steps)

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)

    def log(self) -> str:
        return "\n".join(f"--- {s.name}: {s.outcome}\n{s.stdout}{s.stderr}" for s in self.steps)


class LocalRunner:
    """Jobs run in ``workspace`` (the checked-out repository); artifacts kept per run id."""

    def __init__(self, workspace: Path, scratch: Path, *, repository: str, api_url: str, token: str,
                 secrets: Mapping[str, str], repo_root: Path) -> None:
        self.workspace, self.scratch = workspace, scratch
        self.repository, self.api_url, self.token = repository, api_url, token
        self.secrets = dict(secrets)
        self.artifacts = scratch / "artifacts"
        self.bin = scratch / "bin"
        self.bin.mkdir(parents=True, exist_ok=True)
        shim = self.bin / "reconciler"
        # the console script, plus the `ci` group in case the CLI does not register it yet
        shim.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(repo_root)!r})\n"
                        "from reconciler.cli.commands import cli\nfrom reconciler.cli.ci import register\n"
                        "register(cli)\nfrom reconciler.cli import main\nsys.exit(main())\n")
        shim.chmod(0o755)

    def run(self, workflow: Path, job: str, *, event_name: str, event: dict[str, Any], run_id: int,
            sha: str = "0" * 40, matrix: Mapping[str, str] | None = None,
            needs: Mapping[str, JobResult] | None = None) -> JobResult:
        doc = load_workflow(workflow)
        spec = doc["jobs"][job]
        event_path = self.scratch / f"event-{run_id}.json"
        event_path.write_text(json.dumps(event))
        ctx = {"event": event, "event_name": event_name, "run_id": str(run_id), "token": self.token,
               "repository": self.repository, "sha": sha, "steps": {}, "status": "success",
               "matrix": dict(matrix or {}), "needs": {k: {"outputs": v.outputs} for k, v in (needs or {}).items()}}
        if "if" in spec and not self._truthy(self._condition(spec["if"], ctx)):
            return JobResult([StepResult(s.get("name", s.get("uses", "?")), "skipped") for s in spec["steps"]])
        base = {
            "PATH": f"{self.bin}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin",
            "HOME": str(self.scratch), "LANG": "C.UTF-8", "CI": "true", "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace), "GITHUB_REPOSITORY": self.repository,
            "GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(event_path), "GITHUB_RUN_ID": str(run_id),
            "GITHUB_RUN_ATTEMPT": "1", "GITHUB_RUN_NUMBER": str(run_id), "GITHUB_SHA": sha,
            "GITHUB_SERVER_URL": "https://github.test", "GITHUB_API_URL": self.api_url,
            "GITHUB_JOB": job, "GITHUB_WORKFLOW": doc.get("name", workflow.stem), "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(self.scratch / "tmp"),
        }
        (self.scratch / "tmp").mkdir(exist_ok=True)
        env = dict(base)
        for level in (doc.get("env") or {}, spec.get("env") or {}):
            env.update({k: self._eval(str(v), ctx) for k, v in level.items()})
        results = []
        for index, step in enumerate(spec["steps"]):
            name = step.get("name") or step.get("uses") or f"step {index}"
            condition = step.get("if", "success()")
            if name in SKIPPED_STEPS or not self._truthy(self._condition(condition, ctx)):
                results.append(StepResult(name, "skipped"))
                continue
            result = self._step(step, name, index, env, ctx, run_id)
            results.append(result)
            if step.get("id"):
                ctx["steps"][step["id"]] = {"outputs": result.outputs, "outcome": result.outcome}
            if result.outcome == "failure":
                ctx["status"] = "failure"
        return JobResult(results, {k: self._eval(str(v), ctx) for k, v in (spec.get("outputs") or {}).items()})

    # -- steps -------------------------------------------------------------------------------------
    def _step(self, step: dict, name: str, index: int, env: dict[str, str], ctx: dict, run_id: int) -> StepResult:
        files = {k: self.scratch / f"run{run_id}-step{index}-{k}" for k in ("output", "summary", "env")}
        for path in files.values():
            path.write_text("")
        step_env = {**env, **{k: self._eval(str(v), ctx) for k, v in (step.get("env") or {}).items()},
                    "GITHUB_OUTPUT": str(files["output"]), "GITHUB_STEP_SUMMARY": str(files["summary"]),
                    "GITHUB_ENV": str(files["env"])}
        if "uses" in step:
            inputs = {k: self._eval(str(v), ctx) for k, v in (step.get("with") or {}).items()}
            outcome = self._action(step["uses"], inputs, run_id)
            return StepResult(name, outcome)
        script = self.scratch / f"run{run_id}-step{index}.sh"
        script.write_text(step["run"])
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=self.workspace,
                              env=step_env, capture_output=True, text=True, timeout=120)
        outputs = dict(line.split("=", 1) for line in files["output"].read_text().splitlines() if "=" in line)
        for line in files["env"].read_text().splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                env[key] = value
        return StepResult(name, "success" if proc.returncode == 0 else "failure", proc.stdout, proc.stderr,
                          outputs, files["summary"].read_text())

    def _action(self, uses: str, inputs: dict[str, str], run_id: int) -> str:
        action = uses.split("@")[0]
        if action in ("actions/checkout", "actions/setup-python"):
            return "success"  # the workspace is the checkout; this Python is the one set up
        if action == "actions/upload-artifact":
            source = self.workspace / inputs["path"]
            if not source.exists():
                return "failure" if inputs.get("if-no-files-found", "warn") == "error" else "success"
            target = self.artifacts / str(run_id) / inputs.get("name", "artifact")
            shutil.copytree(source, target) if source.is_dir() else shutil.copy(source, target)
            return "success"
        if action == "actions/download-artifact":
            source = self.artifacts / (inputs.get("run-id") or str(run_id)) / inputs["name"]
            if not source.exists():
                return "failure"
            shutil.copytree(source, self.workspace / inputs.get("path", "."), dirs_exist_ok=True)
            return "success"
        raise AssertionError(f"the local runner does not simulate {uses}")

    # -- expressions ---------------------------------------------------------------------------------
    def _eval(self, text: str, ctx: dict) -> str:
        return _EXPR.sub(lambda m: _text(self._value(m[1], ctx)), text)

    def _condition(self, text: Any, ctx: dict) -> Any:
        if isinstance(text, bool):
            return text
        m = _EXPR.fullmatch(str(text).strip())
        return self._value(m[1] if m else str(text), ctx)

    def _value(self, expr: str, ctx: dict) -> Any:
        expr = expr.strip()
        if "!=" in expr:
            left, right = expr.split("!=", 1)
            return self._value(left, ctx) != self._value(right, ctx)
        if "==" in expr:
            left, right = expr.split("==", 1)
            return self._value(left, ctx) == self._value(right, ctx)
        if expr in ("success()", "always()", "failure()"):
            return {"success()": ctx["status"] == "success", "always()": True,
                    "failure()": ctx["status"] == "failure"}[expr]
        if expr in ("true", "false"):
            return expr == "true"
        if re.fullmatch(r"'[^']*'", expr):
            return expr[1:-1]
        if re.fullmatch(r"-?\d+", expr):
            return int(expr)
        parts = expr.split(".")
        if parts[0] == "secrets" and len(parts) == 2:
            return self.secrets.get(parts[1], "")
        if parts[0] == "github":
            if parts[1:] == ["token"]:
                return self.token
            value: Any = ctx if parts[1] != "event" else ctx["event"]
            for key in parts[1:] if parts[1] != "event" else parts[2:]:
                value = value.get(key) if isinstance(value, dict) else None
            return value
        if parts[0] == "matrix" and len(parts) == 2:
            return ctx["matrix"][parts[1]]
        if parts[0] == "needs" and len(parts) == 4 and parts[2] == "outputs":
            return ctx["needs"][parts[1]]["outputs"].get(parts[3], "")
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return ctx["steps"].get(parts[1], {}).get("outputs", {}).get(parts[3], "")
        raise AssertionError(f"the local runner cannot evaluate ${{{{ {expr} }}}}")

    @staticmethod
    def _truthy(value: Any) -> bool:
        return bool(value) and value != "false"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
