"""Specs: YAML files with ``file:line`` for every node, ``${...}`` interpolation, validation.

``load_specs(path, registry=...)`` is the entry point; it returns a ``SpecSet`` of
``ResourceSpec`` (plain frozen data). ``resolve`` substitutes resource references once their
values are known; ``json_schema`` describes the format for editors. Nothing here talks to a
platform.
"""

from reconciler.spec.interpolate import resolve
from reconciler.spec.loader import load_specs
from reconciler.spec.model import Lifecycle, ProviderConfig, Reference, ResourceSpec, SpecSet
from reconciler.spec.schema import json_schema

__all__ = [
    "Lifecycle",
    "ProviderConfig",
    "Reference",
    "ResourceSpec",
    "SpecSet",
    "json_schema",
    "load_specs",
    "resolve",
]
