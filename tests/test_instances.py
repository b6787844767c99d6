"""``reconciler.instances``: the names of provider instances, their env vars, and a module's remap."""

from __future__ import annotations

import pytest

from reconciler import instances


@pytest.mark.parametrize("name, parsed", [
    pytest.param("dataiku", ("dataiku", None), id="default"),
    pytest.param("dataiku.automation", ("dataiku", "automation"), id="named"),
    pytest.param("lightdash.eu_2", ("lightdash", "eu_2"), id="digits-and-underscore"),
])
def test_parse_accepts_a_platform_or_platform_dot_alias(name, parsed):
    assert instances.parse(name) == parsed


@pytest.mark.parametrize("name", ["", "Dataiku", "dataiku.", "dataiku.Auto", "dataiku.a.b", "dataiku.2x",
                                  "dataiku automation", "dataiku-automation", None, 3, ["dataiku"]])
def test_parse_refuses_anything_else_naming_the_allowed_form(name):
    with pytest.raises(ValueError, match=r"is not a provider instance name; expected <platform>"):
        instances.parse(name)


def test_default_and_stored():
    assert instances.is_default("dataiku") and not instances.is_default("dataiku.automation")
    assert instances.stored("dataiku") is None and instances.stored(None) is None
    assert instances.stored("dataiku.automation") == "dataiku.automation"
    assert instances.resolve(None, "dataiku") == "dataiku"
    assert instances.resolve("dataiku.automation", "dataiku") == "dataiku.automation"


@pytest.mark.parametrize("var, name, expected", [
    pytest.param("DATAIKU_URL", "dataiku", "DATAIKU_URL", id="default-unchanged"),
    pytest.param("DATAIKU_URL", "dataiku.automation", "DATAIKU_AUTOMATION_URL", id="alias-inserted"),
    pytest.param("DATAIKU_API_KEY", "dataiku.automation", "DATAIKU_AUTOMATION_API_KEY", id="multi-word"),
    pytest.param("RECONCILER_CA_BUNDLE", "dataiku.automation", "RECONCILER_CA_BUNDLE", id="global-kept"),
    pytest.param("OTHER_TOKEN", "astro.west", "ASTRO_WEST_OTHER_TOKEN", id="foreign-prefixed"),
])
def test_a_named_instance_reads_its_own_env_vars(var, name, expected):
    assert instances.env_var(var, name) == expected


@pytest.mark.parametrize("written, mapping, expected", [
    pytest.param(None, {}, None, id="default-stays-default"),
    pytest.param(None, {"dataiku": "dataiku.automation"}, "dataiku.automation", id="default-handed-a-named-one"),
    pytest.param("dataiku.prod", {"dataiku.prod": "dataiku.automation"}, "dataiku.automation", id="named-remapped"),
    pytest.param("dataiku.prod", {"dataiku": "dataiku.automation"}, "dataiku.prod", id="unmentioned-kept"),
    pytest.param("dataiku.prod", {"dataiku.prod": "dataiku"}, None, id="handed-the-default"),
])
def test_remap_maps_a_module_resource_to_the_callers_instance(written, mapping, expected):
    assert instances.remap(written, "dataiku", mapping) == expected


def test_several_and_known_list():
    assert instances.several(["dataiku", "dataiku.automation", "lightdash"]) == frozenset({"dataiku"})
    assert instances.several(["dataiku.automation", "lightdash"]) == frozenset()
    assert instances.known_list("dataiku", ["dataiku.b", "lightdash.x", "dataiku.a", "dataiku"]) == \
        "dataiku, dataiku.a, dataiku.b"


def test_remap_block_rewrites_only_the_provider_key():
    mapping = {"dataiku": "dataiku.automation"}
    assert instances.remap_block({"key": "S"}, "dataiku", mapping) == {"key": "S", "provider": "dataiku.automation"}
    assert instances.remap_block({"key": "S", "provider": "dataiku.x"}, "dataiku", {"dataiku.x": "dataiku"}) == {
        "key": "S"}
    assert instances.remap_block({"key": "S"}, "dataiku", {}) == {"key": "S"}


@pytest.mark.parametrize("mapping, problem", [
    pytest.param({"dataiku": "dataiku.automation"}, None, id="ok"),
    pytest.param({"dataiku": "dataiku"}, None, id="default-to-default"),
    pytest.param(["dataiku"], "expected a mapping", id="not-a-mapping"),
    pytest.param({"dataiku": "lightdash"}, "dataiku cannot be handed lightdash", id="other-platform"),
    pytest.param({"dataiku": "dataiku.prod"}, "unknown provider instance 'dataiku.prod'; instances of dataiku: "
                                              "dataiku, dataiku.automation", id="undeclared"),
    pytest.param({"Dataiku": "dataiku"}, "is not a provider instance name", id="malformed"),
])
def test_mapping_problems_say_what_is_allowed(mapping, problem):
    found = instances.mapping_problems(mapping, ["dataiku", "dataiku.automation"])
    assert (found == []) if problem is None else (len(found) == 1 and problem in found[0])
