"""The HTTP client every provider uses: where their requests go through httpx and every httpx
error becomes one of ours (providers name httpx only in types: the transport tests plug in, the
``httpx.Response`` their error extractors read).

One ``HttpClient`` per provider session owns one ``httpx.Client``: the base URL, the auth header,
the timeout, connection limits from the concurrency budget, no redirects followed (a 3xx, e.g.
DataRobot's 303 when an async job is done, is returned with its ``Location``), and
``trust_env=True``, so ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY`` and
``SSL_CERT_FILE``/``SSL_CERT_DIR`` behave as in curl and requests. TLS is verified by default
(httpx's default context, built once per process and shared by every client); ``verify`` (an ``ssl.SSLContext`` trusting a ``ca_bundle``, or ``False`` where a provider lets the
user turn verification off) changes what is trusted without changing how requests are routed,
so proxies apply with a bundle too. ``transport`` replaces the network (tests: the sandbox's
in-process transport).

It also owns a concurrency budget (at most ``concurrency`` requests in flight, shared by every
thread, adaptive on throttling: ``budget.AdaptiveBudget``), retries with exponential backoff and
full jitter, ``Retry-After``, and the translation of every failure into ``reconciler.errors``
with address, method, URL and status. No httpx exception leaves this module, and every message,
URL and hint it produces is redacted: each configured secret (and the auth token, in raw,
URL-encoded and base64 forms) becomes ``***``. Credentials go only to the base URL's origin.

Retry rules (``max_retries`` retries, so ``max_retries + 1`` attempts at most):

=====================================  =========================  ===============================
what happened                          idempotent request         POST / PATCH (not idempotent)
=====================================  =========================  ===============================
ConnectError/ConnectTimeout/PoolTimeout  retry                    retry (never reached the server)
dropped/broken/timed-out after send    retry                      raise ``TransportError``
untrusted TLS certificate              raise ``TransportError``   raise ``TransportError``
429                                    retry, honour Retry-After  retry, honour Retry-After
503                                    retry, honour Retry-After  raise ``ApiError``
500 / 502 / 504                        retry                      raise ``ApiError``
other status >= 400                    raise                      raise
=====================================  =========================  ===============================

Once ``OUTAGE_STREAK`` requests in a row gave up after every retry (5xx or transport failures, not
429), the platform counts as down: requests retry once until one gets an answer, so an outage
fails a run in seconds instead of each call waiting out its backoff.

GET/HEAD/PUT/DELETE/OPTIONS are idempotent unless ``idempotent=False``; POST/PATCH are not unless
``idempotent=True``.
"""

from __future__ import annotations

import base64
import email.utils
import functools
import json as jsonlib
import logging
import os
import random
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Generator, Iterable, Mapping
from urllib.parse import quote, quote_plus

import httpx

from reconciler.errors import (
    ApiError,
    ConfigError,
    NotFoundError,
    ProviderContractError,
    ProviderError,
    TransportError,
)
from reconciler.providers.budget import AdaptiveBudget

__all__ = ["HeaderAuth", "HttpClient", "HttpResult", "basic_key_auth", "default_error_message", "scheme_auth"]

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})
#: requests in a row that gave up after every retry before the platform counts as down
OUTAGE_STREAK = 3
EXCERPT_CHARS = 300

#: transport failures where the request surely never reached the server
NEVER_SENT: tuple[type[httpx.TransportError], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: transport failures worth retrying (for a non-idempotent request only if also ``NEVER_SENT``)
RETRYABLE: tuple[type[httpx.TransportError], ...] = (
    httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ProxyError)
#: what a user reads for each transport failure ("... after 5 attempts"), most specific first
_WHAT: tuple[tuple[type[httpx.TransportError], str], ...] = (
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
)
#: an answer (or a URL) httpx cannot use: reported as a ``ProviderContractError``
UNUSABLE: tuple[type[Exception], ...] = (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL, httpx.CookieConflict)


# -- auth ------------------------------------------------------------------------------------


class HeaderAuth(httpx.Auth):
    """Sets ``Authorization`` on every request; knows which strings are secret; never prints them."""

    def __init__(self, header: str, secrets: tuple[str, ...]) -> None:
        self._header = header
        self.secrets = secrets

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(***)"


def basic_key_auth(key: str) -> HeaderAuth:
    """HTTP Basic with ``key`` as the user and an empty password (Dataiku's API keys)."""
    encoded = base64.b64encode(f"{key}:".encode()).decode("ascii")
    return HeaderAuth(f"Basic {encoded}", (key, encoded))


def scheme_auth(scheme: str, token: str) -> HeaderAuth:
    """``Authorization: <scheme> <token>``: ``Bearer`` (Astro, semantic), ``Token`` (DataRobot),
    ``ApiKey`` (Lightdash)."""
    return HeaderAuth(f"{scheme} {token}", (token,))


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


def default_error_message(response: httpx.Response) -> str:
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


def _is_404(response: httpx.Response) -> bool:
    return response.status_code == 404


def _default_tls() -> ssl.SSLContext:
    """httpx's default TLS context (``trust_env``: ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` when set,
    else its CA bundle), shared by every client that uses it."""
    return _default_tls_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=None)
def _default_tls_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """Built once per process for each value of the variables it reads."""
    return httpx.create_ssl_context(trust_env=True)


