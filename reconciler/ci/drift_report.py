"""The triaged drift report as text (a terminal, a log), markdown (an issue, a job summary) and JSON.

Order: alarms first (with their field-level diff, who changed it and when where the platform
says), then acknowledged drift with each entry's reason and date, expired entries, info
(unmanaged fields), and entries that cover nothing any more. Markdown never exceeds
``max_chars``: diffs are dropped to field names first, then entries from the end of the later
sections, each cut said in place. Pure: returns strings.
"""

from __future__ import annotations

import json
from typing import Callable, Sequence

from reconciler.ci.ack import Ack
from reconciler.ci.triage import DriftReport, Expired, Silenced
from reconciler.plan.model import Drift
from reconciler.plan.render_markdown import code, diff_block, fenced, md_escape
from reconciler.plan.render_text import Paint, diff_lines, on_instance, stats_line

FORMATS = ("text", "json", "markdown")
_FIELDS_SHOWN = 8


def changed_fields(d: Drift) -> list[str]:
    return list(dict.fromkeys(item.path_str() or "(root)" for item in d.diff))


def who_when(d: Drift) -> str:
    parts = []
    if d.changed_by:
        parts.append(f"by {d.changed_by}")
    if d.changed_at:
        parts.append(f"at {d.changed_at}")
    return ("changed " + " ".join(parts)) if parts else ""


def what_happened(d: Drift) -> str:
    return {"deleted": "was deleted outside reconciler", "unmanaged": "had fields reconciler does not manage changed"
            }.get(d.kind, "was changed outside reconciler")


def _where(a: Ack) -> str:
    return f"; {a.location}" if a.location else ""


def _where_md(a: Ack) -> str:
    return f"; {md_escape(str(a.location))}" if a.location else ""


def headline(report: DriftReport) -> str:
    c = report.counts()
    if report.alarm:
        n = len(report.alarms)
        return (f"Drift: {n} object{'s' if n != 1 else ''} changed outside reconciler since the last apply "
                f"({c['changed']} changed, {c['deleted']} deleted)")
    return "No drift alarm: the managed objects match the last applied state"


def _extras(report: DriftReport) -> str:
    c = report.counts()
    parts = [f"{c['acknowledged']} acknowledged" if c["acknowledged"] else "",
             f"{c['expired']} acknowledgement{'s' if c['expired'] != 1 else ''} expired" if c["expired"] else "",
             f"{c['info']} with only unmanaged fields changed (info)" if c["info"] else "",
             f"{c['unused']} acknowledgement{'s' if c['unused'] != 1 else ''} no longer needed" if c["unused"] else ""]
    parts = [p for p in parts if p]
    return ("Also: " + ", ".join(parts) + ".") if parts else ""


def render_report(report: DriftReport, fmt: str = "text", *, max_chars: int = 65000) -> str:
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2) + "\n"
    if fmt == "markdown":
        return render_markdown(report, max_chars)
    if fmt == "text":
        return render_text(report)
    raise ValueError(f"unknown output format {fmt!r}; expected one of: {', '.join(FORMATS)}")


# ---------------------------------------------------------------- text


def render_text(report: DriftReport, paint: Paint | None = None) -> str:
    paint = paint or Paint(False)
    out = [headline(report) + "."]
    if extra := _extras(report):
        out.append(extra)
    if report.alarms:
        out += ["", paint.bold("Alarms:")]
        for d in report.alarms:
            sign = "-" if d.kind == "deleted" else "~"
            who = who_when(d)
            out.append(f"  {sign} {d.address}{on_instance(d.provider)} {what_happened(d)}"
                       + (f" ({who})" if who else ""))
            out += diff_lines(d.diff, 6, paint)
    if report.silenced:
        out += ["", paint.bold("Acknowledged (no alarm):")]
        for s in report.silenced:
            fields = ", ".join(changed_fields(s.drift)) or "the whole object"
            for a in s.acks:
                out.append(f"  {s.drift.address} {fields}: {a.reason} (until {a.expires}{_where(a)})")
    if report.expired:
        out += ["", paint.bold("Expired acknowledgements:")]
        for e in report.expired:
            then = "its drift alarms again" if e.matched else "no such drift now: remove the entry"
            out.append(f"  {e.ack.target}: {e.ack.reason} (expired {e.ack.expires}{_where(e.ack)}; {then})")
    if report.info:
        out += ["", paint.bold("Info (unmanaged fields changed):")]
        for d in report.info:
            who = who_when(d)
            fields = ", ".join(changed_fields(d)) or "fields reconciler does not manage"
            out.append(f"  {d.address}: {fields}" + (f" ({who})" if who else ""))
    if report.unused:
        out += ["", paint.bold("Acknowledgements that cover no drift now (remove them when done):")]
        out += [f"  {a.target}: {a.reason} (until {a.expires}{_where(a)})" for a in report.unused]
    if report.stats:
        out += ["", stats_line(report.stats)]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- markdown


