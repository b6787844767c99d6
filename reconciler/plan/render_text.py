"""Terraform-style text for plans and drift, and the value formatting the markdown reuses.

Owns how one value, one ``DiffItem``, one ``Change`` and one ``Drift`` look as text lines.
Pure: strings in, strings out, no I/O; colour only through the ``Paint`` it is given (ANSI when
on, nothing at all when off). Only what is shown is formatted: unchanged fields of an update
are counted, never rendered.

Layout of a change (columns matter: symbols right-aligned in 3, keys at 4 per depth):

  # dataiku_project.sales will be updated in-place
  # (description differs)
  ~ resource "dataiku_project" "sales" {
        id          = "SALES"
      ~ description = "old" -> "new"
        # (3 unchanged attributes hidden)
    }
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any, Iterable

from reconciler.plan.model import Action, Change, DiffItem, Drift, Plan, Unknown

_BARE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: a container whose inline form is at most this long is shown on one line in an update
INLINE_LIMIT = 80

PHRASES = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in-place",
    Action.REPLACE: "will be replaced",
    Action.DELETE: "will be destroyed",
    Action.FORGET: "will be forgotten",
    Action.NOOP: "",
}
LEGEND = {
    Action.CREATE: "create",
    Action.UPDATE: "update in-place",
    Action.REPLACE: "destroy and then create replacement",
    Action.DELETE: "destroy",
    Action.FORGET: "forget (remove from state, leave in place)",
}
#: (symbol, meaning) in legend order: a create-before-destroy replace has its own symbol
_LEGEND_SIGNS = [(a.symbol, text) for a, text in LEGEND.items()]
_LEGEND_SIGNS.insert(3, ("+/-", "create replacement and then destroy"))
NO_CHANGES = "No changes. Your infrastructure matches the configuration."
DRIFT_TITLE = "Objects have changed outside of reconciler"
DRIFT_INTRO = ('reconciler detected the following changes made outside of reconciler since the last '
               '"reconciler apply":')
RULE = "-" * 78


class Paint:
    """ANSI styling that is the identity when ``on`` is false."""

    _SIGN = {"+": "32", "-": "31", "~": "33", "@": "36"}

    def __init__(self, on: bool) -> None:
        self.on = on

    def style(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on and text else text

    def bold(self, text: str) -> str:
        return self.style(text, "1")

    def sign(self, sign: str) -> str:
        """A symbol (``+``, ``-/+``...) coloured by what it does; ``-/+`` and ``+/-`` get both colours."""
        if not self.on or not sign.strip():
            return sign
        if sign in ("-/+", "+/-"):
            return self.sign(sign[0]) + "/" + self.sign(sign[2])
        code = self._SIGN.get(sign[0])
        return self.style(sign, code) if code else sign

    def warning(self, text: str) -> str:
        return self.style(text, "1;33")


# ---------------------------------------------------------------- values


def scalar(value: Any) -> str:
    """One non-container value: strings quoted, ``Unknown`` as ``(known after apply)``."""
    if isinstance(value, Unknown):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(str(value), ensure_ascii=False)


def printable(text: str) -> str:
    """``text`` with control characters (a terminal escape in a live value...) shown escaped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def key_text(key: Any) -> str:
    key = str(key)
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def is_multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value


