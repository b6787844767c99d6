"""load_specs: discovery, merging, interpolation at load, validation, and its error messages."""

from __future__ import annotations

import re

import pytest

from reconciler.addresses import Address
from reconciler.errors import Location, ReferenceError_, SpecError, SpecSyntaxError, SpecValidationError
from reconciler.spec import Lifecycle, Reference, load_specs

SALES = Address("test_project", "sales")
ORDERS = Address("test_dataset", "orders")

PROJECT = """
resources:
  test_project.sales:
    key: SALES
    name: Sales
"""


def test_loads_and_merges_every_yaml_file_recursively(load):
    specs = load({
        "a.yaml": """
            variables:
              stage: prod
            providers:
              test:
                url: ${env:TEST_URL}
            """,
        "projects/sales.yml": """
            resources:
              test_project.sales:
                key: SALES
                name: Sales ${var.stage}
                tags: [finance, "${var.stage}"]
                permissions:
                  - {group: analysts, readProjectContent: true}
            """,
        "z.yaml": """
            resources:
              test_dataset.orders:
                project: ${test_project.sales.key}
                name: orders
                type: PostgreSQL
                depends_on: [test_project.sales]
                lifecycle:
                  prevent_destroy: true
                  ignore_changes: [description]
            """,
        ".hidden/ignored.yaml": "not: [valid",
        "notes.txt": "ignored",
    }, env={"TEST_URL": "http://dss"})

    assert specs.files == ("specs/a.yaml", "specs/projects/sales.yml", "specs/z.yaml")
    assert specs.variables == {"stage": "prod"}
    assert specs.providers["test"].settings == {"url": "http://dss"}
    assert specs.providers["test"].location == Location("specs/a.yaml", 4, 3)
    assert list(specs.resources) == [ORDERS, SALES]

    sales = specs.resources[SALES]
    assert sales.attrs == {"key": "SALES", "name": "Sales prod", "tags": ["finance", "prod"],
                           "permissions": [{"group": "analysts", "readProjectContent": True}]}
    assert str(sales.location) == "specs/projects/sales.yml:2"
    assert str(sales.location_of(("tags", 1))) == "specs/projects/sales.yml:5"
    assert str(sales.location_of(("permissions", 0, "group"))) == "specs/projects/sales.yml:7"
    assert str(sales.location_of(("no", "such", "path"))) == "specs/projects/sales.yml:2"
    assert sales.references == () and sales.depends_on == () and sales.lifecycle == Lifecycle()

    orders = specs.resources[ORDERS]
    assert orders.attrs == {"project": "${test_project.sales.key}", "name": "orders", "type": "PostgreSQL"}
    assert orders.references == (Reference(SALES, ("key",), "${test_project.sales.key}", ("project",)),)
    assert orders.location_of(orders.references[0].path) == Location("specs/z.yaml", 3, 5)
    assert orders.depends_on == (SALES,)
    assert orders.lifecycle == Lifecycle(prevent_destroy=True, ignore_changes=("description",))
    assert orders.dependencies() == (SALES,)
    assert orders.locations == {  # plain data: the body's paths, relative to it -> (line, column) in its file
        ("project",): (3, 5), ("name",): (4, 5), ("type",): (5, 5), ("depends_on",): (6, 5),
        ("depends_on", 0): (6, 18), ("lifecycle",): (7, 5), ("lifecycle", "prevent_destroy"): (8, 7),
        ("lifecycle", "ignore_changes"): (9, 7), ("lifecycle", "ignore_changes", 0): (9, 24),
    }
    assert orders.location_of(("depends_on", 0)) == Location("specs/z.yaml", 6, 18)


def test_a_single_file_can_be_loaded(write, monkeypatch, tmp_path, registry):
    write({"one.yaml": PROJECT, "two.yaml": "resources: {test_project.other: {key: O, name: O}}"})
    monkeypatch.chdir(tmp_path)
    specs = load_specs("specs/one.yaml", registry=registry, env={})
    assert specs.files == ("specs/one.yaml",) and list(specs.resources) == [SALES]


