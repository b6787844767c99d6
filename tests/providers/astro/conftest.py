"""Fixtures for the Astro provider tests: an in-process sandbox, a session, a fake clock."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from reconciler.providers.astro.sandbox import seed
from reconciler.testing import sandbox_session

ORG = seed.ORG_ID


@dataclass
class FakeClock:
    """``sleep`` advances ``now`` instead of waiting; every sleep is recorded."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@dataclass
class Astro:
    sandbox: object
    session: object
    clock: FakeClock

    @property
    def world(self):
        return self.sandbox.emulators["astro"].world

    @property
    def client(self):
        return self.session.client

    def rt(self, type_name: str):
        return self.session.resource(type_name)


@pytest.fixture
def astro() -> Astro:
    sandbox, session = sandbox_session("astro")
    clock = FakeClock()
    session.client.sleep = clock.sleep
    session.client.clock = clock.clock
    yield Astro(sandbox, session, clock)
    session.close()


def deployment_spec(**overrides) -> dict:
    spec = {"workspace": seed.PLATFORM_WORKSPACE, "name": "etl", "cloud_provider": "AWS", "region": "us-east-1",
            "astro_runtime_version": "12.1.0"}
    spec.update(overrides)
    return spec


def make_deployment(astro: Astro, **overrides) -> str:
    object_id, _ = astro.rt("astro_deployment").create(deployment_spec(**overrides))
    return object_id


def make_dags(root, files: dict[str, str]):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
