"""json_schema(): the structure editors rely on (checked by hand: no validator dependency)."""

from __future__ import annotations

import json
import re

import pytest

from reconciler.addresses import Address
from reconciler.spec import json_schema
from reconciler.spec.schema import ADDRESS_PATTERN, address_pattern


@pytest.fixture
def schema(registry):
    return json_schema(registry)


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_top_level(schema, registry):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"providers", "variables", "locals", "resources", "modules", "outputs",
                                           "backend"}
    assert json.loads(json.dumps(schema)) == schema  # plain JSON
    assert json_schema(registry) == schema  # deterministic


def test_resources_by_type_pattern(schema):
    resources = schema["properties"]["resources"]
    assert resources["additionalProperties"] is False
    assert sorted(resources["patternProperties"]) == [address_pattern("test_dataset"), address_pattern("test_project")]
    project = resources["patternProperties"][r"^test_project\.[A-Za-z_][A-Za-z0-9_-]*$"]
    assert project["additionalProperties"] is False
    assert project["required"] == ["key", "name"]
    assert set(project["properties"]) == {"key", "name", "tags", "folder", "variables", "permissions",
                                          "depends_on", "lifecycle", "for_each"}
    lifecycle = project["properties"]["lifecycle"]
    assert lifecycle["additionalProperties"] is False
    assert lifecycle["properties"]["ignore_changes"]["items"]["enum"] == ["key", "name", "tags", "folder",
                                                                          "variables", "permissions"]
    assert project["properties"]["depends_on"]["items"]["pattern"] == ADDRESS_PATTERN


def test_nested_models_forbid_extras_too(schema):
    project = schema["properties"]["resources"]["patternProperties"][address_pattern("test_project")]
    permissions = project["properties"]["permissions"]["anyOf"][0]
    item = _resolve(schema, permissions["items"]["anyOf"][0])
    assert item["additionalProperties"] is False and "group" in item["properties"]


def test_non_string_fields_also_accept_an_interpolation(schema):
    project = schema["properties"]["resources"]["patternProperties"][address_pattern("test_project")]
    tags = project["properties"]["tags"]
    assert {"$ref": "#/$defs/interpolation"} in tags["anyOf"]
    assert tags["title"] == "Tags"  # kept outside for editors
    assert project["properties"]["key"]["type"] == "string"  # strings take ${...} as they are
    assert re.match(schema["$defs"]["interpolation"]["pattern"], "${var.tags}")


def test_providers_have_their_settings(schema):
    providers = schema["properties"]["providers"]
    assert providers["additionalProperties"] is False
    test = providers["properties"]["test"]
    assert set(test["properties"]) == {"url", "api_key", "max_concurrency", "concurrency", "timeout", "ca_bundle",
                                       "allow_insecure", "verify_tls"}
    assert test["additionalProperties"] is False


@pytest.mark.parametrize("text", ["test_project.sales", "test_project.a-b_1", "test_project.1x", "test_project.",
                                  "test_projects.x", "test_project.a.b"])
def test_patterns_agree_with_address_parsing(text):
    try:
        Address.parse(text)
        valid = True
    except ValueError:
        valid = False
    assert bool(re.match(ADDRESS_PATTERN, text)) is valid
    if text.startswith("test_project."):
        assert bool(re.match(address_pattern("test_project"), text)) is valid


def test_outputs_need_a_value_and_allow_description_and_sensitive(schema):
    entry = schema["properties"]["outputs"]["additionalProperties"]
    assert entry["required"] == ["value"] and entry["additionalProperties"] is False
    assert set(entry["properties"]) == {"value", "description", "sensitive"}
    assert entry["properties"]["sensitive"]["type"] == "boolean"
