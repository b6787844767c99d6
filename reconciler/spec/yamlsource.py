"""Reading one YAML spec file into plain data plus a ``file:line`` for every node.

Owns: parsing, scalar typing, duplicate-key detection, syntax errors. It knows nothing of
resources, variables or interpolation.

Scalars follow the YAML 1.2 core schema, not PyYAML's YAML 1.1 defaults: only ``true`` /
``false`` are booleans (``no``, ``on``, ``NO`` stay strings), ``012`` is twelve, ``12:30`` and
``2024-01-01`` stay strings. Mapping keys are kept as the text the user wrote.

Two readers give the same result: ``blockyaml`` (the common subset of block YAML, without
PyYAML) and ``libyaml`` (everything else, through PyYAML's libyaml parser). A file the first
reads gets its deeper locations only when one is asked for (``Locations``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
    locations: Mapping[Path, Location]

    def location_of(self, path: Path) -> Location:
        """The location of ``path``, or of its nearest recorded ancestor."""
        for end in range(len(path), -1, -1):
            loc = self.locations.get(tuple(path[:end]))
            if loc is not None:
                return loc
        return Location(self.file, 1)


#: the paths whose locations every spec load asks for: the top-level keys and the entries under
#: them (a resource's own key); a deeper one is asked for only to point at an error
SHALLOW = 2


class Locations(Mapping[Path, Location]):
    """The locations of a document ``blockyaml`` read: those of paths at most ``depth`` long
    (``shallow``) at once, every other one when the first is asked for (the text is read again,
    recording them all). Recording them all costs a third of reading a file, and a load that
    finds nothing wrong asks only for shallow ones."""

    __slots__ = ("_file", "_text", "_depth", "_shallow", "_all")

    def __init__(self, file: str, text: str, depth: int, shallow: dict[Path, Location]) -> None:
        self._file, self._text, self._depth, self._shallow = file, text, depth, shallow
        self._all: dict[Path, Location] | None = None

    def _everything(self) -> dict[Path, Location]:
        if self._all is None:
            fast = parse_block(self._file, self._text)  # reads what the shallow reading read
            if fast is None:  # (blockyaml declines nothing it read with a depth: a safety net)
                from reconciler.spec import libyaml

                self._all = dict(libyaml.parse_document(self._file, self._text)[0].locations)
            else:
                self._all = fast[1]
        return self._all

    def __getitem__(self, path: Path) -> Location:
        return self._shallow[path] if len(path) <= self._depth else self._everything()[path]

    def get(self, path: Path, default: Any = None) -> Any:
        return self._shallow.get(path, default) if len(path) <= self._depth else self._everything().get(path, default)

    def __contains__(self, path: object) -> bool:
        if isinstance(path, tuple) and len(path) <= self._depth:
            return path in self._shallow
        return path in self._everything()

    def __iter__(self) -> Iterator[Path]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._everything())

    def __repr__(self) -> str:
        return f"Locations({self._file!r}, {len(self._shallow)} paths at most {self._depth} long read)"


#: at most this many values reached through aliases in one document
MAX_ALIAS_VALUES = 100_000
#: at most this deep
MAX_DEPTH = 200


def parse_document(file: str, text: str) -> tuple[Document, list[SpecValidationError]]:
    """Parse ``text`` (the content of ``file``).

    Raises ``SpecSyntaxError`` (with ``file:line:column``) when it is not YAML. Returns the
    document and the non-fatal problems found (a key repeated in one mapping: the last wins).
    The common subset of block YAML is read by ``blockyaml`` (recording the ``SHALLOW``
    locations: ``Locations`` reads the others when one is asked for); anything else (and every
    syntax error) by PyYAML's libyaml parser, in ``libyaml`` (imported only then).
    """
    fast = parse_block(file, text, depth=SHALLOW)  # None: not in the subset, or a key repeated deeper
    if fast is not None:
        return Document(file, fast[0], Locations(file, text, SHALLOW, fast[1])), fast[2]
    fast = parse_block(file, text)
    if fast is not None:
        return Document(file, fast[0], fast[1]), fast[2]
    from reconciler.spec import libyaml

    return libyaml.parse_document(file, text)
