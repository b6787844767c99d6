"""Package attributes imported on first use (PEP 562), so that importing a package loads only
what its importer goes on to name.

    __getattr__, __dir__ = lazy_attributes(__name__, {"Workspace": "reconciler.workspace", ...})
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable, Mapping


def load(where: str) -> Any:
    """The attribute ``where`` names as ``"module:attribute"``, its module imported now."""
    module, _, attr = where.partition(":")
    return getattr(importlib.import_module(module), attr)


def lazy_attributes(package: str, where: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package``: ``where`` maps each attribute
    name to the module that defines it (a name starting with ``.`` is relative to ``package``).
    An attribute, once imported, is kept in the package's namespace."""
    where = dict(where)

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__
