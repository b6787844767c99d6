"""Fixtures for the Lightdash provider tests: an in-process sandbox session and the seeded ids."""

from __future__ import annotations

import pytest

from reconciler.providers.lightdash.sandbox import seed
from reconciler.testing import sandbox_session

PROJECT = seed.PROJECT_UUID
ORG = seed.ORG_UUID
SHARED = seed.SHARED_SPACE_UUID


@pytest.fixture
def sandbox_and_session():
    sandbox, session = sandbox_session(provider="lightdash")
    yield sandbox, session
    session.close()


@pytest.fixture
def session(sandbox_and_session):
    return sandbox_and_session[1]


@pytest.fixture
def sandbox(sandbox_and_session):
    return sandbox_and_session[0]


@pytest.fixture
def world(sandbox):
    """The emulator's world (for arranging a scene or checking one without going through HTTP)."""
    return sandbox.emulators["lightdash"].world


@pytest.fixture
def client(session):
    return session.client
