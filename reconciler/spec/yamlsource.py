"""Reading one YAML spec file into plain data plus a ``file:line`` for every node.

Owns: parsing, scalar typing, duplicate-key detection, syntax errors. It knows nothing of
resources, variables or interpolation.

Scalars follow the YAML 1.2 core schema, not PyYAML's YAML 1.1 defaults: only ``true`` /
``false`` are booleans (``no``, ``on``, ``NO`` stay strings), ``012`` is twelve, ``12:30`` and
``2024-01-01`` stay strings. Mapping keys are kept as the text the user wrote.

Two readers give the same result: ``blockyaml`` (the common subset of block YAML, without
PyYAML) and ``libyaml`` (everything else, through PyYAML's libyaml parser).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.errors import Location, SpecValidationError
from reconciler.spec.blockyaml import parse_block

Path = tuple[Any, ...]


@dataclass(frozen=True)
class Document:
    """One parsed file: ``data`` (plain dicts/lists/scalars) and where each node came from.

    ``locations`` maps a path from the document root (mapping keys and list indexes) to the
    line of the mapping key (for mapping entries) or of the item (for list items).
    """

    file: str
    data: Any
    locations: dict[Path, Location]

    def location_of(self, path: Path) -> Location:
        """The location of ``path``, or of its nearest recorded ancestor."""
        for end in range(len(path), -1, -1):
            loc = self.locations.get(tuple(path[:end]))
            if loc is not None:
                return loc
        return Location(self.file, 1)


#: at most this many values reached through aliases in one document
MAX_ALIAS_VALUES = 100_000
#: at most this deep
MAX_DEPTH = 200


def parse_document(file: str, text: str) -> tuple[Document, list[SpecValidationError]]:
    """Parse ``text`` (the content of ``file``).

    Raises ``SpecSyntaxError`` (with ``file:line:column``) when it is not YAML. Returns the
    document and the non-fatal problems found (a key repeated in one mapping: the last wins).
    The common subset of block YAML is read by ``blockyaml``; anything else (and every syntax
    error) by PyYAML's libyaml parser, in ``libyaml`` (imported only then).
    """
    fast = parse_block(file, text)  # None: not in the subset
    if fast is not None:
        return Document(file, fast[0], fast[1]), fast[2]
    from reconciler.spec import libyaml

    return libyaml.parse_document(file, text)