def test_env_defaults_to_the_process_environment(write, monkeypatch, tmp_path, registry):
    write({"a.yaml": "resources: {test_project.sales: {key: '${env:SPEC_TEST_KEY}', name: S}}"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPEC_TEST_KEY", "FROM_ENV")
    assert load_specs("specs", registry=registry).resources[SALES].attrs["key"] == "FROM_ENV"


def test_empty_files_and_sections_are_fine(load):
    specs = load({"a.yaml": "", "b.yaml": "# only a comment\n", "c.yaml": "resources:\nvariables:\n"})
    assert specs.resources == {} and specs.variables == {} and specs.providers == {}


@pytest.mark.parametrize(
    "setup, fragment",
    [
        pytest.param(lambda root: None, "spec path specs does not exist", id="missing-path"),
        pytest.param(lambda root: root.mkdir(), "no spec files found in specs/; expected *.yaml", id="empty-dir"),
        pytest.param(lambda root: (root.mkdir(), (root / "x.json").write_text("{}")),
                     "no spec files found in specs/", id="no-yaml-in-dir"),
    ],
)
def test_discovery_errors_name_the_path(tmp_path, monkeypatch, registry, setup, fragment):
    monkeypatch.chdir(tmp_path)
    setup(tmp_path / "specs")
    with pytest.raises(SpecError) as info:
        load_specs("specs", registry=registry, env={})
    assert fragment in str(info.value)


# Every case: the error class, and fragments the message must contain (always a file:line).
ERROR_CASES = [
    pytest.param(
        {"a.yaml": PROJECT, "b.yaml": "# second" + PROJECT},
        SpecValidationError,
        ["specs/b.yaml:3:", "resource 'test_project.sales' is defined twice: at specs/a.yaml:2 and at specs/b.yaml:3"],
        id="duplicate-address-across-files",
    ),
    pytest.param(
        {"a.yaml": "resources:\n  test_project.sales:\n    key: A\n    name: B\n    key: C\n"},
        SpecValidationError,
        ["specs/a.yaml:5: key 'key' appears twice in one mapping (first at specs/a.yaml:3)"],
        id="duplicate-key-in-one-mapping",
    ),
    pytest.param(
        {"a.yaml": "variables: {x: 1}", "b.yaml": "variables:\n  x: 2\n"},
        SpecValidationError,
        ["specs/b.yaml:2:", "variable 'x' is defined twice: at specs/a.yaml:1 and at specs/b.yaml:2"],
        id="duplicate-variable-across-files",
    ),
    pytest.param(
        {"a.yaml": "providers: {test: {url: a}}", "b.yaml": "providers: {test: {url: b}}"},
        SpecValidationError,
        ["provider 'test' is defined twice: at specs/a.yaml:1 and at specs/b.yaml:1"],
        id="duplicate-provider-across-files",
    ),
    pytest.param(
        {"a.yaml": "resource:\n  test_project.sales: {key: S, name: S}\n"},
        SpecValidationError,
        ["specs/a.yaml:1: top-level key 'resource' is not allowed; allowed keys: providers, variables, locals, resources",
         "did you mean 'resources'?"],
        id="unknown-top-level-key",
    ),
    pytest.param(
        {"a.yaml": "- just\n- a list\n"},
        SpecValidationError,
        ["specs/a.yaml:1: a spec file must be a mapping with keys providers, variables, locals, resources"],
        id="top-level-not-a-mapping",
    ),
    pytest.param(
        {"a.yaml": "resources: [a, b]\n"},
        SpecValidationError,
        ["specs/a.yaml:1: 'resources' must be a mapping, got a list"],
        id="section-not-a-mapping",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    tagz: [a]\n"},
        SpecValidationError,
        ["specs/a.yaml:5: test_project.sales: field 'tagz' is not allowed; allowed fields: key, name, tags, "
         "folder, variables, permissions", "did you mean 'tags'?"],
        id="unknown-field",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    permissions:\n      - {grp: analysts}\n"},
        SpecValidationError,
        ["specs/a.yaml:6: test_project.sales: field 'permissions[0].grp' is not allowed; allowed fields: "
         "group, readProjectContent",
         "specs/a.yaml:6: test_project.sales: field 'permissions[0].group' is required (a string)"],
        id="unknown-nested-field-and-missing-nested-field",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    tags: finance\n"},
        SpecValidationError,
        ["specs/a.yaml:5: test_project.sales: field 'tags': expected a list of strings, got 'finance'"],
        id="wrong-type",
    ),
    pytest.param(
        {"a.yaml": "resources:\n  test_dataset.orders:\n    project: P\n    name: o\n    type: Oracle\n"},
        SpecValidationError,
        ["specs/a.yaml:5: test_dataset.orders: field 'type': expected one of 'PostgreSQL', 'Filesystem', got 'Oracle'"],
        id="value-not-in-literal",
    ),
    pytest.param(
        {"a.yaml": "resources:\n  test_project.sales:\n    name: S\n"},
        SpecValidationError,
        ["specs/a.yaml:2: test_project.sales: field 'key' is required (a string)"],
        id="missing-required-field",
    ),
    pytest.param(
        {"a.yaml": "resources:\n  test_project.sales:\n"},
        SpecValidationError,
        ["specs/a.yaml:2: test_project.sales: field 'key' is required", "field 'name' is required"],
        id="empty-body",
    ),
    pytest.param(
        {"a.yaml": "resources:\n  test_project.sales: SALES\n"},
        SpecValidationError,
        ["specs/a.yaml:2: test_project.sales: a resource body must be a mapping of fields, got 'SALES'"],
        id="body-not-a-mapping",
    ),
    pytest.param(
        {"a.yaml": "resources:\n  test_projet.sales: {key: S, name: S}\n"},
        SpecValidationError,
        ["specs/a.yaml:2: test_projet.sales: unknown resource type 'test_projet'; known types: test_dataset, "
         "test_project", "did you mean 'test_project'?"],
        id="unknown-resource-type",
    ),
    pytest.param(
        {"a.yaml": "resources:\n  sales: {key: S, name: S}\n"},
        SpecValidationError,
        ["specs/a.yaml:2: 'sales' is not a resource address; expected <provider>_<kind>.<name>"],
        id="bad-address",
    ),
    pytest.param(
        {"a.yaml": "providers:\n  tset: {url: x}\n"},
        SpecValidationError,
        ["specs/a.yaml:2: unknown provider 'tset'; known providers: test", "did you mean 'test'?"],
        id="unknown-provider",
    ),
    pytest.param(
        {"a.yaml": "providers:\n  test:\n    url: x\n    max_concurrency: lots\n    token: t\n"},
        SpecValidationError,
        ["specs/a.yaml:4: provider 'test': field 'max_concurrency': expected an integer, got 'lots'",
         "specs/a.yaml:5: provider 'test': field 'token' is not allowed; allowed fields: concurrency, timeout, ca_bundle, allow_insecure, verify_tls, url, api_key, "
         "max_concurrency"],
        id="bad-provider-settings",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "  test_dataset.orders:\n    project: ${test_project.sale.key}\n    name: o\n"
                   "    type: PostgreSQL\n"},
        ReferenceError_,
        ["specs/a.yaml:6: test_dataset.orders: '${test_project.sale.key}' refers to test_project.sale, which is not "
         "defined in the specs", "did you mean test_project.sales?"],
        id="dangling-reference",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "  test_dataset.orders:\n    project: x-${test_project.sales.kee}\n    name: o\n"
                   "    type: PostgreSQL\n"},
        ReferenceError_,
        ["specs/a.yaml:6: test_dataset.orders: '${test_project.sales.kee}': test_project has no attribute 'kee'; "
         "allowed attributes: key, name, tags, folder, variables, permissions, created_on, id",
         "did you mean 'key'?"],
        id="reference-to-unknown-attribute",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    folder: ${test_project.sales}\n"},
        ReferenceError_,
        ["specs/a.yaml:5: test_project.sales: '${test_project.sales}': names a resource but no attribute; "
         "expected ${test_project.sales.<attribute>}"],
        id="reference-without-attribute",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    folder: ${projectKey}_x\n"},
        ReferenceError_,
        ["specs/a.yaml:5: test_project.sales: '${projectKey}': unknown name 'projectKey'; names are var.NAME",
         "write $${...}"],
        id="unknown-interpolation-suggests-escape",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    folder: ${var.stage\n"},
        ReferenceError_,
        ["specs/a.yaml:5: test_project.sales: unterminated '${'"],
        id="unterminated-interpolation",
    ),
    pytest.param(
        {"a.yaml": "variables: {stage: prod, region: eu}\n" + PROJECT + "    folder: ${var.stag}\n"},
        ReferenceError_,
        ["specs/a.yaml:7: test_project.sales: undefined variable 'stag' in '${var.stag}'; defined variables: region, "
         "stage", "did you mean ${var.stage}?"],
        id="undefined-variable",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    folder: ${env:SPEC_FOLDER}\n"},
        ReferenceError_,
        ["specs/a.yaml:5: test_project.sales: environment variable SPEC_FOLDER is not set (needed by "
         "'${env:SPEC_FOLDER}')"],
        id="unset-env-var",
    ),
    pytest.param(
        {"a.yaml": "providers:\n  test:\n    api_key: ${env:TEST_API_KEY}\n"},
        ReferenceError_,
        ["specs/a.yaml:3: environment variable TEST_API_KEY is not set"],
        id="unset-env-var-in-provider",
    ),
    pytest.param(
        {"a.yaml": "variables:\n  a: x\n  b: ${var.a}-y\n"},
        ReferenceError_,
        ["specs/a.yaml:3: '${var.a}': variables cannot use other variables; only ${env:NAME}"],
        id="variable-using-variable",
    ),
    pytest.param(
        {"a.yaml": "variables:\n  k: ${test_project.sales.key}\n" + PROJECT},
        ReferenceError_,
        ["specs/a.yaml:2: '${test_project.sales.key}': resource references are not allowed in variables"],
        id="reference-in-variables",
    ),
    pytest.param(
        {"a.yaml": "variables: {tags: [a, b]}\n" + PROJECT + "    folder: f-${var.tags}\n"},
        ReferenceError_,
        ["specs/a.yaml:7: test_project.sales: '${var.tags}' is embedded in a larger string, but it is a list"],
        id="list-embedded-in-string",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "  test_dataset.orders:\n    project: P\n    name: o\n    type: PostgreSQL\n"
                   "    depends_on:\n      - test_project.sales\n      - test_project.other\n"},
        ReferenceError_,
        ["specs/a.yaml:11: test_dataset.orders: depends_on: test_project.other is not defined in the specs"],
        id="depends-on-missing-address",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    depends_on: [sales]\n"},
        SpecValidationError,
        ["specs/a.yaml:5: test_project.sales: depends_on: 'sales' is not a resource address"],
        id="depends-on-bad-address",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    depends_on: test_project.sales\n"},
        SpecValidationError,
        ["specs/a.yaml:5: test_project.sales: depends_on must be a list of resource addresses"],
        id="depends-on-not-a-list",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    lifecycle:\n      prevent_destroi: true\n"},
        SpecValidationError,
        ["specs/a.yaml:6: test_project.sales: lifecycle key 'prevent_destroi' is not allowed; allowed keys: "
         "prevent_destroy, ignore_changes", "did you mean 'prevent_destroy'?"],
        id="bad-lifecycle-key",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    lifecycle: {prevent_destroy: yes}\n"},
        SpecValidationError,
        ["specs/a.yaml:5: test_project.sales: lifecycle.prevent_destroy: expected true or false, got 'yes'"],
        id="prevent-destroy-not-a-boolean",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    lifecycle:\n      ignore_changes:\n        - tags\n        - tagz\n"},
        SpecValidationError,
        ["specs/a.yaml:8: test_project.sales: lifecycle.ignore_changes: 'tagz' is not a field of test_project; "
         "fields: key, name, tags", "did you mean 'tags'?"],
        id="ignore-changes-names-a-non-field",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    lifecycle: [prevent_destroy]\n"},
        SpecValidationError,
        ["specs/a.yaml:5: test_project.sales: lifecycle must be a mapping with keys prevent_destroy, ignore_changes"],
        id="lifecycle-not-a-mapping",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    lifecycle:\n      create_before_destroy: true\n"},
        SpecValidationError,
        ["specs/a.yaml:6: test_project.sales: lifecycle.create_before_destroy: test_project cannot have a "
         "replacement next to the object it replaces: a project key is unique"],
        id="create-before-destroy-refused-for-a-unique-key",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    lifecycle:\n      replace_triggered_by: [test_project.nope]\n"},
        ReferenceError_,
        ["specs/a.yaml:6: test_project.sales: lifecycle.replace_triggered_by: test_project.nope is not defined"],
        id="replace-triggered-by-unknown-address",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "  test_dataset.orders:\n    project: SALES\n    name: o\n    type: PostgreSQL\n"
                             "    lifecycle:\n      replace_triggered_by: [test_project.sales.kee]\n"},
        ReferenceError_,
        ["lifecycle.replace_triggered_by: test_project has no attribute 'kee'", "did you mean 'key'?"],
        id="replace-triggered-by-unknown-attribute",
    ),
    pytest.param(
        {"a.yaml": PROJECT + "    lifecycle:\n      replace_triggered_by: [test_project.sales]\n"},
        SpecValidationError,
        ["lifecycle.replace_triggered_by: a resource cannot trigger its own replacement"],
        id="replace-triggered-by-itself",
    ),
]


