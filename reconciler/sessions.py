"""Opening provider sessions: one connected client per provider instance a run touches.

Owns: choosing which provider instances a run needs (the platforms of the addresses in specs ∪
state, and the named instances ``instances`` gives them, see ``reconciler.instances``),
resolving their settings (specs' ``providers`` block, then the instance's env vars) and
connecting them, before any request is made, so a missing credential fails the run up front with
no half-done work. Each instance has its own HTTP client, so its own budget. It makes no request
itself.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import httpx

from reconciler import instances as inst
from reconciler.addresses import Address
from reconciler.errors import ConfigError
from reconciler.providers.base import ProviderSpec, ResourceType, Session
from reconciler.providers.settings import resolve_settings
from reconciler.spec import SpecSet


class Sessions:
    """The connected provider instances of one run, by instance name. Close with ``close()`` or
    ``with``. ``instances`` maps the addresses that talk to a named instance to its name; every
    other address talks to its platform's default instance."""

    def __init__(self, sessions: Mapping[str, Session], instances: Mapping[Address, str] | None = None) -> None:
        self._sessions = dict(sessions)
        self._instances = dict(instances or {})
        self._types: dict[tuple[str, str], ResourceType] = {}  # (instance, type) -> its resource type

    @property
    def names(self) -> tuple[str, ...]:
        """The connected provider instances."""
        return tuple(sorted(self._sessions))

    def session(self, name: str) -> Session:
        return self._sessions[name]

    def instance(self, address: Address) -> str:
        """The provider instance ``address`` talks to."""
        return self._instances.get(address) or address.provider

    def resource(self, address: Address) -> ResourceType:
        name = self._instances.get(address) or address.provider
        rt = self._types.get((name, address.type))
        if rt is None:
            rt = self._types[(name, address.type)] = self._sessions[name].resource(address.type)
        return rt

    def stats(self) -> dict[str, dict[str, int]]:
        """Each provider instance's request counters so far (``HttpClient.stats``)."""
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
    instances: Mapping[Address, str] | None = None,
) -> Sessions:
    """Connect every provider instance ``addresses`` need; raise ``ConfigError`` before any request.
    ``instances`` names the instance of the addresses that talk to a named one (default: what the
    specs say). ``transports`` (tests: the in-process sandbox) replace the network per instance
    name, else per platform. ``parallelism`` (the run's ``--parallelism``) caps each instance's
    requests in flight: its concurrency budget never goes above it."""
    addresses = list(addresses)
    if instances is None:
        instances = spec_instances(specs)
    routed = {a: instances[a] for a in addresses if instances.get(a)}
    sessions: dict[str, Session] = {}
    for name in sorted({routed.get(a) or a.provider for a in addresses}):
        platform = inst.platform_of(name)
        spec = registry.get(platform)
        if spec is None:
            raise ConfigError(f"no provider named {platform!r}; known providers: {', '.join(sorted(registry))}")
        configured = specs.providers.get(name) if specs is not None else None
        settings = resolve_settings(spec, configured.settings if configured is not None else None, env,
                                    instance=name)
        transport = (transports or {}).get(name) or (transports or {}).get(platform)
        session = spec.connect(settings, transport, instance=name)
        if parallelism is not None:
            session.http.budget.cap(parallelism)
        sessions[name] = session
    return Sessions(sessions, routed)


def spec_instances(specs: SpecSet | None) -> dict[Address, str]:
    """The addresses the specs put on a named provider instance, with its name."""
    if specs is None:
        return {}
    return {a: r.provider for a, r in specs.resources.items() if r.provider}
