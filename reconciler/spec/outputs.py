"""The specs' ``outputs:`` evaluated against a state, as the state records them.

Owns what an output looks like in state: ``{"value": ...}`` (plus ``"description"``), or for a
sensitive one ``{"sensitive": true, "hash": "hmac-sha256:..."}``: the value itself is never
stored; ``output NAME --show-sensitive`` evaluates it again from the specs and prints it only
when its hash is the recorded one. An output whose value is not known from the state (a
resource that failed to apply, a data source, a sensitive field) is left out.
"""

from __future__ import annotations

from typing import Any, Mapping

from reconciler.addresses import Address
from reconciler.errors import ReferenceError_
from reconciler.secrets import SecretHasher
from reconciler.spec.interpolate import resolve
from reconciler.spec.model import OutputSpec
from reconciler.state.model import State
from reconciler.values import Unknown, contains_unknown, descend


def evaluate_outputs(outputs: Mapping[str, OutputSpec], state: State,
                     hasher: SecretHasher) -> dict[str, dict[str, Any]]:
    """Each output of ``outputs`` whose value ``state`` tells, in its state form (see above)."""
    recorded: dict[str, dict[str, Any]] = {}
    for name, out in sorted(outputs.items()):
        value = output_value(out, state)
        if isinstance(value, Unknown):
            continue
        entry: dict[str, Any] = {"sensitive": True, "hash": hasher.digest(value)} if out.sensitive \
            else {"value": value}
        if out.description:
            entry["description"] = out.description
        recorded[name] = entry
    return recorded


def output_value(out: OutputSpec, state: State) -> Any:
    """``out``'s value as ``state`` tells it; an ``Unknown`` when it does not."""

    def lookup(target: Address, attr: tuple[str, ...]) -> Any:
        rs = state.get(target)
        head = attr[0]
        if rs is not None and head in rs.outputs:
            return descend(rs.outputs[head], target, attr)
        if rs is not None and head in rs.attrs:
            return descend(rs.attrs[head], target, attr)
        return Unknown("${" + ".".join((str(target), *attr)) + "}")

    try:
        value = resolve(out.value, lookup, location=out.location) if out.references else out.value
    except ReferenceError_ as exc:
        return Unknown(str(exc))
    if contains_unknown(value):
        return Unknown(out.name)
    return value
