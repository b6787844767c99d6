"""The cron expressions Lightdash schedules deliveries with, and the time zones they run in.

Lightdash stores a scheduler's ``cron`` as standard five-field cron (minute, hour, day of month,
month, day of week; its UI writes nothing else) and runs it with ``cron-parser`` in the
scheduler's ``timezone`` (an IANA name), or the project's scheduler time zone when none is set.
``cron_error`` and ``timezone_error`` say what is wrong with a value (None when it is fine); both
the provider's spec model and the sandbox emulator use them.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache

#: field name, lowest value, highest value, names allowed in the field
FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    ("day of week", 0, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)
ALLOWED = ("five fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12 or JAN-DEC) "
           "day-of-week (0-7 or SUN-SAT), each *, a value, a range a-b, a list a,b or a step */n, "
           "e.g. '0 9 * * 1-5'")
_ITEM = re.compile(r"^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/([0-9]+))?$")


def _value(text: str, low: int, high: int, names: tuple[str, ...]) -> int | None:
    if text.upper() in names:
        return names.index(text.upper()) + (1 if low == 1 else 0)
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    return None


def _field_error(text: str, name: str, low: int, high: int, names: tuple[str, ...]) -> str | None:
    for item in text.split(","):
        match = _ITEM.match(item)
        if match is None:
            return f"{name} {item!r} is not *, a value, a range or a step"
        base, step = match.groups()
        if step is not None and int(step) == 0:
            return f"{name} step in {item!r} must be at least 1"
        if base == "*":
            continue
        bounds = [_value(part, low, high, names) for part in base.split("-")]
        if any(b is None for b in bounds):
            return f"{name} {item!r} is outside {low}-{high}"
        if len(bounds) == 2 and bounds[0] > bounds[1]:  # type: ignore[operator]
            return f"{name} range {item!r} runs backwards"
    return None


def cron_error(expression: str) -> str | None:
    """Why ``expression`` is not a five-field cron Lightdash runs, or None when it is one."""
    parts = expression.split()
    if len(parts) != 5:
        return f"{expression!r} has {len(parts)} field(s), not five"
    for text, (name, low, high, names) in zip(parts, FIELDS):
        problem = _field_error(text, name, low, high, names)
        if problem:
            return problem
    return None


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_error(name: str) -> str | None:
    """Why ``name`` is not an IANA time zone, or None (also None where the system has no zone
    database to check against)."""
    zones = _zones()
    if not zones or name in zones or name == "UTC":
        return None
    return f"{name!r} is not an IANA time zone name (e.g. UTC, Europe/London, America/New_York)"
