"""The HTTP client every provider uses; with ``connections``, the only module that touches httpx
(and imports it only when a run needs it: an in-process transport, a proxy, an https origin's
default CA bundle, a failure to classify; a plain http run on the wire path never loads it).

It owns: one client per provider session (connection reuse, base URL, auth, timeout): requests go
over ``connections.Wire`` (plain sockets, pooled) unless a proxy applies to the origin or an
in-process transport is given (a ``ca_bundle``'s, ``transport.trusting_transport``, is not one), then over
an ``httpx.Client``;
a concurrency budget (at most ``concurrency`` requests in flight, shared by every thread),
retries with exponential backoff and full jitter, ``Retry-After``, and the translation of every
failure into ``reconciler.errors`` with address, method, URL and status. No httpx exception
leaves this module, and every message, URL and hint it produces is redacted: each configured
secret (and the auth token, in raw, URL-encoded and base64 forms) becomes ``***``.

Retry rules (``max_retries`` retries, so ``max_retries + 1`` attempts at most):

====================================  =========================  ===============================
what happened                         idempotent request         POST / PATCH (not idempotent)
====================================  =========================  ===============================
ConnectError/ConnectTimeout/PoolTimeout  retry                   retry (never reached the server)
dropped/broken/timed-out after send   retry                      raise ``TransportError``
429                                   retry, honour Retry-After  retry, honour Retry-After
503                                   retry, honour Retry-After  raise ``ApiError``
500 / 502 / 504                       retry                      raise ``ApiError``
other status >= 400                   raise                      raise
====================================  =========================  ===============================

Once ``OUTAGE_STREAK`` requests in a row gave up after every retry (5xx or transport failures, not
429), the platform counts as down: requests retry once until one gets an answer, so an outage
fails a run in seconds instead of each call waiting out its backoff.

GET/HEAD/PUT/DELETE/OPTIONS are idempotent unless ``idempotent=False``; POST/PATCH are not unless
``idempotent=True``. Redirects are not followed: a 3xx (e.g. DataRobot's 303 when an async job
is done) is returned to the caller with its ``Location`` header.
"""

from __future__ import annotations

import base64
import functools
import json as jsonlib
import logging
import os
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generator, Iterable, Mapping, NamedTuple, TypeAlias
from urllib.parse import quote, quote_plus

from reconciler.providers.budget import AdaptiveBudget
from reconciler.providers.connections import Wire, WireResponse, httpx_module
from reconciler.providers.transport import trusted_tls

if TYPE_CHECKING:
    import ssl

    import httpx

from reconciler.errors import (
    ApiError,
    ConfigError,
    NotFoundError,
    ProviderContractError,
    ProviderError,
    TransportError,
)

__all__ = ["Answer", "HttpClient", "HttpResult", "basic_key_auth", "default_error_message", "scheme_auth"]

#: an answer as a request gets it, and as ``error_message`` / ``is_not_found`` extractors receive
#: it: an ``httpx.Response`` (through a proxy or an in-process transport) or a ``WireResponse`` (the
#: same interface for what extractors read: status_code, reason_phrase, headers, content, text, json())
Answer: TypeAlias = "httpx.Response | WireResponse"

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: requests in a row that gave up after every retry before the platform counts as down
OUTAGE_STREAK = 3
RETRY_AFTER_STATUSES = frozenset({429, 503})
EXCERPT_CHARS = 300
#: characters a request target may carry as they are (RFC 3986 pchar, "/", "?" and "%" escapes)
_UNSAFE_TARGET = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]")
_TARGET_SAFE = "-._~!$&'()*+,;=:@/?%"

class _Failures(NamedTuple):
    """How httpx's exceptions are read (built on the first failure: httpx is imported then)."""

    #: transport failures where the request surely never reached the server
    never_sent: tuple[type, ...]
    #: transport failures worth retrying (for a non-idempotent request only if also never_sent)
    retryable: tuple[type, ...]
    #: (kind, what a user reads in "... after 5 attempts"), most specific first
    what: tuple[tuple[type, str], ...]
    #: a failed exchange (retried or reported as a ``TransportError``)
    transport: type
    #: an answer that cannot be used (reported as a ``ProviderContractError``)
    unusable: tuple[type, ...]


