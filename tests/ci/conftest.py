"""Fixtures for the CI tests: the fake GitHub (in-process transport, or served on loopback)."""

from __future__ import annotations

import pytest

from reconciler.ci.github import GitHub
from tests.ci.fake_github import TOKEN, FakeGitHub, github  # noqa: F401 - the served fixture

API = "https://api.github.test"


@pytest.fixture
def fake() -> FakeGitHub:
    return FakeGitHub()


@pytest.fixture
def gh(fake):
    """A client for the fake, through an in-process transport (no socket)."""
    with GitHub(TOKEN, api_url=API, transport=fake.transport(API), sleep=lambda s: None) as client:
        yield client