def test_lifecycle_create_before_destroy_and_replace_triggered_by(load):
    specs = load({"a.yaml": PROJECT + "  test_dataset.orders:\n    project: SALES\n    name: o\n    type: PostgreSQL\n"
                                      "    lifecycle:\n      create_before_destroy: true\n"
                                      "      replace_triggered_by: [test_project.sales, test_project.sales.name]\n"})
    orders = specs.resources[Address("test_dataset", "orders")]
    assert orders.lifecycle == Lifecycle(create_before_destroy=True,
                                         replace_triggered_by=((SALES, None), (SALES, "name")))
    assert orders.dependencies() == (SALES,)  # a trigger orders the block after its target


@pytest.mark.parametrize("files, cls, fragments", ERROR_CASES)
def test_errors_name_file_line_address_and_what_is_valid(load, files, cls, fragments):
    with pytest.raises(SpecError) as info:
        load(files)
    err = info.value
    assert type(err) is cls
    message = str(err)
    for fragment in fragments:
        assert fragment in message
    assert re.search(r"specs/[\w/]+\.yaml:\d+", message)
    assert err.location is not None and err.location.file.startswith("specs/")
    assert "Traceback" not in message


def test_all_errors_of_all_files_are_reported_together_in_file_order(load):
    with pytest.raises(SpecValidationError) as info:
        load({
            "b.yaml": PROJECT + "    tagz: []\n",
            "a.yaml": "resources:\n  test_dataset.orders:\n    project: ${test_project.nope.key}\n    name: 3\n"
                      "    type: PostgreSQL\n",
        })
    err = info.value
    lines = [line for line in str(err).splitlines() if not line.startswith("  hint:")]
    assert lines[0] == "3 problems in the specs:"
    assert [line.split(" ")[0] for line in lines[1:]] == ["specs/a.yaml:3:", "specs/a.yaml:4:", "specs/b.yaml:5:"]
    assert [type(e) for e in err.errors] == [ReferenceError_, SpecValidationError, SpecValidationError]
    assert err.location == Location("specs/a.yaml", 3, 5)