class _Entry:
    def __init__(self, full: str, compact: str | None = None) -> None:
        self.full, self.compact = full, compact if compact is not None else full


def _alarm_entry(d: Drift) -> _Entry:
    sign = "-" if d.kind == "deleted" else "~"
    who = who_when(d)
    where = f" on {code(d.provider)}" if d.provider else ""
    title = f"#### {code(sign)} {code(str(d.address))}{where} {what_happened(d)}\n\n"
    title += f"_{md_escape(who)}_\n\n" if who else ""
    lines, _ = diff_block(d.diff)
    full = title + (fenced(lines, "diff") + "\n" if lines else "")
    fields = changed_fields(d)
    shown = ", ".join(code(f) for f in fields[:_FIELDS_SHOWN])
    more = f" and {len(fields) - _FIELDS_SHOWN} more" if len(fields) > _FIELDS_SHOWN else ""
    compact = (f"- {code(sign)} {code(str(d.address))}{where} {what_happened(d)}"
               + (f": {shown}{more}" if shown else "")
               + (f" ({md_escape(who)})" if who else "") + "\n")
    return _Entry(full, compact)


def _silenced_entries(s: Silenced) -> list[_Entry]:
    fields = ", ".join(code(f) for f in changed_fields(s.drift)) or "the whole object"
    return [_Entry(f"- {code(str(s.drift.address))} {fields}: {md_escape(a.reason)} "
                   f"(until {a.expires}{_where_md(a)})\n") for a in s.acks]


def _expired_entry(e: Expired) -> _Entry:
    then = "its drift **alarms again**" if e.matched else "no such drift now: remove the entry"
    field = f" {code(e.ack.field)}" if e.ack.field else ""
    return _Entry(f"- {code(str(e.ack.address))}{field}: {md_escape(e.ack.reason)} "
                  f"(expired {e.ack.expires}{_where_md(e.ack)}; {then})\n")


def _info_entry(d: Drift) -> _Entry:
    who = who_when(d)
    fields = ", ".join(code(f) for f in changed_fields(d)[:_FIELDS_SHOWN]) or "fields reconciler does not manage"
    return _Entry(f"- {code(str(d.address))}: {fields}" + (f" ({md_escape(who)})" if who else "") + "\n")


def _unused_entry(a: Ack) -> _Entry:
    field = f" {code(a.field)}" if a.field else ""
    return _Entry(f"- {code(str(a.address))}{field}: {md_escape(a.reason)} (until {a.expires}"
                  f"{_where_md(a)})\n")


def _sections(report: DriftReport) -> list[tuple[str, list[_Entry]]]:
    return [
        ("### Alarms\n\nDiff lines read last applied (`-`) to live (`+`).\n\n",
         [_alarm_entry(d) for d in report.alarms]),
        ("### Acknowledged drift (no alarm)\n\n", [e for s in report.silenced for e in _silenced_entries(s)]),
        ("### Expired acknowledgements\n\n", [_expired_entry(e) for e in report.expired]),
        ("### Unmanaged fields changed (info)\n\n", [_info_entry(d) for d in report.info]),
        ("### Acknowledgements that cover no drift now\n\n", [_unused_entry(a) for a in report.unused]),
    ]


def render_markdown(report: DriftReport, max_chars: int = 65000, *, rerun: str = "`reconciler ci drift-report`") -> str:
    head = f"**{headline(report)}.**\n\n"
    if extra := _extras(report):
        head += extra + "\n\n"
    tail = f"_{stats_line(report.stats)}_\n" if report.stats else ""
    sections = [(h, e) for h, e in _sections(report) if e]
    for pick in (lambda e: e.full, lambda e: e.compact):
        text = _assemble(head, sections, tail, pick, None)
        if len(text) <= max_chars:
            return text
    # drop entries from the end, later sections first, until it fits
    keep = [len(e) for _, e in sections]
    order = [i for i in reversed(range(len(sections))) for _ in range(len(sections[i][1]))]
    budget = max_chars - 200
    for i in order:
        if len(_assemble(head, sections, tail, lambda e: e.compact, keep, rerun)) <= budget:
            break
        keep[i] -= 1
    text = _assemble(head, sections, tail, lambda e: e.compact, keep, rerun)
    return text if len(text) <= max_chars else text[:max(0, max_chars - 40)] + "\n\n_(truncated)_\n"


def _assemble(head: str, sections: Sequence[tuple[str, list[_Entry]]], tail: str,
              pick: Callable[[_Entry], str], keep: list[int] | None, rerun: str = "") -> str:
    out = [head]
    for i, (heading, entries) in enumerate(sections):
        n = len(entries) if keep is None else keep[i]
        out.append(heading)
        out += [pick(e) for e in entries[:n]]
        if n < len(entries):
            out.append(f"\n_… {len(entries) - n} more not shown here; run {rerun} for all._\n")
        out.append("\n")
    out.append(tail)
    return "".join(out).rstrip("\n") + "\n"
