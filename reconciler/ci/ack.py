"""``drift-ack.yaml``: drift a team knows about and accepts for a while.

An entry silences the drift *alarm* for one resource (or one field of it, and everything under
that field) until its ``expires`` date has passed; it never changes what ``plan`` or ``apply``
would do. The file sits next to the specs directory (``specs/`` -> ``drift-ack.yaml``), never
inside it, because every YAML file in the specs directory is a spec file::

    acknowledged:
      - address: dataiku_project.sales
        field: description            # optional: without it, the whole resource
        reason: The sales lead edits it in the UI while SALES-42 is open
        expires: 2026-12-31           # the last day it silences

Owns loading and validating the file (every problem at once, each with ``file:line``, through
the spec loader's YAML reader) and what one entry covers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reconciler.addresses import Address
from reconciler.errors import Location, SpecError, SpecValidationError
from reconciler.plan.model import DiffItem
from reconciler.spec.yamlsource import Document, parse_document

FILE_NAME = "drift-ack.yaml"
TOP_KEY = "acknowledged"
KEYS = ("address", "field", "reason", "expires")


@dataclass(frozen=True)
class Ack:
    """One accepted drift. ``field`` None: the whole resource (also when it was deleted)."""

    address: Address
    reason: str
    expires: date
    field: str | None = None
    location: Location | None = None

    def expired(self, today: date) -> bool:
        """An entry silences through its ``expires`` day and alarms again the day after."""
        return today > self.expires

    def covers(self, address: Address, item: DiffItem | None) -> bool:
        """Does this entry cover ``item`` of ``address`` (``item`` None: the object as a whole)?"""
        if address != self.address:
            return False
        if self.field is None:
            return True
        if item is None:
            return False
        path = item.path_str()
        return path == self.field or path.startswith(self.field + ".") or path.startswith(self.field + "[")

    @property
    def target(self) -> str:
        return f"{self.address}" + (f" {self.field}" if self.field else "")

    def to_json(self) -> dict[str, Any]:
        return {"address": str(self.address), "field": self.field, "reason": self.reason,
                "expires": self.expires.isoformat(), "location": str(self.location) if self.location else None}


def default_path(specs_path: str | os.PathLike) -> Path:
    """``drift-ack.yaml`` beside the specs directory (or beside the spec file)."""
    return Path(os.path.normpath(specs_path)).parent / FILE_NAME


def load_acks(path: str | os.PathLike, *, required: bool = False) -> tuple[Ack, ...]:
    """The entries of ``path``; none if it does not exist (unless ``required``).

    Raises ``SpecSyntaxError`` for YAML that does not parse and ``SpecValidationError`` listing
    every problem, each as ``file:line: ...``.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise SpecError(f"acknowledged-drift file {file} does not exist",
                            hint=f"create it (see docs/ci.md) or leave out --ack to use {FILE_NAME} "
                                 "beside the specs directory") from None
        return ()
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError(f"cannot read acknowledged-drift file {file}: {err}") from None
    doc, problems = parse_document(file, text)
    errors: list[SpecValidationError] = list(problems)
    acks = _entries(doc, errors)
    _raise(errors, file)
    return tuple(acks)


def _entries(doc: Document, errors: list[SpecValidationError]) -> list[Ack]:
    def err(path: tuple, message: str, hint: str | None = None) -> None:
        errors.append(SpecValidationError(message, location=doc.location_of(path), hint=hint))

    data = doc.data
    if data is None:
        return []
    if not isinstance(data, dict):
        err((), f"expected a mapping with the key '{TOP_KEY}', got {_kind(data)}")
        return []
    for key in data:
        if key != TOP_KEY:
            err((key,), f"unknown key '{key}'", hint=f"the only top-level key is '{TOP_KEY}'")
    entries = data.get(TOP_KEY)
    if entries is None:
        return []
    if not isinstance(entries, list):
        err((TOP_KEY,), f"'{TOP_KEY}' must be a list of entries, got {_kind(entries)}")
        return []
    acks = []
    for index, entry in enumerate(entries):
        here = (TOP_KEY, index)
        if not isinstance(entry, dict):
            err(here, f"entry {index + 1} must be a mapping with {', '.join(KEYS)}, got {_kind(entry)}")
            continue
        before = len(errors)
        for key in entry:
            if key not in KEYS:
                err(here + (key,), f"unknown key '{key}'", hint=f"allowed: {', '.join(KEYS)}")
        for key in ("address", "reason", "expires"):
            if key not in entry or entry[key] in (None, ""):
                err(here, f"entry {index + 1} has no '{key}'", hint=_HINTS[key])
        address = _address(entry.get("address"), here + ("address",), err)
        expires = _date(entry.get("expires"), here + ("expires",), err)
        field = entry.get("field")
        if field is not None and (not isinstance(field, str) or not field.strip()):
            err(here + ("field",), "'field' must be a field name such as description or variables.standard",
                hint="leave it out to acknowledge the whole resource")
        reason = entry.get("reason")
        if reason not in (None, "") and not isinstance(reason, str):
            err(here + ("reason",), f"'reason' must be text, got {_kind(reason)}")
        if len(errors) == before and address is not None and expires is not None:
            acks.append(Ack(address, str(reason).strip(), expires, field.strip() if field else None,
                            doc.location_of(here)))
    return acks


_HINTS = {
    "address": "the drifted resource, as TYPE.NAME (e.g. dataiku_project.sales)",
    "reason": "say why this drift is accepted, so that whoever reads the report knows",
    "expires": "the last day this entry silences the alarm, as YYYY-MM-DD",
}


def _address(value: Any, path: tuple, err) -> Address | None:
    if value in (None, ""):
        return None
    try:
        return Address.parse(str(value))
    except ValueError as exc:
        err(path, f"'address' {value!r} is not an address: {exc}", hint=_HINTS["address"])
        return None


def _date(value: Any, path: tuple, err) -> date | None:
    if value in (None, ""):
        return None
    text = str(value)
    try:
        if len(text) != 10:  # fromisoformat also takes 20261231 and 2026-W52-4
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        err(path, f"'expires' {value!r} is not a date", hint=_HINTS["expires"])
        return None


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)


def _raise(errors: list[SpecValidationError], file: str) -> None:
    if not errors:
        return
    errors.sort(key=lambda e: (e.location.line, e.location.column) if e.location else (0, 0))
    if len(errors) == 1:
        raise errors[0]
    combined = SpecValidationError(f"{len(errors)} problems in {file}:\n" + "\n".join(str(e) for e in errors))
    combined.location = errors[0].location
    combined.errors = errors  # type: ignore[attr-defined]
    raise combined
