"""The journal as data: entries, parsing of (torn) journal bytes, and replay as a table."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.plan.model import Action
from reconciler.state import JournalEntry, PendingOp, ResourceState, State, replay
from reconciler.state.journal import JournalHeader, parse_journal, utc_now

L = "lineage-1"
X = Address.parse("dataiku_project.x")
Y = Address.parse("dataiku_project.y")
T = "2026-01-02T03:04:05.678Z"


def rec(address: Address = X, name: str = "v1") -> ResourceState:
    return ResourceState(address, address.name.upper(), {"name": name})


def intent(action: str, address: Address = X, key: str | None = "X", lineage: str = L):
    return JournalEntry(0, "intent", action, address, lineage, T, natural_key=key)


def result(action: str, address: Address = X, resource: ResourceState | None = None,
           lineage: str = L):
    return JournalEntry(0, "result", action, address, lineage, T, resource=resource)


def failed(action: str, address: Address = X):
    return JournalEntry(0, "failed", action, address, L, T, error="boom")


BASE = State(L, 3, {Y: rec(Y)})
WITH_X = State(L, 3, {Y: rec(Y), X: rec(X)})


@pytest.mark.parametrize(
    ("start", "entries", "resources", "pending"),
    [
        pytest.param(BASE, [], {Y: rec(Y)}, [], id="empty-journal"),
        pytest.param(BASE, [intent("create"), result("create", resource=rec())],
                     {Y: rec(Y), X: rec()}, [], id="create-result-upserts"),
        pytest.param(WITH_X, [intent("update"), result("update", resource=rec(name="v2"))],
                     {Y: rec(Y), X: rec(name="v2")}, [], id="update-result-replaces"),
        pytest.param(WITH_X, [intent("replace"), result("replace", resource=rec(name="new"))],
                     {Y: rec(Y), X: rec(name="new")}, [], id="replace-result-upserts"),
        pytest.param(BASE, [intent("import"), result("import", resource=rec())],
                     {Y: rec(Y), X: rec()}, [], id="import-result-upserts"),
        pytest.param(WITH_X, [intent("delete"), result("delete")], {Y: rec(Y)}, [],
                     id="delete-result-removes"),
        pytest.param(WITH_X, [intent("forget"), result("forget")], {Y: rec(Y)}, [],
                     id="forget-result-removes"),
        pytest.param(BASE, [result("delete")], {Y: rec(Y)}, [], id="delete-of-unknown-is-noop"),
        pytest.param(BASE, [intent("create")], {Y: rec(Y)}, [PendingOp(X, "create", "X", T)],
                     id="intent-without-result-is-pending"),
        pytest.param(WITH_X, [intent("delete", key=None)], {Y: rec(Y), X: rec()},
                     [PendingOp(X, "delete", None, T)], id="pending-delete-keeps-record"),
        pytest.param(BASE, [intent("create"), failed("create")], {Y: rec(Y)}, [],
                     id="failed-create-resolves-and-changes-nothing"),
        pytest.param(WITH_X, [intent("delete"), failed("delete")], {Y: rec(Y), X: rec()}, [],
                     id="failed-delete-keeps-record"),
        pytest.param(BASE, [intent("create"), intent("create", Y, "Y"),
                            result("create", resource=rec())],
                     {Y: rec(Y), X: rec()}, [PendingOp(Y, "create", "Y", T)],
                     id="only-the-unanswered-address-is-pending"),
        pytest.param(WITH_X, [intent("delete"), result("delete"), intent("create")],
                     {Y: rec(Y)}, [PendingOp(X, "create", "X", T)],
                     id="replace-as-delete-then-create-interrupted"),
        pytest.param(BASE, [intent("create", lineage="other"),
                            result("create", resource=rec(), lineage="other")],
                     {Y: rec(Y)}, [], id="foreign-lineage-ignored"),
        pytest.param(WITH_X, [result("delete", lineage="other")], {Y: rec(Y), X: rec()}, [],
                     id="foreign-delete-never-removes"),
    ],
)
def test_replay(start: State, entries: list[JournalEntry], resources: dict,
                pending: list[PendingOp]) -> None:
    state, found = replay(start, entries)
    assert state.resources == resources
    assert list(found) == pending
    assert (state.lineage, state.serial) == (L, 3)


def test_replay_reports_foreign_entries_in_warnings() -> None:
    warnings: list[str] = []
    replay(BASE, [result("create", resource=rec(), lineage="other")] * 2
           + [intent("create")], warnings=warnings)
    assert warnings == [f"ignored 2 journal entries of another state (lineage other, this state "
                        f"is {L})"]


def test_replay_does_not_change_its_input() -> None:
    before = dict(BASE.resources)
    replay(BASE, [result("create", resource=rec()), result("delete", Y)])
    assert BASE.resources == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(dict(op="begin"), "journal op 'begin'", id="unknown-op"),
        pytest.param(dict(action="destroy"), "journal action 'destroy'", id="unknown-action"),
        pytest.param(dict(op="result", action="create"), "must carry the new record",
                     id="create-result-without-record"),
        pytest.param(dict(op="result", action="delete", resource=rec()), "carries no record",
                     id="delete-result-with-record"),
        pytest.param(dict(op="intent", resource=rec()), "carries no record",
                     id="intent-with-record"),
        pytest.param(dict(op="result", resource=rec(Y)), "record for dataiku_project.y",
                     id="record-for-another-address"),
        pytest.param(dict(lineage=""), "needs the lineage", id="no-lineage"),
        pytest.param(dict(seq=-1), "non-negative", id="negative-seq"),
    ],
)
def test_invalid_entries_are_refused_at_construction(kwargs: dict, message: str) -> None:
    fields = dict(seq=0, op="intent", action="create", address=X, lineage=L) | kwargs
    with pytest.raises(ValueError, match=message):
        JournalEntry(**fields)


def test_entry_json_round_trip_and_plan_actions() -> None:
    entry = JournalEntry.result(Action.CREATE, X, lineage=L, resource=rec(), seq=4)
    assert entry.action == "create" and type(entry.action) is str
    assert JournalEntry.from_json(entry.to_json()) == entry
    assert entry.line().endswith(b"}\n") and entry.line().count(b"\n") == 1
    intent_ = JournalEntry.intent("create", "dataiku_project.x", lineage=L, natural_key="X")
    assert intent_.address == X
    assert JournalEntry.from_json(intent_.to_json()) == intent_
    gone = JournalEntry.failed("delete", X, lineage=L, error="409 conflict")
    assert JournalEntry.from_json(gone.to_json()) == gone


def test_pending_op_json_round_trip() -> None:
    op = PendingOp(X, "create", "X", T)
    assert PendingOp.from_json(op.to_json()) == op


def test_time_is_fixed_width_iso_utc() -> None:
    now = utc_now()
    assert len(now) == len(T) and now.endswith("Z") and now[10] == "T"


def _journal(*entries: JournalEntry) -> bytes:
    return JournalHeader(L, 3).line() + b"".join(
        e.line() for e in (entries or (intent("create"),)))


def test_parse_reads_header_and_entries() -> None:
    parsed = parse_journal(_journal(intent("create"), result("create", resource=rec())))
    assert parsed.header == JournalHeader(L, 3)
    assert [e.op for e in parsed.entries] == ["intent", "result"]
    assert parsed.warnings == ()


def test_parse_ignores_a_torn_last_line() -> None:
    raw = _journal(intent("create"))
    torn = result("create", resource=rec()).line()[:-20]
    parsed = parse_journal(raw + torn, source="j")
    assert [e.op for e in parsed.entries] == ["intent"]
    assert parsed.valid_length == len(raw)
    assert parsed.warnings == ("j: ignored an incomplete last line (the writer was killed while "
                               "recording it; the step was never acknowledged)",)


def test_parse_skips_an_unreadable_line_in_the_middle() -> None:
    garbage = b'{"seq": 9, "op"\n'
    raw = _journal(intent("create")) + garbage + result("create", resource=rec()).line()
    parsed = parse_journal(raw, source="j")
    assert [e.op for e in parsed.entries] == ["intent", "result"]
    assert len(parsed.warnings) == 1 and parsed.warnings[0].startswith("j:3: ignored")