def inline(value: Any) -> str:
    """A value on one line: ``["a", "b"]``, ``{ k = 1 }``; multi-line strings stay escaped."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{key_text(k)} = {inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    return scalar(value)


def value_lines(value: Any, sign: str, col: int, paint: Paint) -> list[str]:
    """``value`` as it follows ``key = `` on a line whose key starts at column ``col``.

    The first element is the text after ``= ``; the rest are whole lines (nested entries keyed
    at ``col + 4`` carrying ``sign``, the closing bracket at ``col``).
    """
    if isinstance(value, dict) and value:
        return ["{", *attr_lines(value, sign, col + 4, paint), " " * col + "}"]
    if isinstance(value, (list, tuple)) and value:
        out = ["["]
        lead = " " * (col + 2) + paint.sign(sign) + " "
        for item in value:
            sub = value_lines(item, sign, col + 4, paint)
            out.append(lead + sub[0] + ("," if len(sub) == 1 else ""))
            if len(sub) > 1:
                out.extend(sub[1:-1])
                out.append(sub[-1] + ",")
        out.append(" " * col + "]")
        return out
    if is_multiline(value):
        return ["<<-EOT", *(" " * (col + 4) + printable(line) if line else "" for line in value.splitlines()),
                " " * col + "EOT"]
    return [inline(value)]


def attr_lines(attrs: dict[str, Any], sign: str, col: int, paint: Paint) -> list[str]:
    """Every entry of ``attrs`` as ``<sign> key = value`` with keys at ``col``, ``=`` aligned."""
    keys = [key_text(k) for k in attrs]
    width = max(map(len, keys), default=0)
    lead = " " * (col - 2) + paint.sign(sign) + " "
    out: list[str] = []
    for key, value in zip(keys, attrs.values()):
        sub = value_lines(value, sign, col, paint)
        out.append(f"{lead}{key.ljust(width)} = {sub[0]}")
        out.extend(sub[1:])
    return out


# ---------------------------------------------------------------- diffs


def unified_lines(old: str | None, new: str | None) -> list[str]:
    """difflib's unified diff of two texts, without the ``---``/``+++`` file headers."""
    lines = difflib.unified_diff((old or "").splitlines(), (new or "").splitlines(), lineterm="", n=3)
    return [printable(line) for line in lines if not line.startswith(("---", "+++"))]


def is_text_change(item: DiffItem) -> bool:
    """A change best shown as a line diff: strings (or null) on both sides, one multi-line."""
    sides = (item.old, item.new)
    return (item.op == "change" and all(v is None or isinstance(v, str) for v in sides)
            and any(is_multiline(v) for v in sides))


def diff_item_lines(item: DiffItem, col: int, paint: Paint, *, width: int = 0,
                    forces: bool = False) -> list[str]:
    """One ``DiffItem`` as ``~ path = old -> new`` (``+`` added, ``-`` removed) keyed at ``col``."""
    path = (item.path_str() or "(root)").ljust(width)
    tail = "  # forces replacement" if forces else ""
    pad = " " * (col - 2)
    if item.op == "add":
        return _signed(path, item.new, "+", col, paint, tail)
    if item.op == "remove":
        return _signed(path, item.old, "-", col, paint, tail)
    if is_text_change(item):
        out = [f"{pad}{paint.sign('~')} {path} = <<-EOT{tail}"]
        for line in unified_lines(item.old, item.new):
            if line.startswith("@@"):
                out.append(" " * (col + 2) + paint.style(line, "36"))
            else:
                sign, text = line[:1], line[1:]
                if text or sign.strip():
                    out.append(" " * (col + 2) + paint.sign(sign) + (" " + text if text else ""))
                else:
                    out.append("")
        out.append(" " * col + "EOT")
        return out
    old, new = _short(item.old), _short(item.new)
    if old is not None and new is not None:
        return [f"{pad}{paint.sign('~')} {path} = {old} -> {new}{tail}"]
    return _signed(path, item.old, "-", col, paint, "") + _signed(path, item.new, "+", col, paint, tail)


def _short(value: Any) -> str | None:
    """``value`` on one line if it fits there (scalars always do, multi-line strings never)."""
    if is_multiline(value):
        return None
    if not isinstance(value, (dict, list, tuple)):
        return scalar(value)
    text = inline(value)
    return text if len(text) <= INLINE_LIMIT else None


def _signed(path: str, value: Any, sign: str, col: int, paint: Paint, tail: str) -> list[str]:
    sub = value_lines(value, sign, col, paint)
    return [f"{' ' * (col - 2)}{paint.sign(sign)} {path} = {sub[0]}{tail}", *sub[1:]]


def path_width(diff: Iterable[DiffItem], minimum: int = 0) -> int:
    """The width that aligns the ``=`` of one-line diff items."""
    return max([minimum, *(len(d.path_str()) for d in diff if not is_text_change(d))])


def diff_lines(diff: Iterable[DiffItem], col: int, paint: Paint,
               forcing: tuple[str, ...] = (), width: int | None = None) -> list[str]:
    items = list(diff)
    width = path_width(items) if width is None else width
    out: list[str] = []
    for item in items:
        out.extend(diff_item_lines(item, col, paint, width=width, forces=item.top in forcing))
    return out


