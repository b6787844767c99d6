"""Helpers every provider's resource types share: pure functions over ids and values, and
``fan_out`` for a read that needs one request per object.

Nothing here knows a platform; a helper that only one provider needs stays in that provider.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from reconciler.errors import NotFoundError, ProviderError

T = TypeVar("T")
R = TypeVar("R")


def text(value: Any) -> Any:
    """Optional text, compared as the platform means it: ``None`` and ``""`` are the same (``""``)."""
    return "" if value is None else value


def as_set(values: Any) -> Any:
    """A list whose order means nothing (tags), deduplicated and sorted; ``None`` is empty.
    Anything that is not a list (an unknown value at plan time) is returned as it is."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        return values
    return sorted(dict.fromkeys(values), key=lambda v: (not isinstance(v, str), str(v)))


def declared(spec: Mapping[str, Any], fields: Iterable[str]) -> list[str]:
    """The fields of ``fields`` the spec declares (declared = managed; absent = left alone)."""
    return [f for f in fields if f in spec]


def join_id(*parts: str, sep: str = ".") -> str:
    """The id of an object that lives in a container: ``join_id("SALES", "orders")`` -> ``SALES.orders``."""
    return sep.join(parts)


def split_id(object_id: str, what: str, *, sep: str = ".", parts: int = 2) -> tuple[str, ...]:
    """``join_id``'s inverse: ``object_id`` cut at the first ``parts - 1`` separators; a
    ``ProviderError`` that says what was expected when it does not have that many parts."""
    pieces = tuple(object_id.split(sep, parts - 1))
    if len(pieces) != parts or not all(pieces):
        shape = sep.join(f"<{n}>" for n in ("container", *["part"] * (parts - 2), what))
        raise ProviderError(f"{object_id!r} is not a {what} id: expected {shape}",
                            hint=f"import a {what} by its id, {shape}")
    return pieces


def only_one(matches: Sequence[T], what: str, ident: Callable[[T], str]) -> T | None:
    """The single match, ``None`` for none, and a ``ProviderError`` naming every id when several
    match: the engine never guesses which object the specs mean."""
    if not matches:
        return None
    if len(matches) > 1:
        ids = ", ".join(sorted(ident(m) for m in matches))
        raise ProviderError(f"{len(matches)} objects match {what} ({ids}); refusing to guess which one the specs mean",
                            hint="rename or remove the others, or adopt one with `reconciler import ADDRESS ID`")
    return matches[0]


def or_none(call: Callable[[], T]) -> T | None:
    """``call()``, or None when the platform answers that the object does not exist (``read``'s
    "not found is None")."""
    try:
        return call()
    except NotFoundError:
        return None


def fan_out(fn: Callable[[T], R], items: Sequence[T], threads: int = 8) -> list[R]:
    """``[fn(i) for i in items]``, up to ``threads`` at a time, in order; the first error raised is
    raised. For a ``list`` that needs a request per object besides its list call; the provider's
    HTTP budget still bounds how many requests are in flight."""
    if len(items) <= 1:
        return [fn(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(threads, len(items)), thread_name_prefix="fan-out") as pool:
        return list(pool.map(lambda i: contextvars.copy_context().run(fn, i), items))
