"""The DAG bundle: deterministic content hash and tarball, which files count, path resolution."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from reconciler.providers.astro import bundle
from tests.providers.astro.conftest import make_dags


def test_hash_ignores_mtimes_and_listing_order(tmp_path):
    a = make_dags(tmp_path / "a", {"x.py": "1", "sub/y.py": "2"})
    b = make_dags(tmp_path / "b", {"sub/y.py": "2", "x.py": "1"})
    os.utime(b / "x.py", (0, 0))
    assert bundle.hash_directory(str(a)) == bundle.hash_directory(str(b))
    assert bundle.is_content_hash(bundle.hash_directory(str(a)))


@pytest.mark.parametrize("change", [
    pytest.param(lambda d: (d / "x.py").write_text("changed"), id="content"),
    pytest.param(lambda d: (d / "x.py").rename(d / "z.py"), id="rename"),
    pytest.param(lambda d: (d / "new.py").write_text(""), id="new-file"),
    pytest.param(lambda d: (d / "x.py").chmod(0o755), id="executable-bit"),
])
def test_hash_changes_with_what_airflow_would_see(tmp_path, change):
    d = make_dags(tmp_path / "d", {"x.py": "1", "sub/y.py": "2"})
    before = bundle.hash_directory(str(d))
    change(d)
    assert bundle.hash_directory(str(d)) != before


@pytest.mark.parametrize("noise", [
    pytest.param("__pycache__/x.cpython-311.pyc", id="pycache"),
    pytest.param("x.pyc", id="pyc"),
    pytest.param(".git/HEAD", id="git"),
    pytest.param(".DS_Store", id="ds-store"),
])
def test_build_noise_is_not_part_of_the_bundle(tmp_path, noise):
    d = make_dags(tmp_path / "d", {"x.py": "1"})
    before = bundle.hash_directory(str(d))
    make_dags(d, {noise: "junk"})
    assert bundle.hash_directory(str(d)) == before
    assert [f.path for f in bundle.collect(d)] == ["x.py"]


def test_tarball_is_byte_for_byte_reproducible_and_normalized(tmp_path):
    d = make_dags(tmp_path / "d", {"b.py": "B", "a/c.py": "C"})
    (d / "b.py").chmod(0o750)
    first = bundle.tarball(bundle.collect(d))
    os.utime(d / "b.py", (12345, 12345))
    assert bundle.tarball(bundle.collect(d)) == first
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == ["a/c.py", "b.py"]
        assert {(m.mtime, m.uid, m.gid, oct(m.mode)) for m in members} == {(0, 0, 0, "0o644"), (0, 0, 0, "0o755")}
        assert tar.extractfile("a/c.py").read() == b"C"


@pytest.mark.parametrize("setup, message", [
    pytest.param(lambda p: p, "does not exist", id="missing"),
    pytest.param(lambda p: (p.write_text("x"), p)[1], "is not a directory", id="a-file"),
    pytest.param(lambda p: (p.mkdir(), p)[1], "holds no files", id="empty"),
    pytest.param(lambda p: (make_dags(p, {"__pycache__/a.pyc": "x"}), p)[1], "holds no files", id="only-noise"),
])
def test_unusable_sources_are_refused(tmp_path, setup, message):
    path = setup(tmp_path / "src")
    with pytest.raises(bundle.BundleError, match=message):
        bundle.collect(path)


@pytest.mark.parametrize("source, env, expected", [
    pytest.param("dags", {"ASTRO_BUNDLE_ROOT": "/repo"}, "/repo/dags", id="relative-to-bundle-root"),
    pytest.param("/abs/dags", {"ASTRO_BUNDLE_ROOT": "/repo"}, "/abs/dags", id="absolute-kept"),
])
def test_relative_sources_resolve_against_the_bundle_root(source, env, expected):
    assert str(bundle.resolve_source(source, env)) == expected


def test_relative_sources_default_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert bundle.resolve_source("dags", {}) == tmp_path / "dags"


@pytest.mark.parametrize("value, expected", [
    pytest.param("sha256:" + "a" * 64, True, id="hash"),
    pytest.param("sha256:" + "a" * 63, False, id="short"),
    pytest.param("dags", False, id="path"),
    pytest.param(None, False, id="none"),
])
def test_is_content_hash(value, expected):
    assert bundle.is_content_hash(value) is expected
