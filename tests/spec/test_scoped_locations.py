"""A resource's locations are a view of its document's: lookups, iteration and equality."""

from __future__ import annotations

from reconciler.errors import Location
from reconciler.spec.loader import ScopedLocations

DOC = {("resources", "a.x"): Location("f.yaml", 3), ("resources", "a.x", "name"): Location("f.yaml", 4),
       ("resources", "a.x", "tags", 0): Location("f.yaml", 6), ("resources", "a.y", "name"): Location("f.yaml", 9)}


def test_lookups_are_relative_to_the_body() -> None:
    view = ScopedLocations(DOC, ("resources", "a.x"))
    assert view[("name",)] == Location("f.yaml", 4) and view.get(("tags", 0)).line == 6
    assert view.get(("missing",)) is None and ("name",) in view and ("other",) not in view


def test_iteration_lists_only_the_body_and_equality_compares_contents() -> None:
    view = ScopedLocations(DOC, ("resources", "a.x"))
    assert sorted(view) == [("name",), ("tags", 0)] and len(view) == 2
    assert view == ScopedLocations(DOC, ("resources", "a.x"))
    assert view == {("name",): Location("f.yaml", 4), ("tags", 0): Location("f.yaml", 6)}
    assert view != ScopedLocations(DOC, ("resources", "a.y"))
