"""``state pull`` / ``state push``: the refusal rule as a table, moves between backends, pending
intents carried along, and the commands through the real CLI entry point."""

from __future__ import annotations

import io
import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.addresses import Address
from reconciler.cli import main
from reconciler.errors import StateError, StateLockedError
from reconciler.state import FileStateStore, JournalEntry, ResourceState, State
from reconciler.state import transfer
from reconciler.state.snapshot import decode_state, encode_state

X = Address.parse("dataiku_project.x")
Y = Address.parse("dataiku_project.y")
L1, L2 = "11111111-aaaa", "22222222-bbbb"


def rec(address: Address = X, name: str = "v1") -> ResourceState:
    return ResourceState(address, address.name.upper(), {"name": name})


@pytest.mark.parametrize(
    ("source", "current", "problem"),
    [
        pytest.param(State(L1, 5), State(L1, 5), None, id="same-serial-your-edit"),
        pytest.param(State(L1, 7), State(L1, 5), None, id="newer-serial"),
        pytest.param(State(L1, 4), State(L1, 5), "f.json is serial 4, older than state S (serial 5)",
                     id="older-serial"),
        pytest.param(State(L2, 9), State(L1, 5), f"f.json holds lineage {L2}, but state S holds "
                     f"lineage {L1} (serial 5): they are different states", id="other-lineage"),
    ],
)
def test_push_problem(source: State, current: State, problem: str | None) -> None:
    found = transfer.push_problem(source, current, origin="f.json", location="S")
    assert found == problem if problem is None else found.startswith(problem)


def _local(tmp_path: Path, name: str, state: State) -> transfer.Source:
    path = tmp_path / name
    path.write_bytes(encode_state(state))
    return transfer.load(str(path))


def test_push_into_an_empty_backend_then_pull_it_back(backend, tmp_path: Path) -> None:
    local = FileStateStore(tmp_path / "local.json")
    state = local.write(local.write(State.empty().with_resource(rec())).with_resource(rec(Y)))
    target = backend.open()
    pushed = transfer.push(transfer.load(str(local.path)), target)
    assert pushed.changed and not pushed.replaced_lineage
    assert (pushed.state.lineage, pushed.state.resources) == (state.lineage, state.resources)
    pulled = transfer.pull(backend.open())
    assert decode_state(pulled.data, source="pulled") == pushed.state == pulled.state
    assert target.lock_info() is None  # push released its lock


def test_push_refuses_to_lose_work_unless_forced(backend, tmp_path: Path) -> None:
    store = backend.open()
    current = store.write(State.empty().with_resource(rec()))
    current = store.write(current.with_resource(rec(Y)))
    older = _local(tmp_path, "older.json", replace(current, serial=1).without(Y))
    stranger = _local(tmp_path, "stranger.json", State.empty().with_resource(rec(Y, "theirs")))
    for source, why in ((older, "older than state"), (stranger, "they are different states")):
        with pytest.raises(StateError) as info:
            transfer.push(source, backend.open())
        assert str(info.value).startswith("refusing to push: ") and why in str(info.value)
        assert "--force" in str(info.value)
    assert backend.open().read() == current

    rolled_back = transfer.push(older, backend.open(), force=True)
    assert rolled_back.state.resources == {X: rec()} and rolled_back.state.serial == 3
    replaced = transfer.push(stranger, backend.open(), force=True)
    assert replaced.replaced_lineage and replaced.previous.lineage == current.lineage
    assert backend.open().read() == replaced.state and replaced.state.serial == 4


def test_pushing_the_same_state_writes_nothing(backend, tmp_path: Path) -> None:
    current = backend.open().write(State.empty().with_resource(rec()))
    again = transfer.push(_local(tmp_path, "same.json", current), backend.open())
    assert not again.changed and again.state == current


def test_push_takes_the_lock(backend, tmp_path: Path) -> None:
    source = _local(tmp_path, "s.json", State.empty().with_resource(rec()))
    with backend.open().lock("apply"):
        with pytest.raises(StateLockedError, match="is locked by"):
            transfer.push(source, backend.open())


