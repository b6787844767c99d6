"""Unset means default, per DataRobot type: an optional field with a default, removed from its
block, goes back to that default on DataRobot (``reconciler.testing.run_unset_defaults``)."""

from __future__ import annotations

from reconciler.testing import run_unset_defaults
from tests.providers.datarobot.conftest import CHURN_XGB


def test_prediction_environment(session):
    run_unset_defaults(session, "datarobot_prediction_environment",
                       {"name": "edge", "platform": "aws", "description": "d"})


def test_deployment(session):
    run_unset_defaults(session, "datarobot_deployment", {"label": "churn", "model_id": CHURN_XGB, "description": "d",
                                                         "importance": "HIGH", "status": "inactive"})
