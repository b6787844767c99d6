"""Cron expressions as Airflow schedules accept them: five fields, or an ``@`` preset.

``check(expr)`` returns ``None`` when valid, else a message saying which field is wrong and what
it allows. Pure; used by the spec model (so ``reconciler validate`` reports it with file:line)
and by the emulator (so the sandbox refuses what the service would).
"""

from __future__ import annotations

import re

PRESETS = frozenset({"@once", "@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@quarterly",
                     "@yearly", "@annually"})
_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
_DAYS = "SUN MON TUE WED THU FRI SAT".split()
#: (name, low, high, names mapped to numbers)
FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {m: i + 1 for i, m in enumerate(_MONTHS)}),
    ("day of week", 0, 7, {d: i for i, d in enumerate(_DAYS)}),
)
_ITEM = re.compile(r"^(?P<range>\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:/(?P<step>\d+))?$")


def check(expr: str) -> str | None:
    """``None`` if ``expr`` is a valid schedule, else what is wrong."""
    expr = expr.strip()
    if expr.startswith("@"):
        return None if expr in PRESETS else f"unknown preset {expr!r}; use one of {', '.join(sorted(PRESETS))}"
    parts = expr.split()
    if len(parts) != 5:
        return f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}"
    for text, (name, low, high, names) in zip(parts, FIELDS):
        problem = _check_field(text, low, high, names)
        if problem:
            return f"{name} field {text!r}: {problem} (allowed {low}-{high}, *, lists, ranges, /steps)"
    return None


def _check_field(text: str, low: int, high: int, names: dict[str, int]) -> str | None:
    for item in text.split(","):
        match = _ITEM.match(item)
        if match is None:
            return f"cannot parse {item!r}"
        if match["step"] is not None and int(match["step"]) == 0:
            return "a step must be at least 1"
        if match["range"] == "*":
            continue
        bounds = []
        for value in match["range"].split("-"):
            number = names.get(value.upper()) if not value.isdigit() else int(value)
            if number is None:
                return f"{value!r} is not a number or a known name"
            if not low <= number <= high:
                return f"{number} is out of range"
            bounds.append(number)
        if len(bounds) == 2 and bounds[0] > bounds[1]:
            return f"range {match['range']} runs backwards"
    return None
