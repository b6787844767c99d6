"""Text kept in files next to the specs (recipe code, scenario scripts, wiki pages).

A ``*_file`` spec field holds a path; the text is what is compared and sent. Where the path is
relative it is resolved against the specs root: the run's ``--specs`` (``base.specs_root()``,
set by the workspace) or ``$RECONCILER_SPECS`` (its directory, or the directory holding it when
it names one file), else ``./specs``, else the working directory; the first root where the file
exists wins. Resolution happens when values are compared (``normalize``)
and when they are sent (create / update), never at load time.

A live view carries the platform's text in the ``*_file`` field as ``LiveText`` (a ``str``
subclass), so ``normalize`` knows not to treat it as a path. A file that cannot be read
normalizes to a visible placeholder (so a plan still renders and a removed block can still be
deleted); sending it raises ``SpecError``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from reconciler.errors import SpecError
from reconciler.providers.base import specs_root

ENV_SPECS = "RECONCILER_SPECS"
UNREADABLE = "(cannot read {path}: {reason})"


class LiveText(str):
    """Text read from the platform, standing in a ``*_file`` field of a live view."""

    __slots__ = ()


def roots() -> list[Path]:
    """Where relative paths are looked up, in order."""
    found: list[Path] = []
    for configured in (specs_root(), os.environ.get(ENV_SPECS)):
        if configured:
            root = Path(configured)
            found.append(root.parent if root.suffix in (".yaml", ".yml") else root)
    found.extend([Path("specs"), Path(".")])
    return found


def locate(path: str) -> Path | None:
    candidate = Path(path).expanduser()
    if candidate.is_absolute():
        return candidate if candidate.is_file() else None
    for root in roots():
        if (root / candidate).is_file():
            return root / candidate
    return None


def read_text(path: str) -> str:
    """The file's text (``\\r\\n`` read as ``\\n``); ``SpecError`` naming where it looked."""
    found = locate(path)
    if found is None:
        where = ", ".join(str(r) for r in roots())
        raise SpecError(f"file {path!r} not found (looked under: {where})",
                        hint="paths are relative to the specs directory (--specs / RECONCILER_SPECS)")
    try:
        return found.read_text(encoding="utf-8").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path!r}: {exc}") from None


def comparable(value: Any) -> Any:
    """What a ``*_file`` value compares as: live text as it is, a path as its file's text."""
    if value is None or isinstance(value, LiveText) or not isinstance(value, str):
        return value
    try:
        return read_text(value)
    except SpecError as exc:
        return UNREADABLE.format(path=value, reason=exc.args[0] if exc.args else "unknown")


def text_of(spec: dict[str, Any], inline: str, file_field: str) -> str | None:
    """The text a spec asks for: ``inline`` as given, else the file's content, else None."""
    if spec.get(inline) is not None:
        return str(spec[inline]).replace("\r\n", "\n")
    if spec.get(file_field) is not None:
        return read_text(str(spec[file_field]))
    return None