@functools.lru_cache(maxsize=1)
def _failures() -> _Failures:
    httpx = httpx_module()
    return _Failures(
        never_sent=(httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout),
        retryable=(httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ProxyError),
        what=(
            (httpx.ConnectTimeout, "timed out connecting"),
            (httpx.ConnectError, "could not connect"),
            (httpx.PoolTimeout, "timed out waiting for a free connection"),
            (httpx.ReadTimeout, "timed out waiting for the response"),
            (httpx.WriteTimeout, "timed out sending the request"),
            (httpx.RemoteProtocolError, "the server dropped the connection"),
            (httpx.ReadError, "the connection broke while reading the response"),
            (httpx.WriteError, "the connection broke while sending the request"),
            (httpx.ProxyError, "the proxy failed"),
            (httpx.UnsupportedProtocol, "unsupported URL scheme"),
            (httpx.LocalProtocolError, "the request could not be sent as HTTP"),
        ),
        transport=httpx.TransportError,
        unusable=(httpx.HTTPError, httpx.StreamError, httpx.InvalidURL, httpx.CookieConflict),
    )


@functools.lru_cache(maxsize=1)
def _system_tls() -> ssl.SSLContext:
    """The default TLS context (system CA bundle, verification on), built once per process: each
    build loads the CA bundle (about 20 ms), and a run opens a client per provider."""
    return httpx_module().create_ssl_context()


#: the environment variables through which httpx (``urllib.request.getproxies``) finds a proxy
#: on Linux, where nothing else names one; any letter case
_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy"})


def _proxied(base_url: str) -> bool:
    """Whether the environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``)
    sends requests for ``base_url`` through a proxy: decided as ``httpx.Client`` decides it (its
    mounts, most specific pattern first; a ``NO_PROXY`` match maps to no proxy). On Linux with no
    proxy variable set, no proxy, without importing httpx."""
    if sys.platform.startswith("linux") and not any(k.lower() in _PROXY_VARIABLES for k in os.environ):
        return False
    httpx = httpx_module()
    from httpx._utils import URLPattern, get_environment_proxies

    url = httpx.URL(base_url)
    mounts = sorted(((URLPattern(key), proxy) for key, proxy in get_environment_proxies().items()),
                    key=lambda mount: mount[0])
    for pattern, proxy in mounts:
        if pattern.matches(url):
            return proxy is not None
    return False


# -- auth ------------------------------------------------------------------------------------


class _HeaderAuth:
    """Sets ``Authorization`` on every request; knows which strings are secret; never prints them.
    The wire path sends the header itself; an httpx client gets ``as_httpx()``."""

    def __init__(self, header: str, secrets: tuple[str, ...]) -> None:
        self._header = header
        self.secrets = secrets

    def as_httpx(self) -> httpx.Auth:
        """The same auth for an ``httpx.Client``."""
        header = self._header

        class HeaderAuth(httpx_module().Auth):
            def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
                request.headers["Authorization"] = header
                yield request

            def __repr__(self) -> str:
                return "HeaderAuth(***)"

        return HeaderAuth()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(***)"


def basic_key_auth(key: str) -> _HeaderAuth:
    """HTTP Basic with ``key`` as the user and an empty password (Dataiku's API keys)."""
    encoded = base64.b64encode(f"{key}:".encode()).decode("ascii")
    return _HeaderAuth(f"Basic {encoded}", (key, encoded))


def scheme_auth(scheme: str, token: str) -> _HeaderAuth:
    """``Authorization: <scheme> <token>``: ``Bearer`` (Astro, semantic), ``Token`` (DataRobot),
    ``ApiKey`` (Lightdash)."""
    return _HeaderAuth(f"{scheme} {token}", (token,))


# -- redaction -------------------------------------------------------------------------------


