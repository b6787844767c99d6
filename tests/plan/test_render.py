"""Rendering a plan as text, JSON and markdown: golden files for a representative plan, and the
rules a reviewer relies on (destructive first, changed fields only, colour only when asked).

Regenerate the golden files with ``UPDATE_GOLDEN=1`` (then read the diff before committing).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from reconciler.addresses import Address
from reconciler.plan.model import SENSITIVE_MASK, Action, Change, DiffItem, Drift, Plan, Unknown
from reconciler.plan.render import render_drift, render_plan

GOLDEN = Path(__file__).parent / "golden"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

OLD_CODE = """import dataiku

df = dataiku.Dataset('orders').get_dataframe()
df = df[df.amount > 0]
out = dataiku.Dataset('clean')
out.write_with_schema(df)
"""
NEW_CODE = OLD_CODE.replace("df.amount > 0]\n", "df.amount >= 0]\ndf['year'] = df.date.dt.year\n")


def A(text: str) -> Address:
    return Address.parse(text)


def sample_plan() -> Plan:
    """One of everything: create (nested, Unknown), update (nested, multi-line), replace, delete
    with a cascade note, forget, adoption (plain and with updates), a hidden no-op, drift, stats."""
    return Plan(
        changes=(
            Change(A("dataiku_project.sales"), Action.CREATE, "not in state and not found on the platform",
                   after={"key": "SALES", "name": "Sales analytics", "tags": ["finance", "prod"],
                          "variables": {"standard": {"warehouse": "dwh_prod", "retries": 3}, "local": {}},
                          "permissions": [{"group": "analysts", "readProjectContent": True}],
                          "owner": Unknown("dataiku_user.alice.login")}),
            Change(A("dataiku_project.ops"), Action.NOOP, "matches", before={"key": "OPS"}, after={"key": "OPS"},
                   object_id="OPS"),
            Change(A("dataiku_recipe.clean_orders"), Action.UPDATE, "2 fields differ from the specs",
                   before={"project": "SALES", "code": OLD_CODE, "params": {"engine": "DSS", "mem_mb": 512}},
                   after={"project": "SALES", "code": NEW_CODE, "params": {"engine": "SPARK", "mem_mb": 1024},
                          "description": "Cleans orders"},
                   diff=(DiffItem("change", ("code",), OLD_CODE, NEW_CODE),
                         DiffItem("change", ("params", "engine"), "DSS", "SPARK"),
                         DiffItem("change", ("params", "mem_mb"), 512, 1024),
                         DiffItem("add", ("description",), None, "Cleans orders")),
                   object_id="SALES.clean_orders"),
            Change(A("dataiku_dataset.orders"), Action.DELETE, "not in the specs any more",
                   before={"project": "SALES", "type": "PostgreSQL", "params": {"connection": "dwh", "table": "orders"}},
                   object_id="SALES.orders",
                   notes=("deleting this dataset also deletes the recipes that use it: compute_orders, clean_orders",)),
            Change(A("dataiku_project.legacy"), Action.REPLACE, "key is create-only and changed",
                   before={"key": "LEGACY", "name": "Legacy", "description": "old"},
                   after={"key": "LEGACY2", "name": "Legacy", "description": "new"},
                   diff=(DiffItem("change", ("key",), "LEGACY", "LEGACY2"),
                         DiffItem("change", ("description",), "old", "new")),
                   object_id="LEGACY", replace_fields=("key",),
                   notes=("the project and everything in it is deleted first",)),
            Change(A("lightdash_group.analysts"), Action.NOOP, "exists and is not in state",
                   before={"name": "analysts"}, after={"name": "analysts"}, object_id="7f3c", importing=True),
            Change(A("lightdash_space.finance"), Action.UPDATE, "exists and is not in state; 1 field differs",
                   before={"name": "Finance", "is_private": False, "access": ["a"]},
                   after={"name": "Finance", "is_private": True, "access": ["a"]},
                   diff=(DiffItem("change", ("is_private",), False, True),
                         DiffItem("remove", ("members", 1), {"user": "bob", "role": "viewer"}, None)),
                   object_id="space-9", importing=True),
            Change(A("datarobot_deployment.churn"), Action.FORGET, "removed from the specs with lifecycle forget",
                   before={"label": "churn"}, object_id="64f1a2"),
            Change(A("astro_deployment.etl"), Action.UPDATE, "1 field differs",
                   before={"env": {"API_KEY": SENSITIVE_MASK}}, after={"env": {"API_KEY": SENSITIVE_MASK}},
                   diff=(DiffItem("change", ("env", "API_KEY"), SENSITIVE_MASK, SENSITIVE_MASK),),
                   object_id="cl123"),
        ),
        drift=(
            Drift(A("dataiku_project.sales_old"), "changed",
                  (DiffItem("change", ("description",), "Sales", "Sales (edited in the UI)"),
                   DiffItem("add", ("tags", 2), None, "adhoc"))),
            Drift(A("dataiku_dataset.raw"), "deleted"),
        ),
        state_lineage="0b6c1e1e-0000-4000-8000-000000000001",
        state_serial=7,
        created_at="2024-05-01T12:00:00Z",
        stats={"dataiku": {"requests": 12, "throttled": 0}, "lightdash": {"requests": 3, "throttled": 1}},
    )


def change(address: str, action: Action, **kw) -> Change:
    return Change(A(address), action, kw.pop("reason", ""), **kw)


def plain(text: str) -> str:
    return ANSI.sub("", text)


# ---------------------------------------------------------------- golden files

GOLDEN_CASES = [
    pytest.param("plan.txt", lambda p: render_plan(p), id="plan-text"),
    pytest.param("plan.md", lambda p: render_plan(p, "markdown"), id="plan-markdown"),
    pytest.param("plan.json", lambda p: render_plan(p, "json"), id="plan-json"),
    pytest.param("drift.txt", lambda p: render_drift(p), id="drift-text"),
    pytest.param("drift.md", lambda p: render_drift(p, "markdown"), id="drift-markdown"),
    pytest.param("drift.json", lambda p: render_drift(p, "json"), id="drift-json"),
]


@pytest.mark.parametrize("name, render", GOLDEN_CASES)
def test_golden(name, render):
    out = render(sample_plan())
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8"), f"{name} changed; rerun with UPDATE_GOLDEN=1 and review the diff"


def test_json_is_the_versioned_plan_format_and_round_trips():
    plan = sample_plan()
    data = json.loads(render_plan(plan, "json"))
    assert data == json.loads(json.dumps(plan.to_json()))
    assert Plan.from_json(data) == plan


# ---------------------------------------------------------------- colour


@pytest.mark.parametrize("render", [
    pytest.param(lambda p, c: render_plan(p, color=c), id="plan-text"),
    pytest.param(lambda p, c: render_drift(p, color=c), id="drift-text"),
])
def test_colour_only_when_asked_and_it_changes_nothing_else(render):
    plan = sample_plan()
    bare, coloured = render(plan, False), render(plan, True)
    assert "\x1b" not in bare
    assert "\x1b[" in coloured
    assert plain(coloured) == bare


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_machine_and_markdown_formats_never_carry_ansi(fmt):
    assert "\x1b" not in render_plan(sample_plan(), fmt, color=True)
    assert "\x1b" not in render_drift(sample_plan(), fmt, color=True)


def test_colours_follow_the_action():
    out = render_plan(sample_plan(), color=True)
    assert "\x1b[32m+\x1b[0m resource \"dataiku_project\" \"sales\"" in out  # green create
    assert "\x1b[33m~\x1b[0m resource \"dataiku_recipe\"" in out  # yellow update
    assert "\x1b[31m-\x1b[0m/\x1b[32m+\x1b[0m resource \"dataiku_project\" \"legacy\"" in out  # replace
    assert "\x1b[31m-\x1b[0m resource \"dataiku_dataset\" \"orders\"" in out  # red delete
    assert "# \x1b[1mdataiku_project.sales\x1b[0m will be created" in out  # bold address


# ---------------------------------------------------------------- text rules


def headers(text: str) -> list[str]:
    return re.findall(r"^  # (\S+) will be", text, flags=re.M)


def test_destructive_changes_come_first_then_plan_order_and_noops_are_hidden():
    order = headers(render_plan(sample_plan()))
    assert order == [
        "dataiku_dataset.orders", "dataiku_project.legacy",  # destructive, in plan order
        "dataiku_project.sales", "dataiku_recipe.clean_orders", "lightdash_group.analysts",
        "lightdash_space.finance", "datarobot_deployment.churn", "astro_deployment.etl",
    ]
    assert "dataiku_project.ops" not in render_plan(sample_plan())


def test_markdown_lists_destructive_changes_first_under_their_own_heading():
    out = render_plan(sample_plan(), "markdown")
    destructive = out.index("### ⚠ Destructive changes")
    assert destructive < out.index("`dataiku_dataset.orders` will be destroyed") < out.index("### Other changes")
    assert out.index("`dataiku_project.legacy` will be replaced") < out.index("### Other changes")
    assert out.index("**Plan:**") < destructive  # summary first


def test_update_shows_only_changed_fields_and_counts_the_rest():
    out = render_plan(sample_plan())
    recipe = out[out.index("# dataiku_recipe.clean_orders"):out.index("# lightdash_group.analysts")]
    assert '~ params.engine = "DSS" -> "SPARK"' in recipe
    assert '~ params.mem_mb = 512 -> 1024' in recipe
    assert '+ description   = "Cleans orders"' in recipe
    assert "project" not in recipe  # unchanged
    assert "# (1 unchanged attribute hidden)" in recipe


def test_multiline_strings_change_as_a_unified_diff():
    out = render_plan(sample_plan())
    assert "~ code          = <<-EOT\n          @@ -1,6 +1,7 @@\n            import dataiku\n\n" in out
    assert "          - df = df[df.amount > 0]\n          + df = df[df.amount >= 0]\n" in out
    md = render_plan(sample_plan(), "markdown")
    assert "@@ -1,6 +1,7 @@ code\n import dataiku\n \n" in md
    assert "-df = df[df.amount > 0]\n+df = df[df.amount >= 0]\n" in md


def test_replace_marks_only_the_forcing_field():
    out = render_plan(sample_plan())
    assert '~ key         = "LEGACY" -> "LEGACY2"  # forces replacement' in out
    assert out.count("# forces replacement") == 1


def test_create_shows_nested_values_and_unknowns():
    out = render_plan(sample_plan())
    assert "      + owner       = (known after apply)\n" in out
    assert "          + standard = {\n              + warehouse = \"dwh_prod\"\n" in out
    assert "      + tags        = [\n          + \"finance\",\n          + \"prod\",\n        ]\n" in out


def test_delete_shows_the_id_only_and_warnings_under_the_change():
    out = render_plan(sample_plan())
    block = out[out.index("# dataiku_dataset.orders"):out.index("# dataiku_project.legacy")]
    assert block == (
        "# dataiku_dataset.orders will be destroyed\n"
        "  # (not in the specs any more)\n"
        "  # warning: deleting this dataset also deletes the recipes that use it: compute_orders, clean_orders\n"
        '  - resource "dataiku_dataset" "orders" {\n'
        '      - id = "SALES.orders"\n'
        "    }\n\n  "
    )


def test_adoption_says_what_is_adopted_and_from_which_id():
    out = render_plan(sample_plan())
    assert "# lightdash_group.analysts will be adopted (imported): exists on the platform with id 7f3c\n" in out
    assert ("# lightdash_space.finance will be adopted (imported) and updated in-place: "
            "exists on the platform with id space-9\n") in out


def test_sensitive_values_are_printed_as_they_arrive():
    assert f'~ env.API_KEY = "{SENSITIVE_MASK}" -> "{SENSITIVE_MASK}"' in render_plan(sample_plan())


def test_drift_comes_first_with_old_and_new_values():
    out = render_plan(sample_plan())
    assert out.startswith("Objects have changed outside of reconciler\n")
    assert '~ description = "Sales" -> "Sales (edited in the UI)"' in out
    assert "  # dataiku_dataset.raw has been deleted\n" in out
    assert out.index("has been deleted") < out.index("reconciler will perform the following actions:")


def test_stats_footer_only_when_there_are_stats():
    assert render_plan(sample_plan()).endswith(
        "\nRefresh: dataiku 12 requests (0 throttled), lightdash 3 requests (1 throttled)\n")
    no_stats = Plan(sample_plan().changes)
    assert "Refresh:" not in render_plan(no_stats)
    assert render_plan(no_stats).endswith("Plan: 2 to import, 2 to add, 3 to change, 2 to destroy, 1 to forget.\n")


def test_legend_lists_only_the_symbols_used():
    out = render_plan(Plan((change("dataiku_project.a", Action.CREATE, after={"key": "A"}),)))
    assert "  + create\n\n" in out
    assert "destroy" not in out.split("reconciler will perform")[0]


@pytest.mark.parametrize("changes, expected", [
    pytest.param([Action.CREATE, Action.CREATE], "Plan: 2 to add, 0 to change, 0 to destroy.", id="creates"),
    pytest.param([Action.UPDATE, Action.DELETE], "Plan: 0 to add, 1 to change, 1 to destroy.", id="update-delete"),
    pytest.param([Action.REPLACE], "Plan: 1 to add, 0 to change, 1 to destroy.", id="replace-is-add-and-destroy"),
    pytest.param([Action.FORGET, Action.NOOP], "Plan: 0 to add, 0 to change, 0 to destroy, 1 to forget.",
                 id="forget-last"),
    pytest.param(["import", Action.CREATE, Action.CREATE], "Plan: 1 to import, 2 to add, 0 to change, 0 to destroy.",
                 id="import-first"),
])
def test_summary_line(changes, expected):
    plan = Plan(tuple(
        change(f"dataiku_project.p{i}", Action.NOOP, importing=True, object_id="X") if a == "import"
        else change(f"dataiku_project.p{i}", a, after={"key": "K"}, object_id="X")
        for i, a in enumerate(changes)))
    out = render_plan(plan)
    assert out.rstrip("\n").splitlines()[-1] == expected
    assert f"**Plan:** {expected.removeprefix('Plan: ').rstrip('.')}\n" in render_plan(plan, "markdown")


def test_markdown_counts_table_per_action():
    out = render_plan(sample_plan(), "markdown")
    assert ("| action | count |\n| :-- | --: |\n| `+` create | 1 |\n| `~` update in-place | 3 |\n"
            "| `-/+` replace | 1 |\n| `-` destroy | 1 |\n| `.` forget | 1 |\n| adopt (import) | 2 |\n") in out


@pytest.mark.parametrize("plan, text, markdown", [
    pytest.param(Plan(()), "No changes. Your infrastructure matches the configuration.\n",
                 "**No changes.** Your infrastructure matches the configuration.\n", id="empty"),
    pytest.param(Plan((change("dataiku_project.a", Action.NOOP, object_id="A"),)),
                 "No changes. Your infrastructure matches the configuration.\n",
                 "**No changes.** Your infrastructure matches the configuration.\n", id="only-noops"),
    pytest.param(Plan((), mode="destroy"), "No changes. No objects need to be destroyed.\n",
                 "**No changes.** No objects need to be destroyed.\n\n_Mode: destroy._\n", id="destroy-mode"),
    pytest.param(Plan((), mode="refresh-only"),
                 "No changes. Your infrastructure still matches the last applied state.\n",
                 "**No changes.** Your infrastructure still matches the last applied state.\n\n"
                 "_Mode: refresh-only._\n", id="refresh-only"),
])
def test_no_changes(plan, text, markdown):
    assert render_plan(plan) == text
    assert render_plan(plan, "markdown") == markdown


def test_no_changes_with_drift_still_reports_the_drift():
    plan = Plan((), drift=sample_plan().drift)
    out = render_plan(plan)
    assert out.startswith("Objects have changed outside of reconciler\n")
    assert out.endswith(NO_CHANGES_LINE)
    assert "Plan:" not in out


NO_CHANGES_LINE = "No changes. Your infrastructure matches the configuration.\n"


def test_refresh_only_plan_explains_that_nothing_is_undone():
    plan = Plan((), drift=sample_plan().drift, mode="refresh-only")
    out = render_plan(plan)
    assert "This is a refresh-only plan: reconciler will not undo these changes." in out
    assert "No changes" not in out
    md = render_plan(plan, "markdown")
    assert md.startswith("**Refresh-only plan:** applying it records the live values in state")
    assert "- `-` `dataiku_dataset.raw` has been deleted\n" in md


def test_targets_are_called_out():
    plan = Plan((change("dataiku_project.a", Action.CREATE, after={"key": "A"}),), targets=("dataiku_project.a",))
    assert render_plan(plan).startswith("Note: targeting is in effect (dataiku_project.a); the plan may be incomplete.")
    assert "_Targeting is in effect (`dataiku_project.a`); the plan may be incomplete._" in render_plan(plan, "markdown")


def test_multiline_note_keeps_every_line_commented():
    plan = Plan((change("dataiku_dataset.d", Action.DELETE, object_id="D", notes=("first\nsecond",)),))
    assert "  # warning: first\n  #   second\n" in render_plan(plan)


@pytest.mark.parametrize("item, expected", [
    pytest.param(DiffItem("change", ("a",), 1, 2), "~ a = 1 -> 2", id="scalar"),
    pytest.param(DiffItem("change", ("a",), None, True), "~ a = null -> true", id="null-to-bool"),
    pytest.param(DiffItem("change", ("a", "b", 0), "x", Unknown("r.x.y")), '~ a.b[0] = "x" -> (known after apply)',
                 id="nested-path-unknown"),
    pytest.param(DiffItem("change", ("tags",), ["a"], ["a", "b"]), '~ tags = ["a"] -> ["a", "b"]', id="short-list-inline"),
    pytest.param(DiffItem("add", ("labels",), None, {"x y": 1}), '+ labels = {\n          + "x y" = 1\n        }',
                 id="added-dict-quoted-key"),
    pytest.param(DiffItem("remove", ("old",), "v", None), '- old = "v"', id="removed"),
    pytest.param(DiffItem("change", ("big",), list(range(40)), []),
                 "- big = [\n" + "".join(f"          - {i},\n" for i in range(40)) + "        ]\n      + big = []",
                 id="long-list-split"),
    pytest.param(DiffItem("change", ("s",), 'say "hi"', "é"), '~ s = "say \\"hi\\"" -> "é"', id="escaping"),
])
def test_diff_item_text(item, expected):
    plan = Plan((change("dataiku_project.p", Action.UPDATE, after={}, diff=(item,)),))
    out = render_plan(plan)
    body = out[out.index("{\n") + 2:out.index("\n    }")]
    assert body == "      " + expected


# ---------------------------------------------------------------- drift report


def test_drift_report_text():
    out = render_drift(sample_plan())
    assert out.splitlines()[-3:] == ["Drift: 1 changed, 1 deleted.", "",
                                     "Refresh: dataiku 12 requests (0 throttled), lightdash 3 requests (1 throttled)"]
    assert "will be" not in out  # drift only, no planned changes


@pytest.mark.parametrize("fmt, expected", [
    pytest.param("text", "No drift. The live objects match the last applied state.\n", id="text"),
    pytest.param("markdown", "**No drift.** The live objects match the last applied state.\n", id="markdown"),
])
def test_no_drift(fmt, expected):
    assert render_drift(Plan(sample_plan().changes), fmt) == expected


def test_drift_json():
    data = json.loads(render_drift(sample_plan(), "json"))
    assert list(data) == ["format_version", "drift", "summary"]
    assert data["summary"] == {"changed": 1, "deleted": 1, "unmanaged": 0}
    assert [d["address"] for d in data["drift"]] == ["dataiku_project.sales_old", "dataiku_dataset.raw"]


@pytest.mark.parametrize("fmt", ["yaml", "TEXT", ""])
def test_unknown_format_is_refused(fmt):
    with pytest.raises(ValueError, match="expected one of: text, json, markdown"):
        render_plan(sample_plan(), fmt)
    with pytest.raises(ValueError, match="expected one of"):
        render_drift(sample_plan(), fmt)


# ---------------------------------------------------------------- speed


def big_plan(n: int) -> Plan:
    base = [c for c in sample_plan().changes if c.action is not Action.NOOP]
    return Plan(tuple(
        Change(A(f"{c.address.type}.r{i}"), c.action, c.reason, c.before, c.after, c.diff, c.object_id,
               c.importing, replace_fields=c.replace_fields, notes=c.notes)
        for i, c in ((i, base[i % len(base)]) for i in range(n))))


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_ten_thousand_changes_render(fmt):
    # speed is measured by benchmarks/ (timed asserts flake on shared machines); this checks scale
    plan = big_plan(10_000)
    out = render_plan(plan, fmt, color=fmt == "text")
    assert "10,000" in out if fmt == "markdown" else "dataiku_project.r9999" in out


def test_control_characters_in_values_cannot_reach_the_terminal():
    evil = "line one\n\x1b[2J\x1b[31mred\x07"
    plan = Plan((change("dataiku_recipe.r", Action.UPDATE, reason="why \x1b[1m", notes=("note \x1b]0;title\x07",),
                        object_id="id\x1b", after={"code": evil},
                        diff=(DiffItem("change", ("code",), "line one\n", evil),)),
                 change("dataiku_recipe.s", Action.CREATE, after={"code": evil})))
    for fmt in ("text", "markdown", "json"):
        assert "\x1b" not in render_plan(plan, fmt) and "\x07" not in render_plan(plan, fmt)
    assert "\\x1b[2J\\x1b[31mred\\x07" in render_plan(plan)
