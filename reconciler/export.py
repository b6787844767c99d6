"""Export: turn an existing estate into specs and state, so adoption starts from "no changes".

Owns ``reconciler export --provider P``: enumerate live objects (``reads.discover`` over what the
provider's ``export_scope`` covers), keep the fields a spec would declare (defaults left out),
name each resource from its natural key, wire ``ref_fields`` into ``${type.name.attr}``
references to the other exported resources, write one YAML file per resource type
(deterministic: the same estate gives byte-identical files), and record every exported object
in state, so that the first plan shows no changes. Objects the state
already manages are skipped (never two addresses for one object). Into a new repository (no spec
files yet) it also writes a ``providers`` block reading the provider's settings from the
environment (``${env:NAME}``, never the values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from reconciler import instances
from reconciler.addresses import Address
from reconciler.errors import PlanError
from reconciler import reads
from reconciler.providers.base import ProviderSpec, ResourceType
from reconciler.reads import lists
from reconciler.values import fingerprint
from reconciler.state.model import ResourceState, State

HEADER = "# Exported by `reconciler export --provider {provider}`; edit freely: these blocks are now managed.\n"


@dataclass(frozen=True)
class Exported:
    """One live object as a resource block: its address, platform id and spec attributes."""

    address: Address
    object_id: str
    attrs: dict[str, Any]
    live: dict[str, Any]


def discover(provider: ProviderSpec, types: Mapping[str, ResourceType], scope: Mapping[str, str],
             state: State, instance: str | None = None) -> list[Exported]:
    """Every exportable object of ``provider`` in ``scope`` not yet managed, named and with
    references wired. A type exports what its ``list`` returns (every container the scope
    covers) that its ``export_view`` keeps. ``instance`` is the provider instance listed (default:
    the platform's default one): only what the state records on it counts as managed."""
    taken = {a for a in state.resources}
    state = on_instance(state, instance or provider.name)
    managed = {(rs.type, rs.object_id) for rs in state.resources.values()}
    client = next(iter(types.values())).client if types else None
    covered = provider.export_scope(client, scope)
    found: list[tuple[ResourceType, str, dict]] = []
    for type_name in sorted(provider.resource_types):
        rt = types[type_name]
        if rt.data_source or not lists(rt):
            continue
        containers = [None] if rt.container is None else covered.containers.get(rt.container, ())
        listed = reads.discover(rt, containers, lambda live, t=type_name: covered.keep(t, live))
        for object_id, live in sorted(listed, key=lambda item: str(item[0])):
            if (type_name, str(object_id)) not in managed and rt.export_view(live) is not None:
                found.append((rt, str(object_id), live))
    names = {(rs.type, rs.object_id): a for a, rs in state.resources.items()}  # owners already managed
    for owned in (False, True):  # objects named after their owner (an astro_deploy) come second
        for rt, object_id, live in found:
            owner = _owner(rt, live)
            if (owner is not None) != owned:
                continue
            ident = names[owner].name if owner in names else (rt.identity_of(live) or object_id)
            address = _unique(Address(rt.type_name, _slug(ident)), taken)
            taken.add(address)
            names[(rt.type_name, object_id)] = address
    exported = [Exported(names[(rt.type_name, object_id)], object_id, _spec_attrs(rt, live), dict(live))
                for rt, object_id, live in found]
    return _wire(exported, types, state)


def on_instance(state: State, instance: str) -> State:
    """``state`` without the records of the other instances of ``instance``'s platform."""
    platform = instances.platform_of(instance)
    kept = {a: rs for a, rs in state.resources.items() if rs.instance == instance or a.provider != platform}
    return state if len(kept) == len(state.resources) else State(state.lineage, state.serial, kept, state.outputs)


def write_specs(exported: Iterable[Exported], out_dir: Path, provider: str) -> list[Path]:
    """One ``<type>.yaml`` per type under ``out_dir``; returns the files written. ``provider`` is
    the provider instance exported: a named one is written into each block (``provider:``)."""
    named = instances.stored(provider)
    by_type: dict[str, list[Exported]] = {}
    for item in exported:
        by_type.setdefault(item.address.type, []).append(item)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for type_name, items in sorted(by_type.items()):
        body = {"resources": {str(i.address): ({"provider": named, **i.attrs} if named else i.attrs)
                              for i in sorted(items, key=lambda i: i.address)}}
        path = out_dir / f"{type_name}.yaml"
        if path.exists():
            raise PlanError(f"{path} already exists; export writes new files only",
                            hint="choose another --out directory or remove the file")
        text = HEADER.format(provider=provider) + yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                                                            default_flow_style=False, width=100)
        path.write_text(text)
        written.append(path)
    return written


def write_providers(provider: ProviderSpec, env: Mapping[str, str], out_dir: Path,
                    instance: str | None = None) -> Path:
    """``providers.yaml`` under ``out_dir``: a ``providers.<instance>`` block whose settings read the
    instance's env vars (``${env:NAME}``; a named instance's own, ``instances.env_var``) for every
    setting that ``env`` sets. The values themselves (a token, a password) are never written."""
    instance = instance or provider.name
    settings = {name: f"${{env:{var}}}" for name in provider.settings_model.model_fields
                for var in [instances.env_var(v, instance) for v in provider.env_vars(name)][:1] if env.get(var)}
    path = out_dir / "providers.yaml"
    if path.exists():
        raise PlanError(f"{path} already exists; export writes new files only",
                        hint="choose another --out directory or remove the file")
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(provider=instance)
                    + "# Settings come from the environment; set these variables where reconciler runs.\n"
                    + yaml.safe_dump({"providers": {instance: settings}}, sort_keys=False))
    return path


