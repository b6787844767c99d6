"""Astro executor switches end to end through the CLI: CELERY -> KUBERNETES -> CELERY, and to and
from ASTRO, each converging in one apply and followed by an empty plan; what Astro holds is read
with the official client. Worker queues follow the executor (none for KUBERNETES)."""

from __future__ import annotations

import json

import pytest
from astro_platform_api_client import AuthenticatedClient
from astro_platform_api_client.api.deployment import get_deployment

from reconciler.providers.astro.sandbox.seed import ORG_ID
from tests.conftest import TOKEN

QUEUES = """    worker_queues:
      - name: default
        is_default: true
        astro_machine: A5
        max_worker_count: 5
      - name: heavy
        astro_machine: A20
        max_worker_count: 2
        worker_concurrency: 4
"""


@pytest.fixture
def astro(make_project):
    proj = make_project("astro")
    proj.monkeypatch.chdir(proj.root)
    result = proj.cli("apply", "--auto-approve")
    assert result.code == 0, result.text
    return proj


def live(proj):
    """The deployment as Astro holds it, read with the official client."""
    dep_id = json.loads(proj.cli("state", "show", "astro_deployment.etl").out)["id"]
    client = AuthenticatedClient(base_url=f"{proj.base_url}/astro/platform/v1beta1", token=TOKEN)
    return dep_id, get_deployment.sync(organization_id=ORG_ID, deployment_id=dep_id, client=client)


def converge(proj, expect_in_plan: str) -> None:
    """One apply converges: the plan shows the update, the apply succeeds, the next plan is empty."""
    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert expect_in_plan in plan.out, plan.out
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.out, plan.out
    applied = proj.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    again = proj.cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.text


def set_executor(proj, executor: str, queues: str | None) -> None:
    path = proj.spec_path("deployments.yaml")
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("    executor:"))
    lines[start] = f"    executor: {executor}\n"
    q_start = next((i for i, line in enumerate(lines) if line.startswith("    worker_queues:")), None)
    if q_start is not None:
        q_end = next(i for i in range(q_start + 1, len(lines)) if not lines[i].startswith("      "))
        del lines[q_start:q_end]
    if queues is not None:
        at = next(i for i, line in enumerate(lines) if line.startswith("    environment_variables:"))
        lines[at:at] = [queues]
    path.write_text("".join(lines))


@pytest.mark.parametrize("queues_out", [None, "    worker_queues: []\n"], ids=["queues-left-out", "queues-empty"])
def test_celery_to_kubernetes_and_back(astro, queues_out):
    dep_id, dep = live(astro)
    assert dep.executor.value == "CELERY" and sorted(q.name for q in dep.worker_queues) == ["default", "heavy"]

    set_executor(astro, "KUBERNETES", queues_out)
    converge(astro, "executor")
    same_id, dep = live(astro)
    assert same_id == dep_id and dep.executor.value == "KUBERNETES" and not dep.worker_queues

    set_executor(astro, "CELERY", QUEUES)
    converge(astro, "worker_queues")
    same_id, dep = live(astro)
    assert same_id == dep_id and dep.executor.value == "CELERY"
    assert sorted((q.name, str(q.astro_machine)) for q in dep.worker_queues) == [("default", "A5"), ("heavy", "A20")]


def test_kubernetes_back_to_celery_without_queues_gets_the_default_queue(astro):
    set_executor(astro, "KUBERNETES", None)
    converge(astro, "executor")
    set_executor(astro, "CELERY", None)
    converge(astro, "executor")
    _, dep = live(astro)
    assert dep.executor.value == "CELERY" and [q.name for q in dep.worker_queues] == ["default"]


def test_astro_executor_from_and_to_celery_and_kubernetes(astro):
    dep_id, _ = live(astro)
    set_executor(astro, "ASTRO", QUEUES)        # CELERY -> ASTRO: the queues stay
    converge(astro, "executor")
    _, dep = live(astro)
    assert dep.executor.value == "ASTRO" and sorted(q.name for q in dep.worker_queues) == ["default", "heavy"]

    set_executor(astro, "KUBERNETES", None)     # ASTRO -> KUBERNETES: the queues go
    converge(astro, "executor")
    _, dep = live(astro)
    assert dep.executor.value == "KUBERNETES" and not dep.worker_queues

    set_executor(astro, "ASTRO", None)          # KUBERNETES -> ASTRO: Astro's default queue
    converge(astro, "executor")
    _, dep = live(astro)
    assert dep.executor.value == "ASTRO" and [q.name for q in dep.worker_queues] == ["default"]

    set_executor(astro, "CELERY", QUEUES)       # ASTRO -> CELERY
    converge(astro, "executor")
    same_id, dep = live(astro)
    assert same_id == dep_id and dep.executor.value == "CELERY" and len(dep.worker_queues) == 2


@pytest.mark.parametrize("executor, queues, message", [
    ("KUBERNETES", QUEUES, "worker_queues do not apply to the KUBERNETES executor"),
    ("CELERY", QUEUES.replace("name: heavy", "name: default").replace("        is_default: true\n", "", 1),
     "'default' is declared more than once"),
    ("CELERY", "    worker_queues: []\n", "needs exactly one default worker queue"),
], ids=["kubernetes-with-queues", "duplicate-queue-name", "celery-without-queues"])
def test_bad_queue_settings_are_refused_by_validate(astro, executor, queues, message):
    set_executor(astro, executor, queues)
    result = astro.cli("validate")
    assert result.code == 1
    assert message in result.err, result.err
    assert "deployments.yaml:" in result.err and "Traceback" not in result.text
