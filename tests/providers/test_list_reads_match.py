"""Batched reads through list endpoints return exactly what per-object reads return (so plans,
drift and fingerprints cannot change with the batching), for the Astro and semantic providers."""

from __future__ import annotations

import pytest

from reconciler.refresh import fingerprint
from reconciler.testing import sandbox_session


@pytest.mark.parametrize("provider, type_name", [
    pytest.param("astro", "astro_deployment", id="astro-deployments"),
    pytest.param("semantic", "semantic_model", id="semantic-models"),
])
def test_read_many_equals_read(provider, type_name):
    sandbox, session = sandbox_session(provider)
    rt = session.resource(type_name)
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
