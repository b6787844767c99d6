"""The sandbox: every platform emulator behind one entry point, with its knobs.

``Sandbox.handle`` is the one place a request is answered; the in-process transport and the
socket server are thin adapters around it. Per request, in order: control endpoints
(``/_sandbox/...``: no auth, not counted, no faults or latency) -> platform lookup by first
path segment -> latency sleep (outside the lock, so concurrent requests overlap) -> under the
lock: reload the world if another process saved it, answer 503 if the platform is in an
outage, answer 429 if the request's token is over the platform's rate limit, draw a fault
(before any side effect), authenticate, count (by platform and by route), dispatch, save after
a successful write.

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
``Sandbox(rate_limits={"dataiku": 10})``     10 requests/s per token on Dataiku, beyond it
                                             Dataiku's 429 with ``Retry-After`` (``traffic.py``)
``sb.set_rate_limits({...})``                the same, at run time; ``{}`` lifts every limit
``POST /_sandbox/rate-limit`` (JSON object)  ``{"dataiku": 10}``: platform -> requests/s
``GET /_sandbox/rate-limit``                 rates in force, requests refused so far
``reconciler sandbox --rate-limit P=RPS``    the same from the command line (repeatable)
``sb.set_latency(20)``                       every platform request now waits 20 ms
``POST /_sandbox/latency`` (JSON object)     ``{"ms": 20}``; ``GET`` says what is in force
``GET /_sandbox/stats``                      per platform: requests answered, writes among them
``GET /_sandbox/routes``                     per platform: requests by ``METHOD /route``
``Sandbox(instances=("dataiku.b",))``         one more Dataiku world, at ``/dataiku.b``
                                             (a named provider instance); outages, rate
                                             limits and counters name it like a platform
``reconciler sandbox --instance NAME``       the same from the command line (repeatable)
===========================================  ================================================

Knobs are not part of the world: ``reset()`` restores the world, restarts the fault sequence,
refills the rate limit's buckets and zeroes every counter, but keeps the rates, the limits and
an outage in force.

The token is never part of a response, a log line or a repr (the ``echo`` fault echoes the
request's headers, token included, on purpose: it is how a test proves the client redacts it).
"""

from __future__ import annotations

