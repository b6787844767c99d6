"""The registry: every provider's table names each resource type's class under its own type
name, and holds every type its ``resources`` package exports."""

from __future__ import annotations

import importlib

import pytest

from reconciler.providers.base import ResourceType, all_types
from reconciler.providers.registry import PROVIDERS


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_each_table_holds_every_exported_type_under_its_own_name(provider):
    table = PROVIDERS[provider].resource_types
    for name, cls in table.items():
        assert issubclass(cls, ResourceType) and cls.type_name == name and name.startswith(f"{provider}_")
    package = importlib.import_module(f"reconciler.providers.{provider}.resources")
    exported = {getattr(package, n) for n in package.__all__}
    assert {c for c in exported if isinstance(c, type) and issubclass(c, ResourceType)} == set(table.values())


def test_every_type_is_found_by_its_name():
    types = all_types(PROVIDERS)
    assert len(types) == sum(len(p.resource_types) for p in PROVIDERS.values())
    assert types["astro_deploy"].type_name == "astro_deploy"
