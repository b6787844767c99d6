"""Helpers shared by the Astro resource types (pure functions, no network)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from collections.abc import Mapping
from typing import Any


def version_key(version: str) -> tuple[int, ...]:
    """``"12.1.0"`` -> ``(12, 1, 0)``; non-numeric parts are ignored (``"9.1.0-rc1"`` -> ``(9, 1, 0, 1)``)."""
    return tuple(int(p) for p in re.findall(r"\d+", version))


def subject_name(subject: Any) -> str | None:
    """Who an Astro ``BasicSubjectProfile`` is: username, API token name, or id."""
    if not isinstance(subject, Mapping):
        return None
    for key in ("username", "apiTokenName", "fullName", "id"):
        if subject.get(key):
            return str(subject[key])
    return None


def last_modified(live: Mapping[str, Any]) -> tuple[str | None, str | None] | None:
    """(who, when) of a live view's last change, from its ``updated_by`` and ``updated_at``."""
    who, when = subject_name(live.get("updated_by")), live.get("updated_at")
    return (who, when) if who or when else None


#: cron field -> (lowest, highest, names)
_CRON_FIELDS = (("minute", 0, 59, ()), ("hour", 0, 23, ()), ("day-of-month", 1, 31, ()),
                ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
                ("day-of-week", 0, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")))
CRON_HELP = ("a 5-part cron expression 'minute hour day-of-month month day-of-week' (each field: *, a number, "
             "a range a-b, a list a,b, a step */n; months JAN-DEC, days SUN-SAT), e.g. '0 19 * * MON-FRI'")


def cron_problem(expr: str) -> str | None:
    """Why ``expr`` is not a 5-part cron expression Astro takes for hibernation, or None."""
    parts = expr.split()
    if len(parts) != 5:
        return f"has {len(parts)} field(s), not 5"
    for value, (name, low, high, names) in zip(parts, _CRON_FIELDS):
        for item in value.split(","):
            base, _, step = item.partition("/")
            if step and not (step.isdigit() and int(step) > 0):
                return f"{name} field {value!r}: the step after / must be a positive number"
            if base == "*":
                continue
            for bound in base.split("-", 1):
                upper = bound.upper()
                number = names.index(upper) + (low if name == "month" else 0) if upper in names else \
                    int(bound) if bound.isdigit() else None
                if number is None or not low <= number <= high:
                    return f"{name} field {value!r}: {bound!r} is not in {low}-{high}" + \
                        (f" or {names[0]}-{names[-1]}" if names else "")
    return None


def utc_time(value: str) -> str:
    """An RFC 3339 time as Astro writes it (``2026-01-05T10:00:00Z``); ValueError if it is not one."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not an RFC 3339 time such as 2026-12-31T18:00:00Z") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
