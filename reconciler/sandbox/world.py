"""What every emulator's in-memory world shares: its data is one plain document, copied whole
for snapshots."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar


class World:
    """An emulator's world: ``_s``, plain JSON-like data holding ``state_keys`` (each world's own
    ``reset`` seeds it). ``snapshot`` and ``restore`` copy it whole; ``restore`` refuses a
    document that lacks something ``missing`` names."""

    platform: ClassVar[str]
    state_keys: ClassVar[tuple[str, ...]]
    _s: dict[str, Any]

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self._s)

    def restore(self, data: Mapping[str, Any]) -> None:
        missing = self.missing(data)
        if missing:
            raise ValueError(f"not a snapshot of the {self.platform} sandbox (missing {missing})")
        self._s = copy.deepcopy(dict(data))

    def missing(self, data: Mapping[str, Any]) -> list[str]:
        """What ``data`` lacks to be a snapshot of this world."""
        return [k for k in self.state_keys if k not in data]