import json
import logging
import math
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
from reconciler.sandbox.registry import build_emulators, instance_env
from reconciler.sandbox.traffic import RateLimiter, RouteCounter, retry_after_header
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
    """Every registered emulator, one token, and the latency / fault / outage / rate-limit /
    persistence knobs.

    ``faults`` (kind -> rate) sets each fault kind's own rate and excludes ``fault_rate`` /
    ``fault_kinds`` (one rate shared uniformly by the kinds). ``rate_limits`` (platform ->
    requests per second) limits each token's rate on those platforms. ``emulators`` replaces
    the registry (tests mount toy emulators); ``sleep`` and ``clock`` (monotonic seconds, read
    by the rate limit) are injectable so latency and rates can be tested without waiting.
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
        instances: tuple[str, ...] = (),
        rate_limits: Mapping[str, float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
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
        try:
            self.emulators: dict[str, Emulator] = (dict(emulators) if emulators is not None
                                                   else build_emulators(seed, instances))
        except ValueError as error:
            raise ConfigError(str(error)) from None
        self._clock = clock
        self._limiter = self._make_limiter(rate_limits or {})
        self._routes = RouteCounter()
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
            f"fault_rate={self.fault_rate}, outage={self._outage!r}, rate_limits={self._limiter.rates}, "
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

    # -- latency knob -------------------------------------------------------------------------
    def set_latency(self, latency_ms: float) -> None:
        """Every platform request from now on waits ``latency_ms`` before it is answered (one
        already waiting keeps its wait). Raises ``ConfigError`` unless it is a number >= 0."""
        if isinstance(latency_ms, bool) or not isinstance(latency_ms, (int, float)) \
                or not math.isfinite(latency_ms) or latency_ms < 0:
            raise ConfigError(f"latency must be a number of milliseconds >= 0, got {latency_ms!r}")
        self.latency_ms = latency_ms

    # -- rate limit knob ----------------------------------------------------------------------
    def _make_limiter(self, rates: Mapping[str, float]) -> RateLimiter:
        unknown = sorted(set(rates) - set(self.emulators))
        if unknown:
            raise ConfigError(f"no platform named {', '.join(map(repr, unknown))}; "
                              f"known: {', '.join(sorted(self.emulators))}")
        try:
            return RateLimiter(rates, clock=self._clock)
        except ValueError as error:
            raise ConfigError(str(error)) from None

    @property
    def rate_limits(self) -> dict[str, float]:
        """Platform -> requests per second allowed to each token (``{}``: no limit)."""
        with self._lock:
            return self._limiter.rates

    @property
    def rate_limited(self) -> dict[str, int]:
        """Platform -> requests refused by its rate limit since the last reset."""
        with self._lock:
            return self._limiter.refused

    def set_rate_limits(self, rates: Mapping[str, float] | None = None) -> None:
        """Put these limits in force now, replacing the ones before (``{}`` or None: no limit),
        with full buckets and ``rate_limited`` back at 0. Raises ``ConfigError`` for an unknown
        platform or a rate that is not a number above 0 (the limits before stay)."""
        limiter = self._make_limiter(dict(rates or {}))
        with self._lock:
            self._limiter = limiter

    # -- counters -----------------------------------------------------------------------------
    def _zero_counts(self) -> dict[str, dict[str, int]]:
        return {name: {"requests": 0, "writes": 0} for name in self.emulators}

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Per platform: authenticated requests that reached the emulator, and how many wrote."""
        with self._lock:
            return {name: dict(c) for name, c in self._counts.items()}

    @property
    def route_counts(self) -> dict[str, dict[str, int]]:
        """Per platform: the requests ``counts`` counts, by ``"METHOD /route template"``."""
        with self._lock:
            return self._routes.by_route(self.emulators)

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
            self._routes.reset()
            self._limiter.reset()
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
            return self._handle_platform(emulator, request, segments[1:], segments[0])
        finally:
            with self._lock:
                self._in_flight -= 1

    def _handle_platform(
        self, emulator: Emulator, request: SandboxRequest, path: tuple[str, ...], mount: str
    ) -> SandboxResponse:
        """``mount``: the first path segment, the world's name (a platform, or a named instance of
        one): outages, rate limits and counters are per world."""
        latency_ms = self.latency_ms
        if latency_ms:
            self._sleep(latency_ms / 1000.0)
        with self._lock:
            if self._file is not None and self._file.changed_on_disk():
                try:
                    self._load()
                except ConfigError as error:
                    return emulator.error_response(500, str(error))
            if self._outage == mount:
                self.outage_count += 1
                return emulator.error_response(503, f"{mount} is unavailable (sandbox outage)")
            wait = self._limiter.admit(mount, request.headers.get("Authorization", ""))
            if wait is not None:
                rps = self._limiter.rates[mount]
                return emulator.error_response(
                    429, f"Rate limit exceeded: at most {rps:g} requests per second per token"
                ).with_headers({"Retry-After": retry_after_header(wait)})
            fault = self._faults.draw()
            if fault is not None:
                self.fault_count += 1
                self._fault_counts[fault.kind] = self._fault_counts.get(fault.kind, 0) + 1
                return self._fault_response(emulator, request, fault)
            denied = emulator.authenticate(request, self.token)
            if denied is not None:
                return denied
            is_write = request.method not in READ_METHODS
            counts = self._counts[mount]
            counts["requests"] += 1
            counts["writes"] += int(is_write)
            self._routes.add(mount, request.method, path)
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
        ("routes",): ("GET",),
        ("faults",): ("GET", "POST"),
        ("outage",): ("POST",),
        ("rate-limit",): ("GET", "POST"),
        ("latency",): ("GET", "POST"),
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
            if rest == ("routes",):
                return SandboxResponse.json_body(self.route_counts)
            if rest == ("reset",):
                self.reset()
                return SandboxResponse.json_body(self.counts)
            if rest == ("rate-limit",):
                if request.method == "POST":
                    self.set_rate_limits(_json_object(request, "platform -> requests per second"))
                return SandboxResponse.json_body({"rates": self.rate_limits, "refused": self.rate_limited})
            if rest == ("latency",):
                if request.method == "POST":
                    self.set_latency(_json_object(request, '"ms" -> milliseconds').get("ms"))
                return SandboxResponse.json_body({"ms": self.latency_ms})
            if rest == ("outage",):
                self.outage(request.arg("platform") or None)
            elif request.method == "POST":
                self._set_faults_from(request)
        except ConfigError as error:
            return SandboxResponse.json_body({"error": str(error)}, 400)
        return SandboxResponse.json_body(self._knobs())

    def _set_faults_from(self, request: SandboxRequest) -> None:
        rates = _json_object(request, "fault kind -> rate")
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
        for mount, emulator in self.emulators.items():
            found = emulator.env(root, self.token)
            merged.update(found if mount == emulator.name else instance_env(mount, found, root))
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


def _json_object(request: SandboxRequest, what: str) -> dict[str, Any]:
    """A control request's body as a JSON object (an empty body is ``{}``); else ``ConfigError``
    saying it must be one of ``what``."""
    try:
        body = request.json()
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"the body must be a JSON object of {what}") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ConfigError(f"the body must be a JSON object of {what}")
    return dict(body)
