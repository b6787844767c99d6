"""Expressions inside ${...}: operators, conditionals, the function library, unknowns, locals."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.errors import ReferenceError_, SpecError
from reconciler.spec import resolve
from reconciler.spec.evaluate import Evaluator, Scope
from reconciler.spec.expr import ExprError, parse_expression, render
from reconciler.spec.functions import FUNCTIONS
from reconciler.values import Unknown

SALES = Address("test_project", "sales")


def ev(text: str, **scope):
    return Evaluator(Scope(**scope), "${" + text + "}").run(parse_expression(text))


VARS = {"stage": "prod", "n": 3, "teams": ["a", "b"], "tags": {"x": "1"}, "on": True, "empty": ""}


@pytest.mark.parametrize("text, expected", [
    ('var.stage == "prod" ? "big" : "small"', "big"),
    ("var.n > 2 && !(var.n >= 10)", True),
    ("var.n * 2 + 1", 7),
    ("var.n / 2", 1.5),
    ("10 / 2", 5),
    ("var.n % 2", 1),
    ("-var.n", -3),
    ('var.n != 3 || var.stage == "prod"', True),
    ("true == 1", False),
    ('var.teams[1]', "b"),
    ('var.tags["x"]', "1"),
    ("var.teams.0", "a"),
    ('{a = var.n, "b": [1, 2]}', {"a": 3, "b": [1, 2]}),
    ('format("%s-%03d/%.2f %q %v %%", var.stage, 7, 1.5, "x", [1])', 'prod-007/1.50 "x" [1] %'),
    ("upper(var.stage)", "PROD"),
    ('lower("ABC")', "abc"),
    ('title("hello world")', "Hello World"),
    ('trimspace("  x ")', "x"),
    ('replace("a.b.c", ".", "_")', "a_b_c"),
    ('join(",", var.teams)', "a,b"),
    ('split(",", "a,b,,c")', ["a", "b", "", "c"]),
    ('merge(var.tags, {y = "2"}, {x = "3"})', {"x": "3", "y": "2"}),
    ('concat(var.teams, ["c"])', ["a", "b", "c"]),
    ('lookup(var.tags, "x")', "1"),
    ('lookup(var.tags, "zz", "default")', "default"),
    ('coalesce(null, var.empty, "first")', "first"),
    ("length(var.teams) + length(var.tags) + length(var.stage)", 7),
    ('keys({b = 1, a = 2})', ["a", "b"]),
    ('values({b = 1, a = 2})', [2, 1]),
    ('contains(var.teams, "b")', True),
    ('jsonencode({a = [1, true, null]})', '{"a":[1,true,null]}'),
    ('yamlencode({a = [1, "x"]})', "a:\n- 1\n- x\n"),
    ('jsondecode("{\\"a\\": 1}")', {"a": 1}),
    ('try(var.tags["nope"], "fallback")', "fallback"),
    ('try(var.tags["x"], "fallback")', "1"),
    ('can(var.tags["nope"])', False),
    ('var.on ? var.n : fail("never evaluated")', 3),
    ('distinct(["a", "b", "a"])', ["a", "b"]),
    ('flatten([["a"], ["b", ["c"]]])', ["a", "b", "c"]),
    ('tonumber("12") + 1', 13),
    ('tostring(12)', "12"),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ("min(3, 1, 2) + max(1, 5)", 6),
    ('substr("reconciler", 0, 5)', "recon"),
    ('startswith(var.stage, "pr") && endswith(var.stage, "od")', True),
    ("'single \\'quoted\\''", "single 'quoted'"),
])
def test_expressions_evaluate(text, expected):
    assert ev(text, variables=VARS) == expected


@pytest.mark.parametrize("text, fragment", [
    ("nope(1)", "unknown function 'nope'; allowed functions: abs, base64decode"),
    ('"a" + 1', "'+' takes numbers, got a string (\"a\")"),
    ('var.stage ? 1 : 2', "a conditional's test must be true or false, got a string (\"prod\")"),
    ("var.n && true", "'&&' takes true or false, got a number (3)"),
    ('upper(1)', "upper(): argument 1 must be a string, got a number (1)"),
    ('join(",")', "join() takes 2 arguments, got 1"),
    ('var.tags["nope"]', "the map has no key 'nope'; its keys: x"),
    ("var.teams[5]", "index 5 is out of range"),
    ("var.nope", "undefined variable 'nope'"),
    ("each.key", "usable only in a resource block with for_each"),
    ("x-1", "unknown name 'x-1'"),
    ('lookup(var.tags, "zz")', "lookup(): the map has no key 'zz'"),
    ('try(var.a, var.b)', "try(): every expression failed"),
    ("1 / 0", "by zero"),
    ('format("%s %s", "a")', "needs more values"),
])
def test_expression_errors_say_what_is_allowed(text, fragment):
    with pytest.raises(ExprError) as info:
        ev(text, variables=VARS)
    assert fragment in str(info.value)


def test_unknown_function_suggests_the_closest():
    with pytest.raises(ExprError) as info:
        ev("uper(var.stage)", variables=VARS)
    assert info.value.hint == "did you mean upper()?"


def test_the_library_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for fn in FUNCTIONS.values():
        assert f"`{fn.signature}`" in readme, fn.name


@pytest.mark.parametrize("text", [
    'a.b_c.d[0] == "x" ? upper(var.x) : {k = [1, -2.5, null]}',
    "(a || b) && !c",
    "1 - (2 - 3)",
    "(c ? 1 : 2) + 3",
])
def test_render_round_trips(text):
    node = parse_expression(text)
    assert parse_expression(render(node)) == node


# -- load time: partial evaluation, references, file() ---------------------------------------------

PROJECT = """
resources:
  test_project.sales:
    key: SALES
    name: Sales
