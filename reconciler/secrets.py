"""Keyed hashes of sensitive values: how state remembers a secret without storing it.

A sensitive attribute (a token, a password, a secret env var) is write-only: the platform never
returns it and reconciler never stores or prints it. State records ``hmac-sha256:<hex>`` of the
value as last applied, so a plan can tell that the value in the specs changed (rotation) without
knowing either value. The key comes from ``RECONCILER_SECRET_KEY`` when set (recommended: then
the state alone cannot be used to test guesses); otherwise it is derived from the state's
lineage, which still hides the value but lets whoever holds the state test guesses offline.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from typing import Any, Mapping

from reconciler.values import SENSITIVE_MASK, Diff, DiffItem

PREFIX = "hmac-sha256:"
ENV_KEY = "RECONCILER_SECRET_KEY"


class SecretHasher:
    """Digests and checks sensitive values with one key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def for_state(cls, lineage: str, env: Mapping[str, str]) -> "SecretHasher":
        explicit = env.get(ENV_KEY)
        if explicit:
            return cls(explicit.encode())
        return cls(hashlib.sha256(f"reconciler-state-key:{lineage}".encode()).digest())

    def digest(self, value: Any) -> str:
        canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
        return PREFIX + hmac.new(self._key, canonical.encode(), hashlib.sha256).hexdigest()

    def matches(self, value: Any, stored: Any) -> bool:
        return isinstance(stored, str) and hmac.compare_digest(self.digest(value), stored)

    def __repr__(self) -> str:
        return "SecretHasher(<key hidden>)"


def redact(value: Any, secrets: frozenset[str]) -> Any:
    """``value`` with every occurrence of a known secret replaced by the sensitive mask."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, SENSITIVE_MASK)
        return value
    if isinstance(value, dict):
        return {k: redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    if isinstance(value, tuple):
        return tuple(redact(v, secrets) for v in value)
    return value


def _redact_diff(diff: Diff, secrets: frozenset[str]) -> Diff:
    return tuple(DiffItem(d.op, d.path, redact(d.old, secrets), redact(d.new, secrets)) for d in diff)


def redact_plan(plan: Any, secrets: frozenset[str]) -> Any:
    """A plan whose before/after/diff values never show a secret that flowed through a reference
    (a data source's key interpolated into another resource); the plan itself when none does.
    A change or drift is searched in its JSON text and rebuilt only when a secret appears there."""
    if not secrets:
        return plan
    forms = {json.dumps(secret, ensure_ascii=False)[1:-1] for secret in secrets}  # as JSON writes them

    def shows(*values: Any) -> bool:
        text = json.dumps(values, default=str, ensure_ascii=False)
        return any(form in text for form in forms)

    changes = tuple(
        replace(c, before=redact(c.before, secrets), after=redact(c.after, secrets),
                diff=_redact_diff(c.diff, secrets))
        if shows(c.before, c.after, [(d.old, d.new) for d in c.diff]) else c
        for c in plan.changes)
    drift = tuple(replace(d, diff=_redact_diff(d.diff, secrets)) if shows([(i.old, i.new) for i in d.diff]) else d
                  for d in plan.drift)
    if all(a is b for a, b in zip(changes, plan.changes)) and all(a is b for a, b in zip(drift, plan.drift)):
        return plan
    return replace(plan, changes=changes, drift=drift)


def sensitive_values(live: Mapping[str, Any] | None, fields: frozenset[str]) -> set[str]:
    """The secret strings a live object carries in its sensitive fields (short ones ignored)."""
    if not live:
        return set()
    return {v for k in fields if isinstance(v := live.get(k), str) and len(v) >= 4}
