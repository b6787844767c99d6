"""The outcome of an apply, per address: plain data the CLI renders and tests assert on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.addresses import Address
from reconciler.plan.model import Action

APPLIED = "applied"
FAILED = "failed"
SKIPPED = "skipped"
#: not attempted because the plan said the change is blocked outside the tool (not a failure)
BLOCKED = "blocked"
OUTCOMES = (APPLIED, FAILED, SKIPPED, BLOCKED)


@dataclass(frozen=True)
class LedgerEntry:
    """What apply did to one address. ``outcome`` is ``applied`` | ``failed`` | ``skipped`` |
    ``blocked``.

    ``detail`` is the (already redacted) error message of a failure, or why it was skipped or
    blocked.
    """

    address: Address
    action: Action
    outcome: str
    detail: str = ""
    duration_s: float = 0.0
    object_id: str | None = None
    #: the address the object was recorded at before a ``moved`` entry moved it here
    moved_from: Address | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"ledger outcome {self.outcome!r} is not one of: {', '.join(OUTCOMES)}")

    def to_json(self) -> dict[str, Any]:
        return {"address": str(self.address), "action": self.action.value, "outcome": self.outcome,
                "detail": self.detail, "duration_s": round(self.duration_s, 3), "id": self.object_id,
                **({"previous_address": str(self.moved_from)} if self.moved_from else {})}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "LedgerEntry":
        return cls(Address.parse(data["address"]), Action(data["action"]), data["outcome"],
                   data.get("detail", ""), float(data.get("duration_s", 0.0)), data.get("id"),
                   Address.parse(data["previous_address"]) if data.get("previous_address") else None)
