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

from reconciler.plan.model import SENSITIVE_MASK, DiffItem

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


def values_text(change: Any) -> str:
    """The before, after and diff values of ``change`` as one JSON text: what ``redact_plan``
    searches for secrets (a C-speed serialization instead of a Python walk per value). When
    before and after are equal and nothing differs (most of a plan), one of them says it all."""
    if not change.diff and change.before == change.after:
        return _TEXT.encode(change.after)
    return _TEXT.encode([change.before, change.after, [(d.old, d.new) for d in change.diff]])


#: what ``values_text`` serializes with (one encoder for every call)
_TEXT = json.JSONEncoder(default=str, ensure_ascii=False)


def redact_plan(plan: Any, secrets: frozenset[str], texts: Mapping[Any, tuple[Any, str]] | None = None) -> Any:
    """A plan whose before/after/diff values never show a secret that flowed through a reference
    (a data source's key interpolated into another resource). ``texts`` (address -> (change,
    ``values_text(change)``), made earlier) saves serializing those changes again."""
    if not secrets:
        return plan
    # each secret as it reads inside a JSON string (quotes, backslashes and control characters escaped)
    forms = {json.dumps(secret, ensure_ascii=False)[1:-1] for secret in secrets}
    texts = texts or {}

    def text_of(change: Any) -> str:
        known = texts.get(change.address)
        return known[1] if known is not None and known[0] is change else values_text(change)

    whole = "\n".join([*(text_of(c) for c in plan.changes),
                        json.dumps([[(i.old, i.new) for i in d.diff] for d in plan.drift], default=str,
                                   ensure_ascii=False)])
    if not any(form in whole for form in forms):
        return plan  # the usual case: no secret anywhere, nothing to rebuild

    changes = tuple(
        replace(c, before=redact(c.before, secrets), after=redact(c.after, secrets),
                diff=tuple(DiffItem(d.op, d.path, redact(d.old, secrets), redact(d.new, secrets)) for d in c.diff))
        if any(form in text_of(c) for form in forms) else c
        for c in plan.changes)
    drift = tuple(replace(d, diff=tuple(DiffItem(i.op, i.path, redact(i.old, secrets), redact(i.new, secrets))
                                        for i in d.diff)) for d in plan.drift)
    return replace(plan, changes=changes, drift=drift)


def sensitive_values(live: Mapping[str, Any] | None, fields: frozenset[str]) -> set[str]:
    """The secret strings a live object carries in its sensitive fields (short ones ignored)."""
    if not live:
        return set()
    return {v for k in fields if isinstance(v := live.get(k), str) and len(v) >= 4}