def test_errors_of_one_kind_keep_that_kind(load):
    with pytest.raises(ReferenceError_) as info:
        load({"a.yaml": PROJECT + "    folder: ${var.a}\n    tags: ['${var.b}']\n"})
    assert len(info.value.errors) == 2


@pytest.mark.parametrize(
    "text, fragment",
    [
        pytest.param("resources:\n  test_project.sales:\n    key: a: b\n", "specs/bad.yaml:3:11: invalid YAML: unexpected ':'",
                     id="colon-in-value"),
        pytest.param("resources:\n  - a\n  b: 1\n", "specs/bad.yaml:3:3: invalid YAML: bad indentation", id="indentation"),
        pytest.param("resources: [a\n", "specs/bad.yaml:2:1: invalid YAML: expected ',' or ']'", id="unclosed-flow"),
        pytest.param("resources:\n\t- a\n", "specs/bad.yaml:2:1: invalid YAML: a tab character", id="tab"),
    ],
)
def test_yaml_syntax_errors_give_file_line_column(load, text, fragment):
    with pytest.raises(SpecSyntaxError) as info:
        load({"bad.yaml": text, "good.yaml": PROJECT})
    assert fragment in str(info.value)
    assert info.value.location.file == "specs/bad.yaml"


def test_syntax_errors_of_several_files_are_reported_together(load):
    with pytest.raises(SpecSyntaxError) as info:
        load({"a.yaml": "a: [\n", "b.yaml": "b: c: d\n"})
    assert "specs/a.yaml:2:1" in str(info.value) and "specs/b.yaml:1:5" in str(info.value)


