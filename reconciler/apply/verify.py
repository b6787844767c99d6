"""Verified applies: does the platform now hold what a create or an update asked for?

Owns the comparison the executor makes after every create and update: the managed fields of
the object as the type read it back (the live view ``create`` / ``update`` return) against the
resolved spec that was sent, both through the type's ``normalize``, exactly as the next plan will
compare them. Left out: server-owned fields, write-only (``sensitive``) fields, which the
platform never returns, and ``lifecycle.ignore_changes`` fields. A detail field the live view
does not hold is read (``read_details``) before it is compared.

A mismatch means the next plan would show the change again: the executor fails the operation
with ``describe``'s message and records (``recorded_attrs``) what the platform really holds. Not
verified: a change the plan showed as ``blocked`` (the platform cannot reach the specs yet). A
field the type lists in ``settles_later`` is reported (``describe_later``), not failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.providers.base import ResourceType
from reconciler.values import SENSITIVE_MASK

#: a field the platform's answer does not hold at all
ABSENT = object()


@dataclass(frozen=True)
class Mismatch:
    """One managed field that is not what was asked: the normalized values (``ABSENT``: missing)."""

    field: str
    expected: Any
    actual: Any


def verified_fields(rt: ResourceType, spec: Mapping[str, Any], managed: Iterable[str],
                    ignored: Iterable[str]) -> list[str]:
    """The fields of ``spec`` an apply is checked on (see the module docstring)."""
    skip = set(ignored) | rt.server_owned | rt.sensitive
    return [k for k in managed if k in spec and k not in skip]


def with_details(rt: ResourceType, object_id: str, live: Mapping[str, Any], fields: Iterable[str]) -> Mapping[str, Any]:
    """``live`` completed with the managed detail fields it leaves out (one ``read_details``)."""
    missing = frozenset(k for k in fields if k in rt.detail_fields and k not in live)
    if not missing:
        return live
    return rt.read_details(object_id, dict(live), missing) or live


def mismatches(rt: ResourceType, spec: Mapping[str, Any], live: Mapping[str, Any],
               fields: Iterable[str]) -> list[Mismatch]:
    """The ``fields`` whose normalized live value is not the normalized ``spec`` value."""
    fields = list(fields)
    if not fields:
        return []
    expected = rt.normalize({k: spec[k] for k in fields})
    actual = rt.normalize({k: live[k] for k in fields if k in live})
    return [Mismatch(k, expected.get(k), actual.get(k, ABSENT)) for k in fields
            if k in expected and (k not in actual or actual[k] != expected[k])]


def describe(found: list[Mismatch], hide: Callable[[Any], bool] = lambda value: False) -> str:
    """The failure message: each field with what was asked and what the platform holds
    (values ``hide`` says hold a secret are masked)."""

    parts = [f"{m.field}: expected {_show(m.expected, hide)}, got {_show(m.actual, hide)}" for m in found]
    return ("the platform accepted the change but does not hold it: " + "; ".join(parts)
            + " (the state records what the platform holds; the next plan shows the change again)")


def describe_later(found: list[Mismatch], reasons: Mapping[str, str],
                   hide: Callable[[Any], bool] = lambda value: False) -> str:
    """The note for fields the type says settle later (``ResourceType.settles_later``)."""
    return "; ".join(f"{m.field} is not {_show(m.expected, hide)} yet ({_show(m.actual, hide)}): {reasons[m.field]}"
                     for m in found)


def recorded_attrs(attrs: Mapping[str, Any], live: Mapping[str, Any], found: list[Mismatch]) -> dict[str, Any]:
    """``attrs`` (what was asked) with each mismatched field as the platform holds it (left out
    when the platform does not return it)."""
    out = dict(attrs)
    for m in found:
        if m.field in live:
            out[m.field] = live[m.field]
        else:
            out.pop(m.field, None)
    return out


def _show(value: Any, hide: Callable[[Any], bool]) -> str:
    if value is ABSENT:
        return "nothing (the platform does not return it)"
    if hide(value):
        return SENSITIVE_MASK
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
