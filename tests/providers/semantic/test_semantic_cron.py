"""Cron schedules as Airflow accepts them (what ``deploy.schedule_cron`` is checked against)."""

from __future__ import annotations

import pytest

from reconciler.providers.semantic import cron


@pytest.mark.parametrize("expr", [
    pytest.param("0 6 * * *", id="daily"),
    pytest.param("*/15 * * * *", id="step"),
    pytest.param("0 0-23/2 1,15 JAN-JUN MON-FRI", id="ranges-lists-names"),
    pytest.param("0 0 * * 7", id="sunday-as-7"),
    pytest.param("@daily", id="preset"),
    pytest.param("  30 2 * * sun  ", id="lowercase-name-and-spaces"),
])
def test_valid(expr):
    assert cron.check(expr) is None


@pytest.mark.parametrize("expr, message", [
    pytest.param("0 6 * *", "expected 5 fields", id="four-fields"),
    pytest.param("60 * * * *", "minute field '60': 60 is out of range", id="minute-range"),
    pytest.param("0 24 * * *", "hour field", id="hour-range"),
    pytest.param("0 0 0 * *", "day of month field", id="day-zero"),
    pytest.param("0 0 * FOO *", "'FOO' is not a number", id="bad-name"),
    pytest.param("*/0 * * * *", "step must be at least 1", id="zero-step"),
    pytest.param("0 5-1 * * *", "runs backwards", id="backwards-range"),
    pytest.param("0 ? * * *", "cannot parse", id="quartz-syntax"),
    pytest.param("@sometimes", "unknown preset", id="bad-preset"),
])
def test_invalid(expr, message):
    assert message in cron.check(expr)
