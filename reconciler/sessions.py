"""Opening provider sessions: one connected client per provider a run touches.

Owns: choosing which providers a run needs (types in specs ∪ state), resolving their settings
(specs' ``providers`` block, then env vars) and connecting them, before any request is made, so a
missing credential fails the run up front with no half-done work. It makes no request itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping


from reconciler.addresses import Address
from reconciler.errors import ConfigError
from reconciler.providers.base import ProviderSpec, ResourceType, Session
from reconciler.providers.budget import AdaptiveBudget
from reconciler.providers.settings import resolve_settings
from reconciler.providers.transport import split_common, tls_verify
from reconciler.spec import SpecSet

if TYPE_CHECKING:
    import httpx


class Sessions:
    """The connected providers of one run, by provider name. Close with ``close()`` or ``with``."""

    def __init__(self, sessions: Mapping[str, Session]) -> None:
        self._sessions = dict(sessions)
        self._types: dict[str, ResourceType] = {}  # type name -> its instance (asked for per address)

    @property
    def names(self) -> tuple[str, ...]:
        """The connected providers."""
        return tuple(sorted(self._sessions))

    def resource(self, address: Address) -> ResourceType:
        rt = self._types.get(address.type)
        if rt is None:
            rt = self._types[address.type] = self._sessions[address.provider].resource(address.type)
        return rt

    def stats(self) -> dict[str, dict[str, int]]:
        out = {}
        for name, session in sorted(self._sessions.items()):
            stats = _client_attribute(session, "stats")
            if isinstance(stats, dict):
                out[name] = dict(stats)
        return out

    def concurrency(self, name: str) -> int | None:
        """How many requests provider ``name`` may have in flight at most (its budget's ceiling),
        if its client says."""
        session = self._sessions.get(name)
        budget = _client_attribute(session, "budget") if session is not None else None
        return budget.ceiling if isinstance(budget, AdaptiveBudget) else None

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()

    def __enter__(self) -> "Sessions":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _client_attribute(session: Session, name: str) -> object:
    """``name`` of the session's client, or of the ``HttpClient`` it keeps as ``http`` (clients
    without one of their own)."""
    value = getattr(session.client, name, None)
    return value if value is not None else getattr(getattr(session.client, "http", None), name, None)


def open_sessions(
    addresses: Iterable[Address],
    specs: SpecSet | None,
    registry: Mapping[str, ProviderSpec],
    env: Mapping[str, str],
    transports: Mapping[str, httpx.BaseTransport] | None = None,
    *,
    opened: Sessions | None = None,
    parallelism: int | None = None,
) -> Sessions:
    """Connect every provider ``addresses`` need; raise ``ConfigError`` before any request.
    With ``opened``, its sessions are kept and only the missing providers are connected.
    ``parallelism`` (the run's ``--parallelism``) caps each provider's requests in flight: its
    concurrency budget never goes above it."""
    needed = sorted({a.provider for a in addresses})
    sessions: dict[str, Session] = dict(opened._sessions) if opened is not None else {}
    for name in needed:
        if name in sessions:
            continue
        spec = registry.get(name)
        if spec is None:
            raise ConfigError(f"no provider named {name!r}; known providers: {', '.join(sorted(registry))}")
        block = None
        if specs is not None and name in specs.providers:
            block = specs.providers[name].settings
        own, common = split_common(block)
        settings = resolve_settings(spec, own, env)
        transport = (transports or {}).get(name)
        if transport is None:  # a real network: TLS rules apply (an injected transport is in-process)
            sessions[name] = spec.connect(settings, verify=tls_verify(name, settings, common, env))
        else:
            sessions[name] = spec.connect(settings, transport)
        if parallelism is not None:
            _cap(sessions[name].client, parallelism)
    return Sessions(sessions)


def _cap(client: object, parallelism: int) -> None:
    """Cap the budget of the client's ``HttpClient`` (the client itself or its ``http``)."""
    for candidate in (client, getattr(client, "http", None)):
        budget = getattr(candidate, "budget", None)
        if isinstance(budget, AdaptiveBudget):
            budget.cap(parallelism)
