"""Batched reads and lookups through list endpoints return exactly what per-object calls return
(so plans, drift, fingerprints and adoption cannot change with the batching)."""

from __future__ import annotations

import pytest

from reconciler.values import fingerprint
from reconciler.testing import sandbox_session


@pytest.mark.parametrize("provider, type_name", [
    pytest.param("datarobot", "datarobot_prediction_environment", id="datarobot-environments"),
])  # Astro (both tests): tests/providers/astro/test_astro_reads.py
def test_read_many_equals_read(provider, type_name):
    sandbox, session = sandbox_session(provider)
    rt = session.resource(type_name)
    if type_name == "datarobot_prediction_environment":  # the seeded world holds none: two, one deleted
        rt.create({"name": "kept", "platform": "aws"})
        env_id, _ = rt.create({"name": "gone-soon", "platform": "aws"})
        rt.delete(env_id)
        assert rt.read_many([env_id]).get(env_id) is None and rt.read(env_id) is None
    ids = [object_id for object_id, _ in rt.discover({})]
    if provider == "semantic":
        ids = [i for i in ids if rt.read(i) is not None]
    assert ids, "the seeded world should hold some objects"
    batched = rt.read_many(ids + ["does-not-exist"])
    assert "does-not-exist" not in batched or batched["does-not-exist"] is None
    for object_id in ids:
        single = rt.read(object_id)
        assert batched[object_id] == single
        assert fingerprint(rt, batched[object_id]) == fingerprint(rt, single)
    session.close()


@pytest.mark.parametrize("provider, type_name", [
    pytest.param("datarobot", "datarobot_deployment", id="datarobot-deployments"),
    pytest.param("lightdash", "lightdash_chart", id="lightdash-charts"),
    pytest.param("datarobot", "datarobot_prediction_environment", id="datarobot-environments"),
])  # Dataiku datasets: tests/providers/dataiku/test_dataiku_read_many.py
def test_find_many_equals_find(provider, type_name):
    """The batched natural-key lookup of refresh finds exactly what ``find`` finds, and a missing
    key as missing (adoption and crash recovery cannot change with the batching)."""
    sandbox, session = sandbox_session(provider)
    rt = session.resource(type_name)
    if type_name == "datarobot_deployment":  # the seeded worlds hold none
        from tests.providers.datarobot.conftest import CHURN_GLM, CHURN_XGB

        for label, model in (("churn", CHURN_XGB), ("house", CHURN_GLM)):
            rt.create({"label": label, "model_id": model})
    if type_name == "datarobot_prediction_environment":
        for name in ("kept", "other"):
            rt.create({"name": name, "platform": "aws"})
    if provider == "lightdash":
        from tests.providers.lightdash.test_lightdash_resources import CHART

        for slug in ("orders", "returns"):
            rt.create({**CHART, "slug": slug})
    specs = [{k: live[k] for k in rt.natural_key} for _, live in rt.discover({})]
    assert specs, "the seeded world should hold some objects"
    missing = {**specs[0], rt.natural_key[-1]: "no_such_object_anywhere"}
    groups: dict = {}
    for spec in [*specs, missing]:
        groups.setdefault(rt.find_key(spec), []).append(spec)
    assert None not in groups
    for members in groups.values():
        assert rt.find_many(members) == [rt.find(s) for s in members]
    assert rt.find_many([missing]) == [None]
    session.close()