class _Redactor:
    """Replaces every form of every secret (raw, percent- and form-encoded, any letter case) by
    ``***``; longest first, so no fragment of a longer form survives."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms.update({secret, quote(secret), quote(secret, safe=""), quote_plus(secret)})
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE) if ordered else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub("***", text) if self._pattern else text


def _no_redaction(text: str) -> str:
    return text


def _excerpt(text: str, redact: Callable[[str], str], limit: int = EXCERPT_CHARS) -> str:
    """Redact first (so truncation cannot cut a secret in half), then collapse and shorten."""
    text = " ".join(redact(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class HttpResult:
    """A completed exchange. ``url`` is redacted (for messages); ``headers`` are case-insensitive."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str
    method: str = "GET"
    redact: Callable[[str], str] = field(default=_no_redaction, compare=False)

    def json(self) -> Any:
        """The parsed body; ``None`` for an empty body; ``ProviderContractError`` if not JSON."""
        if not self.body.strip():
            return None
        try:
            return jsonlib.loads(self.body)
        except ValueError:
            kind = self.headers.get("content-type") or "no content type"
            text = _excerpt(self.body.decode("utf-8", "replace"), self.redact, 120)
            raise ProviderContractError(
                f"expected a JSON body, got {kind}: {text}",
                method=self.method,
                url=self.url,
                status=self.status,
            ) from None

    def __repr__(self) -> str:
        return f"HttpResult({self.method} {self.url} -> {self.status}, {len(self.body)} bytes)"


def default_error_message(response: Answer) -> str:
    """A platform's error text: JSON ``message``/``detail``/``error`` if present, else the body.

    Returns the full text (callers redact, then shorten); the reason phrase for an empty body.
    """
    try:
        doc = jsonlib.loads(response.content) if response.content.strip() else None
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        for key in ("message", "detail", "error", "errorMessage", "error_description"):
            value = doc.get(key)
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                value = value["message"]  # {"error": {"name": ..., "message": ...}} (Lightdash)
            if isinstance(value, str) and value.strip():
                return value
            if value:
                return jsonlib.dumps(value)  # FastAPI-style detail lists
    text = response.content.decode("utf-8", "replace").strip()
    return text or response.reason_phrase or f"HTTP {response.status_code}"


def _is_404(response: Answer) -> bool:
    return response.status_code == 404


def _ssl_errors() -> tuple[type[BaseException], ...]:
    """``ssl.SSLCertVerificationError`` if ``ssl`` is loaded (no TLS connection was made without it;
    another thread may be importing it, its classes not yet defined)."""
    refused = getattr(sys.modules.get("ssl"), "SSLCertVerificationError", None)
    return (refused,) if refused is not None else ()


def _tls_refused(exc: BaseException) -> bool:
    """A certificate the client does not trust: retrying cannot help (set ca_bundle instead)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, _ssl_errors()) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _retry_after(response: Answer) -> float | None:
    """Seconds the server asks us to wait (delta-seconds or HTTP-date), or None if absent/bad.

    A date is measured against the response's own ``Date`` header when present (immune to clock
    skew), else against the local clock.
    """
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils  # (an HTTP date: rare, and the email package costs 3 ms to import)

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    now = time.time()
    if response.headers.get("date"):
        try:
            now = email.utils.parsedate_to_datetime(response.headers["date"]).timestamp()
        except (TypeError, ValueError, IndexError):
            pass
    return max(0.0, when.timestamp() - now)


# -- URLs ------------------------------------------------------------------------------------


class _URL(NamedTuple):
    """A URL's parts as ``httpx.URL`` gives them (host lower case, a default port None,
    ``raw_path`` "/" for none, with the query) and its text as ``str(httpx.URL(...))`` writes it."""

    scheme: str
    host: str
    port: int | None
    password: str
    raw_path: bytes
    text: str


#: the plain form read without httpx: lower-case scheme, ASCII host, port, a path and a query of
#: characters httpx keeps as they are; anything else (user info, IDNA, IPv6, escapes, dot
#: segments, a fragment) goes to httpx
_PLAIN_URL = re.compile(r"(https?)://([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::([0-9]{1,5}))?"
                        r"(/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)?(\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*)?")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _parse_url(text: str) -> _URL | None:
    """``text`` parsed as httpx parses it (None when httpx refuses it): a base URL, or an absolute
    URL a platform returned (a next page); ``raw_path`` holds the query, as httpx's does."""
    plain = _PLAIN_URL.fullmatch(text)
    if plain is not None and (plain[3] is None or int(plain[3]) <= 65535) and "/." not in (plain[4] or ""):
        # (httpx resolves dot segments: a path with one goes to it)
        scheme, host, path, query = plain[1], plain[2].lower(), plain[4] or "", plain[5] or ""
        port = int(plain[3]) if plain[3] is not None else None
        port = None if port == _DEFAULT_PORTS[scheme] else port
        text = f"{scheme}://{host}{f':{port}' if port is not None else ''}{path}{query}"
        return _URL(scheme, host, port, "", ((path or "/") + query).encode("ascii"), text)
    httpx = httpx_module()
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        return None
    return _URL(url.scheme, url.host, url.port, url.password or "", url.raw_path, str(url))


