"""The snapshot format: golden files, stable bytes, corrupt files refused, format upgrades."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.addresses import Address
from reconciler.errors import StateCorruptError
from reconciler.state import FileStateStore, ResourceState, State
from reconciler.state.snapshot import UPGRADES, decode_state, encode_state, upgrade

GOLDEN = Path(__file__).parent / "golden"
SALES = Address.parse("dataiku_project.sales")


def test_golden_state_round_trips_through_the_model() -> None:
    raw = (GOLDEN / "three_resources.json").read_bytes()
    state = decode_state(raw, source="golden")
    assert len(state.resources) == 3
    assert state.serial == 7
    assert state.to_json() == json.loads(raw)
    assert State.from_json(state.to_json()) == state
    assert encode_state(state) == raw


def test_golden_state_is_rewritten_byte_for_byte_without_a_serial_bump(tmp_path: Path) -> None:
    path = tmp_path / "default.json"
    shutil.copy(GOLDEN / "three_resources.json", path)
    store = FileStateStore(path)

    written = store.write(store.read())

    assert written.serial == 7
    assert path.read_bytes() == (GOLDEN / "three_resources.json").read_bytes()


def test_golden_state_after_a_change_bumps_the_serial_once(tmp_path: Path) -> None:
    path = tmp_path / "default.json"
    shutil.copy(GOLDEN / "three_resources.json", path)
    store = FileStateStore(path)
    state = store.read()
    project = state.resources[SALES]
    changed = state.with_resource(replace(project, attrs={**project.attrs,
                                                          "tags": ["finance", "prod", "q3"]}))

    assert store.write(changed).serial == 8
    assert path.read_bytes() == (GOLDEN / "three_resources_updated.json").read_bytes()
    assert store.backup_path.read_bytes() == (GOLDEN / "three_resources.json").read_bytes()


def test_encoding_does_not_depend_on_insertion_order() -> None:
    a, b = Address.parse("dataiku_project.a"), Address.parse("dataiku_project.b")
    one = State("l", 1, {a: ResourceState(a, "A", {"x": 1, "y": 2}), b: ResourceState(b, "B")})
    two = State("l", 1, {b: ResourceState(b, "B"), a: ResourceState(a, "A", {"y": 2, "x": 1})})
    assert encode_state(one) == encode_state(two)
    assert encode_state(one).endswith(b"}\n")


GOOD = json.loads((GOLDEN / "three_resources.json").read_text())


def _with(**changes: object) -> bytes:
    data = {**GOOD, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        pytest.param(b"{not json", "Expecting property name", id="not-json"),
        pytest.param(b"", "Expecting value", id="empty-file"),
        pytest.param(b"[1, 2]", "expected a JSON object", id="not-an-object"),
        pytest.param(b"\xff\xfe", "codec", id="not-utf8"),
        pytest.param(_with(format_version=2), "newer than this reconciler", id="newer-format"),
        pytest.param(_with(format_version=0), "not a known format", id="unknown-old-format"),
        pytest.param(_with(format_version="1"), "expected an integer", id="format-as-string"),
        pytest.param(_with(format_version=...), "format_version is None", id="no-format"),
        pytest.param(_with(lineage=...), "lineage is missing", id="no-lineage"),
        pytest.param(_with(serial=-1), "non-negative", id="negative-serial"),
        pytest.param(_with(resources={}), "resources is not a list", id="resources-not-list"),
        pytest.param(_with(resources=[{"address": "nope", "id": "x"}]), "not a resource address",
                     id="bad-address"),
        pytest.param(_with(resources=[{"address": "dataiku_project.a"}]), "missing key 'id'",
                     id="resource-without-id"),
    ],
)
def test_unreadable_snapshots_are_refused_naming_the_file_and_the_fix(raw: bytes,
                                                                       detail: str) -> None:
    with pytest.raises(StateCorruptError) as info:
        decode_state(raw, source="state/prod.json")
    message = str(info.value)
    assert message.startswith("state file state/prod.json is not a valid state")
    assert detail in message
    assert "state/prod.json.backup" in message


def test_store_refuses_to_read_or_overwrite_a_corrupt_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "default.json"
    path.write_text("{oops")
    store = FileStateStore(path)
    with pytest.raises(StateCorruptError):
        store.read()
    with pytest.raises(StateCorruptError):
        store.write(State.empty())
    assert path.read_text() == "{oops"


def test_format_1_passes_through_the_upgrade_table_unchanged() -> None:
    assert UPGRADES == {}
    assert upgrade(dict(GOOD)) == GOOD


def test_upgrades_are_applied_step_by_step_from_the_table() -> None:
    def rename_objects(doc: dict) -> dict:
        doc = dict(doc)
        doc["resources"] = doc.pop("objects")
        return doc

    steps = {0: rename_objects, 1: lambda doc: {**doc, "lineage": doc["lineage"].upper()}}
    old = {"format_version": 0, "lineage": "abc", "serial": 1, "objects": []}
    assert upgrade(old, steps=steps, current=2) == {
        "format_version": 2, "lineage": "ABC", "serial": 1, "resources": []}


def test_a_version_with_no_upgrade_step_is_refused() -> None:
    with pytest.raises(ValueError, match="format_version 0 is not a known format"):
        upgrade({"format_version": 0}, steps={}, current=1)


def test_a_snapshot_in_the_earlier_indented_layout_reads_the_same_and_is_rewritten_in_the_current_one(
        tmp_path: Path) -> None:
    """Files written before the one-field-per-line layout (``json.dumps(indent=2)``) are the same
    JSON: they read as the same state, and the next write lays them out anew without a serial bump."""
    old = (GOLDEN / "three_resources_indented.json").read_bytes()
    assert decode_state(old, source="old") == decode_state((GOLDEN / "three_resources.json").read_bytes(), source="new")
    path = tmp_path / "default.json"
    path.write_bytes(old)
    store = FileStateStore(path)
    assert store.write(store.read()).serial == 7
    assert path.read_bytes() == (GOLDEN / "three_resources.json").read_bytes()


def test_each_resource_field_is_one_line() -> None:
    raw = (GOLDEN / "three_resources.json").read_bytes().decode()
    lines = raw.splitlines()
    assert lines[0] == "{" and lines[-1] == "}" and raw.endswith("}\n")
    attrs = [line for line in lines if line.startswith('      "attrs": ')]
    assert len(attrs) == 3 and all(line.endswith(",") for line in attrs)


def test_a_resource_read_back_has_every_field_equal_and_set() -> None:
    """``ResourceState.from_json`` builds without ``__init__``: every field must still be set
    (a field added to the class and forgotten there fails here), with the same values."""
    from dataclasses import fields

    a, b = Address.parse("dataiku_project.a"), Address.parse("dataiku_dataset.b")
    full = ResourceState(a, "A", {"x": [1, {"y": 2}]}, {"id": "A", "url": "u"}, "fp", (b,),
                         prevent_destroy=True, protected=True, allow_destroy=True)
    for original in (full, ResourceState(b, "B")):
        back = ResourceState.from_json(json.loads(json.dumps(original.to_json())))
        assert back == original and vars(back).keys() == {f.name for f in fields(ResourceState)}
        assert hash(back.address) == hash(original.address) and back.dependencies == original.dependencies
