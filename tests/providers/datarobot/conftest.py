"""Shared fixtures for the DataRobot tests: an in-process sandbox with a deterministic clock."""

from __future__ import annotations

import httpx
import pytest

from reconciler.providers.datarobot.sandbox import DataRobotEmulator
from reconciler.sandbox import Sandbox

TOKEN = "dr-sandbox-token-do-not-print"
API = "http://sandbox/datarobot/api/v2"
CHURN_PROJECT = "650000000000000000000001"
HOUSE_PROJECT = "650000000000000000000002"
CHURN_XGB = "650000000000000000000101"
CHURN_GLM = "650000000000000000000102"
CHURN_RF = "650000000000000000000103"
HOUSE_XGB = "650000000000000000000201"
CHURN_XGB_PACKAGE = "650000000000000000000501"
CHURN_GLM_PACKAGE = "650000000000000000000502"
HOUSE_XGB_PACKAGE = "650000000000000000000601"
SERVER_US = "650000000000000000000a01"
SERVER_EU = "650000000000000000000a02"


class FakeClock:
    """Seconds since an epoch that move one second per reading."""

    def __init__(self) -> None:
        self.now = 1_767_225_600.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def emulator() -> DataRobotEmulator:
    return DataRobotEmulator(seed=0, clock=FakeClock())


@pytest.fixture
def sb(emulator) -> Sandbox:
    return Sandbox(token=TOKEN, emulators={"datarobot": emulator})


@pytest.fixture
def api(sb) -> httpx.Client:
    """Raw HTTP to the emulator, authenticated as the official client does (``Token``)."""
    return httpx.Client(transport=sb.transport(), base_url=API, headers={"Authorization": f"Token {TOKEN}"})


class Recorder(httpx.BaseTransport):
    """Wraps a transport and records every request as ``(method, path?query)``."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.raw_path.decode()))
        return self.inner.handle_request(request)

    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[0] not in ("GET", "HEAD")]

    def clear(self) -> None:
        self.calls.clear()


class FakeTime:
    """An injected clock and sleep for the provider's poller; ``on_sleep`` can change the world."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.on_sleep = None

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(len(self.sleeps))


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def recorder(sb) -> Recorder:
    return Recorder(sb.transport())


@pytest.fixture
def session(sb, recorder, fake_time):
    """A connected DataRobot session on the in-process sandbox, polling on fake time (60 s budget)."""
    from reconciler.providers.datarobot.waiting import Poller
    from reconciler.providers.registry import PROVIDERS
    from reconciler.providers.settings import resolve_settings

    spec = PROVIDERS["datarobot"]
    settings = resolve_settings(spec, None, sb.env("http://sandbox"))
    connected = spec.connect(settings, recorder)
    connected.client.poller = Poller(timeout=60.0, sleep=fake_time.sleep, clock=fake_time.clock)
    yield connected
    connected.close()


@pytest.fixture
def progress():
    """Collects ``ResourceType.notify`` messages of the calls made inside the test."""
    from reconciler.providers.base import progress_to, reset_progress

    messages: list[str] = []
    token = progress_to(messages.append)
    yield messages
    reset_progress(token)
