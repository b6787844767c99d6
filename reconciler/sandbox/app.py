"""The sandbox: every platform emulator behind one entry point, with its knobs.

``Sandbox.handle`` is the one place a request is answered; the in-process transport and the
socket server are thin adapters around it. Per request, in order: control endpoints
(``/_sandbox/...``: no auth, not counted, no faults or latency) -> platform lookup by first
path segment -> latency sleep (outside the lock, so concurrent requests overlap) -> under the
lock: reload the world if another process saved it, answer 503 if the platform is in an
outage, draw a fault (before any side effect), authenticate, count, dispatch, save after a
successful write.

Knobs, in Python and over HTTP (for a sandbox served by ``reconciler sandbox``):

===========================================  ================================================
``Sandbox(fault_rate=0.2)``                  20 % of requests fail, kinds drawn uniformly
``Sandbox(faults={"5xx": .1, "429": .05})``  each kind at its own rate (``faults.py``)
``sb.set_faults({...})``                     the same, at run time; ``{}`` turns faults off
``POST /_sandbox/faults`` (JSON object)      ``{"5xx": 0.1, "drop": 0.01, "retry_after": 0}``
``GET /_sandbox/faults``                     rates in force, faults injected so far, outage
``sb.outage("datarobot")``                   that platform answers its 503 body to everything
``sb.outage(None)``                          the outage ends
``POST /_sandbox/outage?platform=NAME``      the same (no or empty ``platform`` ends it)
===========================================  ================================================

Knobs are not part of the world: ``reset()`` restores the world and restarts the fault
sequence, but keeps the rates and an outage in force.

The token is never part of a response, a log line or a repr (the ``echo`` fault echoes the
request's headers, token included, on purpose: it is how a test proves the client redacts it).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from reconciler.errors import ConfigError
from reconciler.sandbox.emulator import Emulator
from reconciler.sandbox.faults import FAULT_KINDS, Fault, FaultInjector
from reconciler.sandbox.persistence import WorldFile
from reconciler.sandbox.registry import build_emulators
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer

log = logging.getLogger("reconciler.sandbox")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTROL_SEGMENT = "_sandbox"


class DroppedConnection(Exception):
    """Raised by ``Sandbox.handle`` for an injected dropped connection: the adapter must not
    answer (the transport raises ``httpx.RemoteProtocolError``; the server closes the socket)."""


class Sandbox:
    """Every registered emulator, one token, and the latency / fault / outage / persistence knobs.

    ``faults`` (kind -> rate) sets each fault kind's own rate and excludes ``fault_rate`` /
    ``fault_kinds`` (one rate shared uniformly by the kinds). ``emulators`` replaces the
    registry (tests mount toy emulators); ``sleep`` is injectable so latency can be tested
    without waiting.
    """

    def __init__(
        self,
        token: str = "sandbox-token",
        latency_ms: float = 0,
        fault_rate: float = 0.0,
        data_file: str | os.PathLike[str] | None = None,
        seed: int = 0,
        *,
        retry_after: int = 1,
        fault_kinds: tuple[str, ...] = FAULT_KINDS,
        faults: Mapping[str, float] | None = None,
        emulators: Mapping[str, Emulator] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise ConfigError("the sandbox token must not be empty")
        if latency_ms < 0:
            raise ConfigError(f"latency must be >= 0 ms, got {latency_ms}")
        if retry_after < 0:
            raise ConfigError(f"Retry-After must be >= 0 seconds, got {retry_after}")
        if faults is not None and (fault_rate or tuple(fault_kinds) != FAULT_KINDS):
            raise ConfigError("give either faults={kind: rate} or fault_rate/fault_kinds, not both")
        try:
            if faults is not None:
                self._faults = FaultInjector.per_kind(faults, seed)
            else:
                self._faults = FaultInjector(fault_rate, seed, tuple(fault_kinds))
        except ValueError as error:
            raise ConfigError(str(error)) from None
        self.token = token
        self.latency_ms = latency_ms
        self.retry_after = retry_after
        self.seed = seed
        self._sleep = sleep
        self._lock = threading.RLock()
        self.emulators: dict[str, Emulator] = dict(emulators) if emulators is not None else build_emulators(seed)
        self._counts = self._zero_counts()
        self.fault_count = 0
        self._fault_counts: dict[str, int] = {}
        self._outage: str | None = None
        self.outage_count = 0
        self._in_flight = 0
        self._file = WorldFile(data_file) if data_file is not None else None
        if self._file is not None:
            self._load()

    def __repr__(self) -> str:
        return (
            f"Sandbox(platforms={sorted(self.emulators)}, latency_ms={self.latency_ms}, "
            f"fault_rate={self.fault_rate}, outage={self._outage!r}, "
            f"data_file={str(self._file.path) if self._file else None!r})"
        )

    # -- fault and outage knobs ---------------------------------------------------------------
    @property
    def fault_rate(self) -> float:
        """The share of platform requests that fail (all kinds together)."""
        return self._faults.rate

    @property
    def fault_rates(self) -> dict[str, float]:
        """Kind -> rate in force (``{}`` when no fault is injected)."""
        with self._lock:
            return self._faults.rates

    @property
    def fault_counts(self) -> dict[str, int]:
        """Kind -> faults injected since the last reset (``fault_count`` is their sum)."""
        with self._lock:
            return dict(self._fault_counts)

    def set_faults(self, rates: Mapping[str, float] | None = None, *, retry_after: int | None = None) -> None:
        """Put per-kind rates in force now (``{}`` or None: no faults), keeping the seed; and
        optionally change ``Retry-After``. Raises ``ConfigError`` for an unknown kind or bad rate."""
        if retry_after is not None and (isinstance(retry_after, bool) or not isinstance(retry_after, int)
                                        or retry_after < 0):
            raise ConfigError(f"Retry-After must be a whole number of seconds >= 0, got {retry_after!r}")
        try:
            injector = FaultInjector.per_kind(dict(rates or {}), self.seed)
        except ValueError as error:
            raise ConfigError(str(error)) from None
        with self._lock:
            self._faults = injector
            if retry_after is not None:
                self.retry_after = retry_after

    @property
    def outage_platform(self) -> str | None:
        """The platform answering 503 to everything, or None."""
        with self._lock:
            return self._outage

    def outage(self, platform: str | None) -> None:
        """Start an outage of ``platform`` (it answers its 503 error body to every request,
        before authentication, reaching no emulator), or end it with ``None``."""
        if platform is not None and platform not in self.emulators:
            raise ConfigError(f"no platform named {platform!r}; known: {', '.join(sorted(self.emulators))}")
        with self._lock:
            self._outage = platform

    # -- counters -----------------------------------------------------------------------------
    def _zero_counts(self) -> dict[str, dict[str, int]]:
        return {name: {"requests": 0, "writes": 0} for name in self.emulators}

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Per platform: authenticated requests that reached the emulator, and how many wrote."""
        with self._lock:
            return {name: dict(c) for name, c in self._counts.items()}

    @property
    def write_count(self) -> int:
        """Non-GET/HEAD/OPTIONS requests that reached any emulator (after auth)."""
        with self._lock:
            return sum(c["writes"] for c in self._counts.values())

    @property
    def in_flight(self) -> int:
        """Platform requests being answered right now (including their latency sleep). A test
        that killed a client mid-request can wait for 0 before looking at the world."""
        with self._lock:
            return self._in_flight

    # -- world lifecycle ----------------------------------------------------------------------
    def reset(self) -> None:
        """Every emulator back to its seeded world; counters and the fault sequence restarted."""
        with self._lock:
            for emulator in self.emulators.values():
                emulator.reset()
            self._counts = self._zero_counts()
            self.fault_count = 0
            self._fault_counts = {}
            self.outage_count = 0
            self._faults.reset()
            if self._file is not None:
                self._save()

    def _load(self) -> None:
        assert self._file is not None
        try:
            snapshots = self._file.load()
        except (ValueError, OSError) as error:
            raise ConfigError(f"cannot read the sandbox world file {self._file.path}: {error}") from None
        if snapshots is None:
            return
        for name, emulator in self.emulators.items():
            try:
                if name in snapshots:
                    emulator.restore(snapshots[name])
                else:
                    emulator.reset()
            except (ValueError, KeyError, TypeError) as error:
                emulator.reset()
                raise ConfigError(
                    f"the sandbox world file {self._file.path} holds no valid {name} world: {error}"
                ) from None

    def _save(self) -> None:
        assert self._file is not None
        self._file.save({name: emulator.snapshot() for name, emulator in self.emulators.items()})

    # -- the one entry point ------------------------------------------------------------------
    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer one request. Raises ``DroppedConnection`` for an injected dropped connection."""
        segments = request.segments
        if segments and segments[0] == CONTROL_SEGMENT:
            return self._control(request, segments[1:])
        emulator = self.emulators.get(segments[0]) if segments else None
        if emulator is None:
            return SandboxResponse.json_body(
                {"error": f"no platform at {request.path!r}", "platforms": sorted(self.emulators)}, 404
            )
        with self._lock:
            self._in_flight += 1
        try:
            return self._handle_platform(emulator, request, segments[1:])
        finally:
            with self._lock:
                self._in_flight -= 1

    def _handle_platform(
        self, emulator: Emulator, request: SandboxRequest, path: tuple[str, ...]
    ) -> SandboxResponse:
        if self.latency_ms:
            self._sleep(self.latency_ms / 1000.0)
        with self._lock:
            if self._file is not None and self._file.changed_on_disk():
                try:
                    self._load()
                except ConfigError as error:
                    return emulator.error_response(500, str(error))
            if self._outage == emulator.name:
                self.outage_count += 1
                return emulator.error_response(503, f"{emulator.name} is unavailable (sandbox outage)")
            fault = self._faults.draw()
            if fault is not None:
                self.fault_count += 1
                self._fault_counts[fault.kind] = self._fault_counts.get(fault.kind, 0) + 1
                return self._fault_response(emulator, request, fault)
            denied = emulator.authenticate(request, self.token)
            if denied is not None:
                return denied
            is_write = request.method not in READ_METHODS
            counts = self._counts[emulator.name]
            counts["requests"] += 1
            counts["writes"] += int(is_write)
            try:
                response = emulator.handle(request, path)
            except Exception as error:  # a bug in an emulator: answer 500, keep serving
                log.exception("sandbox emulator %s failed on %s %s", emulator.name, request.method, request.path)
                return emulator.error_response(500, f"Sandbox internal error: {type(error).__name__}")
            if is_write and self._file is not None and response.status < 400:
                self._save()
            return response

    def _fault_response(self, emulator: Emulator, request: SandboxRequest, fault: Fault) -> SandboxResponse:
        if fault.kind == "drop":
            raise DroppedConnection(f"injected dropped connection on {request.method} {request.path}")
        if fault.kind == "echo":  # a debug error page that echoes the request, credentials included
            headers = {name: request.headers[name] for name in request.headers}
            return emulator.error_response(
                fault.status, f"Internal error on {request.method} {request.path}; request headers: "
                              f"{json.dumps(headers, sort_keys=True)}")
        response = emulator.error_response(fault.status, f"Injected fault (HTTP {fault.status})")
        if fault.kind == "429":
            response = response.with_headers({"Retry-After": str(self.retry_after)})
        return response

    # -- control endpoints (no auth, not counted, no faults) ----------------------------------
    _ENDPOINTS = {
        ("stats",): ("GET",),
        ("reset",): ("POST",),
        ("faults",): ("GET", "POST"),
        ("outage",): ("POST",),
    }

    def _control(self, request: SandboxRequest, rest: tuple[str, ...]) -> SandboxResponse:
        allowed = self._ENDPOINTS.get(rest)
        if allowed is None:
            endpoints = [f"{m} /_sandbox/{'/'.join(p)}" for p, ms in self._ENDPOINTS.items() for m in ms]
            return SandboxResponse.json_body({"error": "unknown control endpoint", "endpoints": endpoints}, 404)
        if request.method not in allowed:
            return SandboxResponse.json_body({"error": f"method {request.method} not allowed"}, 405,
                                             headers={"Allow": ", ".join(allowed)})
        try:
            if rest == ("stats",):
                return SandboxResponse.json_body(self.counts)
            if rest == ("reset",):
                self.reset()
                return SandboxResponse.json_body(self.counts)
            if rest == ("outage",):
                self.outage(request.arg("platform") or None)
            elif request.method == "POST":
                self._set_faults_from(request)
        except ConfigError as error:
            return SandboxResponse.json_body({"error": str(error)}, 400)
        return SandboxResponse.json_body(self._knobs())

    def _set_faults_from(self, request: SandboxRequest) -> None:
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            raise ConfigError("the body must be a JSON object of fault kind -> rate") from None
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise ConfigError("the body must be a JSON object of fault kind -> rate")
        rates = dict(body)
        retry_after = rates.pop("retry_after", None)
        self.set_faults(rates, retry_after=retry_after)

    def _knobs(self) -> dict[str, Any]:
        with self._lock:
            return {"rates": self._faults.rates, "retry_after": self.retry_after,
                    "injected": dict(self._fault_counts), "outage": self._outage,
                    "outage_answers": self.outage_count}

    # -- adapters -----------------------------------------------------------------------------
    def transport(self) -> httpx.BaseTransport:
        """An in-process httpx transport (no socket) answering through ``handle``."""
        from reconciler.sandbox.transport import SandboxTransport

        return SandboxTransport(self)

    def env(self, base_url: str) -> dict[str, str]:
        """The env vars pointing every provider at a sandbox served at ``base_url``."""
        root = base_url.rstrip("/")
        merged: dict[str, str] = {}
        for emulator in self.emulators.values():
            merged.update(emulator.env(root, self.token))
        return merged

    def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, ready: Callable[[str], Any] | None = None
    ) -> None:
        """Serve over HTTP until interrupted (Ctrl-C stops cleanly). ``ready(base_url)`` is called
        once the socket is bound (e.g. to print the env exports)."""
        from reconciler.sandbox.server import make_server

        try:
            server: ThreadingHTTPServer = make_server(self, host, port)
        except OSError as error:
            raise ConfigError(f"cannot serve the sandbox on {host}:{port}: {error.strerror or error}") from None
        host_, port_ = server.server_address[:2]
        if ready is not None:
            ready(f"http://{host_}:{port_}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
