"""Durable file primitives for the local backend: atomic replace, appends, directory fsync.

Every file the state backend creates is mode 0600 (state may name internal objects; it never holds
secrets, but it is nobody else's business either). POSIX only (Linux, macOS).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_MODE = 0o600


def ensure_parent(path: Path) -> None:
    """Create ``path``'s parent directories (first write into a fresh ``state/``)."""
    path.parent.mkdir(parents=True, exist_ok=True)


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable (its entry is in the directory)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some filesystems refuse fsync on a directory; the rename is still atomic
        pass
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a regular file may take a short write)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new content.

    Writes a temp file in the same directory, fsyncs it, ``os.replace``s it over ``path`` and
    fsyncs the directory. On any failure the temp file is removed and ``path`` is untouched.
    """
    ensure_parent(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        try:
            os.fchmod(fd, FILE_MODE)
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def read_bytes(path: Path) -> bytes | None:
    """The file's content, or None when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
