"""DataRobot deployment settings end to end through the CLI against the sandbox on loopback: the
example specs' settings blocks applied, settings changed with the official client
(``update_drift_tracking_settings``, ``update_health_settings``) reported by ``drift`` naming
the block and the field and repaired by ``apply``; a block left out is left alone; a resource
bundle change says in the plan that the deployment is deactivated around it; bad blocks exit 1
with file:line and what is allowed."""

from __future__ import annotations

import warnings

import pytest

from tests.conftest import TOKEN

dr = pytest.importorskip("datarobot")

CHURN = "Churn scoring (prod)"
HOUSE = "House price estimates (prod)"


COMPUTE = "    predictions: {min_computes: 1, max_computes: 3}\n"


@pytest.fixture
def proj(make_project):
    """The example specs, the serverless deployment with its compute settings declared."""
    project = make_project("datarobot")
    path = project.specs / "datarobot" / "deployments.yaml"
    path.write_text(path.read_text() + COMPUTE)  # house_prices is the last block
    return project


@pytest.fixture
def official(proj):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dr.Client(endpoint=f"{proj.base_url}/datarobot/api/v2", token=TOKEN)
        yield dr


def _deployment(client, label: str):
    return next(d for d in client.Deployment.list() if d.label == label)


def _applied(proj) -> None:
    result = proj.cli("apply", "--auto-approve")
    assert result.code == 0, result.text


def test_settings_applied_then_no_changes(proj, official):
    _applied(proj)
    assert proj.cli("plan", "--detailed-exitcode").code == 0
    churn = _deployment(official, CHURN)
    assert churn.get_association_id_settings()["column_names"] == ["customer_id"]
    assert churn.get_segment_analysis_settings() == {"enabled": True, "attributes": ["region"]}
    assert churn.get_health_settings()["data_drift"]["drift_threshold"] == 0.2
    assert sorted(churn.get_accuracy_metrics_settings()) == ["AUC", "LogLoss"]


def test_settings_changed_with_the_official_client_are_drift_and_apply_repairs(proj, official):
    _applied(proj)
    churn = _deployment(official, CHURN)
    churn.update_drift_tracking_settings(target_drift_enabled=False)
    churn.update_health_settings(data_drift={"drift_threshold": 0.5})
    churn.update_challenger_models_settings(True)  # a block the specs leave out: not managed

    writes = proj.sandbox.write_count
    drift = proj.cli("drift")
    assert drift.code == 2, drift.text
    assert "datarobot_deployment.churn" in drift.out
    assert "drift_tracking.target_drift" in drift.out
    assert "health.data_drift.drift_threshold" in drift.out
    assert "challenger_models" not in drift.out
    assert proj.sandbox.write_count == writes, "drift must not write"

    repaired = proj.cli("apply", "--auto-approve")
    assert repaired.code == 0, repaired.text
    assert churn.get_drift_tracking_settings()["target_drift"] == {"enabled": True}
    assert churn.get_health_settings()["data_drift"]["drift_threshold"] == 0.2
    assert churn.get_challenger_models_settings() == {"enabled": True}  # left as the UI set it
    assert proj.cli("drift").code == 0


def test_an_empty_block_sets_the_defaults(proj, official):
    _applied(proj)
    path = proj.specs / "datarobot" / "deployments.yaml"
    text = path.read_text()
    path.write_text(text.replace("segment_analysis: {enabled: true, attributes: [region]}", "segment_analysis: {}"))
    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 2 and "segment_analysis" in plan.out, plan.text
    _applied(proj)
    assert _deployment(official, CHURN).get_segment_analysis_settings()["enabled"] is False


def test_a_resource_bundle_change_is_planned_with_the_deactivation(proj, official):
    _applied(proj)
    path = proj.specs / "datarobot" / "deployments.yaml"
    path.write_text(path.read_text().replace("predictions: {min_computes: 1, max_computes: 3}",
                                             "predictions: {min_computes: 1, max_computes: 3, "
                                             "resource_bundle_id: cpu.medium}"))
    plan = proj.cli("plan")
    assert plan.code == 0, plan.text
    assert "deactivated while DataRobot changes its resource bundle" in plan.out
    applied = proj.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert "deactivating deployment" in applied.text
    house = _deployment(official, HOUSE)
    assert house.status == "active"
    assert proj.cli("plan", "--detailed-exitcode").code == 0


@pytest.mark.parametrize("old, new, expected", [
    pytest.param("drift_tracking: {target_drift: true,", "drift_tracking: {target: true,",
                 "allowed fields: target_drift, feature_drift", id="unknown-key"),
    pytest.param("drift_threshold: 0.2", "drift_threshold: 2", "less than or equal to 1", id="threshold-range"),
    pytest.param("accuracy_metrics: [AUC, LogLoss]", "accuracy_metrics: [AUC, Precision]", "'LogLoss'",
                 id="unknown-metric"),
    pytest.param("max_computes: 3}", "max_computes: 0}", "greater than or equal to 1", id="computes-range"),
])
def test_a_bad_settings_block_exits_1_with_file_line_and_what_is_allowed(proj, old, new, expected):
    path = proj.specs / "datarobot" / "deployments.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    result = proj.cli("validate")
    assert result.code == 1, result.text
    assert "deployments.yaml:" in result.text and expected in result.text, result.text
    assert "Traceback" not in result.text
