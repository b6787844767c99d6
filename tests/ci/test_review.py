"""Comparing what was reviewed with a fresh plan: what counts as a difference, and what does not."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reconciler.addresses import Address
from reconciler.ci.review import (
    Ignore, ReviewRecord, account, compare, fingerprints_path, load_reviewed, summarize, write_record,
)
from reconciler.errors import PlanError
from reconciler.plan.model import Action, Change, Plan, Unknown

SALES = Address.parse("dataiku_project.sales")
ORDERS = Address.parse("dataiku_dataset.orders")


def _plan(*changes: Change, created_at: str = "2026-11-20T10:00:00+00:00", serial: int = 3) -> Plan:
    return Plan(changes=changes, state_lineage="L1", state_serial=serial, created_at=created_at,
                stats={"dataiku": {"requests": 4, "throttled": 0}})


def _update(**after) -> Change:
    return Change(SALES, Action.UPDATE, "description changed", before={"description": "old"},
                  after={"key": "SALES", "description": "new", **after}, object_id="SALES", fingerprint="fp-1")


def _create() -> Change:
    return Change(ORDERS, Action.CREATE, "not yet created",
                  after={"name": "orders", "project": Unknown("${dataiku_project.sales.key}")})


REVIEWED = _plan(_update(), _create())


@pytest.mark.parametrize("fresh, expected", [
    pytest.param(REVIEWED, [], id="identical"),
    pytest.param(_plan(_update(), _create(), created_at="2026-11-21T08:00:00+00:00", serial=9), [],
                 id="volatile-created-at-and-serial"),
    pytest.param(_plan(replace(_update(), reason="reworded", notes=("a note",), before={"x": 1}), _create()), [],
                 id="reason-notes-before-are-not-compared"),
    pytest.param(_plan(_update(description="other"), _create()),
                 ['dataiku_project.sales: description: reviewed "new", now "other"'], id="after-value"),
    pytest.param(_plan(replace(_update(), fingerprint="fp-2"), _create()),
                 ["dataiku_project.sales: the live object changed since the review (fingerprint fp-1 → fp-2)"],
                 id="live-object-moved"),
    pytest.param(_plan(replace(_update(), action=Action.REPLACE), _create()),
                 ["dataiku_project.sales: reviewed: update; now: replace"], id="action"),
    pytest.param(_plan(_create()), ["dataiku_project.sales: reviewed: update; now: nothing to do"], id="gone"),
    pytest.param(_plan(_update(tags=["x"]), _create()),
                 ["dataiku_project.sales: tags was not set in the reviewed plan, now it is"], id="new-field"),
    pytest.param(_plan(_update(), _create(), Change(Address.parse("dataiku_dataset.extra"), Action.DELETE, "gone",
                                                  object_id="X", fingerprint="f")),
                 ["dataiku_dataset.extra: not in the reviewed plan; now: delete"], id="unreviewed-change"),
    pytest.param(_plan(_update(), replace(_create(), after={"name": "orders", "project": "SALES"})),
                 ['dataiku_dataset.orders: project: reviewed {"$unknown": "${dataiku_project.sales.key}"}, '
                  'now "SALES" (known only after apply in one of them)'], id="unknown-became-known"),
])
def test_compare(fresh, expected):
    found = compare(ReviewRecord.of(REVIEWED), ReviewRecord.of(fresh), reviewed_plan=REVIEWED, fresh_plan=fresh)
    assert [str(d) for d in found] == expected


def test_without_the_plans_a_changed_field_is_named_not_shown():
    fresh = _plan(_update(description="other"), _create())
    found = compare(ReviewRecord.of(REVIEWED), ReviewRecord.of(fresh))
    assert [str(d) for d in found] == ["dataiku_project.sales: description differs from the reviewed value"]


@pytest.mark.parametrize("rule, differs", [
    pytest.param("description", False, id="any-resource"),
    pytest.param("dataiku_project.sales.description", False, id="this-resource"),
    pytest.param("dataiku_project.other.description", True, id="another-resource"),
    pytest.param("tags", True, id="another-field"),
])
def test_ignore_field(rule, differs):
    fresh = _plan(_update(description="built at 10:02"), _create())
    found = compare(ReviewRecord.of(REVIEWED), ReviewRecord.of(fresh), ignore=[Ignore.parse(rule)])
    assert bool(found) is differs


@pytest.mark.parametrize("text", ["", "a.b", "x.y"])
def test_ignore_rejects_what_it_cannot_read(text):
    with pytest.raises(ValueError):
        Ignore.parse(text)


def test_a_move_is_reviewed_like_a_change():
    moved = Change(ORDERS, Action.NOOP, "up to date", after={"name": "orders"}, object_id="o", fingerprint="f",
                   moved_from=Address.parse("dataiku_dataset.old"))
    reviewed = _plan(_update(), moved)
    record = ReviewRecord.of(reviewed)
    assert record.changes[ORDERS].moved_from == "dataiku_dataset.old"
    assert ReviewRecord.from_json(json.loads(json.dumps(record.to_json()))) == record
    assert compare(record, ReviewRecord.of(reviewed)) == []
    unmoved = compare(record, ReviewRecord.of(_plan(_update())))
    assert [str(d) for d in unmoved] == ["dataiku_dataset.orders: reviewed: moved from dataiku_dataset.old; now: "
                                         "nothing to do"]
    elsewhere = compare(record, ReviewRecord.of(_plan(_update(), replace(moved, moved_from=Address.parse(
        "dataiku_dataset.older"), action=Action.UPDATE))))
    assert [str(d) for d in elsewhere] == ["dataiku_dataset.orders: reviewed: moved from dataiku_dataset.old; now: "
                                           "moved from dataiku_dataset.older and update"]


def test_noops_are_not_part_of_the_record():
    plan = _plan(_update(), Change(ORDERS, Action.NOOP, "", after={"name": "orders"}, object_id="o", fingerprint="f"))
    assert list(ReviewRecord.of(plan).changes) == [SALES]


def test_record_round_trips_and_is_found_beside_the_plan(tmp_path):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(REVIEWED.to_json()))
    record = ReviewRecord.of(REVIEWED, commit="c0ffee" * 6, run_url="https://github.test/run/1")
    side = fingerprints_path(plan_file)
    assert side.name == "plan.fingerprints.json"
    write_record(record, side)
    assert ReviewRecord.from_json(json.loads(side.read_text())) == record
    loaded, plan = load_reviewed(plan_file)
    assert plan == REVIEWED and loaded.commit == record.commit and loaded.changes == record.changes
    alone, none = load_reviewed(side)
    assert none is None and alone == record


def test_a_plan_that_is_not_what_the_fingerprints_say_is_refused(tmp_path):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(_plan(_update(description="swapped"), _create()).to_json()))
    write_record(ReviewRecord.of(REVIEWED), fingerprints_path(plan_file))
    with pytest.raises(PlanError, match="does not match"):
        load_reviewed(plan_file)


@pytest.mark.parametrize("content, says", [
    pytest.param(None, "does not exist", id="missing"),
    pytest.param("{not json", "is not a reviewed plan", id="not-json"),
    pytest.param('{"format_version": "9.0"}', "neither a reconciler plan", id="wrong-version"),
])
def test_unusable_reviewed_files(tmp_path, content, says):
    path = tmp_path / "plan.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(PlanError, match=says):
        load_reviewed(path)


def test_account_names_the_origin_and_every_difference():
    record = ReviewRecord.of(REVIEWED, commit="abcdef1234567890", run_url="https://github.test/runs/5")
    fresh = _plan(replace(_update(), fingerprint="fp-9"))
    text = account(compare(record, ReviewRecord.of(fresh)), record)
    assert "commit abcdef123456" in text and "https://github.test/runs/5" in text
    assert "nothing was applied" in text
    assert "- dataiku_project.sales: the live object changed" in text
    assert "- dataiku_dataset.orders: reviewed: create; now: nothing to do" in text


def test_summarize():
    assert summarize(ReviewRecord.of(REVIEWED)) == "2 changes: 1 create, 1 update"
    assert summarize(ReviewRecord.of(_plan())) == "no changes"
