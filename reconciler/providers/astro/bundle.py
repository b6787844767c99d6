"""DAG bundles: the content hash of a directory and its deterministic tarball.

Owns: which files a bundle holds (regular files under the directory, minus ``__pycache__``,
``.git`` and other VCS folders, ``*.pyc`` and ``.DS_Store``), the hash that identifies it, and the
tar that is uploaded. Both are deterministic: they depend only on relative paths, contents and
the executable bit, never on mtimes, owners or the order the file system lists entries in.

    hash = "sha256:" + sha256( for each file, sorted by relative POSIX path:
                               path \\0 ("x" if executable else "-") \\0 sha256(content) \\n )

Relative ``source`` paths are resolved against ``ASTRO_BUNDLE_ROOT`` when it is set, else the
current working directory (where ``reconciler`` runs: the repository root in CI).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

ROOT_ENV = "ASTRO_BUNDLE_ROOT"
HASH_PREFIX = "sha256:"
HASH_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_SKIP_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", ".venv", ".mypy_cache", ".pytest_cache"})
_SKIP_FILES = frozenset({".DS_Store"})
_SKIP_SUFFIXES = (".pyc", ".pyo")


class BundleError(ValueError):
    """The source directory cannot be read as a bundle (missing, not a directory, empty)."""


@dataclass(frozen=True)
class BundleFile:
    path: str  # relative, POSIX separators
    executable: bool
    content: bytes


def is_content_hash(value: object) -> bool:
    """True for ``sha256:<64 hex>`` (a hash, not a path)."""
    return isinstance(value, str) and bool(HASH_RE.match(value))


def resolve_source(source: str, env: Mapping[str, str] | None = None) -> Path:
    """``source`` as an absolute path (relative ones against ``ASTRO_BUNDLE_ROOT`` or the cwd)."""
    env = os.environ if env is None else env
    path = Path(source).expanduser()
    if not path.is_absolute():
        path = Path(env.get(ROOT_ENV) or os.getcwd()) / path
    return path


def collect(directory: Path) -> list[BundleFile]:
    """Every bundle file under ``directory``, sorted by relative path. Raises ``BundleError``."""
    if not directory.exists():
        raise BundleError(f"bundle directory {directory} does not exist")
    if not directory.is_dir():
        raise BundleError(f"bundle source {directory} is not a directory")
    files: list[BundleFile] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in names:
            if name in _SKIP_FILES or name.endswith(_SKIP_SUFFIXES):
                continue
            full = Path(root) / name
            try:
                mode = full.stat().st_mode
            except OSError:
                continue  # a dangling symlink
            if not stat.S_ISREG(mode):
                continue
            rel = full.relative_to(directory).as_posix()
            files.append(BundleFile(rel, bool(mode & stat.S_IXUSR), full.read_bytes()))
    if not files:
        raise BundleError(f"bundle directory {directory} holds no files")
    return sorted(files, key=lambda f: f.path)


def content_hash(files: list[BundleFile]) -> str:
    """The bundle's identity (see the module docstring)."""
    outer = hashlib.sha256()
    for f in files:
        inner = hashlib.sha256(f.content).hexdigest()
        outer.update(f"{f.path}\0{'x' if f.executable else '-'}\0{inner}\n".encode())
    return HASH_PREFIX + outer.hexdigest()


def hash_directory(source: str, env: Mapping[str, str] | None = None) -> str:
    """``content_hash(collect(resolve_source(source)))``."""
    return content_hash(collect(resolve_source(source, env)))


def tarball(files: list[BundleFile]) -> bytes:
    """An uncompressed POSIX tar of ``files``: sorted, mtime 0, owner 0:0, modes 0644/0755."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for f in files:
            info = tarfile.TarInfo(f.path)
            info.size = len(f.content)
            info.mtime = 0
            info.mode = 0o755 if f.executable else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(f.content))
    return buf.getvalue()