# ---------------------------------------------------------------- changes


def display_order(plan: Plan) -> list[Change]:
    """What a reviewer sees, in order: destructive changes first, then the rest in plan order."""
    actionable = {id(c) for c in plan.actionable}
    shown = [c for c in plan.changes if id(c) in actionable or c.blocked]
    return [c for c in shown if c.action.destructive] + [c for c in shown if not c.action.destructive]


def headline(change: Change, *, where: bool = True) -> str:
    """``will be created`` ... or, for an adoption, what will be adopted and (``where``) from what."""
    if change.blocked:
        return "is blocked"
    if change.action is Action.NOOP and change.deposed and not change.importing:
        return "will destroy its deposed object" + ("s" if len(change.deposed) != 1 else "")
    if not change.importing:
        return PHRASES[change.action]
    also = "" if change.action is Action.NOOP else " and " + PHRASES[change.action].removeprefix("will be ")
    if not where:
        return f"will be adopted (imported){also}"
    with_id = f" with id {change.object_id}" if change.object_id else ""
    return f"will be adopted (imported){also}: exists on the platform{with_id}"


def resource_line(sign: str, type_: str, name: str, paint: Paint, body: list[str]) -> list[str]:
    head = " " * (3 - len(sign)) + paint.sign(sign) + f' resource "{type_}" "{name}" {{'
    return [head + "}"] if not body else [head, *body, "    }"]


def change_lines(change: Change, paint: Paint) -> list[str]:
    """The full text of one change: header comments, warnings, then the resource block."""
    out = [f"  # {paint.bold(str(change.address))} {headline(change)}"]
    if change.reason:
        out.append(f"  # ({printable(' '.join(change.reason.split()))})")
    if change.blocked:
        out.append(f"  # {paint.warning('blocked:')} {printable(change.blocked)}")
    for note in change.notes:
        out.extend(f"  # {paint.warning('warning:')} {line}" if i == 0 else f"  #   {line}"
                   for i, line in enumerate(printable(note).splitlines() or [""]))
    action = change.action
    width = path_width(change.diff, 2 if change.object_id else 0)
    id_line = [f'        {"id".ljust(width)} = {scalar(change.object_id)}'] if change.object_id else []
    if action is Action.CREATE:
        body = attr_lines(change.after or {}, "+", 8, paint)
    elif action is Action.DELETE:
        body = [f"      {paint.sign('-')} id = {scalar(change.object_id)}"] if change.object_id else []
    elif action in (Action.FORGET, Action.NOOP):
        body = id_line
        if change.deposed and action is Action.NOOP:
            body = body + [f"      {paint.sign('-')} deposed id = {scalar(i)}" for i in change.deposed]
    else:
        body = id_line + diff_lines(change.diff, 8, paint, change.replace_fields, width)
        hidden = _hidden_count(change)
        if hidden:
            body.append(f"        # ({hidden} unchanged attribute{'s' if hidden != 1 else ''} hidden)")
    sign = change.symbol if change.actionable and (action is not Action.NOOP or change.deposed) else " "
    return out + resource_line(sign, change.address.type, change.address.name, paint, body)


def _hidden_count(change: Change) -> int:
    if not isinstance(change.after, dict):
        return 0
    touched = {d.top for d in change.diff}
    return sum(1 for k in change.after if k not in touched)


def drift_lines(drift: Drift, paint: Paint) -> list[str]:
    addr = paint.bold(str(drift.address))
    who = _who(drift)
    if drift.kind == "unmanaged":
        return [f"  # {addr}: only fields reconciler does not manage changed (info){who}"]
    if drift.kind == "deleted":
        out = [f"  # {addr} has been deleted{who}"]
        return out + (resource_line("-", drift.address.type, drift.address.name, paint,
                                    diff_lines(drift.diff, 8, paint)) if drift.diff else [])
    return [f"  # {addr} has changed{who}",
            *resource_line("~", drift.address.type, drift.address.name, paint, diff_lines(drift.diff, 8, paint))]


def _who(drift: Drift) -> str:
    if not (drift.changed_by or drift.changed_at):
        return ""
    parts = [f"by {printable(drift.changed_by)}" if drift.changed_by else "",
             f"at {printable(drift.changed_at)}" if drift.changed_at else ""]
    return " (" + " ".join(p for p in parts if p) + ")"