def test_a_file_that_is_not_utf8_is_named_with_its_line(load, write):
    write({"good.yaml": PROJECT})
    root = write({})
    (root / "bad.yaml").write_bytes(b"variables:\n  a: 1\n  b: caf\xe9\n")
    with pytest.raises(SpecSyntaxError, match=r"specs/bad\.yaml:3: not UTF-8 text \(byte 26 is 0xe9\)") as info:
        load({})
    assert info.value.location == Location("specs/bad.yaml", 3) and "save the file as UTF-8" in str(info.value)


def test_a_file_too_large_is_refused_before_it_is_read(load, monkeypatch):
    from reconciler.spec import loader

    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 100)
    with pytest.raises(SpecSyntaxError, match=r"specs/big\.yaml:1: the file is too large .* limited to"):
        load({"big.yaml": "variables:\n" + "".join(f"  v{i}: x\n" for i in range(50)), "small.yaml": PROJECT})


# -- interpolation at load ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "folder_yaml, expected",
    [
        pytest.param("${var.name}", "sales", id="whole-string-variable"),
        pytest.param("x-${var.name}-${var.count}", "x-sales-3", id="embedded-variables-are-text"),
        pytest.param("${var.flag}/${var.ratio}", "true/0.5", id="embedded-bool-and-float"),
        pytest.param("'$${projectKey}'", "${projectKey}", id="escape-whole"),
        pytest.param("'$${var.name} is ${var.name}'", "${var.name} is sales", id="escape-beside-variable"),
        pytest.param("'${env:SPEC_E}'", "from-env", id="env"),
        pytest.param("'${ var.name }'", "sales", id="spaces-inside-braces"),
        pytest.param("'a $ b $x'", "a $ b $x", id="lone-dollars-are-literal"),
        pytest.param("${var.from_env}", "from-env", id="variable-from-env"),
    ],
)
def test_interpolation_of_variables_and_env(load, folder_yaml, expected):
    specs = load({"a.yaml": """
        variables:
          name: sales
          count: 3
          flag: true
          ratio: 0.5
          from_env: ${env:SPEC_E}
        """, "b.yaml": PROJECT + f"    folder: {folder_yaml}\n"}, env={"SPEC_E": "from-env"})
    assert specs.resources[SALES].attrs["folder"] == expected


