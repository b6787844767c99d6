"""The markdown plan as a PR comment: never over ``max_chars``, details dropped before changes,
destructive changes kept longest, an explicit note of what was left out, literal free text."""

from __future__ import annotations

import re

import pytest

from reconciler.addresses import Address
from reconciler.plan.model import Action, Change, DiffItem, Drift, Plan
from reconciler.plan.render import render_drift, render_plan
from reconciler.plan.render_markdown import DIFF_LINES, code, fenced, md_escape

SHOWN = re.compile(r"^#### .*?`([a-z_]+\.[A-Za-z0-9_-]+)`", re.M)


def update(i: int, *, fields: int = 3, width: int = 30) -> Change:
    after = {f"field_{k}": f"value {i} {k} " + "x" * width for k in range(fields)}
    return Change(Address("dataiku_dataset", f"d{i}"), Action.UPDATE, "fields differ",
                  before={**after, "description": "old"}, after={**after, "description": "new"},
                  diff=(DiffItem("change", ("description",), "old", "new"),), object_id=f"P.d{i}")


def delete(i: int) -> Change:
    return Change(Address("dataiku_dataset", f"gone{i}"), Action.DELETE, "not in the specs", object_id=f"P.g{i}",
                  before={"type": "Filesystem"}, notes=("deletes the recipes that read it",))


def shown(out: str) -> list[str]:
    return SHOWN.findall(out)


def test_two_thousand_changes_stay_under_the_cap_and_say_what_was_left_out():
    plan = Plan(tuple(update(i) for i in range(2000)))
    out = render_plan(plan, "markdown")
    assert len(out) < 65000
    names = shown(out)
    assert 0 < len(names) < 2000
    assert names == [f"dataiku_dataset.d{i}" for i in range(len(names))]  # dropped from the end
    hidden = 2000 - len(names)
    assert out.rstrip().endswith(
        f"_Truncated: {hidden:,} of 2,000 changes not shown; details of {len(names):,} shown changes omitted "
        "(output capped at 65,000 characters); run `reconciler plan` for the full plan._")
    assert out.startswith("**Plan:** 0 to add, 2000 to change, 0 to destroy\n")  # the summary counts everything


@pytest.mark.parametrize("max_chars", [65000, 20000, 5000, 1500])
def test_never_over_max_chars(max_chars):
    plan = Plan(tuple(update(i, fields=8, width=200) for i in range(300)) + tuple(delete(i) for i in range(300)),
                drift=tuple(Drift(Address("dataiku_project", f"p{i}"), "deleted") for i in range(300)))
    out = render_plan(plan, "markdown", max_chars=max_chars)
    assert len(out) <= max_chars
    assert "_Truncated:" in out


def test_a_cap_smaller_than_the_summary_is_still_honoured():
    out = render_plan(Plan(tuple(update(i) for i in range(50))), "markdown", max_chars=120)
    assert len(out) <= 120


def test_destructive_changes_are_kept_and_the_rest_dropped_from_the_end():
    plan = Plan(tuple(update(i, fields=6, width=100) for i in range(1990)) + tuple(delete(i) for i in range(10)))
    out = render_plan(plan, "markdown")
    names = shown(out)
    assert names[:10] == [f"dataiku_dataset.gone{i}" for i in range(10)]
    assert names[10:] == [f"dataiku_dataset.d{i}" for i in range(len(names) - 10)]
    assert out.count("deletes the recipes that read it") == 10
    assert f"{2000 - len(names):,} of 2,000 changes not shown;" in out
    assert "destructive)" not in out


def test_the_note_says_when_destructive_changes_themselves_were_cut():
    out = render_plan(Plan(tuple(delete(i) for i in range(2000))), "markdown", max_chars=10000)
    hidden = 2000 - len(shown(out))
    assert f"{hidden:,} of 2,000 changes not shown ({hidden:,} of them destructive)" in out