def _url_problem(text: str) -> str:
    """Why httpx refuses ``text`` as a URL (for an error message)."""
    httpx = httpx_module()
    try:
        httpx.URL(text)
    except httpx.InvalidURL as exc:
        return str(exc)
    return "not a valid URL"


# -- the client ------------------------------------------------------------------------------


class HttpClient:
    """One provider's connection to its platform; safe to share between threads."""

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        timeout: float = 30.0,
        max_retries: int = 6,
        backoff_base: float = 0.25,
        backoff_max: float = 20.0,
        retry_after_max: float = 60.0,
        concurrency: int = 8,
        transport: httpx.BaseTransport | None = None,
        error_message: Callable[[Answer], str] | None = None,
        is_not_found: Callable[[Answer], bool] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        user_agent: str = "reconciler/0.1",
    ) -> None:
        if concurrency < 1 or max_retries < 0:
            raise ValueError("concurrency must be >= 1 and max_retries >= 0")
        self.provider = provider
        all_secrets = list(secrets) + list(getattr(auth, "secrets", ()))
        for name, value in (headers or {}).items():
            if name.lower() == "authorization":
                all_secrets += [value, value.partition(" ")[2]]
        base = _parse_url(base_url)
        if base is not None and base.password:
            all_secrets.append(base.password)
        self._redact = _Redactor(all_secrets)
        if base is None or base.scheme not in ("http", "https") or not base.host:
            raise ConfigError(
                f"{provider}: base URL {self._redact(base_url)!r} is not a valid http(s) URL",
                hint="give it as http(s)://host[:port][/path]",
            )
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._retry_after_max = retry_after_max
        self._error_message = error_message or default_error_message
        self._is_not_found = is_not_found or _is_404
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.budget = AdaptiveBudget(concurrency)
        self._lock = threading.Lock()
        self._stats = {"requests": 0, "retries": 0, "throttled": 0, "errors": 0}
        self._outage_streak = 0  # requests in a row that gave up after every retry (see _retries_now)
        self._origin = (base.scheme, base.host, base.port)
        self._base = base.text.rstrip("/") + "/"  # joined with paths made relative (httpx's base_url)
        self._client_lock = threading.Lock()
        proxied = _proxied(base_url)
        # what the httpx client is built from, the first time one is needed (see ``_client``)
        self._client_args = dict(
            base_url=base_url,
            auth=auth,
            headers={"User-Agent": user_agent, "Accept": "application/json", **(headers or {})},
            timeout=timeout,
            transport=transport,
            # TLS verified for an https origin and for any proxy (an https proxy is reached over TLS);
            # a direct http origin never needs it (requests go to that origin only: _check_origin)
            verify=(_system_tls() if base.scheme == "https" or proxied else False) if transport is None else True,
            concurrency=concurrency,
        )
        self._client_made: httpx.Client | None = None
        self._auth_header = auth._header if isinstance(auth, _HeaderAuth) else None
        plain_auth = auth is None or isinstance(auth, _HeaderAuth)
        # The leanest path: on a real network (no transport given, or a ca_bundle's) with no proxy
        # for this origin and a header-only auth, requests go over ``connections.Wire``
        # (plain sockets, pooled), not httpx at all: about 0.45 ms less CPU each, and no
        # httpx.Client is built (its transport and TLS context cost ~8 ms a provider).
        self._wire: Wire | None = None
        self._transport: httpx.BaseTransport | None = None
        trusted = trusted_tls(transport)  # a ca_bundle's transport: the network, with that TLS context
        network = transport is None or trusted is not None  # not an in-process one
        if network and plain_auth and not proxied:
            tls = None
            if base.scheme == "https":
                tls = trusted if trusted is not None else _system_tls()
            self._wire = Wire(base.scheme, base.host, base.port, timeout=timeout, tls=tls)
            self._prefix = base.raw_path.decode("ascii").split("?")[0].rstrip("/") + "/"
            self._origin_url = self._base[: len(self._base) - len(self._prefix)]
            fixed = {"User-Agent": user_agent, "Accept": "application/json", "Accept-Encoding": "gzip, deflate",
                     "Connection": "keep-alive", **(headers or {})}
            if self._auth_header is not None:
                fixed["Authorization"] = self._auth_header
            self._wire_headers = {name.lower(): (name, value) for name, value in fixed.items()}
        elif plain_auth:
            # Lean still: every request goes to one origin, so its transport (a proxy's, when the
            # environment names one) is known now; with a header-only auth, requests are sent
            # straight to it, without httpx.Client.send's per-request auth flow, redirect and hook
            # handling (about a tenth of the client's CPU per request). Any other auth takes
            # Client.send.
            pick = getattr(self._client, "_transport_for_url", None)
            self._transport = pick(base) if pick is not None else None

    @property
    def _client(self) -> httpx.Client:
        """The httpx client, built on first use (the wire path never needs it)."""
        client = self._client_made
        if client is None:
            with self._client_lock:
                if self._client_made is None:
                    httpx, args = httpx_module(), self._client_args
                    auth = args["auth"]
                    self._client_made = httpx.Client(
                        base_url=args["base_url"],
                        auth=auth.as_httpx() if isinstance(auth, _HeaderAuth) else auth,
                        headers=args["headers"],
                        timeout=httpx.Timeout(args["timeout"]),
                        transport=args["transport"],
                        verify=args["verify"],
                        limits=httpx.Limits(max_connections=args["concurrency"],
                                            max_keepalive_connections=args["concurrency"]),
                        follow_redirects=False,
                    )
                client = self._client_made
        return client

    # -- public surface ------------------------------------------------------------------------

    @property
    def stats(self) -> dict[str, int]:
        """Counters so far: attempts sent, retries, throttle answers (429, or 503 with
        Retry-After), and calls that ended in an error."""
        with self._lock:
            return dict(self._stats)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        address: str | None = None,
        idempotent: bool | None = None,
        ok_statuses: Iterable[int] = (),
    ) -> HttpResult:
        """Send one request (retrying as the module docstring says) and return its result.

        ``path`` is joined to the base URL (``/x`` and ``x`` both land under its path); an
        absolute URL is accepted only on the base URL's origin. Raises ``NotFoundError`` /
        ``ApiError`` for a final status >= 400 not in ``ok_statuses``, ``TransportError`` when no
        answer came, ``ProviderContractError`` for a URL or response httpx cannot handle.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        ok = frozenset(ok_statuses)
        try:
            return self._request(method, path, params, json, content, headers, address, idempotent, ok)
        except ProviderError:
            self._count("errors")
            raise

    def get(self, path: str, **kw: Any) -> HttpResult:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> HttpResult:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> HttpResult:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> HttpResult:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> HttpResult:
        return self.request("DELETE", path, **kw)

    def json(self, method: str, path: str, **kw: Any) -> Any:
        """``request()`` then the parsed body (``None`` if empty; ``ProviderContractError`` if not
        JSON, labelled with ``address`` when given)."""
        result = self.request(method, path, **kw)
        try:
            return result.json()
        except ProviderContractError as exc:
            self._count("errors")
            raise exc.with_address(kw["address"]) if kw.get("address") else exc

    def close(self) -> None:
        if self._wire is not None:
            self._wire.close()
        with self._client_lock:
            if self._client_made is not None:
                self._client_made.close()

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HttpClient({self.provider!r}, {self._redact(self._base)!r})"

    # -- internals -----------------------------------------------------------------------------

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._stats[key] += n

    def _build(self, method: str, path: str, params: Any, json: Any, content: Any,
               headers: Any, address: str | None) -> httpx.Request:
        httpx = httpx_module()  # (the httpx path: its client is built already)
        if "://" not in path:
            path = "/" + path.lstrip("/")  # "//x" would otherwise be read as a host name
        if params is not None and "?" in path:
            path, _, query = path.partition("?")  # httpx would drop the path's own query
            params = httpx.QueryParams(query).merge(params)
        where = self._redact(path)
        try:
            # one absolute URL, parsed once (httpx would parse the relative path, then the join)
            target = path if "://" in path else self._base + path.lstrip("/")
            if params is not None:
                query = str(httpx.QueryParams(params))
                if query:
                    target += ("&" if "?" in target else "?") + query
            request = self._client.build_request(
                method, httpx.URL(target), json=json, content=content, headers=headers
            )
        except httpx.InvalidURL as exc:
            raise ProviderContractError(
                f"cannot build a URL from {where!r}: {self._redact(str(exc))}",
                address=address, method=method,
            ) from None
        url = request.url
        self._check_origin((url.scheme, url.host, url.port), str(url), method, address)
        return request

    def _check_origin(self, origin: tuple[str, str, int | None], shown: str, method: str, address: str | None) -> None:
        """Credentials go only to the base URL's origin (``origin``: scheme, host, port of ``shown``)."""
        if origin != self._origin:
            raise ProviderContractError(
                f"refusing to send {self.provider} credentials to another origin",
                address=address, method=method, url=self._redact(shown),
                hint=f"only URLs under {self._redact(self._base)} are allowed",
            )

    def _prepare(self, method: str, path: str, params: Any, json: Any, content: Any, headers: Any,
                 address: str | None) -> tuple[str, list[tuple[str, str]], bytes | None]:
        """The wire path's request target (path and query), headers and body."""
        if "://" in path:
            url = _parse_url(path)
            if url is None:
                raise ProviderContractError(f"cannot build a URL from {self._redact(path)!r}: "
                                            f"{self._redact(_url_problem(path))}", address=address, method=method)
            self._check_origin((url.scheme, url.host, url.port), url.text, method, address)
            target = url.raw_path.decode("ascii")
        else:
            target = self._prefix + path.lstrip("/")
            if _UNSAFE_TARGET.search(target):
                target = quote(target, safe=_TARGET_SAFE)
        if params is not None:
            query = _query(params)
            if query:
                target += ("&" if "?" in target else "?") + query
        fields = self._wire_headers
        body: bytes | None = None
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
            fields = {**fields, "content-type": ("Content-Type", "application/json")}
        elif content is not None:
            body = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        if headers:
            fields = {**fields, **{name.lower(): (name, str(value)) for name, value in headers.items()}}
        return target, list(fields.values()), body

    def _retries_now(self) -> int:
        """``max_retries``, or 1 while the platform looks down (``OUTAGE_STREAK`` requests in a row
        gave up after all their retries): an outage then fails each call in seconds, not minutes.
        Any answer that is not a retryable failure ends it."""
        return min(1, self._max_retries) if self._outage_streak >= OUTAGE_STREAK else self._max_retries

    def _gave_up(self, after_retries: bool) -> None:
        if not after_retries:
            return
        with self._lock:
            self._outage_streak += 1
            if self._outage_streak == OUTAGE_STREAK:
                log.warning("%s: %d requests in a row failed after every retry; retrying once until it answers",
                            self.provider, OUTAGE_STREAK)

    def _send(self, request: httpx.Request) -> httpx.Response:
        """One exchange, the body read and the connection released (see ``_transport``)."""
        if self._transport is None:
            return self._client.send(request)
        if self._auth_header is not None:
            request.headers["Authorization"] = self._auth_header
        response = self._transport.handle_request(request)
        response.request = request
        try:
            response.read()
        finally:
            response.close()
        self._client.cookies.extract_cookies(response)
        return response

    def _request(self, method: str, path: str, params: Any, json: Any, content: Any,
                 headers: Any, address: str | None, idempotent: bool, ok: frozenset[int]) -> HttpResult:
        wire = self._wire
        if wire is not None:
            target, fields, body = self._prepare(method, path, params, json, content, headers, address)
            url = self._redact(self._origin_url + target)
        else:
            request = self._build(method, path, params, json, content, headers, address)
            url = self._redact(str(request.url))
        attempt = 0
        while True:
            self._count("requests")
            response: Answer | None = None
            failure: httpx.TransportError | None = None
            try:
                with self.budget.slot():
                    response = wire.send(method, target, fields, body) if wire is not None else self._send(request)
            except Exception as exc:  # httpx's, read with the classes loaded on the first failure
                kinds = _failures()
                if isinstance(exc, kinds.transport):
                    failure = exc
                elif isinstance(exc, kinds.unusable):
                    raise ProviderContractError(
                        f"unusable response: {type(exc).__name__}: {self._redact(str(exc))}",
                        address=address, method=method, url=url,
                    ) from None
                else:
                    raise

            if response is not None:
                status = response.status_code
                throttled = status == 429 or (status == 503 and "retry-after" in response.headers)
                if throttled:
                    self._count("throttled")
                    self.budget.throttled()
                else:
                    self.budget.succeeded()
                if status < 400 or status in ok:
                    self._outage_streak = 0
                    return HttpResult(status, response.headers, response.content, url, method, self._redact)
                retry = status in RETRY_STATUSES and (idempotent or status == 429)
                if status not in RETRY_STATUSES:
                    self._outage_streak = 0  # the platform answered: it is up
                if not retry or attempt >= self._retries_now():
                    self._gave_up(retry and status != 429)  # a throttling platform is up
                    raise self._api_error(response, method, url, address, attempt + 1)
                delay = self._delay(attempt, response)
                reason = f"HTTP {status}"
            else:
                assert failure is not None
                kinds = _failures()
                never_sent = isinstance(failure, kinds.never_sent)
                retry = isinstance(failure, kinds.retryable) and (idempotent or never_sent) and not _tls_refused(failure)
                if not retry or attempt >= self._retries_now():
                    self._gave_up(retry)
                    raise self._transport_error(failure, method, url, address, attempt + 1, idempotent)
                delay = self._delay(attempt, None)
                reason = type(failure).__name__

            log.debug("%s %s: %s, retry %d in %.2fs", method, url, reason, attempt + 1, delay)
            self._count("retries")
            self._sleep(delay)  # outside the budget: a waiting request holds no slot
            attempt += 1

    def _delay(self, attempt: int, response: Answer | None) -> float:
        if response is not None and response.status_code in RETRY_AFTER_STATUSES:
            asked = _retry_after(response)
            if asked is not None:
                return min(asked, self._retry_after_max)
        return min(self._backoff_max, self._backoff_base * 2**attempt) * self._rng.random()

    def _api_error(self, response: Answer, method: str, url: str,
                   address: str | None, attempts: int) -> ApiError:
        try:
            text = self._error_message(response)
        except Exception:  # a provider's extractor must not hide the real error
            text = default_error_message(response)
        detail = _excerpt(str(text), self._redact)
        if attempts > 1:
            detail += f" (gave up after {attempts} attempts)"
        status = response.status_code
        hint = None
        if status in (401, 403):
            hint = f"check the API key/token for {self.provider}"
        elif status == 429:
            hint = f"{self.provider} is rate-limiting; lower its concurrency budget"
        try:
            not_found = self._is_not_found(response)
        except Exception:
            not_found = status == 404
        cls = NotFoundError if not_found else ApiError
        return cls(detail, address=address, method=method, url=url, status=status,
                   hint=self._redact(hint) if hint else None)

    def _transport_error(self, exc: httpx.TransportError, method: str, url: str,
                         address: str | None, attempts: int, idempotent: bool) -> TransportError:
        kinds = _failures()
        what = next((text for kind, text in kinds.what if isinstance(exc, kind)), type(exc).__name__)
        said = self._redact(str(exc)).strip()
        message = f"{what} ({said})" if said and said != what else what
        message += f" after {attempts} attempt{'s' if attempts > 1 else ''}"
        hint = None
        retried_kind = isinstance(exc, kinds.retryable)
        if retried_kind and not idempotent and not isinstance(exc, kinds.never_sent):
            message += f"; not retried because the {method} may have reached the server"
            hint = "check on the platform whether it took effect before running again"
        error = TransportError(message, address=address, method=method, url=url, hint=hint)
        if hint or not retried_kind:
            error.retryable = False  # retrying blindly could duplicate work or cannot help
        return error


def _query(params: Any) -> str:
    """``params`` (a mapping whose values may be lists, pairs, ``httpx.QueryParams`` or a string)
    as a query string, values written as httpx writes them (``true``/``false``, ``None`` empty)."""
    if isinstance(params, str):
        return str(httpx_module().QueryParams(params))
    items = params.multi_items() if hasattr(params, "multi_items") else (
        params.items() if isinstance(params, Mapping) else params)
    out = []
    for key, value in items:
        for one in value if isinstance(value, (list, tuple)) else (value,):
            text = "true" if one is True else "false" if one is False else "" if one is None else str(one)
            out.append(f"{quote_plus(str(key), safe='')}={quote_plus(text, safe='')}")
    return "&".join(out)
