"""Drift sorted by what it asks of a person: alarms, acknowledged, expired acknowledgements, info.

- alarm: a managed field changed (``changed``) or the object was deleted outside reconciler
  (``deleted``), and no current ``drift-ack.yaml`` entry covers it;
- acknowledged: covered by an entry that has not expired (listed with the entry's reason);
- info: only fields reconciler does not manage changed (``unmanaged``); never an alarm;
- expired: entries past their date (what they covered alarms again); unused: current entries
  that cover nothing any more (candidates for removal).

A drift partly covered is split: the covered fields are acknowledged, the rest still alarm.
Pure: ``triage`` decides, nothing here reads files, clocks or the network.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Iterable, Sequence

from reconciler.ci.ack import Ack
from reconciler.plan.model import Drift

FORMAT_VERSION = "1"


@dataclass(frozen=True)
class Silenced:
    """The acknowledged part of one drift (its diff narrowed to what ``acks`` cover)."""

    drift: Drift
    acks: tuple[Ack, ...]

    def to_json(self) -> dict[str, Any]:
        return {**self.drift.to_json(), "acknowledged_by": [a.to_json() for a in self.acks]}


@dataclass(frozen=True)
class Expired:
    ack: Ack
    #: some drift it would have covered exists now, and so alarms again
    matched: bool

    def to_json(self) -> dict[str, Any]:
        return {**self.ack.to_json(), "matches_current_drift": self.matched}


@dataclass(frozen=True)
class DriftReport:
    alarms: tuple[Drift, ...] = ()
    silenced: tuple[Silenced, ...] = ()
    info: tuple[Drift, ...] = ()
    expired: tuple[Expired, ...] = ()
    unused: tuple[Ack, ...] = ()
    today: date | None = None
    stats: dict[str, dict[str, int]] | None = None

    @property
    def alarm(self) -> bool:
        return bool(self.alarms)

    def counts(self) -> dict[str, int]:
        return {
            "changed": sum(1 for d in self.alarms if d.kind == "changed"),
            "deleted": sum(1 for d in self.alarms if d.kind == "deleted"),
            "acknowledged": len(self.silenced),
            "expired": len(self.expired),
            "info": len(self.info),
            "unused": len(self.unused),
        }

    def digest(self) -> str:
        """Changes when the alarms change (not when only the date or the info changes)."""
        doc = [[str(d.address), d.kind, [i.to_json() for i in d.diff]] for d in self.alarms]
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "alarm": self.alarm,
            "date": self.today.isoformat() if self.today else None,
            "summary": self.counts(),
            "alarms": [d.to_json() for d in self.alarms],
            "acknowledged": [s.to_json() for s in self.silenced],
            "expired": [e.to_json() for e in self.expired],
            "info": [d.to_json() for d in self.info],
            "unused": [a.to_json() for a in self.unused],
        }


def triage(drift: Iterable[Drift], acks: Sequence[Ack], today: date,
           stats: dict[str, dict[str, int]] | None = None) -> DriftReport:
    """Sort ``drift`` by ``acks`` as they stand on ``today``."""
    drift = tuple(drift)
    active = [a for a in acks if not a.expired(today)]
    used: dict[int, Ack] = {}
    alarms: list[Drift] = []
    info: list[Drift] = []
    silenced: list[Silenced] = []

    def report(d: Drift) -> None:
        (alarms if d.alarm else info).append(d)

    for d in drift:
        mine = [a for a in active if a.address == d.address]
        if d.kind == "deleted" or not d.diff:
            whole = [a for a in mine if a.covers(d.address, None)]
            if whole:
                silenced.append(Silenced(d, tuple(whole)))
                used.update((id(a), a) for a in whole)
            else:
                report(d)
            continue
        kept, quiet, by = [], [], {}
        for item in d.diff:
            cover = [a for a in mine if a.covers(d.address, item)]
            if cover:
                quiet.append(item)
                by.update((id(a), a) for a in cover)
            else:
                kept.append(item)
        if quiet:
            silenced.append(Silenced(replace(d, diff=tuple(quiet)), tuple(by.values())))
            used.update(by)
        if kept:
            report(replace(d, diff=tuple(kept)))

    def matches(a: Ack) -> bool:
        return any(a.covers(d.address, None) or any(a.covers(d.address, i) for i in d.diff) for d in drift)

    expired = tuple(Expired(a, matches(a)) for a in acks if a.expired(today))
    unused = tuple(a for a in active if id(a) not in used)
    return DriftReport(tuple(alarms), tuple(silenced), tuple(info), expired, unused, today, stats)
