"""Opening provider sessions: one connected client per provider a run touches.

Owns: choosing which providers a run needs (types in specs ∪ state), resolving their settings
(specs' ``providers`` block, then env vars) and connecting them, before any request is made, so a
missing credential fails the run up front with no half-done work. It makes no request itself.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import httpx

from reconciler.addresses import Address
from reconciler.errors import ConfigError
from reconciler.providers.base import ProviderSpec, ResourceType, Session
from reconciler.providers.settings import resolve_settings
from reconciler.spec import SpecSet


class Sessions:
    """The connected providers of one run, by provider name. Close with ``close()`` or ``with``."""

    def __init__(self, sessions: Mapping[str, Session]) -> None:
        self._sessions = dict(sessions)
        self._types: dict[str, ResourceType] = {}  # type name -> its instance (asked for per address)

    @property
    def names(self) -> tuple[str, ...]:
        """The connected providers."""
        return tuple(sorted(self._sessions))

    def session(self, name: str) -> Session:
        return self._sessions[name]

    def resource(self, address: Address) -> ResourceType:
        rt = self._types.get(address.type)
        if rt is None:
            rt = self._types[address.type] = self._sessions[address.provider].resource(address.type)
        return rt

    def stats(self) -> dict[str, dict[str, int]]:
        """Each provider's request counters so far (``HttpClient.stats``)."""
        return {name: session.http.stats for name, session in sorted(self._sessions.items())}

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()

    def __enter__(self) -> "Sessions":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_sessions(
    addresses: Iterable[Address],
    specs: SpecSet | None,
    registry: Mapping[str, ProviderSpec],
    env: Mapping[str, str],
    transports: Mapping[str, httpx.BaseTransport] | None = None,
    *,
    parallelism: int | None = None,
) -> Sessions:
    """Connect every provider ``addresses`` need; raise ``ConfigError`` before any request.
    ``transports`` (tests: the in-process sandbox) replace the network per provider.
    ``parallelism`` (the run's ``--parallelism``) caps each provider's requests in flight: its
    concurrency budget never goes above it."""
    sessions: dict[str, Session] = {}
    for name in sorted({a.provider for a in addresses}):
        spec = registry.get(name)
        if spec is None:
            raise ConfigError(f"no provider named {name!r}; known providers: {', '.join(sorted(registry))}")
        block = specs.providers[name].settings if specs is not None and name in specs.providers else None
        session = spec.connect(resolve_settings(spec, block, env), (transports or {}).get(name))
        if parallelism is not None:
            session.http.budget.cap(parallelism)
        sessions[name] = session
    return Sessions(sessions)
