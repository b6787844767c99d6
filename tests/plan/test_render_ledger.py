"""The apply ledger's text, LedgerEntry's JSON, and when colour is used at all."""

from __future__ import annotations

import io
import re

import pytest

from reconciler.addresses import Address
from reconciler.plan.model import Action
from reconciler.plan.ledger import LedgerEntry
from reconciler.plan.render import render_ledger, use_color

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def entry(address: str, action: Action, outcome: str, detail: str = "", duration_s: float = 0.0) -> LedgerEntry:
    return LedgerEntry(Address.parse(address), action, outcome, detail, duration_s)


def test_failures_first_then_skips_then_successes():
    ledger = [
        entry("dataiku_project.sales", Action.CREATE, "applied", duration_s=0.42),
        entry("dataiku_dataset.orders", Action.UPDATE, "failed", "409 Conflict: dataset is being built\nretry later", 1.25),
        entry("dataiku_recipe.clean", Action.CREATE, "skipped", "skipped: depends on dataiku_dataset.orders which failed"),
        entry("dataiku_dataset.raw", Action.DELETE, "applied"),
    ]
    assert render_ledger(ledger) == (
        "FAILED  dataiku_dataset.orders (update, 1.2s): 409 Conflict: dataset is being built\n"
        "        retry later\n"
        "skipped dataiku_recipe.clean (create): skipped: depends on dataiku_dataset.orders which failed\n"
        "ok      dataiku_project.sales (create, 0.4s)\n"
        "ok      dataiku_dataset.raw (delete)\n"
        "\n"
        "Apply failed: 1 failed, 1 skipped, 2 applied.\n"
    )


@pytest.mark.parametrize("entries, expected", [
    pytest.param([], "Apply complete! Resources: 0 added, 0 changed, 0 destroyed.", id="empty"),
    pytest.param([("create", "applied"), ("create", "applied"), ("update", "applied")],
                 "Apply complete! Resources: 2 added, 1 changed, 0 destroyed.", id="adds-and-change"),
    pytest.param([("replace", "applied")], "Apply complete! Resources: 1 added, 0 changed, 1 destroyed.",
                 id="replace-is-both"),
    pytest.param([("no-op", "applied"), ("forget", "applied")],
                 "Apply complete! Resources: 1 imported, 0 added, 0 changed, 0 destroyed, 1 forgotten.",
                 id="import-and-forget"),
    pytest.param([("create", "failed"), ("update", "skipped"), ("update", "skipped"), ("delete", "applied")],
                 "Apply failed: 1 failed, 2 skipped, 1 applied.", id="failed"),
    pytest.param([("update", "skipped"), ("delete", "applied")],
                 "Apply incomplete: 0 failed, 1 skipped, 1 applied.", id="skipped-only"),
])
def test_outcome_line(entries, expected):
    ledger = [entry(f"dataiku_project.p{i}", Action(a), o) for i, (a, o) in enumerate(entries)]
    assert render_ledger(ledger).rstrip("\n").splitlines()[-1] == expected


def test_colour_only_when_asked():
    ledger = [entry("dataiku_project.a", Action.CREATE, "applied"), entry("dataiku_project.b", Action.UPDATE, "failed", "boom")]
    bare, coloured = render_ledger(ledger), render_ledger(ledger, color=True)
    assert "\x1b" not in bare
    assert "\x1b[1;31mFAILED " in coloured and "\x1b[32mok     " in coloured
    assert ANSI.sub("", coloured) == bare


def test_ledger_entry_json_round_trip():
    e = entry("dataiku_dataset.orders", Action.REPLACE, "failed", "500 Internal Server Error", 2.5)
    assert e.to_json() == {"address": "dataiku_dataset.orders", "action": "replace", "outcome": "failed",
                           "detail": "500 Internal Server Error", "duration_s": 2.5, "id": None}
    assert LedgerEntry.from_json(e.to_json()) == e


def test_ledger_entry_refuses_an_unknown_outcome():
    with pytest.raises(ValueError, match="'done' is not one of: applied, failed, skipped"):
        entry("dataiku_project.a", Action.CREATE, "done")


class Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty, env, expected", [
    pytest.param(True, {}, True, id="tty"),
    pytest.param(False, {}, False, id="not-a-tty"),
    pytest.param(True, {"NO_COLOR": "1"}, False, id="no-color"),
    pytest.param(True, {"NO_COLOR": ""}, True, id="no-color-empty-is-unset"),
    pytest.param(True, {"TERM": "dumb"}, False, id="dumb-terminal"),
    pytest.param(True, {"TERM": "xterm-256color"}, True, id="real-terminal"),
])
def test_use_color(monkeypatch, tty, env, expected):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert use_color(Stream(tty)) is expected


def test_use_color_on_streams_that_cannot_say(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    closed = io.StringIO()
    closed.close()
    assert use_color(closed) is False
    assert use_color(object()) is False
    assert use_color(io.StringIO()) is False