def test_whole_string_variable_keeps_its_type(load):
    specs = load({"a.yaml": "variables:\n  tags: [a, b]\n  perms: [{group: g}]\n" + PROJECT
                  + "    tags: ${var.tags}\n    permissions: ${var.perms}\n"})
    attrs = specs.resources[SALES].attrs
    assert attrs["tags"] == ["a", "b"] and attrs["permissions"] == [{"group": "g"}]
    attrs["tags"].append("c")
    assert specs.variables["tags"] == ["a", "b"]  # not shared


@pytest.mark.parametrize(
    "value, kept",
    [
        pytest.param("${test_project.sales.tags}", "${test_project.sales.tags}", id="whole-reference"),
        pytest.param("t-${test_project.sales.key}-${var.stage}", "t-${test_project.sales.key}-prod", id="embedded"),
        pytest.param("'$${x}-${test_project.sales.key}'", "$${x}-${test_project.sales.key}",
                     id="template-keeps-escape"),
        pytest.param("'${var.lit}-${test_project.sales.key}'", "$${lit}-${test_project.sales.key}",
                     id="variable-text-escaped-in-template"),
    ],
)
def test_references_are_kept_in_place_and_collected(load, value, kept):
    specs = load({"a.yaml": "variables: {stage: prod, lit: '$${lit}'}\n" + PROJECT
                  + f"  test_project.other:\n    key: O\n    name: O\n    tags: {value}\n"})
    other = specs.resources[Address("test_project", "other")]
    assert other.attrs["tags"] == kept  # a string where a list is expected: checked after resolve
    assert [(r.address, other.location_of(r.path).line) for r in other.references][0] == (SALES, 10)