def test_details_are_dropped_before_any_change():
    plan = Plan(tuple(update(i, fields=20, width=60) for i in range(40)))
    full = render_plan(plan, "markdown", max_chars=10**7)
    assert "_Truncated" not in full and full.count("<details>") == 40
    compact = re.sub(r"<details>.*?</details>\n\n", "", full, flags=re.S)
    out = render_plan(plan, "markdown", max_chars=len(compact) + 3000)
    assert len(shown(out)) == 40  # every change still listed
    kept = out.count("<details>")
    assert 0 < kept < 40
    assert f"details of {40 - kept} shown changes omitted (output capped at" in out
    assert "changes not shown" not in out


def test_a_plan_that_fits_has_no_note():
    plan = Plan(tuple(update(i) for i in range(5)))
    out = render_plan(plan, "markdown")
    assert "_Truncated" not in out
    assert len(render_plan(plan, "markdown", max_chars=len(out))) == len(out)  # exactly at the cap still fits


def test_drift_report_is_capped_too():
    plan = Plan((), drift=tuple(
        Drift(Address("dataiku_project", f"p{i}"), "changed",
              (DiffItem("change", ("description",), "a" * 100, "b" * 100),)) for i in range(2000)))
    out = render_drift(plan, "markdown")
    assert len(out) < 65000
    hidden = 2000 - len(shown(out))
    assert 0 < hidden < 2000
    assert out.rstrip().endswith(f"_Truncated: {hidden:,} of 2,000 drifted objects not shown (output capped at "
                                 "65,000 characters); run `reconciler drift` for the full report._")


def test_long_diffs_are_capped_with_the_full_diff_in_details():
    old = "\n".join(f"line {i}" for i in range(200))
    new = "\n".join(f"LINE {i}" for i in range(200))
    c = Change(Address("dataiku_recipe", "r"), Action.UPDATE, "code differs", before={"code": old},
               after={"code": new}, diff=(DiffItem("change", ("code",), old, new),), object_id="P.r")
    out = render_plan(Plan((c,)), "markdown")
    block = out[out.index("```diff"):out.index("```\n", out.index("```diff") + 3)]
    assert len(block.splitlines()) == DIFF_LINES + 1
    assert "# … 352 more lines (in full below)" in block
    assert "<details><summary>Full diff</summary>" in out and "+ LINE 199" in out


def test_long_values_are_abbreviated_on_the_diff_line():
    c = Change(Address("dataiku_project", "p"), Action.CREATE, "", after={"description": "z" * 500})
    out = render_plan(Plan((c,)), "markdown")
    assert '+ description = "' + "z" * 118 + "…\n" in out
    assert "<details><summary>Full object</summary>" in out  # the full value is still there


def test_free_text_is_shown_literally():
    c = Change(Address("dataiku_dataset", "d"), Action.DELETE, "<details> | *not* in specs #1", object_id="a`b",
               notes=("drops [all] _rows_",))
    out = render_plan(Plan((c,)), "markdown")
    assert r"\<details\> \| \*not\* in specs \#1 · id ``a`b``" in out
    assert r"⚠ **warning:** drops \[all\] \_rows\_" in out


@pytest.mark.parametrize("text, expected", [
    pytest.param("plain", "plain", id="plain"),
    pytest.param("a\nb", "a b", id="one-line"),
    pytest.param("x|y<z>", r"x\|y\<z\>", id="table-and-html"),
])
def test_md_escape(text, expected):
    assert md_escape(text) == expected


@pytest.mark.parametrize("text, expected", [
    pytest.param("abc", "`abc`", id="plain"),
    pytest.param("a`b", "``a`b``", id="inner-tick"),
    pytest.param("`a", "`` `a ``", id="leading-tick"),
])
def test_code_span(text, expected):
    assert code(text) == expected


def test_fence_outgrows_backticks_in_the_content():
    assert fenced(["```", "x"]) == "````\n```\nx\n````\n"
    assert fenced(["x"], "diff") == "```diff\nx\n```\n"
