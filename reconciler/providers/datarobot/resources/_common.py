"""Helpers shared by the DataRobot resource types (pure, no network)."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, TypeVar

from reconciler.errors import PlanError, ProviderError

T = TypeVar("T")


def text(value: Any) -> Any:
    """Optional text: ``None`` and ``""`` are the same."""
    return "" if value is None else value


def dropped(attrs: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """``attrs`` without ``names`` (options that are ours, never compared)."""
    out = dict(attrs)
    for name in names:
        out.pop(name, None)
    return out


def only_one(matches: list[T], what: str, ident: Callable[[T], str], hint: str) -> T | None:
    """The single match, ``None`` for none, and a ``ProviderError`` naming every id when several
    match: adoption must never guess which object the specs mean."""
    if not matches:
        return None
    if len(matches) > 1:
        ids = ", ".join(sorted(ident(m) for m in matches))
        raise ProviderError(f"{len(matches)} live objects match {what} (ids {ids}); refusing to guess which one "
                            "the specs mean", hint=hint)
    return matches[0]


def no_scope(scope: Mapping[str, str]) -> None:
    """``reconciler export --provider datarobot`` takes no ``--scope``: refuse one rather than
    export more than the user asked for."""
    if scope:
        raise PlanError(f"datarobot export takes no --scope (got {', '.join(sorted(scope))})",
                        hint="it exports every prediction environment and deployment; leave --scope out")
