"""Secrets that flowed into a plan are masked wherever they appear, whatever characters they hold."""

from __future__ import annotations

from reconciler.addresses import Address
from reconciler.plan.model import SENSITIVE_MASK, Action, Change, DiffItem, Drift, Plan
from reconciler.secrets import redact_plan, values_text

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


def test_texts_made_earlier_are_used_only_for_the_very_change_they_were_made_of() -> None:
    secret = "s3cr3t-value"
    leaking = Change(A, Action.UPDATE, "differs", before={"x": f"has {secret}"}, after={"x": "public"})
    earlier = Change(A, Action.UPDATE, "differs", before={"x": "public"}, after={"x": "public"})
    plan = Plan(changes=(leaking,))
    # a text of another change object (decided on another observation) is not trusted
    out = redact_plan(plan, frozenset({secret}), {A: (earlier, values_text(earlier))})
    assert secret not in repr(out) and out.changes[0].before == {"x": f"has {SENSITIVE_MASK}"}
    # the change's own text is (here it claims no secret, so nothing is masked: it was used)
    assert redact_plan(plan, frozenset({secret}), {A: (leaking, values_text(earlier))}) is plan


def test_an_unchanged_object_holding_a_secret_is_masked_too() -> None:
    secret = "s3cr3t-value"
    same = {"url": f"https://u:{secret}@h", "n": 1}
    change = Change(A, Action.NOOP, "up to date", before=dict(same), after=dict(same))
    assert secret in values_text(change)  # before and after alike: one of them is serialized
    out = redact_plan(Plan(changes=(change,)), frozenset({secret}), {A: (change, values_text(change))})
    assert secret not in repr(out) and out.changes[0].before == out.changes[0].after
