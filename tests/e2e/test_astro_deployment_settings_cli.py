"""Astro deployment settings end to end through the CLI: hibernation (``scaling_spec``) made and
repaired, an override set by hand with the official client reported by ``drift``; bad input."""

from __future__ import annotations

import pytest
from astro_platform_api_client import AuthenticatedClient
from astro_platform_api_client.api.deployment import get_deployment, update_deployment_hibernation_override
from astro_platform_api_client.models import OverrideDeploymentHibernationBody

from reconciler.providers.astro.sandbox.seed import ORG_ID
from tests.conftest import TOKEN

DEV = """\
resources:
  astro_deployment.sandbox:
    workspace: ${astro_workspace.data_platform.id}
    name: sandbox-dev
    astro_runtime_version: "12.1.0"
    cloud_provider: AWS
    region: us-east-1
    is_development_mode: true
    scaling_spec:
      hibernation_spec:
        schedules:
          - hibernate_at_cron: "0 19 * * MON-FRI"
            wake_at_cron: "%s"
            description: nights
"""


@pytest.fixture
def astro(make_project):
    proj = make_project("astro")
    proj.monkeypatch.chdir(proj.root)
    (proj.specs / "astro" / "deployments.yaml").unlink()
    (proj.specs / "astro" / "dev.yaml").write_text(DEV % "0 7 * * MON-FRI")
    return proj


def _id(proj) -> str:
    import json

    return json.loads(proj.cli("state", "show", "astro_deployment.sandbox").out)["id"]


def test_hibernation_override_made_by_hand_is_drift_and_apply_removes_it(astro):
    assert astro.cli("plan", "--detailed-exitcode").code == 2
    applied = astro.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert astro.cli("plan", "--detailed-exitcode").code == 0
    dep = _id(astro)
    with AuthenticatedClient(base_url=f"{astro.base_url}/astro/platform/v1beta1", token=TOKEN) as client:
        override = update_deployment_hibernation_override.sync(
            ORG_ID, dep, client=client, body=OverrideDeploymentHibernationBody(is_hibernating=True))
        assert override.is_hibernating is True and override.is_active is True
        writes = astro.sandbox.write_count
        drift = astro.cli("drift")
        assert drift.code == 2, drift.text
        assert "astro_deployment.sandbox" in drift.out and "scaling_spec" in drift.out
        assert astro.sandbox.write_count == writes, "drift must not write"
        repaired = astro.cli("apply", "--auto-approve")
        assert repaired.code == 0, repaired.text
        live = get_deployment.sync(ORG_ID, dep, client=client)
        assert not live.scaling_spec.hibernation_spec.to_dict().get("override")
        assert live.scaling_spec.hibernation_spec.schedules[0].wake_at_cron == "0 7 * * MON-FRI"
    assert astro.cli("drift").code == 0


def test_a_schedule_change_is_an_in_place_update(astro):
    assert astro.cli("apply", "--auto-approve").code == 0
    (astro.specs / "astro" / "dev.yaml").write_text(DEV % "30 6 * * MON-FRI")
    plan = astro.cli("plan")
    assert "astro_deployment.sandbox will be updated in-place" in plan.out and "30 6 * * MON-FRI" in plan.out
    assert astro.cli("apply", "--auto-approve").code == 0
    assert astro.cli("plan", "--detailed-exitcode").code == 0


def test_an_invalid_cron_is_refused_with_file_line_and_what_is_allowed(astro):
    (astro.specs / "astro" / "dev.yaml").write_text(DEV % "0 7 * * MONDAY")
    result = astro.cli("validate")
    assert result.code == 1
    assert "dev.yaml:" in result.text and "astro_deployment.sandbox" in result.text
    assert "day-of-week field 'MONDAY'" in result.text and "5-part cron expression" in result.text
    assert "Traceback" not in result.text


def test_hybrid_fields_on_a_standard_deployment_are_refused(astro):
    (astro.specs / "astro" / "dev.yaml").write_text(DEV % "0 7 * * *" + "    scheduler_au: 10\n")
    result = astro.cli("validate")
    assert result.code == 1 and "dev.yaml:" in result.text
    assert "scheduler_au apply only to HYBRID deployments" in result.text
