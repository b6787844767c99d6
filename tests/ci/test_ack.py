"""drift-ack.yaml: loading, every problem with file:line, and what an entry covers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reconciler.addresses import Address
from reconciler.ci.ack import Ack, default_path, load_acks
from reconciler.errors import SpecError, SpecSyntaxError, SpecValidationError
from reconciler.plan.model import DiffItem

GOOD = """\
# accepted drift
acknowledged:
  - address: dataiku_project.sales
    field: description
    reason: The sales lead edits it in the UI (SALES-42)
    expires: 2026-12-31
  - address: dataiku_dataset.orders
    reason: Being migrated
    expires: 2027-01-15
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drift-ack.yaml"
    path.write_text(text)
    return path


def test_loads_entries_with_their_location(tmp_path):
    path = _write(tmp_path, GOOD)
    sales, orders = load_acks(path)
    assert sales == Ack(Address.parse("dataiku_project.sales"), "The sales lead edits it in the UI (SALES-42)",
                        date(2026, 12, 31), "description", sales.location)
    assert str(sales.location) == f"{path}:3"
    assert orders.field is None and orders.expires == date(2027, 1, 15)


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "acknowledged:\n", "acknowledged: []\n"])
def test_an_empty_file_acknowledges_nothing(tmp_path, text):
    assert load_acks(_write(tmp_path, text)) == ()


def test_a_missing_file_is_fine_unless_it_was_asked_for(tmp_path):
    assert load_acks(tmp_path / "nope.yaml") == ()
    with pytest.raises(SpecError, match="does not exist"):
        load_acks(tmp_path / "nope.yaml", required=True)


@pytest.mark.parametrize("text, line, says", [
    pytest.param("acknowledged:\n  - address: dataiku_project.sales\n    expires: 2026-12-31\n", 2,
                 "entry 1 has no 'reason'", id="no-reason"),
    pytest.param("acknowledged:\n  - address: nope\n    reason: r\n    expires: 2026-12-31\n", 2,
                 "'address' 'nope' is not an address", id="bad-address"),
    pytest.param("acknowledged:\n  - address: dataiku_project.sales\n    reason: r\n    expires: soon\n", 4,
                 "'expires' 'soon' is not a date", id="bad-date"),
    pytest.param("acknowledged:\n  - address: dataiku_project.sales\n    reason: r\n    expires: 20261231\n", 4,
                 "'expires' 20261231 is not a date", id="date-without-dashes"),
    pytest.param("acknowledged:\n  - address: dataiku_project.sales\n    reason: r\n    expires: 2026-12-31\n"
                 "    until: 2027-01-01\n", 5, "unknown key 'until'", id="unknown-key"),
    pytest.param("acknowledged:\n  - address: dataiku_project.sales\n    field: [a]\n    reason: r\n"
                 "    expires: 2026-12-31\n", 3, "'field' must be a field name", id="field-not-text"),
    pytest.param("acknowledge:\n  - address: x\n", 1, "unknown key 'acknowledge'", id="typo-top-key"),
    pytest.param("acknowledged: yes please\n", 1, "must be a list of entries", id="not-a-list"),
    pytest.param("- address: dataiku_project.sales\n", 1, "expected a mapping", id="top-level-list"),
    pytest.param("acknowledged:\n  - just text\n", 2, "entry 1 must be a mapping", id="entry-not-mapping"),
])
def test_problems_name_file_and_line(tmp_path, text, line, says):
    path = _write(tmp_path, text)
    with pytest.raises(SpecValidationError) as info:
        load_acks(path)
    assert f"{path}:{line}: " in str(info.value)
    assert says in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path):
    path = _write(tmp_path, "acknowledged:\n  - address: nope\n    reason: r\n    expires: 2026-12-31\n"
                            "  - address: dataiku_project.sales\n    expires: never\n")
    with pytest.raises(SpecValidationError) as info:
        load_acks(path)
    text = str(info.value)
    assert text.startswith(f"3 problems in {path}:")
    assert f"{path}:2: " in text and f"{path}:5: " in text and f"{path}:6: " in text


def test_yaml_that_does_not_parse_is_a_syntax_error_with_its_line(tmp_path):
    path = _write(tmp_path, "acknowledged:\n  - address: a\n   reason: [\n")
    with pytest.raises(SpecSyntaxError) as info:
        load_acks(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("specs, expected", [
    pytest.param("specs", "drift-ack.yaml", id="default"),
    pytest.param("specs/", "drift-ack.yaml", id="trailing-slash"),
    pytest.param("infra/specs", "infra/drift-ack.yaml", id="nested"),
    pytest.param("infra/main.yaml", "infra/drift-ack.yaml", id="one-file"),
])
def test_default_path_is_beside_the_specs(specs, expected):
    assert default_path(specs) == Path(expected)


SALES = Address.parse("dataiku_project.sales")


def _ack(field: str | None) -> Ack:
    return Ack(SALES, "r", date(2026, 12, 31), field)


@pytest.mark.parametrize("field, path, covered", [
    pytest.param(None, ("description",), True, id="whole-resource-covers-a-field"),
    pytest.param(None, None, True, id="whole-resource-covers-deletion"),
    pytest.param("description", ("description",), True, id="same-field"),
    pytest.param("description", None, False, id="field-does-not-cover-deletion"),
    pytest.param("variables", ("variables", "standard", "warehouse"), True, id="nested-field"),
    pytest.param("permissions", ("permissions", "[group=analysts]", "readDashboards"), True, id="keyed-list-item"),
    pytest.param("variables.standard", ("variables", "standard", "x"), True, id="dotted-field"),
    pytest.param("variables.standard", ("variables", "local"), False, id="sibling-field"),
    pytest.param("desc", ("description",), False, id="prefix-is-not-a-field"),
])
def test_covers(field, path, covered):
    item = DiffItem("change", path, "a", "b") if path is not None else None
    assert _ack(field).covers(SALES, item) is covered
    assert _ack(field).covers(Address.parse("dataiku_project.other"), item) is False


def test_an_entry_silences_through_its_expiry_day():
    ack = _ack(None)
    assert not ack.expired(date(2026, 12, 31))
    assert ack.expired(date(2027, 1, 1))
