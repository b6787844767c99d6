"""Sorting drift into alarms, acknowledged, expired, info and unused entries."""

from __future__ import annotations

from datetime import date

import pytest

from reconciler.addresses import Address
from reconciler.ci.ack import Ack
from reconciler.ci.triage import triage
from reconciler.plan.model import DiffItem, Drift

TODAY = date(2026, 11, 22)
SALES = Address.parse("dataiku_project.sales")
ORDERS = Address.parse("dataiku_dataset.orders")
DESC = DiffItem("change", ("description",), "a", "b")
TAGS = DiffItem("add", ("tags", '["adhoc"]'), None, "adhoc")


def _ack(address=SALES, field=None, expires=date(2026, 12, 31)) -> Ack:
    return Ack(address, "accepted", expires, field)


def _names(drifts) -> list[str]:
    return [f"{d.address} {d.kind} {','.join(i.path_str() for i in d.diff)}".strip() for d in drifts]


@pytest.mark.parametrize("drift, acks, alarms, silenced, info", [
    pytest.param([Drift(SALES, "changed", (DESC,))], [], ["dataiku_project.sales changed description"], [], [],
                 id="managed-change-alarms"),
    pytest.param([Drift(ORDERS, "deleted")], [], ["dataiku_dataset.orders deleted"], [], [], id="deletion-alarms"),
    pytest.param([Drift(SALES, "unmanaged", (DESC,))], [], [], [], ["dataiku_project.sales unmanaged description"],
                 id="unmanaged-is-info"),
    pytest.param([Drift(SALES, "changed", (DESC,))], [_ack()], [], ["dataiku_project.sales changed description"], [],
                 id="whole-resource-ack"),
    pytest.param([Drift(SALES, "changed", (DESC, TAGS))], [_ack(field="description")],
                 ['dataiku_project.sales changed tags["adhoc"]'], ["dataiku_project.sales changed description"], [],
                 id="field-ack-splits-the-drift"),
    pytest.param([Drift(ORDERS, "deleted")], [_ack(ORDERS, field="description")], ["dataiku_dataset.orders deleted"],
                 [], [], id="field-ack-does-not-cover-deletion"),
    pytest.param([Drift(ORDERS, "deleted")], [_ack(ORDERS)], [], ["dataiku_dataset.orders deleted"], [],
                 id="whole-ack-covers-deletion"),
    pytest.param([Drift(SALES, "changed", (DESC,))], [_ack(expires=date(2026, 11, 21))],
                 ["dataiku_project.sales changed description"], [], [], id="expired-ack-alarms-again"),
    pytest.param([Drift(SALES, "changed", (DESC,))], [_ack(expires=TODAY)], [],
                 ["dataiku_project.sales changed description"], [], id="silences-on-its-last-day"),
    pytest.param([Drift(SALES, "unmanaged", (DESC,))], [_ack()], [], ["dataiku_project.sales unmanaged description"],
                 [], id="info-can-be-acknowledged-too"),
])
def test_triage(drift, acks, alarms, silenced, info):
    report = triage(drift, acks, TODAY)
    assert _names(report.alarms) == alarms
    assert _names(s.drift for s in report.silenced) == silenced
    assert _names(report.info) == info
    assert report.alarm is bool(alarms)


def test_expired_and_unused_entries_are_listed():
    stale = _ack(expires=date(2026, 1, 1))
    gone = _ack(ORDERS, expires=date(2026, 1, 1))
    idle = _ack(Address.parse("dataiku_project.marketing"))
    report = triage([Drift(SALES, "changed", (DESC,))], [stale, gone, idle], TODAY)
    assert [(e.ack.address, e.matched) for e in report.expired] == [(SALES, True), (ORDERS, False)]
    assert report.unused == (idle,)
    assert report.counts() == {"changed": 1, "deleted": 0, "acknowledged": 0, "expired": 2, "info": 0, "unused": 1}


def test_digest_follows_the_alarms_only():
    one = triage([Drift(SALES, "changed", (DESC,)), Drift(ORDERS, "unmanaged", (DESC,))], [], TODAY)
    same = triage([Drift(SALES, "changed", (DESC,))], [], date(2027, 1, 1))
    other = triage([Drift(SALES, "changed", (DESC, TAGS))], [], TODAY)
    assert one.digest() == same.digest() != other.digest()


def test_json_lists_every_class():
    report = triage([Drift(SALES, "changed", (DESC,), changed_by="alice", changed_at="2026-11-21T09:00:00Z")],
                    [_ack(ORDERS)], TODAY)
    doc = report.to_json()
    assert doc["alarm"] is True and doc["date"] == "2026-11-22"
    assert doc["alarms"][0]["changed_by"] == "alice"
    assert doc["unused"][0]["address"] == "dataiku_dataset.orders"
    assert set(doc) >= {"acknowledged", "expired", "info", "summary"}
