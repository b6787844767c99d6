"""The one exception tree of reconciler.

Every failure a user can cause or meet is one of these; the CLI maps them to exit code 1 and
prints ``str(error)`` (never a traceback). Messages name where (``file:line``, address, or
method + URL + status), what was wrong, and what is allowed or what to do next. No message ever
contains a credential: the HTTP layer redacts before it raises.

    ReconcilerError
    ├── SpecError                  the specs are wrong (has .location and .address)
    │   ├── SpecSyntaxError        YAML that does not parse
    │   ├── SpecValidationError    unknown field, wrong type, unknown resource type, duplicates
    │   ├── ReferenceError_        ${...} naming something that does not exist
    │   └── CycleError             dependencies that loop (names every member)
    ├── ConfigError                provider settings or credentials missing / invalid
    ├── StateError                 the state backend
    │   ├── StateLockedError       someone else holds the write lock (names the holder)
    │   ├── StateCorruptError      unreadable / wrong format / lineage mismatch
    │   └── StalePlanError         a saved plan no longer matches state or the live world
    ├── PlanError                  the plan cannot be made as asked
    │   └── ProtectedResourceError deleting a prevent_destroy / protected resource
    ├── ProviderError              a platform call failed (address, method, URL, status)
    │   ├── ApiError               the platform answered with an error status
    │   │   └── NotFoundError      ... and it means "no such object"
    │   ├── TransportError         no answer: connection refused, dropped, timed out
    │   ├── ProviderContractError  the platform answered something we cannot interpret
    │   └── VerificationError      an apply was accepted, but the object read back is not what was asked
    └── ApplyError                 some changes failed; the ledger says which
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Location(NamedTuple):
    """Where a spec node came from: ``file:line`` (1-based line). A tuple: loading a large spec
    set builds hundreds of thousands of them."""

    file: str
    line: int
    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class ReconcilerError(Exception):
    """Base of every error reconciler raises on purpose. ``exit_code`` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class SpecError(ReconcilerError):
    """The specs are wrong. ``location`` and ``address`` say where, when known."""

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        address: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.location = location
        self.address = address
        prefix = ""
        if location is not None:
            prefix += f"{location}: "
        if address:
            prefix += f"{address}: "
        super().__init__(prefix + message, hint=hint)


class SpecSyntaxError(SpecError):
    """A spec file is not valid YAML."""


class SpecValidationError(SpecError):
    """A spec is valid YAML but not a valid spec (unknown field, wrong type, duplicate...)."""


class ReferenceError_(SpecError):  # noqa: N801 - avoid shadowing the builtin ReferenceError
    """An interpolation names a variable, env var, resource or attribute that does not exist."""


class CycleError(SpecError):
    """Dependencies form a cycle. ``cycle`` lists its members in order."""

    def __init__(self, message: str, *, cycle: list[str], hint: str | None = None) -> None:
        self.cycle = cycle
        super().__init__(message, hint=hint)


class ConfigError(ReconcilerError):
    """Provider settings are missing or invalid (e.g. no credentials)."""


class StateError(ReconcilerError):
    """The state backend failed or holds something unusable."""


class StateLockedError(StateError):
    """The state's write lock is held by someone else. ``holder`` is the lock record."""

    def __init__(self, message: str, *, holder: dict[str, Any] | None = None, hint: str | None = None):
        self.holder = holder or {}
        super().__init__(message, hint=hint)


class StateCorruptError(StateError):
    """The state cannot be read: bad JSON, unknown format version, lineage mismatch."""


class StalePlanError(StateError):
    """A saved plan no longer matches the state or the live objects it was made from."""


class PlanError(ReconcilerError):
    """The plan cannot be made as asked (bad target, refused deletion...)."""


class ProtectedResourceError(PlanError):
    """A change would delete a resource protected by ``prevent_destroy`` or by its kind."""

    def __init__(self, message: str, *, addresses: list[str], hint: str | None = None) -> None:
        self.addresses = addresses
        super().__init__(message, hint=hint)


class ProviderError(ReconcilerError):
    """A call to a platform failed. Carries what is known of address, method, URL and status."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        address: str | None = None,
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.address = address
        self.method = method
        self.url = url
        self.status = status
        self.detail = message
        super().__init__(self._compose(message), hint=hint)

    def _compose(self, message: str) -> str:
        where = " ".join(p for p in (self.method, self.url) if p)
        parts = []
        if self.address:
            parts.append(f"{self.address}:")
        if where:
            parts.append(f"{where}")
        if self.status is not None:
            parts.append(f"-> {self.status}")
        head = " ".join(parts)
        return f"{head}: {message}" if head else message

    def with_address(self, address: str) -> "ProviderError":
        """Return this error re-labelled with the resource address it happened for."""
        if self.address == address:
            return self
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.address = address
        ReconcilerError.__init__(clone, clone._compose(self.detail), hint=self.hint)
        return clone


class ApiError(ProviderError):
    """The platform answered with an error status (4xx/5xx after retries)."""


class NotFoundError(ApiError):
    """The platform says the object does not exist (HTTP 404 or its platform equivalent)."""


class TransportError(ProviderError):
    """No usable answer: connection refused or dropped, or timed out (after retries)."""

    retryable = True


class ProviderContractError(ProviderError):
    """The platform answered, but with something that breaks its documented contract."""


class VerificationError(ProviderError):
    """A create or update was accepted, but the object as read back does not hold what was asked
    (the message names each field with the expected and the actual value)."""


class ApplyError(ReconcilerError):
    """An apply finished with failures. ``ledger`` is the per-address outcome."""

    def __init__(self, message: str, *, ledger: Any = None, hint: str | None = None) -> None:
        self.ledger = ledger
        super().__init__(message, hint=hint)
