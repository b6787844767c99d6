"""Unset means default for ``semantic_model``: ``description``, ``columns``, ``source_tables`` and
``target_catalog`` removed from the block go back to their defaults
(``reconciler.testing.run_unset_defaults``)."""

from __future__ import annotations

from reconciler.testing import run_unset_defaults
from tests.providers.semantic.conftest import model_spec


def test_semantic_model(semantic):
    run_unset_defaults(semantic.session, "semantic_model", model_spec(target_catalog="lake"))
