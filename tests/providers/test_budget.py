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
        budgets = [s._sessions[name].client.http.budget for name in ("semantic", "dataiku")]
        assert [b.ceiling for b in budgets] == [2, 2]
    with open_sessions(addresses, None, PROVIDERS, sandbox.env(SANDBOX_BASE_URL), transports, parallelism=50) as s:
        assert [s._sessions[n].client.http.budget.ceiling for n in ("semantic", "dataiku")] == [8, 8]


def _waiter(budget: AdaptiveBudget, follow_up: bool, order: list, name: str, hold: threading.Event):
    def run():
        with budget.slot(follow_up):
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


def test_a_follow_up_takes_a_free_slot_before_new_work_that_waited_longer():
    budget, order, release = AdaptiveBudget(1), [], threading.Event()
    holder = _waiter(budget, False, order, "holder", release)
    _until(lambda: order == ["holder"])
    later = threading.Event()
    new = _waiter(budget, False, order, "new work", later)
    time.sleep(0.02)  # new work waits first
    follow = _waiter(budget, True, order, "follow-up", later)
    _until(lambda: budget._follow_ups_waiting == 1)
    release.set()
    _until(lambda: len(order) == 2)
    assert order == ["holder", "follow-up"]
    later.set()
    for t in (holder, new, follow):
        t.join(5)
    assert order == ["holder", "follow-up", "new work"]


def test_follow_ups_from_fan_out_are_marked_and_no_slot_stays_idle():
    from reconciler.providers.base import fan_out
    from reconciler.providers.budget import FOLLOW_UP

    assert fan_out(lambda i: FOLLOW_UP.get(), [1, 2, 3]) == [True, True, True]
    assert fan_out(lambda i: FOLLOW_UP.get(), [1]) == [True] and FOLLOW_UP.get() is False
    # two slots freed while one follow-up and one new work wait: both get one (no lost wake-up)
    budget, order = AdaptiveBudget(2), []
    first, second, rest = threading.Event(), threading.Event(), threading.Event()
    holders = [_waiter(budget, False, order, "a", first), _waiter(budget, False, order, "b", second)]
    _until(lambda: len(order) == 2)
    waiters = [_waiter(budget, True, order, "follow-up", rest), _waiter(budget, False, order, "new work", rest)]
    _until(lambda: budget._follow_ups_waiting == 1)
    time.sleep(0.02)
    first.set()
    second.set()
    _until(lambda: len(order) == 4)
    assert sorted(order[2:]) == ["follow-up", "new work"]
    rest.set()
    for t in holders + waiters:
        t.join(5)
