"""The adaptive budget: halves on throttling, creeps back on success, never exceeds its limit."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from reconciler.providers.budget import AdaptiveBudget
from reconciler.providers.http import HttpClient


def test_halves_on_throttle_and_recovers_additively():
    budget = AdaptiveBudget(16)
    for expected in (8, 4, 2, 1, 1):
        budget.throttled()
        assert budget.limit == expected
    for _ in range(200):
        budget.succeeded()
    assert budget.limit == 16


def test_holders_never_exceed_the_current_limit():
    budget = AdaptiveBudget(3)
    active, peak, lock = [0], [0], threading.Lock()

    def work():
        with budget.slot():
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            time.sleep(0.002)
            with lock:
                active[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 3 == budget.peak


@pytest.mark.parametrize("bad", [0, -1])
def test_rejects_a_nonsense_ceiling(bad):
    with pytest.raises(ValueError):
        AdaptiveBudget(bad)


def test_http_client_backs_off_its_budget_on_429():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) <= 3:
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"message": "slow down"})
        return httpx.Response(200, json={"ok": True})

    client = HttpClient(provider="p", base_url="http://x", transport=httpx.MockTransport(handler),
                        concurrency=8, sleep=lambda s: None)
    assert client.json("GET", "/a") == {"ok": True}
    assert client.budget.limit == 2  # 8 -> 4 -> 2 -> 1, then one success creeps up by 1/1
    assert client.stats["throttled"] == 3


def test_cap_lowers_the_ceiling_and_never_raises_it():
    budget = AdaptiveBudget(8)
    budget.cap(3)
    assert (budget.ceiling, budget.limit) == (3, 3)
    budget.cap(20)
    assert budget.ceiling == 3
    for _ in range(50):
        budget.succeeded()
    assert budget.limit == 3


def test_parallelism_caps_every_provider_budget():
    from reconciler.addresses import Address
    from reconciler.providers.registry import PROVIDERS
    from reconciler.sandbox import Sandbox
    from reconciler.sessions import open_sessions
    from reconciler.testing import SANDBOX_BASE_URL

    sandbox = Sandbox()
    addresses = [Address("semantic_model", "a"), Address("dataiku_project", "p")]
    transports = {name: sandbox.transport() for name in ("semantic", "dataiku")}
    with open_sessions(addresses, None, PROVIDERS, sandbox.env(SANDBOX_BASE_URL), transports, parallelism=2) as s:
        budgets = [s.session(name).http.budget for name in ("semantic", "dataiku")]
        assert [b.ceiling for b in budgets] == [2, 2]
    with open_sessions(addresses, None, PROVIDERS, sandbox.env(SANDBOX_BASE_URL), transports, parallelism=50) as s:
        assert [s.session(n).http.budget.ceiling for n in ("semantic", "dataiku")] == [8, 8]


def _waiter(budget: AdaptiveBudget, order: list, name: str, hold: threading.Event):
    def run():
        with budget.slot():
            order.append(name)
            hold.wait(5)
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _until(predicate, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.001)


def test_two_slots_freed_at_once_go_to_two_waiters():
    budget, order = AdaptiveBudget(2), []
    first, second, rest = threading.Event(), threading.Event(), threading.Event()
    holders = [_waiter(budget, order, "a", first), _waiter(budget, order, "b", second)]
    _until(lambda: len(order) == 2)
    waiters = [_waiter(budget, order, "c", rest), _waiter(budget, order, "d", rest)]
    time.sleep(0.02)
    assert len(order) == 2  # both wait: no slot is free
    first.set()
    second.set()
    _until(lambda: len(order) == 4)  # no lost wake-up: both freed slots are taken
    assert sorted(order[2:]) == ["c", "d"]
    rest.set()
    for t in holders + waiters:
        t.join(5)