# ---------------------------------------------------------------- summaries


def counts_phrase(summary: dict[str, int]) -> str:
    """``1 to import, 2 to add, 0 to change, 0 to destroy, 1 to forget`` (import/forget if any)."""
    parts = [f"{summary.get(k, 0)} to {k}" for k in ("add", "change", "destroy")]
    if summary.get("import"):
        parts.insert(0, f"{summary['import']} to import")
    if summary.get("forget"):
        parts.append(f"{summary['forget']} to forget")
    phrase = ", ".join(parts)
    if summary.get("blocked"):
        phrase += f" ({summary['blocked']} blocked)"
    return phrase


def drift_counts(plan: Plan) -> dict[str, int]:
    kinds = [d.kind for d in plan.drift]
    return {"changed": kinds.count("changed"), "deleted": kinds.count("deleted"), "unmanaged": kinds.count("unmanaged")}


def stats_line(stats: dict[str, dict[str, int]]) -> str:
    """``Refresh: dataiku 12 requests (0 throttled), lightdash 3 requests (1 throttled)``."""
    parts = []
    for provider in sorted(stats):
        s = stats[provider]
        n = s.get("requests", 0)
        parts.append(f"{provider} {n} request{'s' if n != 1 else ''} ({s.get('throttled', 0)} throttled)")
    return "Refresh: " + ", ".join(parts)


# ---------------------------------------------------------------- documents


def _drift_section(plan: Plan, paint: Paint) -> list[str]:
    out = [paint.bold(DRIFT_TITLE), "", DRIFT_INTRO, ""]
    for drift in plan.drift:
        out += drift_lines(drift, paint) + [""]
    return out


def render_plan_text(plan: Plan, paint: Paint) -> str:
    out: list[str] = []
    shown = display_order(plan)
    if plan.scope:
        out += [f"Note: this plan covers part of the estate ({plan.scope}); run a full plan or `drift` to see "
                "everything.", ""]
    elif plan.targets:
        out += [f"Note: targeting is in effect ({', '.join(plan.targets)}); the plan may be incomplete.", ""]
    if plan.drift:
        out += _drift_section(plan, paint)
        if plan.mode == "refresh-only":
            out += ["This is a refresh-only plan: reconciler will not undo these changes. Applying it "
                    "records the live values in state without changing any remote object.", ""]
        elif shown:
            out += ["Unless you have made equivalent changes to your specs, the plan below includes "
                    "actions to undo or respond to these changes.", "", RULE, ""]
    if not shown:
        if plan.mode == "destroy":
            out.append("No changes. No objects need to be destroyed.")
        elif plan.mode == "refresh-only" and not plan.drift:
            out.append("No changes. Your infrastructure still matches the last applied state.")
        elif plan.mode != "refresh-only":
            out.append(NO_CHANGES)
    else:
        signs = {c.symbol for c in shown if c.actionable}
        used = [(sign, text) for sign, text in _LEGEND_SIGNS if sign in signs]
        out.append("Resource actions are indicated with the following symbols:")
        out += [" " * (3 - len(sign)) + f"{paint.sign(sign)} {text}" for sign, text in used]
        out += ["", "reconciler will perform the following actions:", ""]
        for change in shown:
            out += change_lines(change, paint) + [""]
        out.append(paint.bold("Plan:") + f" {counts_phrase(plan.summary())}.")
    if plan.stats:
        out += ["", stats_line(plan.stats)]
    return "\n".join(out).rstrip("\n") + "\n"


def render_drift_text(plan: Plan, paint: Paint) -> str:
    if not plan.drift:
        out = ["No drift. The live objects match the last applied state."]
    else:
        counts = drift_counts(plan)
        out = _drift_section(plan, paint)
        line = f" {counts['changed']} changed, {counts['deleted']} deleted"
        if counts["unmanaged"]:
            line += f", {counts['unmanaged']} with unmanaged changes only (info)"
        out.append(paint.bold("Drift:") + line + ".")
    if plan.stats:
        out += ["", stats_line(plan.stats)]
    return "\n".join(out) + "\n"
