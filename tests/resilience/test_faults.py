"""Item 1, faults (CI size): the issue's fault mix on every platform while 40 resources across
every provider are applied; see ``faults.py`` for the full-size run."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox
from tests.resilience import faults
from tests.resilience.census import check
from tests.resilience.figures import ledger
from tests.resilience.world import TOKEN, World


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> faults.Outcome:
    return faults.scenario(tmp_path_factory.mktemp("faults"), faults.CI_SIZE, seed=7)


def test_every_apply_leaves_no_duplicate_no_unknown_object_and_no_lost_entry(outcome):
    assert len(outcome.estate.providers) >= 5, outcome.estate.skipped
    assert sum(outcome.applies[0].faults.values()) > 0, "the sandbox injected no fault"
    assert outcome.invariant_failures() == []


def test_failures_are_in_the_ledger_with_their_reason(outcome):
    # which requests draw a fault depends on thread timing: a run may retry its way through every
    # one of them, so only what failed is checked (test_every_apply... checks faults were injected)
    failed = [line for a in outcome.applies for line in ledger(a.run.out) if line.outcome == "FAILED"]
    for line in failed:
        assert "->" in line.detail or "dropped" in line.detail or "connection" in line.detail, line


def test_the_apply_converges_in_one_run(outcome):
    assert outcome.first_apply_converged, [a.run.code for a in outcome.applies]


class FailLifecycle(Sandbox):
    """Answers 502 to the first ``times`` semantic POSTs whose path ends with ``suffix``; with
    ``after_effect`` the emulator handles the request first (the effect happens, the answer is lost)."""

    def __init__(self, suffix: str, times: int, *, after_effect: bool = False, **kw):
        super().__init__(**kw)
        self.suffix, self.left, self.after_effect = suffix, times, after_effect
        self.sent = 0  # matching calls (each is about one model)

    def handle(self, request):
        if request.method == "POST" and request.path.endswith(self.suffix):
            self.sent += 1
            if self.left > 0:
                self.left -= 1
                if self.after_effect:
                    super().handle(request)
                return self.emulators["semantic"].error_response(502, "Injected fault (HTTP 502)")
        return super().handle(request)


def test_a_semantic_model_whose_approval_failed_is_deployed_by_the_next_apply(tmp_path):
    sandbox = FailLifecycle("/review/batch-approve", 0, token=TOKEN, retry_after=0)
    with World(tmp_path, sandbox=sandbox) as world:
        estate = world.write_estate(2, ["semantic"])
        sandbox.left = 10**6  # every approval of the first apply fails, however many attempts it makes
        assert world.cli("apply", "--auto-approve").code == 1
        sandbox.left = 0
        rerun = world.cli("apply", "--auto-approve")
        result = check(world.census(["semantic"]), world.read_state(), estate.resources)
        assert rerun.code == 0 and result.ok
        assert result.unsettled == []


@pytest.mark.parametrize("suffix", ["/submit", "/review/batch-approve", "/deploy"])
@pytest.mark.parametrize("after_effect", [False, True], ids=["lost-request", "lost-answer"])
def test_a_lifecycle_step_whose_outcome_is_unknown_is_settled_in_the_same_apply(tmp_path, suffix, after_effect):
    sandbox = FailLifecycle(suffix, 1, after_effect=after_effect, token=TOKEN, retry_after=0)
    with World(tmp_path, sandbox=sandbox) as world:
        estate = world.write_estate(2, ["semantic"])
        run = world.cli("apply", "--auto-approve")
        result = check(world.census(["semantic"]), world.read_state(), estate.resources)
        assert run.code == 0, run.out
        assert result.ok and result.unsettled == []
        # resent only when the first one had no effect; never once it took effect
        models = sum(1 for r in estate.resources if r.startswith("semantic_model."))
        assert sandbox.sent == models + (0 if after_effect else 1)
