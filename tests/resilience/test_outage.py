"""Item 2, outage (CI size): DataRobot answers 503 to everything; see ``outage.py``."""

from __future__ import annotations

import pytest

from tests.resilience import outage


@pytest.fixture(scope="module")
def during(tmp_path_factory) -> outage.Outcome:
    return outage.scenario(tmp_path_factory.mktemp("outage-during"), outage.CI_SIZE, "during")


@pytest.fixture(scope="module")
def before(tmp_path_factory) -> outage.Outcome:
    return outage.scenario(tmp_path_factory.mktemp("outage-before"), outage.CI_SIZE, "before")


def test_outage_during_the_apply_applies_the_others_and_fails_the_platform_with_its_reason(during):
    assert during.by_provider()[outage.PLATFORM]["FAILED"] >= 1
    assert during.failures() == []


def test_outage_before_the_apply_exits_1_naming_the_platform_and_writes_nothing_there(before):
    assert before.down.code == 1
    assert "Traceback" not in before.down.text
    assert outage.PLATFORM in before.down.text and "503" in before.down.text
    assert before.writes_while_down.get(outage.PLATFORM, 0) == 0
    assert not (before.after_down.duplicates or before.after_down.unknown or before.after_down.lost)


def test_after_recovery_the_next_apply_converges(before):
    assert before.recovered.code == 0, before.recovered.err[-2000:]
    assert before.final.ok, before.final.problems()
    assert before.final_plan.code == 0


def test_outage_before_the_apply_still_applies_the_other_providers(before):
    assert before.failures() == []
