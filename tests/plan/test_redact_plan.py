"""Secrets that flowed into a plan are masked wherever they appear, whatever characters they hold."""

from __future__ import annotations

from reconciler.addresses import Address
from reconciler.plan.model import SENSITIVE_MASK, Action, Change, DiffItem, Drift, Plan
from reconciler.secrets import redact_plan

A = Address("dataiku_project", "a")


def test_a_plan_without_any_secret_is_returned_as_it_is() -> None:
    plan = Plan(changes=(Change(A, Action.NOOP, "up to date", before={"x": "public"}, after={"x": "public"}),))
    assert redact_plan(plan, frozenset({"s3cr3t-value"})) is plan


def test_secrets_with_quotes_backslashes_and_non_ascii_are_masked_in_changes_and_drift() -> None:
    secrets = frozenset({'pä"ss\\wörd', "tab\there"})
    change = Change(A, Action.UPDATE, "differs", before={"url": 'https://u:pä"ss\\wörd@h'},
                    after={"url": "x tab\there y"}, diff=(DiffItem("change", ("url",), 'pä"ss\\wörd', "tab\there"),))
    drift = Drift(A, "changed", (DiffItem("change", ("url",), "old", 'pä"ss\\wörd'),))
    out = redact_plan(Plan(changes=(change,), drift=(drift,)), secrets)
    text = repr(out)
    assert "wörd" not in text and "tab\\there" not in text and "tab\there" not in text
    assert out.changes[0].before == {"url": f"https://u:{SENSITIVE_MASK}@h"}
    assert out.drift[0].diff[0].new == SENSITIVE_MASK


def test_an_unchanged_object_holding_a_secret_is_masked_too() -> None:
    secret = "s3cr3t-value"
    same = {"url": f"https://u:{secret}@h", "n": 1}
    change = Change(A, Action.NOOP, "up to date", before=dict(same), after=dict(same))
    out = redact_plan(Plan(changes=(change,)), frozenset({secret}))
    assert secret not in repr(out) and out.changes[0].before == out.changes[0].after
    assert out.changes[0].before == {"url": f"https://u:{SENSITIVE_MASK}@h", "n": 1}