class _Dumper(yaml.SafeDumper):
    """``yaml.SafeDumper`` writing multi-line strings (SQL, descriptions) as literal ``|`` blocks."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML itself falls back to a quoted style when a literal block cannot hold the value exactly
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def state_records(exported: Iterable[Exported], types: Mapping[str, ResourceType],
                  resolved: Mapping[Address, dict[str, Any]], instance: str | None = None) -> list[ResourceState]:
    """State entries for the exported objects (attributes as the specs resolve them), on the
    provider instance ``instance`` (default: the platform's default one)."""
    records = []
    for item in exported:
        rt = types[item.address.type]
        deps = tuple(sorted({Address.parse(m.group(1).rsplit(".", 1)[0])
                             for v in item.attrs.values() if isinstance(v, str)
                             for m in [re.match(r"^\$\{([^}]+)\}$", v)] if m}))
        outputs = {k: item.live[k] for k in rt.server_owned if k in item.live} or {"id": item.object_id}
        records.append(ResourceState(item.address, item.object_id, attrs=dict(resolved[item.address]),
                                     outputs=outputs, fingerprint=fingerprint(rt, item.live), dependencies=deps,
                                     protected=rt.protected, provider=instances.stored(instance)))
    return records


def _owner(rt: ResourceType, live: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(type, id)`` a type's whole natural key points at (an ``astro_deploy``'s deployment), else None:
    such an object is named after its owner, not after an id."""
    if len(rt.natural_key) == 1 and rt.natural_key[0] in rt.ref_fields:
        value = live.get(rt.natural_key[0])
        if isinstance(value, str):
            return rt.ref_fields[rt.natural_key[0]], value
    return None


def _spec_attrs(rt: ResourceType, live: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a spec declares: settable, not sensitive, and not at their default value. A type
    whose live view holds fields a spec cannot declare together (a DataRobot deployment names both
    its model and its model package) picks those first in ``ResourceType.export_view``."""
    live = rt.export_view(live)
    out = {}
    for name in rt.spec_model.model_fields:
        if name in rt.server_owned or name in rt.sensitive or name not in live:
            continue
        value = live[name]
        if value is None or rt.normalize({name: value}) == rt.normalize({name: rt.default_of(name)}):
            continue
        out[name] = _escape(value)
    return out


def _escape(value: Any) -> Any:
    """Platform text holding ``${`` must stay literal in specs: write it ``$${``."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, dict):
        return {k: _escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape(v) for v in value]
    return value


def _wire(exported: list[Exported], types: Mapping[str, ResourceType], state: State) -> list[Exported]:
    """Replace ids and natural keys in ``ref_fields`` by references to the exported (or managed) resource.

    A target ``"type"`` matches the id (or a single-field natural key) and is written ``${address.id}``
    (``${address.<key>}``); a target ``"type.attr"`` matches that attribute's value, written
    ``${address.attr}``, and a value two objects share is left literal (never guessed)."""
    index: dict[tuple[str, str], str] = {}
    for item in exported:
        rt = types[item.address.type]
        index[(item.address.type, item.object_id)] = f"${{{item.address}.id}}"
        if len(rt.natural_key) == 1 and isinstance(item.live.get(rt.natural_key[0]), str):
            index.setdefault((item.address.type, item.live[rt.natural_key[0]]),
                             f"${{{item.address}.{rt.natural_key[0]}}}")
    for address, rs in state.resources.items():
        index.setdefault((address.type, rs.object_id), f"${{{address}.id}}")
    index.update(_attr_index(exported, types, state))
    wired = []
    for item in exported:
        rt = types[item.address.type]
        attrs = dict(item.attrs)
        for field_name, target in rt.ref_fields.items():
            value = attrs.get(field_name)
            if isinstance(value, str) and (target, value) in index and not index[(target, value)].startswith(
                    f"${{{item.address}."):
                attrs[field_name] = index[(target, value)]
        wired.append(Exported(item.address, item.object_id, attrs, item.live))
    return wired


def _attr_index(exported: list[Exported], types: Mapping[str, ResourceType],
                state: State) -> dict[tuple[str, str], str]:
    """``("type.attr", value) -> "${address.attr}"`` for every ``"type.attr"`` target of a ``ref_fields``;
    values held by more than one object are left out."""
    targets = {t for rt in types.values() for t in rt.ref_fields.values() if "." in t}
    holders: dict[tuple[str, str], set[str]] = {}
    for target in targets:
        type_name, attr = target.split(".", 1)
        candidates = [(str(i.address), i.live.get(attr)) for i in exported if i.address.type == type_name]
        candidates += [(str(a), rs.outputs.get(attr, rs.attrs.get(attr))) for a, rs in state.resources.items()
                       if a.type == type_name]
        for address, value in candidates:
            if isinstance(value, str):
                holders.setdefault((target, value), set()).add(address)
    return {key: f"${{{owners.pop()}.{key[0].split('.', 1)[1]}}}" for key, owners in holders.items()
            if len(owners) == 1}


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_]+", "_", str(text)).strip("_").lower() or "unnamed"
    return slug if slug[0].isalpha() or slug[0] == "_" else f"r_{slug}"


def _unique(address: Address, taken: set[Address]) -> Address:
    candidate, n = address, 2
    while candidate in taken:
        candidate = Address(address.type, f"{address.name}_{n}")
        n += 1
    return candidate
