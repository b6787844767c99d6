"""Field-level differences between two attribute documents, as our own ``Diff`` type.

Owns: comparing normalized values and describing the differences as ``DiffItem``s
(``add`` / ``remove`` / ``change`` at a path). Nothing outside this module sees deepdiff.
It does not decide actions (that is the planner) and never talks to a platform.

Values are compared as JSON data: dicts by key, lists by position (set-like lists are sorted by
the resource type's ``normalize`` before they get here). Sensitive fields are masked in every
``DiffItem`` so a diff can be printed or stored as it is.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from reconciler.values import SENSITIVE_MASK, Diff, DiffItem, Unknown, contains_unknown
from reconciler.providers.base import ResourceType


def compute(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    sensitive: Iterable[str] = (),
) -> Diff:
    """Return the differences from ``before`` to ``after`` (``None`` means an empty document).

    Equal documents return ``()`` quickly (no deepdiff call). ``Unknown`` values on the
    ``after`` side are reported as a change to that ``Unknown`` whatever the old value.
    """
    before = dict(before or {})
    after = dict(after or {})
    if before == after:
        return ()
    masked = frozenset(sensitive)
    items: list[DiffItem] = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            items.append(DiffItem("remove", (key,), before[key], None))
        elif key not in before:
            items.append(DiffItem("add", (key,), None, after[key]))
        elif before[key] != after[key]:
            items.extend(_value_diff((key,), before[key], after[key]))
    return tuple(_mask(item, masked) for item in items)


#: keys that identify an element of a list of objects (permissions by group or user, columns by name)
IDENTITY_KEYS = ("group", "user", "name", "id", "key", "email")


def _value_diff(path: tuple[str | int, ...], old: Any, new: Any) -> list[DiffItem]:
    if contains_unknown(new) or not isinstance(old, (dict, list)) or type(old) is not type(new):
        return [DiffItem("change", path, old, new)]
    if isinstance(old, list):
        keyed = _keyed_list_diff(path, old, new)
        if keyed is not None:
            return keyed
    from deepdiff import DeepDiff  # imported when a diff first needs it

    dd = DeepDiff(old, new, verbose_level=2, view="tree")
    items: list[DiffItem] = []
    for report_type, levels in dd.items():
        for level in levels:
            sub = tuple(level.path(output_format="list"))
            full = path + sub
            if report_type in ("dictionary_item_added", "iterable_item_added"):
                items.append(DiffItem("add", full, None, level.t2))
            elif report_type in ("dictionary_item_removed", "iterable_item_removed"):
                items.append(DiffItem("remove", full, level.t1, None))
            else:  # values_changed, type_changes
                items.append(DiffItem("change", full, level.t1, level.t2))
    items.sort(key=lambda i: [str(p) for p in i.path])
    return items or [DiffItem("change", path, old, new)]


def _keyed_list_diff(path: tuple[str | int, ...], old: list, new: list) -> list[DiffItem] | None:
    """Lists whose elements have an identity are diffed by identity, not by position.

    Sorted lists of scalars (set-like lists after normalization) become element additions and
    removals; lists of objects that all carry one identity key (``group``, ``name``...) are matched
    on it, with the path naming the element as ``[group=analysts]``. Other lists: ``None``.
    """
    if all(_is_scalar(v) for v in old + new):
        if old != sorted(old, key=_sort_key) or new != sorted(new, key=_sort_key):
            return None
        removed = [v for v in old if v not in new]
        added = [v for v in new if v not in old]
        return ([DiffItem("remove", path + (f"[{_show(v)}]",), v, None) for v in removed]
                + [DiffItem("add", path + (f"[{_show(v)}]",), None, v) for v in added])
    if not all(isinstance(v, dict) for v in old + new):
        return None
    for key in IDENTITY_KEYS:
        ids_old = [_identity(v, key) for v in old]
        ids_new = [_identity(v, key) for v in new]
        if None in ids_old or None in ids_new or len(set(ids_old)) < len(old) or len(set(ids_new)) < len(new):
            continue
        items: list[DiffItem] = []
        old_by = dict(zip(ids_old, old))
        new_by = dict(zip(ids_new, new))
        for ident in sorted(set(ids_old) | set(ids_new)):
            sub = path + (f"[{ident}]",)
            if ident not in new_by:
                items.append(DiffItem("remove", sub, old_by[ident], None))
            elif ident not in old_by:
                items.append(DiffItem("add", sub, None, new_by[ident]))
            elif old_by[ident] != new_by[ident]:
                items.extend(_value_diff(sub, old_by[ident], new_by[ident]))
        return items
    return None


def _identity(item: dict, key: str) -> str | None:
    if "group" in item or "user" in item:  # principals: exactly one of group / user
        if key not in ("group", "user"):
            return None
        principal = "group" if item.get("group") is not None else "user"
        value = item.get(principal)
        return f"{principal}={value}" if value is not None else None
    value = item.get(key)
    return f"{key}={value}" if _is_scalar(value) and value is not None else None


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _sort_key(value: Any) -> tuple[str, str]:
    return (type(value).__name__, str(value))


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def _mask(item: DiffItem, sensitive: frozenset[str]) -> DiffItem:
    if item.path and item.top in sensitive:
        old = SENSITIVE_MASK if item.old is not None else None
        new = item.new if isinstance(item.new, Unknown) else (SENSITIVE_MASK if item.new is not None else None)
        return DiffItem(item.op, item.path, old, new)
    return item


def managed_view(rt: ResourceType, attrs: Mapping[str, Any] | None, managed: Iterable[str]) -> dict[str, Any]:
    """``attrs`` normalized by the type and projected onto the ``managed`` top-level fields.

    A managed field missing from ``attrs`` is left out (the diff then shows it added/removed).
    """
    if attrs is None:
        return {}
    keys = [k for k in managed if k in attrs]
    return rt.normalize({k: attrs[k] for k in keys})


def compare(rt: ResourceType, desired: Mapping[str, Any], live: Mapping[str, Any] | None) -> Diff:
    """The diff from ``live`` to ``desired`` over the fields ``desired`` declares.

    Server-owned fields are never compared, nor are sensitive (write-only) ones: the platform
    does not return them; the planner tracks them by keyed hash instead.
    """
    managed = [k for k in desired if k not in rt.server_owned and k not in rt.sensitive]
    return compute(managed_view(rt, live, managed), managed_view(rt, desired, managed), sensitive=rt.sensitive)