def test_an_interrupted_local_apply_travels_with_the_state(backend, tmp_path: Path) -> None:
    local = FileStateStore(tmp_path / "local.json")
    lineage = local.write(State.empty().with_resource(rec(Y))).lineage
    local.record(JournalEntry.intent("create", X, lineage=lineage, natural_key="X"))  # then killed
    pushed = transfer.push(transfer.load(str(local.path)), backend.open())
    assert [(p.address, p.natural_key) for p in pushed.carried] == [(X, "X")]
    reader = backend.open()
    assert set(reader.read().resources) == {Y}
    assert [(p.address, p.action, p.natural_key) for p in reader.pending()] == [(X, "create", "X")]


def test_pull_of_an_earlier_version(pg) -> None:
    store = pg.open()
    first = store.write(State.empty().with_resource(rec()))
    store.write(first.with_resource(rec(Y)))
    assert transfer.pull(pg.open(), serial=1).state == first


def test_a_local_state_has_no_versions_to_pull(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="keeps no history"):
        transfer.pull(FileStateStore(tmp_path / "s.json"), serial=1)


def test_pushing_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="does not exist"):
        transfer.load(str(tmp_path / "nope.json"))


# -- through the CLI ---------------------------------------------------------------------------


@pytest.fixture
def cli(capsys, monkeypatch):
    """``reconciler ...`` in-process (the ``state`` group loads pull/push when they are named)."""

    def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_state_pull_prints_or_writes_the_state(backend, cli, tmp_path: Path) -> None:
    written = backend.open().write(State.empty().with_resource(rec()))
    code, out, err = cli("--state", backend.location, "state", "pull")
    assert (code, err) == (0, "")
    assert out.encode() == encode_state(written)
    target = tmp_path / "exports" / "pulled.json"
    code, out, err = cli("--state", backend.location, "state", "pull", "--to", str(target))
    assert code == 0 and out == "" and f"serial 1, 1 resources) to {target}" in err
    assert target.read_bytes() == encode_state(written)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_state_push_moves_a_local_state_to_the_backend(backend, cli, tmp_path: Path) -> None:
    local = tmp_path / "local" / "default.json"
    assert cli("--state", str(local), "state", "push", "-", stdin=b"{}")[0] == 1  # not a state
    state = FileStateStore(local).write(State.empty().with_resource(rec()))
    code, out, err = cli("--state", backend.location, "state", "push", str(local))
    assert code == 0, err
    assert out == (f"Pushed {local} to {backend.open().location}: lineage {state.lineage}, "
                   "serial 0 -> 1, 1 resources.\n")
    assert backend.open().read() == state
    code, out, _ = cli("--state", backend.location, "state", "push", str(local))
    assert code == 0 and "already holds this state (serial 1); nothing to write" in out


def test_state_push_refusal_and_force_through_the_cli(backend, cli, tmp_path: Path) -> None:
    backend.open().write(State.empty().with_resource(rec()))
    stranger = encode_state(State(L2, 3, {Y: rec(Y)}))
    code, out, err = cli("--state", backend.location, "state", "push", "-", stdin=stranger)
    assert code == 1 and out == ""
    assert err.startswith("Error: refusing to push: <stdin> holds lineage 22222222-bbbb")
    assert "Traceback" not in err
    code, out, err = cli("--state", backend.location, "state", "push", "--force", "-", stdin=stranger)
    assert code == 0 and "Warning: replaced state lineage" in err
    assert json.loads(cli("--state", backend.location, "state", "pull")[1])["lineage"] == L2


def test_state_pull_of_nothing_warns(cli, tmp_path: Path) -> None:
    code, out, err = cli("--state", str(tmp_path / "typo.json"), "state", "pull")
    assert code == 0 and json.loads(out)["serial"] == 0
    assert "holds nothing yet" in err