"""


def test_an_expression_of_variables_is_evaluated_at_load(load):
    specs = load({"a.yaml": """
        variables:
          stage: prod
        resources:
          test_project.sales:
            key: '${upper(var.stage) == "PROD" ? "SALES" : "SALES_DEV"}'  # (': ' needs quotes in YAML)
            name: 'Sales ${title(var.stage)}'
            tags: ${concat(["finance"], split(",", "a,b"))}
        """})
    attrs = specs.resources[SALES].attrs
    assert attrs == {"key": "SALES", "name": "Sales Prod", "tags": ["finance", "a", "b"]}
    assert specs.resources[SALES].references == ()


def test_a_reference_inside_an_expression_keeps_its_dependency_edge(load):
    specs = load({"a.yaml": PROJECT + """
  test_dataset.orders:
    project: ${lower(test_project.sales.key)}
    name: 'orders_${var.stage == "prod" ? test_project.sales.name : "dev"}'
    type: PostgreSQL
variables:
  stage: prod
"""})
    orders = specs.resources[Address("test_dataset", "orders")]
    assert orders.dependencies() == (SALES,)
    assert [(r.path, r.expr) for r in orders.references] == [
        (("project",), "${test_project.sales.key}"), (("name",), "${test_project.sales.name}")]
    # what the specs knew is inlined; what waits for the reference is kept in template form
    assert orders.attrs["project"] == "${lower(test_project.sales.key)}"
    assert orders.attrs["name"] == "orders_${test_project.sales.name}"  # (the test was known at load)

    def lookup(address, attr):
        return {"key": "SALES", "name": "Sales"}[attr[0]]

    assert resolve(orders.attrs, lookup) == {"project": "sales", "name": "orders_Sales", "type": "PostgreSQL"}


def test_unknown_values_propagate_through_expressions():
    attrs = {"a": "${upper(test_project.sales.id)}", "b": "x-${length(test_project.sales.id) > 2 ? 1 : 2}",
             "c": "${[test_project.sales.id, 1]}", "d": "${test_project.sales.id == null ? 1 : 2}"}
    out = resolve(attrs, lambda address, attr: Unknown("${test_project.sales.id}"))
    assert out["a"] == Unknown("${upper(test_project.sales.id)}")
    assert out["b"] == Unknown(attrs["b"])
    assert out["c"] == [Unknown("${test_project.sales.id}"), 1]
    assert isinstance(out["d"], Unknown)


def test_an_error_found_at_resolve_names_where_it_was_written():
    with pytest.raises(ReferenceError_) as info:
        resolve({"a": "${upper(test_project.sales.n)}"}, lambda address, attr: 3,
                where=lambda path: __import__("reconciler.errors").errors.Location("specs/a.yaml", 7))
    assert str(info.value).startswith("specs/a.yaml:7: '${upper(test_project.sales.n)}': upper(): argument 1 must "
                                      "be a string, got a number (3)")


def test_a_branch_not_taken_at_apply_is_an_error_only_if_chosen():
    attrs = {"a": '${test_project.sales.key == "X" ? "ok" : fail("var.z is not set")}'}
    assert resolve(attrs, lambda address, attr: "X") == {"a": "ok"}
    with pytest.raises(ReferenceError_, match="var.z is not set"):
        resolve(attrs, lambda address, attr: "Y")


def test_file_reads_inside_the_specs_directory(load, tmp_path):
    (tmp_path / "specs" / "sql").mkdir(parents=True)
    (tmp_path / "specs" / "sql" / "desc.txt").write_text("Orders of the day\n")
    specs = load({"a.yaml": PROJECT.replace("name: Sales", 'name: ${trimspace(file("sql/desc.txt"))}')})
    assert specs.resources[SALES].attrs["name"] == "Orders of the day"


@pytest.mark.parametrize("path, fragment", [
    ("../outside.txt", "is outside the specs directory"),
    ("/etc/hostname", "is outside the specs directory"),
    ("missing.txt", "no file 'missing.txt' in the specs directory"),
])
def test_file_refuses_what_is_not_in_the_specs_directory(load, tmp_path, path, fragment):
    (tmp_path / "outside.txt").write_text("x")
    with pytest.raises(SpecError) as info:
        load({"a.yaml": PROJECT.replace("name: Sales", f'name: ${{file("{path}")}}')})
    assert fragment in str(info.value)
    assert "specs/a.yaml:4" in str(info.value)


@pytest.mark.parametrize("value, fragment", [
    ("${nope(var.x)}", "specs/a.yaml:4: test_project.sales: '${nope(var.x)}': unknown function 'nope'; allowed "
                       "functions:"),
    ("${1 + \"a\"}", "specs/a.yaml:4: test_project.sales: '${1 + \"a\"}': '+' takes numbers, got a string"),
    ("${upper(}", "specs/a.yaml:4: test_project.sales: '${upper(}' is not an expression reconciler understands"),
    ("${upper(test_project.sales.nope)}", "test_project has no attribute 'nope'"),
])
def test_load_errors_name_file_line_expression_and_what_is_allowed(load, value, fragment):
    with pytest.raises(SpecError) as info:
        load({"a.yaml": PROJECT.replace("name: Sales", f"name: '{value}'")})
    assert fragment in str(info.value)


def test_a_secret_read_by_an_expression_is_never_shown(load):
    with pytest.raises(SpecError) as info:
        load({"a.yaml": """
            providers:
              test:
                url: http://x
                api_key: ${env:TOKEN}
            resources:
              test_project.sales:
                key: SALES
                name: Sales
                tags: '${env:TOKEN}'
            """}, env={"TOKEN": "s3cr3t"})
    assert "s3cr3t" not in str(info.value)


# -- locals -----------------------------------------------------------------------------------------

def test_locals_use_variables_functions_and_each_other(load):
    specs = load({"a.yaml": """
        variables:
          stage: prod
        locals:
          prefix: ${upper(var.stage)}
          key: ${local.prefix}_SALES
          tags: [finance, "${local.prefix}"]
        """, "b.yaml": """
        resources:
          test_project.sales:
            key: ${local.key}
            name: Sales
            tags: ${local.tags}
        """})
    assert specs.resources[SALES].attrs == {"key": "PROD_SALES", "name": "Sales", "tags": ["finance", "PROD"]}
    assert specs.locals == {"prefix": "PROD", "key": "PROD_SALES", "tags": ["finance", "PROD"]}


@pytest.mark.parametrize("files, fragments", [
    ({"a.yaml": "locals:\n  a: ${local.b}\n  b: ${local.a}\n"}, ["specs/a.yaml:2", "loop", "local.a -> local.b"]),
    ({"a.yaml": PROJECT.replace("name: Sales", "name: ${local.nope}") + "locals:\n  nop: x\n"},
     ["specs/a.yaml:4", "undefined local 'nope'; defined locals: nop", "did you mean local.nop?"]),
    ({"a.yaml": "locals:\n  a: ${test_project.sales.key}\n" + PROJECT},
     ["specs/a.yaml:2", "resource references are not allowed in locals"]),
    ({"a.yaml": "locals:\n  a: x\n", "b.yaml": "locals:\n  a: y\n"}, ["local 'a' is defined twice"]),
    ({"a.yaml": "locals:\n  a: ${upper(1)}\n"}, ["specs/a.yaml:2", "upper(): argument 1 must be a string"]),
])
def test_bad_locals_are_errors_with_file_and_line(load, files, fragments):
    with pytest.raises(SpecError) as info:
        load(files)
    for fragment in fragments:
        assert fragment in str(info.value)