def _tls_refused(exc: BaseException) -> bool:
    """A certificate the client does not trust: retrying cannot help (set ca_bundle instead)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _retry_after(response: httpx.Response) -> float | None:
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
        verify: ssl.SSLContext | bool = True,
        transport: httpx.BaseTransport | None = None,
        error_message: Callable[[httpx.Response], str] | None = None,
        is_not_found: Callable[[httpx.Response], bool] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        user_agent: str = "reconciler/0.1",
    ) -> None:
        """``verify``: ``True`` (httpx's default CAs, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``; one
        context per process), an SSL context (a ``ca_bundle``'s) or ``False``. ``transport``: for tests only (an in-process
        server); it replaces the network, proxies and TLS included."""
        if concurrency < 1 or max_retries < 0:
            raise ValueError("concurrency must be >= 1 and max_retries >= 0")
        self.provider = provider
        #: what the client reaches the platform with (a second client to another origin, an
        #: upload host, is made with the same)
        self.verify, self.transport, self.timeout = verify, transport, timeout
        all_secrets = list(secrets) + list(getattr(auth, "secrets", ()))
        for name, value in (headers or {}).items():
            if name.lower() == "authorization":
                all_secrets += [value, value.partition(" ")[2]]
        try:
            base: httpx.URL | None = httpx.URL(base_url)
        except httpx.InvalidURL:
            base = None
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
        self._client = httpx.Client(
            base_url=base,
            auth=auth,
            headers={"User-Agent": user_agent, "Accept": "application/json", **(headers or {})},
            timeout=timeout,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            follow_redirects=False,
            trust_env=True,
            verify=_default_tls() if verify is True and transport is None else verify,
            transport=transport,
        )
        self._base = str(self._client.base_url)

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

        ``path`` is joined to the base URL (``/x`` and ``x`` both land under its path; a query in
        it is kept and merged with ``params``); an absolute URL is accepted only on the base
        URL's origin. Raises ``NotFoundError`` / ``ApiError`` for a final status >= 400 not in
        ``ok_statuses``, ``TransportError`` when no answer came, ``ProviderContractError`` for a
        URL or response that cannot be used.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        ok = frozenset(ok_statuses)
        try:
            request = self._build(method, path, params, json, content, headers, address)
            return self._send(request, address, idempotent, ok)
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
        """Close every connection (and the transport given, if any)."""
        self._client.close()

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
               headers: Mapping[str, str] | None, address: str | None) -> httpx.Request:
        """The request for ``path`` under the base URL; refused unless on the base URL's origin."""
        if "://" not in path:
            path = "/" + path.lstrip("/")  # "//x" would otherwise be read as a host name
        try:
            if params is not None and "?" in path:
                path, _, query = path.partition("?")  # httpx replaces a URL's query by params
                params = httpx.QueryParams(query).merge(params)
            request = self._client.build_request(method, path, params=params, json=json, content=content,
                                                 headers=headers)
        except httpx.InvalidURL as exc:
            raise ProviderContractError(
                f"cannot build a URL from {self._redact(path)!r}: {self._redact(str(exc))}",
                address=address, method=method,
            ) from None
        url = request.url
        if (url.scheme, url.host, url.port) != self._origin:
            raise ProviderContractError(
                f"refusing to send {self.provider} credentials to another origin",
                address=address, method=method, url=self._redact(str(url)),
                hint=f"only URLs under {self._redact(self._base)} are allowed",
            )
        return request

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

    def _send(self, request: httpx.Request, address: str | None, idempotent: bool,
              ok: frozenset[int]) -> HttpResult:
        """Send ``request`` until it gets a usable answer or the retry rules say stop."""
        method = request.method
        url = self._redact(str(request.url))
        attempt = 0
        while True:
            self._count("requests")
            try:
                with self.budget.slot():
                    response = self._client.send(request)
            except httpx.TransportError as exc:
                never_sent = isinstance(exc, NEVER_SENT)
                retry = isinstance(exc, RETRYABLE) and (idempotent or never_sent) and not _tls_refused(exc)
                if not retry or attempt >= self._retries_now():
                    self._gave_up(retry)
                    raise self._transport_error(exc, method, url, address, attempt + 1, idempotent) from None
                delay = self._delay(attempt, None)
                reason = type(exc).__name__
            except UNUSABLE as exc:
                raise ProviderContractError(
                    f"unusable response: {type(exc).__name__}: {self._redact(str(exc))}",
                    address=address, method=method, url=url,
                ) from None
            else:
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

            log.debug("%s %s: %s, retry %d in %.2fs", method, url, reason, attempt + 1, delay)
            self._count("retries")
            self._sleep(delay)  # outside the budget: a waiting request holds no slot
            attempt += 1

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None and response.status_code in RETRY_AFTER_STATUSES:
            asked = _retry_after(response)
            if asked is not None:
                return min(asked, self._retry_after_max)
        return min(self._backoff_max, self._backoff_base * 2**attempt) * self._rng.random()

    def _api_error(self, response: httpx.Response, method: str, url: str,
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
        what = next((text for kind, text in _WHAT if isinstance(exc, kind)), type(exc).__name__)
        said = self._redact(str(exc)).strip()
        message = f"{what} ({said})" if said and said != what else what
        message += f" after {attempts} attempt{'s' if attempts > 1 else ''}"
        hint = None
        retried_kind = isinstance(exc, RETRYABLE)
        if retried_kind and not idempotent and not isinstance(exc, NEVER_SENT):
            message += f"; not retried because the {method} may have reached the server"
            hint = "check on the platform whether it took effect before running again"
        error = TransportError(message, address=address, method=method, url=url, hint=hint)
        if hint or not retried_kind:
            error.retryable = False  # retrying blindly could duplicate work or cannot help
        return error
