"""The sandbox world on disk: one JSON file, written atomically, re-read when another process
changed it.

File format: ``{"format_version": 1, "emulators": {"<platform>": <emulator snapshot>}}``.
Writes go to a temp file in the same directory and are renamed over the target, so a reader
never sees half a file. ``changed_on_disk`` compares (inode, mtime, size) with what this
process last read or wrote, so separate processes sharing the file see one world.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1


class WorldFile:
    """Load and save the sandbox world at ``path``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._seen: tuple[int, int, int] | None = None

    def _fingerprint(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def changed_on_disk(self) -> bool:
        """True when the file exists and differs from what this process last read or wrote."""
        current = self._fingerprint()
        return current is not None and current != self._seen

    def load(self) -> dict[str, Any] | None:
        """The per-platform snapshots, or ``None`` when there is no file yet.

        Raises ``ValueError`` for a file that is not a sandbox world."""
        fingerprint = self._fingerprint()  # before reading: a later change is then noticed
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{self.path} is not a sandbox world file (format_version {FORMAT_VERSION})")
        self._seen = fingerprint
        emulators = data.get("emulators", {})
        if not isinstance(emulators, dict):
            raise ValueError(f"{self.path}: 'emulators' must be an object")
        return emulators

    def save(self, snapshots: dict[str, Any]) -> None:
        """Write atomically (temp file in the same directory, then rename)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"format_version": FORMAT_VERSION, "emulators": snapshots}, sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        self._seen = self._fingerprint()
