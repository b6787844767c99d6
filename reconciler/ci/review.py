"""What a reviewer saw, and whether a fresh plan is the same: apply on merge applies what was reviewed.

A ``ReviewRecord`` is the part of a plan that decides what apply will do, per address: the
action, whether it adopts, the object id, the fingerprint of the live object it was planned
against, and a digest of each desired (``after``) top-level field. It is written beside a saved
plan as ``<plan>.fingerprints.json`` and uploaded with it as the pull request's artifact.

``compare`` lists every difference between the reviewed record and one made from a fresh plan.
Left out as volatile: when the plan was made (``created_at``), request statistics, reasons and
notes (wording; they follow from the action and the diff), ``before`` (the fingerprint covers
the live object), the state serial (another merge may have applied unrelated changes; apply
itself refuses a plan whose state or objects moved), and any field named by an ``Ignore``.
Pure: no I/O except ``load_reviewed`` / ``write_record``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from reconciler.addresses import Address
from reconciler.errors import PlanError
from reconciler.plan.model import Action, Change, Plan, contains_unknown, encode_value

KIND = "reconciler-reviewed-plan"
FORMAT_VERSION = "1"
SUFFIX = ".fingerprints.json"


def digest(value: Any) -> str:
    canonical = json.dumps(encode_value(value), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Ignore:
    """A desired field left out of the comparison: ``field`` of every resource, or of ``address`` only."""

    field: str
    address: Address | None = None

    @classmethod
    def parse(cls, text: str) -> "Ignore":
        """``FIELD`` (any resource) or ``TYPE.NAME.FIELD`` (one resource)."""
        parts = text.split(".")
        if len(parts) >= 3:
            try:
                return cls(".".join(parts[2:]), Address.parse(".".join(parts[:2])))
            except ValueError:
                pass
        if not text or "." in text:
            raise ValueError(f"--ignore-field {text!r}: give FIELD or TYPE.NAME.FIELD")
        return cls(text)

    def covers(self, address: Address, name: str) -> bool:
        return name == self.field and (self.address is None or self.address == address)


@dataclass(frozen=True)
class Reviewed:
    """One address as reviewed: what apply would do to it, and against which live object."""

    action: str
    importing: bool = False
    object_id: str | None = None
    fingerprint: str | None = None
    #: desired top-level field -> digest of its value
    after: Mapping[str, str] = field(default_factory=dict)
    #: the address a ``moved`` entry moves this object from (``Change.moved_from``)
    moved_from: str | None = None

    @classmethod
    def of(cls, change: Change) -> "Reviewed":
        after = {k: digest(v) for k, v in sorted((change.after or {}).items())}
        return cls(change.action.value, change.importing, change.object_id, change.fingerprint, after,
                   str(change.moved_from) if change.moved_from is not None else None)

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "importing": self.importing, "id": self.object_id,
                "fingerprint": self.fingerprint, "after": dict(self.after),
                **({"moved_from": self.moved_from} if self.moved_from else {})}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Reviewed":
        return cls(str(data["action"]), bool(data.get("importing")), data.get("id"), data.get("fingerprint"),
                   {str(k): str(v) for k, v in (data.get("after") or {}).items()}, data.get("moved_from"))


@dataclass(frozen=True)
class ReviewRecord:
    """Every actionable change (and every move) of a plan, by address; plus where it came from
    (informational)."""

    changes: Mapping[Address, Reviewed]
    mode: str = "normal"
    created_at: str = ""
    commit: str | None = None
    run_url: str | None = None
    state_lineage: str | None = None
    state_serial: int = 0

    @classmethod
    def of(cls, plan: Plan, *, commit: str | None = None, run_url: str | None = None) -> "ReviewRecord":
        return cls({c.address: Reviewed.of(c) for c in plan.changes if c.actionable or c.moved_from is not None},
                   plan.mode, plan.created_at, commit, run_url, plan.state_lineage, plan.state_serial)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "format_version": FORMAT_VERSION,
            "mode": self.mode,
            "created_at": self.created_at,
            "commit": self.commit,
            "run_url": self.run_url,
            "state": {"lineage": self.state_lineage, "serial": self.state_serial},
            "changes": {str(a): r.to_json() for a, r in sorted(self.changes.items(), key=lambda kv: str(kv[0]))},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ReviewRecord":
        if data.get("kind") != KIND:
            raise ValueError(f"not a {KIND} file")
        if str(data.get("format_version", "")).split(".")[0] != FORMAT_VERSION:
            raise ValueError(f"format_version {data.get('format_version')!r} is not supported")
        state = data.get("state") or {}
        return cls({Address.parse(a): Reviewed.from_json(r) for a, r in (data.get("changes") or {}).items()},
                   data.get("mode", "normal"), data.get("created_at", ""), data.get("commit"), data.get("run_url"),
                   state.get("lineage"), int(state.get("serial") or 0))


# ---------------------------------------------------------------- comparing


@dataclass(frozen=True)
class Difference:
    """One way the fresh plan differs from the reviewed one, said in a sentence."""

    address: str
    text: str

    def __str__(self) -> str:
        return f"{self.address}: {self.text}"


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(encode_value(value), sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def compare(reviewed: ReviewRecord, fresh: ReviewRecord, *, ignore: Iterable[Ignore] = (),
            reviewed_plan: Plan | None = None, fresh_plan: Plan | None = None) -> list[Difference]:
    """Every difference that matters, by address (sorted); empty when the plans do the same thing.

    With the plans themselves, a changed field is shown with both values (else only named).
    """
    ignore = tuple(ignore)
    out: list[Difference] = []
    if reviewed.mode != fresh.mode:
        out.append(Difference("(plan)", f"reviewed a {reviewed.mode} plan, now a {fresh.mode} plan"))
    for address in sorted(set(reviewed.changes) | set(fresh.changes), key=str):
        was, now = reviewed.changes.get(address), fresh.changes.get(address)
        name = str(address)
        if now is None:
            out.append(Difference(name, f"reviewed: {_verb(was)}; now: nothing to do"))
            continue
        if was is None:
            out.append(Difference(name, f"not in the reviewed plan; now: {_verb(now)}"))
            continue
        if (was.action, was.importing, was.moved_from) != (now.action, now.importing, now.moved_from):
            out.append(Difference(name, f"reviewed: {_verb(was)}; now: {_verb(now)}"))
            continue
        if was.object_id != now.object_id:
            out.append(Difference(name, f"planned against object {was.object_id!r}, now {now.object_id!r}"))
        if was.fingerprint != now.fingerprint:
            out.append(Difference(name, "the live object changed since the review "
                                        f"(fingerprint {was.fingerprint or 'none'} → {now.fingerprint or 'none'})"))
        for key in sorted(set(was.after) | set(now.after)):
            if was.after.get(key) == now.after.get(key) or any(i.covers(address, key) for i in ignore):
                continue
            out.append(Difference(name, _field_change(address, key, was, now, reviewed_plan, fresh_plan)))
    return out


def _verb(r: Reviewed | None) -> str:
    if r is None:
        return "nothing"
    verb = f"{r.action} (adopting the existing object)" if r.importing else r.action
    if r.moved_from:
        verb = f"moved from {r.moved_from}" + ("" if r.action == "no-op" else f" and {verb}")
    return verb


def _field_change(address: Address, key: str, was: Reviewed, now: Reviewed,
                  reviewed_plan: Plan | None, fresh_plan: Plan | None) -> str:
    if key not in was.after:
        return f"{key} was not set in the reviewed plan, now it is"
    if key not in now.after:
        return f"{key} was set in the reviewed plan, now it is not"
    old = _after(reviewed_plan, address, key)
    new = _after(fresh_plan, address, key)
    if old is _MISSING or new is _MISSING:
        return f"{key} differs from the reviewed value"
    suffix = " (known only after apply in one of them)" if contains_unknown(old) != contains_unknown(new) else ""
    return f"{key}: reviewed {_short(old)}, now {_short(new)}{suffix}"


_MISSING = object()


def _after(plan: Plan | None, address: Address, key: str) -> Any:
    change = plan.change_for(address) if plan is not None else None
    if change is None or change.after is None or key not in change.after:
        return _MISSING
    return change.after[key]


def account(differences: list[Difference], reviewed: ReviewRecord, limit: int = 50) -> str:
    """The refusal message: what differs, and where the reviewed plan came from."""
    origin = []
    if reviewed.commit:
        origin.append(f"commit {reviewed.commit[:12]}")
    if reviewed.created_at:
        origin.append(f"made {reviewed.created_at}")
    if reviewed.run_url:
        origin.append(reviewed.run_url)
    lines = [f"the plan made now differs from the reviewed plan ({', '.join(origin) or 'no origin recorded'}); "
             f"nothing was applied. {len(differences)} difference(s):"]
    lines += [f"  - {d}" for d in differences[:limit]]
    if len(differences) > limit:
        lines.append(f"  - … and {len(differences) - limit} more")
    return "\n".join(lines)


# ---------------------------------------------------------------- files


def fingerprints_path(plan_path: str | os.PathLike) -> Path:
    """``plan/plan.json`` -> ``plan/plan.fingerprints.json``."""
    path = Path(plan_path)
    return path.with_name(path.stem + SUFFIX) if not path.name.endswith(SUFFIX) else path


def write_record(record: ReviewRecord, path: str | os.PathLike) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(record.to_json(), indent=2) + "\n", encoding="utf-8")


def load_reviewed(path: str | os.PathLike) -> tuple[ReviewRecord, Plan | None]:
    """The reviewed record from a saved plan (checked against its fingerprints file, when one lies
    beside it) or from a fingerprints file alone. Raises ``PlanError`` for anything unusable."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"reviewed plan {path} does not exist",
                        hint="download the pull request's plan artifact first (see docs/ci.md)") from None
    except (OSError, ValueError) as err:
        raise PlanError(f"{path} is not a reviewed plan: {err}") from None
    try:
        if isinstance(data, dict) and data.get("kind") == KIND:
            return ReviewRecord.from_json(data), None
        plan = Plan.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise PlanError(f"{path} is neither a reconciler plan nor a fingerprints file: {err}") from None
    record = ReviewRecord.of(plan)
    side = fingerprints_path(path)
    if side.exists():
        try:
            saw = ReviewRecord.from_json(json.loads(side.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise PlanError(f"{side} is not a fingerprints file: {err}") from None
        if compare(saw, record):
            raise PlanError(f"{path} does not match {side}, the fingerprints of what was reviewed",
                            hint="use the plan and fingerprints uploaded together by one plan run")
        record = ReviewRecord(record.changes, record.mode, record.created_at, saw.commit, saw.run_url,
                              record.state_lineage, record.state_serial)
    return record, plan


def summarize(record: ReviewRecord) -> str:
    """``3 changes: 1 create, 2 update`` (for logs)."""
    counts: dict[str, int] = {}
    for r in record.changes.values():
        counts[r.action] = counts.get(r.action, 0) + 1
    if not counts:
        return "no changes"
    order = [a.value for a in Action]
    parts = [f"{counts[a]} {a}" for a in order if a in counts]
    n = len(record.changes)
    return f"{n} change{'s' if n != 1 else ''}: {', '.join(parts)}"
