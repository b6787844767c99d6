"""Item 5, bad input, part two: state files and saved plans broken after a good apply.

The promise: ``plan`` (for a state) or ``apply PLANFILE`` (for a plan) exits 1 saying what is
wrong, prints no traceback, and nothing is written to any platform. One world is applied once,
a plan of one change is saved, and each damage starts from pristine copies of both. Run by
``bad_input.py`` (its figures) and ``test_bad_input.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.resilience.world import Run, World


@dataclass(frozen=True)
class Damage:
    """A state file or saved plan broken after a good apply; ``command`` is what then runs."""

    id: str
    damage: Callable[[World, Path], None]
    command: tuple[str, ...]
    expect: tuple[str, ...]


def _edit_state(edit: Callable[[dict], object]) -> Callable[[World, Path], None]:
    def do(world: World, plan: Path) -> None:
        path = Path(str(world.state))
        doc = json.loads(path.read_text())
        edit(doc)
        path.write_text(json.dumps(doc))
    return do


def _edit_plan(edit: Callable[[dict], object]) -> Callable[[World, Path], None]:
    def do(world: World, plan: Path) -> None:
        doc = json.loads(plan.read_text())
        edit(doc)
        plan.write_text(json.dumps(doc))
    return do


def _truncate(path_of: Callable[[World, Path], Path]) -> Callable[[World, Path], None]:
    def do(world: World, plan: Path) -> None:
        path = path_of(world, plan)
        text = path.read_text()
        path.write_text(text[: len(text) // 2])
    return do


def _state_path(world: World, plan: Path) -> Path:
    return Path(str(world.state))


def _plan_path(world: World, plan: Path) -> Path:
    return plan


def _set(doc: dict, key: str, value: object) -> None:
    doc[key] = value


def _first_resource(doc: dict, key: str, value: object | None = None, *, drop: bool = False) -> None:
    entry = doc["resources"][0]
    if drop:
        entry.pop(key, None)
    else:
        entry[key] = value


def _another_states_plan(world: World, plan: Path) -> None:
    doc = json.loads(plan.read_text())
    doc["state"]["lineage"] = "00000000-0000-4000-8000-000000000000"
    plan.write_text(json.dumps(doc))


def _unknown_action(doc: dict) -> None:
    change = next(c for c in doc["resource_changes"] if c["action"] != "no-op")
    change["action"] = change["actions"] = "explode"


def _stale_plan(world: World, plan: Path) -> None:
    """The state moved on after the plan was made (someone applied a change)."""
    spec = next(world.specs.rglob("*.yaml"))
    text = spec.read_text()
    spec.write_text(text.replace("Benchmark", "Renamed benchmark", 1))
    assert world.cli("apply", "--auto-approve").code == 0
    spec.write_text(text)


DAMAGES = [
    Damage("state-truncated", _truncate(_state_path), ("plan",), ("state",)),
    Damage("state-not-json", lambda w, p: Path(str(w.state)).write_bytes(b"\x00\x01garbage"), ("plan",), ("state",)),
    Damage("state-wrong-format-version", _edit_state(lambda d: _set(d, "format_version", 99)), ("plan",),
           ("format",)),
    Damage("state-lineage-missing", _edit_state(lambda d: d.pop("lineage")), ("plan",), ("lineage",)),
    Damage("state-serial-not-a-number", _edit_state(lambda d: _set(d, "serial", "seven")), ("plan",), ("serial",)),
    Damage("state-resource-without-id", _edit_state(lambda d: _first_resource(d, "id", drop=True)), ("plan",),
           ("id",)),
    Damage("state-resource-bad-address", _edit_state(lambda d: _first_resource(d, "address", "not an address")),
           ("plan",), ("address",)),
    Damage("state-resources-not-a-list", _edit_state(lambda d: _set(d, "resources", "none")), ("plan",),
           ("resources",)),
    Damage("state-duplicate-resource", _edit_state(lambda d: d["resources"].append(dict(d["resources"][0]))),
           ("plan",), ("twice",)),
    Damage("state-unknown-type", _edit_state(lambda d: _first_resource(d, "address", "tableau_workbook.x")),
           ("plan",), ("tableau", "known providers")),
    Damage("plan-truncated", _truncate(_plan_path), ("apply", "{plan}"), ("plan",)),
    Damage("plan-not-json", lambda w, p: p.write_text("not a plan"), ("apply", "{plan}"), ("plan",)),
    Damage("plan-wrong-format-version", _edit_plan(lambda d: _set(d, "format_version", 99)), ("apply", "{plan}"),
           ("format",)),
    Damage("plan-unknown-action", _edit_plan(_unknown_action), ("apply", "{plan}"), ("explode",)),
    Damage("plan-of-another-state", _another_states_plan, ("apply", "{plan}"), ("another state",)),
    Damage("plan-stale", _stale_plan, ("apply", "{plan}"), ("changed since the plan",)),
    Damage("plan-is-a-state-file", lambda w, p: p.write_text(Path(str(w.state)).read_text()), ("apply", "{plan}"),
           ("not a reconciler plan",)),
    Damage("plan-missing", lambda w, p: p.unlink(), ("apply", "{plan}"), ("does not exist",)),
]


@dataclass(frozen=True)
class DamageResult:
    id: str
    run: Run
    writes: int
    expect: tuple[str, ...]

    def failures(self) -> list[str]:
        out = []
        text = self.run.text.lower()
        if self.run.code != 1:
            out.append(f"exit {self.run.code} (expected 1)")
        if "traceback" in text:
            out.append("traceback printed")
        if self.writes:
            out.append(f"{self.writes} write request(s) reached the platforms")
        missing = [e for e in self.expect if e.lower() not in text]
        if missing and self.run.code == 1:
            out.append(f"message lacks {missing}")
        return [f"{self.id}: {f} -- {self.run.text.strip()[-200:]!r}" for f in out]


class Damaged:
    """One applied world with a saved plan of one change, restored before each damage."""

    def __init__(self, root: Path) -> None:
        self.world = World(root)
        self.world.write_estate(5, secrets=False)
        assert self.world.cli("apply", "--auto-approve").code == 0
        spec = next(self.world.specs.rglob("*.yaml"))
        spec.write_text(spec.read_text().replace("Benchmark", "Edited benchmark", 1))
        self.plan = self.world.root / "change.plan.json"
        assert self.world.cli("plan", "--out", str(self.plan)).code == 0
        self._pristine = {p: p.read_bytes() for p in self._files()}

    def _files(self) -> list[Path]:
        state = Path(str(self.world.state))
        return [p for p in (self.plan, *state.parent.glob(state.name + "*")) if p.is_file()]

    def run(self, damage: Damage) -> DamageResult:
        for path in self._files():
            if path not in self._pristine:
                path.unlink()
        for path, content in self._pristine.items():
            path.write_bytes(content)
        damage.damage(self.world, self.plan)
        writes = self.world.sb.write_count
        run = self.world.cli(*(a.replace("{plan}", str(self.plan)) for a in damage.command))
        return DamageResult(damage.id, run, self.world.sb.write_count - writes, damage.expect)

    def close(self) -> None:
        self.world.close()


def run_damages(root: Path, damages: Sequence[Damage] = tuple(DAMAGES)) -> list[DamageResult]:
    """Every damage, in order (the stale plan last: it applies a change)."""
    damaged = Damaged(root)
    try:
        ordered = sorted(damages, key=lambda d: d.id == "plan-stale")
        return [damaged.run(d) for d in ordered]
    finally:
        damaged.close()
