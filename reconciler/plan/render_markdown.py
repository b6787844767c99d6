"""Markdown for a pull-request comment: the plan, or the drift report.

Owns the comment's shape: summary and counts first, destructive changes first (with their
warnings), only the changed fields of each change in a ```diff block, the full object in a
collapsed ``<details>`` block, and never more than ``max_chars`` characters (GitHub refuses
comments over 65,535). When the whole would not fit, details blocks go first, then changes
from the end (destructive ones, listed first, are kept longest), and the comment ends with a
note saying what was left out. A plan changing at most ``GRAPH_NODES`` addresses shows them as
a Mermaid graph (edges from each change's ``depends_on``, between changed addresses). Entries are rendered lazily, so a 10,000-change plan costs only
what fits. Pure: no I/O.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Sequence

from reconciler.addresses import Address
from reconciler.graph.dag import Graph
from reconciler.graph.render import render_mermaid
from reconciler.plan.model import Action, Change, DiffItem, Drift, Plan
from reconciler.plan.render_text import (
    Paint, attr_lines, change_lines, counts_phrase, display_order, drift_counts, headline, inline,
    is_multiline, is_text_change, key_text, printable, stats_line, unified_lines,
)

#: the plan comment shows the graph of the changes when there are at most this many
GRAPH_NODES = 30
#: room kept for the truncation note when something must be left out
NOTE_RESERVE = 400
#: at most this many lines in one change's ```diff block; the rest is in its details
DIFF_LINES = 50
#: a value longer than this on one diff line is abbreviated (in full in the details)
VALUE_CHARS = 120

_ESCAPE = re.compile(r"([\\`*_\[\]<>|#~])")
_PLAIN = Paint(False)
_ACTION_ROWS = (
    (Action.CREATE, "`+` create"),
    (Action.UPDATE, "`~` update in-place"),
    (Action.REPLACE, "`-/+` replace"),
    (Action.DELETE, "`-` destroy"),
    (Action.FORGET, "`.` forget"),
)


def md_escape(text: str) -> str:
    """Free text (reasons, notes) shown literally: markdown and HTML specials escaped, one line."""
    return _ESCAPE.sub(r"\\\1", printable(" ".join(text.split())))


def code(text: str) -> str:
    """An inline code span that survives backticks in ``text``."""
    text = printable(" ".join(text.split()))
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fenced(lines: Sequence[str], lang: str = "") -> str:
    """A fenced block whose fence is longer than any backtick run inside."""
    body = "\n".join(lines)
    ticks = "`" * max(3, max((len(r) for r in re.findall(r"`{3,}", body)), default=0) + 1)
    return f"{ticks}{lang}\n{body}\n{ticks}\n"


def details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body}\n</details>\n\n"


def _abbrev(value: object) -> tuple[str, bool]:
    """``value`` for one diff line, and whether anything was left out."""
    if is_multiline(value):
        text = str(value)
        first = inline(text.splitlines()[0] if text.strip() else "")
        return f"{first[:VALUE_CHARS]}… ({len(text.splitlines())} lines)", True
    text = inline(value)
    if len(text) > VALUE_CHARS:
        return text[:VALUE_CHARS - 1] + "…", True
    return text, False


def item_lines(item: DiffItem, forces: bool = False) -> tuple[list[str], bool]:
    """One ``DiffItem`` as ```diff lines (``-`` old, ``+`` new), and whether it was abbreviated."""
    path = item.path_str() or "(root)"
    tail = "  # forces replacement" if forces else ""
    if is_text_change(item):
        lines = unified_lines(item.old, item.new)
        if lines:
            lines[0] = f"{lines[0]} {path}{tail}"
        return lines, False
    out, lossy = [], False
    if item.op in ("change", "remove"):
        text, cut = _abbrev(item.old)
        out.append(f"- {path} = {text}" + (tail if item.op == "remove" else ""))
        lossy |= cut
    if item.op in ("change", "add"):
        text, cut = _abbrev(item.new)
        out.append(f"+ {path} = {text}{tail}")
        lossy |= cut
    return out, lossy


def _capped(lines: list[str], lossy: bool) -> tuple[list[str], bool]:
    if len(lines) <= DIFF_LINES:
        return lines, lossy
    rest = len(lines) - DIFF_LINES + 1
    return lines[:DIFF_LINES - 1] + [f"# … {rest:,} more lines (in full below)"], True


def diff_block(items: Sequence[DiffItem], forcing: tuple[str, ...] = ()) -> tuple[list[str], bool]:
    lines: list[str] = []
    lossy = False
    for item in items:
        more, cut = item_lines(item, item.top in forcing)
        lines += more
        lossy |= cut
        if len(lines) > DIFF_LINES:
            break
    return _capped(lines, lossy or len(lines) > DIFF_LINES)


def _object_block(change: Change, attrs: dict) -> list[str]:
    addr = change.address
    return [f'resource "{addr.type}" "{addr.name}" {{', *attr_lines(attrs, " ", 4, _PLAIN), "}"]


# ---------------------------------------------------------------- entries


class _ChangeEntry:
    kind = "change"

    def __init__(self, change: Change) -> None:
        self.change = change

    @cached_property
    def _diff(self) -> tuple[list[str], bool]:
        c = self.change
        if c.action is Action.CREATE:
            lines, lossy = [], False
            for key, value in (c.after or {}).items():
                text, cut = _abbrev(value)
                lines.append(f"+ {key_text(key)} = {text}")
                lossy |= cut
            return _capped(lines, lossy)
        if c.action in (Action.UPDATE, Action.REPLACE):
            return diff_block(c.diff, c.replace_fields)
        return [], False

    @cached_property
    def compact(self) -> str:
        c = self.change
        sign = f"{code(c.symbol)} " if c.action is not Action.NOOP and c.actionable else ""
        moved_alone = c.moved_only
        where = f" on {code(c.provider)}" if c.provider else ""
        said = f"has moved from {code(str(c.moved_from))}" if moved_alone else headline(c, where=False)
        out = [f"#### {sign}{code(str(c.address))}{where} {said}", ""]
        info = [md_escape(c.reason)] if c.reason and not moved_alone else []
        if c.moved_from is not None and not moved_alone:
            info.insert(0, f"moved from {code(str(c.moved_from))}")
        if c.object_id:
            info.append(f"id {code(c.object_id)}")
        if info:
            out += [" · ".join(info), ""]
        if c.notes:
            out += [f"- ⚠ **warning:** {md_escape(note)}" for note in c.notes] + [""]
        lines, _ = self._diff
        return "\n".join(out) + "\n" + (fenced(lines, "diff") + "\n" if lines else "")

    @cached_property
    def details(self) -> str:
        c = self.change
        lossy = self._diff[1]
        out = ""
        if c.action in (Action.UPDATE, Action.REPLACE) and lossy:
            out += details("Full diff", fenced(change_lines(c, _PLAIN)))
        if c.action is Action.DELETE and c.before:
            out += details("Last known object", fenced(_object_block(c, c.before), "hcl"))
        elif c.action in (Action.UPDATE, Action.REPLACE, Action.NOOP) or (c.action is Action.CREATE and lossy):
            if c.after:
                out += details("Full object", fenced(_object_block(c, c.after), "hcl"))
        return out


class _DriftEntry:
    kind = "drift"

    def __init__(self, drift: Drift, full: bool) -> None:
        self.drift, self.full = drift, full

    @cached_property
    def compact(self) -> str:
        d = self.drift
        sign, what = ("-", "has been deleted") if d.kind == "deleted" else ("~", "has changed")
        what = f"on {code(d.provider)} {what}" if d.provider else what
        if not self.full:
            fields = list(dict.fromkeys(item.path_str() or "(root)" for item in d.diff))
            shown = ", ".join(code(f) for f in fields[:5]) + (f" and {len(fields) - 5} more" if len(fields) > 5 else "")
            return f"- {code(sign)} {code(str(d.address))} {what}" + (f": {shown}" if shown else "") + "\n"
        out = f"#### {code(sign)} {code(str(d.address))} {what}\n\n"
        lines, _ = diff_block(d.diff)
        return out + (fenced(lines, "diff") + "\n" if lines else "")

    details = ""


# ---------------------------------------------------------------- fitting


def _fit(head: str, sections: list[tuple[str, list]], max_chars: int, rerun: str) -> str:
    """``head`` then as many section entries as fit in ``max_chars``, with a note if any is left out."""
    flat = [(i, entry) for i, (_, entries) in enumerate(sections) for entry in entries]

    def choose(budget: int) -> tuple[int, set[int]]:
        used, count, opened = 0, 0, set()
        for i, entry in flat:
            cost = len(entry.compact) + (0 if i in opened else len(sections[i][0]) + 1)
            if used + cost > budget:
                break
            used, count = used + cost, count + 1
            opened.add(i)
        chosen = set()
        for k in range(count):
            extra = len(flat[k][1].details)
            if extra and used + extra <= budget:
                chosen.add(k)
                used += extra
        return count, chosen

    def assemble(count: int, chosen: set[int]) -> str:
        out = [head]
        for i, (heading, _) in enumerate(sections):
            shown = [(k, e) for k, (j, e) in enumerate(flat[:count]) if j == i]
            if shown:
                out.append(heading)
                out += [e.compact + (e.details if k in chosen else "") for k, e in shown]
                if not out[-1].endswith("\n\n"):
                    out.append("\n")
        return "".join(out).rstrip("\n") + "\n"

    # the cost estimate counts up to 2 newlines that assembly strips at the very end
    count, chosen = choose(max_chars - len(head) + 2)
    if count == len(flat) and chosen == {k for k in range(count) if flat[k][1].details}:
        text = assemble(count, chosen)
        if len(text) <= max_chars:
            return text
    count, chosen = choose(max_chars - len(head) - NOTE_RESERVE)
    omitted = sum(1 for k in range(count) if flat[k][1].details and k not in chosen)
    text = assemble(count, chosen) + "\n" + _note(flat, count, omitted, max_chars, rerun) + "\n"
    if len(text) > max_chars:  # only when max_chars is smaller than the summary itself
        cut = f"\n_Truncated (output capped at {max_chars:,} characters)._\n"
        text = text[:max_chars - len(cut)] + cut if max_chars >= len(cut) else text[:max(0, max_chars)]
    return text


def _note(flat: list, count: int, no_details: int, max_chars: int, rerun: str) -> str:
    parts = []
    for kind, noun in (("change", "changes"), ("drift", "drifted objects")):
        total = sum(1 for _, e in flat if e.kind == kind)
        hidden = sum(1 for _, e in flat[count:] if e.kind == kind)
        if hidden:
            parts.append(f"{hidden:,} of {total:,} {noun} not shown")
            risky = sum(1 for _, e in flat[count:] if e.kind == "change" == kind and e.change.action.destructive)
            if risky:
                parts[-1] += f" ({risky:,} of them destructive)"
    if no_details:
        parts.append(f"details of {no_details:,} shown change{'s' if no_details != 1 else ''} omitted")
    return (f"_Truncated: {'; '.join(parts)} (output capped at {max_chars:,} characters); "
            f"run {rerun}._")


# ---------------------------------------------------------------- documents


def _plan_head(plan: Plan, shown: list[Change]) -> str:
    out = []
    if shown:
        out.append(f"**Plan:** {counts_phrase(plan.summary())}")
        rows = [(label, sum(1 for c in shown if c.action is a)) for a, label in _ACTION_ROWS]
        rows.append(("adopt (import)", sum(1 for c in shown if c.importing)))
        rows.append(("move (state only)", sum(1 for c in shown if c.moved_from is not None)))
        out.append("\n".join(["| action | count |", "| :-- | --: |",
                              *(f"| {label} | {n} |" for label, n in rows if n)]))
        destructive = sum(1 for c in shown if c.action.destructive)
        if destructive:
            out.append(f"⚠ **{destructive} destructive change{'s' if destructive != 1 else ''}**, listed first.")
    elif plan.mode == "destroy":
        out.append("**No changes.** No objects need to be destroyed.")
    elif plan.mode == "refresh-only":
        out.append("**Refresh-only plan:** applying it records the live values in state and changes no remote "
                   "object." if plan.drift else
                   "**No changes.** Your infrastructure still matches the last applied state.")
    else:
        out.append("**No changes.** Your infrastructure matches the configuration.")
    if plan.mode != "normal":
        out.append(f"_Mode: {plan.mode}._")
    if plan.targets:
        out.append(f"_Targeting is in effect ({', '.join(code(t) for t in plan.targets)}); "
                   "the plan may be incomplete._")
    if plan.drift:
        n = len(plan.drift)
        out.append(f"**Note:** {n} object{'s' if n != 1 else ''} changed outside of reconciler since the last "
                   "apply (listed at the end).")
    if plan.stats:
        out.append(f"_{stats_line(plan.stats)}_")
    if 0 < len(shown) <= GRAPH_NODES:
        out.append(changes_graph(shown))
    return "\n\n".join(out) + "\n\n"


def node_action(change: Change) -> str:
    """A change's name in a graph: its action, ``import`` for an adoption alone, or ``blocked``."""
    if change.blocked:
        return "blocked"
    if change.moved_only:
        return "move"
    return "import" if change.importing and change.action is Action.NOOP else change.action.value


def changes_graph(changes: Sequence[Change]) -> str:
    """The changed addresses as a collapsed Mermaid graph, styled by action."""
    actions: dict[Address, str] = {c.address: node_action(c) for c in changes}
    graph: Graph[Address] = Graph(actions, [(c.address, d) for c in changes for d in c.depends_on if d in actions])
    return details("Dependency graph of the changes", fenced(render_mermaid(graph, actions).splitlines(), "mermaid")).rstrip("\n")


def render_plan_markdown(plan: Plan, max_chars: int = 65000) -> str:
    shown = display_order(plan)
    destructive = [_ChangeEntry(c) for c in shown if c.action.destructive]
    others = [_ChangeEntry(c) for c in shown if not c.action.destructive]
    sections = [
        ("### ⚠ Destructive changes\n\n", destructive),
        ("### Other changes\n\n" if destructive else "### Changes\n\n", others),
        ("### Objects changed outside of reconciler\n\n", [_DriftEntry(d, full=False) for d in plan.drift]),
    ]
    return _fit(_plan_head(plan, shown), sections, max_chars, "`reconciler plan` for the full plan")


def render_drift_markdown(plan: Plan, max_chars: int = 65000) -> str:
    if not plan.drift:
        head = "**No drift.** The live objects match the last applied state.\n\n"
    else:
        counts = drift_counts(plan)
        n = len(plan.drift)
        head = (f"**Drift:** {n} object{'s' if n != 1 else ''} changed outside of reconciler since the last "
                f"apply: {counts['changed']} changed, {counts['deleted']} deleted.\n\n"
                "Diff lines read last applied (`-`) to live (`+`).\n\n")
    if plan.stats:
        head += f"_{stats_line(plan.stats)}_\n\n"
    entries = [_DriftEntry(d, full=True) for d in plan.drift]
    return _fit(head, [("", entries)], max_chars, "`reconciler drift` for the full report")
