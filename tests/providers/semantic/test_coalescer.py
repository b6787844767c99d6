"""The batch-approve coalescer: callers arriving together share calls; none waits for company."""

from __future__ import annotations

import threading
import time

import pytest

from reconciler.coalesce import Coalescer


class Recorder:
    def __init__(self, delay: float = 0.02, fail: BaseException | None = None) -> None:
        self.calls: list[list[int]] = []
        self.delay = delay
        self.fail = fail
        self.lock = threading.Lock()

    def __call__(self, items: list[int]) -> list[int]:
        with self.lock:
            self.calls.append(list(items))
        time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        return [i * 10 for i in items]


def run_together(coalescer: Coalescer, items: list[int]) -> dict[int, object]:
    out: dict[int, object] = {}
    barrier = threading.Barrier(len(items))

    def one(i: int) -> None:
        barrier.wait()
        try:
            out[i] = coalescer.call(i)
        except Exception as exc:  # noqa: BLE001 - recorded for the assertion
            out[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return out


def test_a_lone_caller_sends_at_once() -> None:
    send = Recorder()
    start = time.monotonic()
    assert Coalescer(send, 10).call(3) == 30
    assert send.calls == [[3]] and time.monotonic() - start < 0.5


def test_callers_arriving_together_share_calls_and_each_gets_its_answer() -> None:
    send = Recorder()
    out = run_together(Coalescer(send, 100), list(range(40)))
    assert out == {i: i * 10 for i in range(40)}
    assert sorted(i for call in send.calls for i in call) == list(range(40))  # each item sent once
    assert len(send.calls) <= 3  # the first alone (or a few), then everyone who queued meanwhile


def test_batches_respect_the_limit() -> None:
    send = Recorder()
    out = run_together(Coalescer(send, 5), list(range(23)))
    assert out == {i: i * 10 for i in range(23)}
    assert max(len(c) for c in send.calls) <= 5


def test_a_failed_call_fails_every_caller_of_its_batch_and_only_them() -> None:
    boom = RuntimeError("batch failed")
    send = Recorder(fail=boom)
    out = run_together(Coalescer(send, 100), list(range(8)))
    assert all(v is boom for v in out.values())
    send.fail = None
    assert Coalescer(send, 100).call(1) == 10  # a new call is unaffected


def test_a_wrong_number_of_answers_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="answered 0 of 1"):
        Coalescer(lambda items: [], 10).call(1)


def test_concurrent_approvals_through_the_client_share_batch_approve_calls(semantic) -> None:
    """Against the sandbox: each model gets its own verdict from a shared call; one that is not
    pending review fails alone."""
    from reconciler.providers.semantic.resources.model import CONTENT
    from tests.providers.semantic.conftest import model_spec

    client = semantic.client
    ids = [client.create_model({CONTENT[k]: v for k, v in model_spec(name=f"m{i}").items()})["id"]
           for i in range(12)]
    for model_id in ids[1:]:
        client.submit(model_id)
    calls = []
    send = client._approvals._send
    client._approvals._send = lambda items: (calls.append(len(items)), time.sleep(0.02), send(items))[-1]
    barrier = threading.Barrier(len(ids))
    out: dict[str, dict] = {}

    def approve(model_id: str) -> None:
        barrier.wait()
        out[model_id] = client.approve(model_id, "ok")

    threads = [threading.Thread(target=approve, args=(m,)) for m in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert out[ids[0]]["successful"] == [] and out[ids[0]]["failed"][0]["model_id"] == ids[0]
    assert all(out[m]["successful"] == [m] and out[m]["failed"] == [] for m in ids[1:])
    assert sum(calls) == len(ids) and len(calls) < len(ids)
    assert {semantic.world.get_model(m)["status"] for m in ids[1:]} == {"approved"}
