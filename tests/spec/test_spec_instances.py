"""Named provider instances in the specs: ``providers: {test.b: ...}`` and a resource's
``provider:`` key; each bad one is an error with ``file:line``, what is wrong and what is allowed."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.errors import SpecValidationError

TWO = """
providers:
  test:
    url: http://design
  test.automation:
    url: ${env:AUTO_URL}
    concurrency: 2
resources:
  test_project.design:
    key: SALES
    name: Sales
  test_project.auto:
    provider: test.automation
    key: SALES
    name: Sales (automation)
  test_project.explicit_default:
    provider: test
    key: OPS
    name: Ops
"""


def test_named_instances_and_the_resources_on_them(load):
    specs = load({"a.yaml": TWO}, env={"AUTO_URL": "http://auto"})
    assert sorted(specs.providers) == ["test", "test.automation"]
    auto = specs.providers["test.automation"]
    assert auto.platform == "test" and auto.settings == {"url": "http://auto", "concurrency": 2}
    assert specs.resources[Address("test_project", "auto")].provider == "test.automation"
    assert specs.resources[Address("test_project", "auto")].instance == "test.automation"
    assert "provider" not in specs.resources[Address("test_project", "auto")].attrs
    assert specs.resources[Address("test_project", "design")].provider is None  # the default instance
    assert specs.resources[Address("test_project", "explicit_default")].provider is None
    assert specs.resources[Address("test_project", "explicit_default")].instance == "test"


def test_one_key_on_one_instance_is_still_one_object(load):
    with pytest.raises(SpecValidationError, match="same natural key"):
        load({"a.yaml": TWO.replace("    provider: test.automation\n", "")}, env={"AUTO_URL": "http://auto"})


@pytest.mark.parametrize("value, message", [
    pytest.param("test.prod", "a.yaml:12: test_project.auto: provider: unknown provider instance 'test.prod'; "
                              "instances of test: test, test.automation", id="unknown"),
    pytest.param("Test/Auto", "a.yaml:12: test_project.auto: provider: 'Test/Auto' is not a provider instance "
                              "name; expected <platform>", id="malformed"),
    pytest.param("other.automation", "provider: test_project is a test resource, so it cannot talk to "
                                     "'other.automation'; instances of test: test, test.automation", id="platform"),
    pytest.param("[1]", "is not a provider instance name", id="not-text"),
])
def test_a_bad_provider_key_names_the_line_and_the_known_instances(load, value, message):
    with pytest.raises(SpecValidationError) as caught:
        load({"a.yaml": TWO.replace("provider: test.automation", f"provider: {value}")})
    assert message in str(caught.value)


@pytest.mark.parametrize("key, message", [
    pytest.param("test.Automation", "a.yaml:4: providers: 'test.Automation' is not a provider instance name",
                 id="malformed"),
    pytest.param("nope.automation", "a.yaml:4: unknown provider 'nope.automation'; known providers: test",
                 id="unknown-platform"),
])
def test_a_bad_instance_name_in_providers_is_refused(load, key, message):
    with pytest.raises(SpecValidationError) as caught:
        load({"a.yaml": TWO.replace("  test.automation:\n", f"  {key}:\n")})
    assert message in str(caught.value)


def test_a_named_instance_has_its_platforms_settings(load):
    with pytest.raises(SpecValidationError, match="provider 'test.automation'"):
        load({"a.yaml": TWO.replace("concurrency: 2", "concurrency: many")}, env={"AUTO_URL": "http://auto"})


MODULE = """
variables:
  key: {type: string}
resources:
  test_project.p:
    key: ${var.key}
    name: P ${var.key}
  test_project.pinned:
    provider: test.prod
    key: PIN_${var.key}
    name: pinned
"""

ROOT = """
providers:
  test.automation:
    url: http://auto
modules:
  design:
    source: ./mod
    key: D
    providers: {test.prod: test}
  auto:
    source: ./mod
    for_each: [x, y]
    key: A_${upper(each.key)}
    providers: {test: test.automation, test.prod: test.automation}
"""


def _modules(load, root: str = ROOT, module: str = MODULE):
    return load({"root.yaml": root, "mod/main.yaml": module})


def test_a_module_block_hands_its_module_the_instances_it_uses(load):
    specs = _modules(load)
    on = {str(a): r.provider for a, r in specs.resources.items()}
    assert on == {"module.design.test_project.p": None, "module.design.test_project.pinned": None,
                  'module.auto["x"].test_project.p': "test.automation",
                  'module.auto["x"].test_project.pinned': "test.automation",
                  'module.auto["y"].test_project.p': "test.automation",
                  'module.auto["y"].test_project.pinned': "test.automation"}


def test_a_nested_module_inherits_and_composes_what_it_was_handed(load):
    root = ("providers:\n  test.automation:\n    url: http://auto\nmodules:\n  design:\n    source: ./outer\n"
            "    providers: {test: test.automation, test.prod: test}\n")
    outer = "modules:\n  inner:\n    source: ../mod\n    key: IN\n    providers: {test.prod: test}\n"
    specs = load({"root.yaml": root, "outer/main.yaml": outer, "mod/main.yaml": MODULE})
    on = {str(a): r.provider for a, r in specs.resources.items()}
    # inside inner, "test" is outer's "test" (handed test.automation); "test.prod" is outer's "test" too
    assert on == {"module.design.module.inner.test_project.p": "test.automation",
                  "module.design.module.inner.test_project.pinned": "test.automation"}


@pytest.mark.parametrize("edit, message", [
    pytest.param(("    providers: {test.prod: test}\n", ""),
                 "module.design.test_project.pinned: provider: unknown provider instance 'test.prod' "
                 "(module.design (./mod): its module block may hand it one", id="unhanded-named-instance"),
    pytest.param(("{test.prod: test}", "{test.prod: test.nope}"),
                 "root.yaml:8: module.design: module 'design': providers: unknown provider instance 'test.nope'; "
                 "instances of test: test, test.automation", id="handed-an-undeclared-instance"),
    pytest.param(("{test.prod: test}", "{test.prod: other}"), "test.prod cannot be handed other",
                 id="handed-another-platform"),
])
def test_a_bad_handover_is_an_error_at_the_module_block(load, edit, message):
    with pytest.raises(SpecValidationError) as caught:
        _modules(load, ROOT.replace(*edit))
    assert message in str(caught.value)
    assert str(caught.value).count("module 'auto'") == 0  # (reported once, for the block that is wrong)
