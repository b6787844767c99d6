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
from typing import Any, Mapping

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
