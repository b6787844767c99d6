"""Batched reads and lookups through list endpoints return exactly what per-object calls return
(so plans, drift, fingerprints and adoption cannot change with the batching)."""

from __future__ import annotations

import pytest

from reconciler.testing import sandbox_session

# Reads by id of the types on ``list``: ``reconciler.testing.run_lifecycle`` (list vs read);
# Astro: tests/providers/astro/test_astro_reads.py.


@pytest.mark.parametrize("provider, type_name", [
    pytest.param("lightdash", "lightdash_chart", id="lightdash-charts"),
])  # Dataiku: tests/providers/dataiku/test_dataiku_list_reads.py
def test_find_many_equals_find(provider, type_name):
    """The batched natural-key lookup of refresh finds exactly what ``find`` finds, and a missing
    key as missing (adoption and crash recovery cannot change with the batching)."""
    sandbox, session = sandbox_session(provider)
    rt = session.resource(type_name)
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
