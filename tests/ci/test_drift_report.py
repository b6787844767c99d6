"""The drift report as text and markdown: order, reasons, who and when, and the size cap."""

from __future__ import annotations

from datetime import date

from reconciler.addresses import Address
from reconciler.ci.ack import Ack
from reconciler.ci.drift_report import render_markdown, render_report, render_text
from reconciler.ci.triage import triage
from reconciler.errors import Location
from reconciler.plan.model import DiffItem, Drift

TODAY = date(2026, 11, 22)
SALES = Address.parse("dataiku_project.sales")
ORDERS = Address.parse("dataiku_dataset.orders")
MKT = Address.parse("dataiku_project.marketing")


def _report():
    drift = [
        Drift(SALES, "changed", (DiffItem("change", ("description",), "Revenue", "edited in the UI"),
                                 DiffItem("change", ("short_description",), "KPIs", "kpis")),
              changed_by="alice@corp", changed_at="2026-11-21T09:30:00Z"),
        Drift(ORDERS, "deleted"),
        Drift(MKT, "unmanaged", (DiffItem("change", ("checklists",), [], ["x"]),)),
    ]
    acks = [Ack(SALES, "Sales lead edits it (SALES-42)", date(2026, 12, 31), "short_description",
                Location("drift-ack.yaml", 3)),
            Ack(ORDERS, "was migrated", date(2026, 10, 1), None, Location("drift-ack.yaml", 7))]
    return triage(drift, acks, TODAY, {"dataiku": {"requests": 5, "throttled": 0}})


def test_markdown_puts_alarms_first_with_who_and_when():
    md = render_markdown(_report())
    assert md.startswith("**Drift: 2 objects changed outside reconciler since the last apply (1 changed, 1 deleted).**")
    order = ["### Alarms", "### Acknowledged drift", "### Expired", "### Unmanaged"]
    assert [md.index(h) for h in order] == sorted(md.index(h) for h in order)
    assert "_changed by alice@corp at 2026-11-21T09:30:00Z_" in md
    assert '+ description = "edited in the UI"' in md
    assert "short\\_description" not in md.split("### Acknowledged")[0]  # the acknowledged field left the alarm
    assert "Sales lead edits it (SALES-42) (until 2026-12-31; drift-ack.yaml:3)" in md
    assert "was migrated (expired 2026-10-01; drift-ack.yaml:7; its drift **alarms again**)" in md
    assert "`dataiku_project.marketing`: `checklists`" in md
    assert md.rstrip().endswith("_Refresh: dataiku 5 requests (0 throttled)_")


def test_text_report_says_the_same():
    text = render_text(_report())
    assert text.splitlines()[0] == ("Drift: 2 objects changed outside reconciler since the last apply "
                                    "(1 changed, 1 deleted).")
    assert ("~ dataiku_project.sales was changed outside reconciler "
            "(changed by alice@corp at 2026-11-21T09:30:00Z)") in text
    assert "- dataiku_dataset.orders was deleted outside reconciler" in text
    assert "dataiku_project.sales short_description: Sales lead edits it (SALES-42) (until 2026-12-31" in text
    assert "expired 2026-10-01; drift-ack.yaml:7; its drift alarms again" in text


def test_no_alarm_headline():
    report = triage([], [], TODAY)
    assert render_text(report).startswith("No drift alarm")
    assert render_markdown(report).startswith("**No drift alarm")
    assert '"alarm": false' in render_report(report, "json")


def test_markdown_never_exceeds_its_cap_and_says_what_it_left_out():
    drift = [Drift(Address.parse(f"dataiku_dataset.d{i}"), "changed",
                   tuple(DiffItem("change", (f"field{j}",), "x" * 50, "y" * 50) for j in range(10)))
             for i in range(400)]
    report = triage(drift, [], TODAY)
    full = render_markdown(report, 10_000_000)
    assert "```diff" in full
    for cap in (60_000, 20_000, 5_000):
        md = render_markdown(report, cap)
        assert len(md) <= cap
        assert "**Drift: 400 objects" in md
    assert "more not shown here" in render_markdown(report, 5_000)
    compact = render_markdown(report, 60_000)
    assert "```diff" not in compact and "`field0`" in compact