def test_reference_to_a_server_owned_attribute_is_allowed(load):
    specs = load({"a.yaml": PROJECT + "  test_dataset.orders:\n    project: ${test_project.sales.id}\n"
                  "    name: o\n    type: PostgreSQL\n    partitions: ${test_project.sales.created_on}\n"})
    assert [r.attr for r in specs.resources[ORDERS].references] == [("id",), ("created_on",)]


def test_reference_to_a_nested_attribute_keeps_the_whole_path(load):
    specs = load({"a.yaml": PROJECT + "    folder: ${test_project.sales.variables.standard.x}\n"})
    assert specs.resources[SALES].references[0].attr == ("variables", "standard", "x")


# -- secrets --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "files, env",
    [
        pytest.param({"a.yaml": "resources:\n  test_dataset.orders:\n    project: P\n    name: o\n    type: Filesystem\n"
                      "    partitions: ${env:SPEC_SECRET}\n"}, {"SPEC_SECRET": "hunter2"}, id="env-in-resource"),
        pytest.param({"a.yaml": "variables: {s: '${env:SPEC_SECRET}'}\nresources:\n  test_dataset.orders:\n"
                      "    project: P\n    name: o\n    type: Filesystem\n    partitions: ${var.s}\n"},
                     {"SPEC_SECRET": "hunter2"}, id="env-through-variable"),
        pytest.param({"a.yaml": "resources:\n  test_dataset.orders:\n    project: P\n    name: o\n    type: Filesystem\n"
                      "    password: [hunter2]\n"}, {}, id="sensitive-field"),
        pytest.param({"a.yaml": "providers:\n  test:\n    max_concurrency: ${env:SPEC_SECRET}\n"},
                     {"SPEC_SECRET": "hunter2"}, id="env-in-provider-settings"),
        pytest.param({"a.yaml": "providers:\n  test:\n    api_key: [hunter2]\n"}, {}, id="secret-provider-setting"),
    ],
)
def test_secret_values_never_appear_in_errors(load, files, env):
    with pytest.raises(SpecValidationError) as info:
        load(files, env=env)
    assert "hunter2" not in str(info.value)
    assert "(hidden value)" in str(info.value)


def test_reprs_do_not_show_values(load):
    specs = load({"a.yaml": "providers:\n  test: {api_key: '${env:K}'}\nvariables: {v: '${env:K}'}\n" + PROJECT
                  + "    folder: ${env:K}\n"}, env={"K": "hunter2"})
    for obj in (specs, specs.providers["test"], specs.resources[SALES]):
        assert "hunter2" not in repr(obj)
    assert specs.resources[SALES].attrs["folder"] == "hunter2"
