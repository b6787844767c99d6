"""Unset means default, per Astro type: an optional field with a default, removed from its block,
goes back to that default on Astro (``reconciler.testing.run_unset_defaults``)."""

from __future__ import annotations

from reconciler.testing import run_unset_defaults
from tests.providers.astro.conftest import deployment_spec, make_dags, make_deployment


def test_workspace(astro):
    run_unset_defaults(astro.session, "astro_workspace",
                       {"name": "analytics", "description": "d", "cicd_enforced_default": True})


def test_deployment(astro):
    run_unset_defaults(astro.session, "astro_deployment", deployment_spec(
        description="d", executor="CELERY", scheduler_size="LARGE", is_cicd_enforced=True,
        is_dag_deploy_enabled=False, is_high_availability=True, contact_emails=["a@example.com"],
        environment_variables={"STAGE": "prod"}))


def test_deploy(astro, tmp_path):
    dep = make_deployment(astro)
    dags = make_dags(tmp_path / "dags", {"etl.py": "print('etl')"})
    run_unset_defaults(astro.session, "astro_deploy", {"deployment": dep, "source": str(dags), "description": "d"})
