"""One object, one address, checked once refresh has observed everything: before any plan.

Owns the refusals that keep two addresses from managing one platform object:

- two blocks whose natural keys became equal once refresh resolved their references (a
  dataset's ``project`` read from another resource); ``validate`` already refused the keys the
  specs alone tell (``spec.identity``);
- an object that two addresses would manage: one found by its natural key (adoption, crash
  recovery) or named by an ``import:`` entry while another address manages it in the state or adopts it in this plan, or two
  addresses that the state records with one object id (a state written before this rule).

Each refusal is a ``PlanError`` naming both addresses (and, for blocks, their ``file:line``),
raised before anything is planned, so no apply can write. Pure: it reads the observations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from reconciler.addresses import Address
from reconciler.errors import PlanError
from reconciler.providers.base import ResourceType
from reconciler.refresh import Observed
from reconciler.spec import SpecSet
from reconciler.spec.identity import clashes, describe_key
from reconciler.state.model import State


def check_ownership(specs: SpecSet, state: State, observed: Mapping[Address, Observed],
                    type_of: Callable[[Address], ResourceType],
                    instance_of: Callable[[Address], str] | None = None) -> None:
    """Raise ``PlanError`` when two addresses would manage one object (see the module docstring).
    ``instance_of`` tells each address's provider instance (default: the specs' and the state's
    word): one id, or one key, on two instances is two objects."""
    if instance_of is None:
        def instance_of(address: Address) -> str:
            spec = specs.resources.get(address)
            rs = state.get(address)
            return spec.instance if spec is not None else rs.instance if rs is not None else address.provider
    problems = (_key_clashes(specs, observed, type_of, instance_of)
                + _shared_objects(state, observed, type_of, instance_of))
    if not problems:
        return
    if len(problems) == 1:
        message, hint = problems[0]
        raise PlanError(message, hint=hint)
    raise PlanError(f"{len(problems)} objects would be managed by two addresses:\n"
                    + "\n".join(f"  {message}" for message, _ in problems),
                    hint="one object is managed by one address: " + "; ".join(
                        dict.fromkeys(hint for _, hint in problems)))


def _key_clashes(specs: SpecSet, observed: Mapping[Address, Observed],
                 type_of: Callable[[Address], ResourceType],
                 instance_of: Callable[[Address], str]) -> list[tuple[str, str]]:
    blocks = []
    for address, obs in observed.items():
        if address in specs.resources and obs.desired is not None:
            blocks.append((address, type_of(address), obs.desired))
    problems = []
    for group in clashes(blocks, instance_of):
        first = group[0]
        rt = type_of(first)
        key = describe_key(rt, observed[first].desired or {})
        named = ", ".join(f"{a} ({specs.resources[a].location})" for a in group)
        problems.append((f"{named} have the same natural key ({key}) once their references are resolved: "
                         f"they would manage one {first.type}",
                         "give each block its own key, or remove all but one"))
    return problems


def _shared_objects(state: State, observed: Mapping[Address, Observed],
                    type_of: Callable[[Address], ResourceType],
                    instance_of: Callable[[Address], str]) -> list[tuple[str, str]]:
    managers: dict[tuple[str, str, str], list[Address]] = {}
    for address, rs in state.resources.items():
        managers.setdefault((address.type, rs.object_id, rs.instance), []).append(address)
    adopters: dict[tuple[str, str, str], list[Address]] = {}
    for address, obs in observed.items():
        if obs.source in ("natural_key", "import") and obs.object_id is not None:
            adopters.setdefault((address.type, obs.object_id, instance_of(address)), []).append(address)
    problems = []
    for (type_name, object_id, _), addresses in sorted(managers.items()):
        if len(addresses) > 1:
            both = " and ".join(str(a) for a in sorted(addresses))
            problems.append((f"the state records {both} with one {type_name} (id {object_id})",
                             "`reconciler state rm ADDRESS` the one that should not manage it"))
    for (type_name, object_id, where), addresses in sorted(adopters.items()):
        owners = [a for a in managers.get((type_name, object_id, where), ()) if a not in addresses]
        adopting = sorted(addresses)
        if owners:
            owner = owners[0]
            for address in adopting:
                if observed[address].source == "import":  # an import: entry names the id itself
                    problems.append((f"{address} would import {type_name} id {object_id}, which {owner} already "
                                     "manages (in the state)",
                                     f"if the block was renamed, a moved entry (from: {owner}, to: {address}); "
                                     "otherwise import another id"))
                    continue
                found = type_of(address).identity_of(observed[address].desired or {}) or object_id
                problems.append((f"{address} would adopt {type_name} {found} (id {object_id}), which {owner} "
                                 "already manages (in the state)",
                                 f"if the block was renamed, a moved entry (from: {owner}, to: {address}) or "
                                 f"`reconciler state mv {owner} {address}`; otherwise give the new block a key of "
                                 "its own"))
        elif len(adopting) > 1:
            both = " and ".join(str(a) for a in adopting)
            problems.append((f"{both} would both adopt {type_name} {object_id}",
                             "give each block its own key, or remove all but one"))
    return problems
