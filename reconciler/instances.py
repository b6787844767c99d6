"""Provider instances: several connections to one platform, told apart by name.

A *provider instance* is one configured connection to a platform: its own URL, credentials and
budgets, its own HTTP session. Its name is the platform (``dataiku``: the *default* instance,
which falls back to the platform's env vars as before) or ``<platform>.<alias>``
(``dataiku.automation``: a *named* instance, configured by its ``providers:`` block, else by its
own env vars, the platform's with the alias inserted: ``DATAIKU_AUTOMATION_URL``; see
``env_var``). A named instance never reads the default instance's env vars.

Where the name appears:

- ``providers:`` keys in the specs (``dataiku.automation: {url: ..., api_key: ...}``);
- a resource's reserved key ``provider: dataiku.automation`` (absent: the default instance);
- a state record's ``provider`` field and a plan change's ``provider`` field (see ``stored``: a
  record names its instance only when it is not the default, so older states stay valid).

Two objects with one id on two instances are two objects: every "one object, one address"
check keys objects by ``(instance, type, id)``.

``remap`` is how a module hands a resource the instances it uses: a module block's
``providers: {dataiku: dataiku.automation}`` maps the names written inside the module to the
caller's instances. This module is pure vocabulary: it imports nothing of the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_PLATFORM = r"[a-z][a-z0-9]*"
_ALIAS = r"[a-z][a-z0-9_]*"
INSTANCE_RE = re.compile(rf"^(?P<platform>{_PLATFORM})(?:\.(?P<alias>{_ALIAS}))?$")
INSTANCE_FORMAT = ("<platform> (the default instance, e.g. dataiku) or <platform>.<alias> (a named instance, "
                   "e.g. dataiku.automation; alias: lower-case letters, digits and _, starting with a letter)")


def parse(name: object) -> tuple[str, str | None]:
    """``dataiku.automation`` -> ``("dataiku", "automation")``; ``dataiku`` -> ``("dataiku", None)``.
    Raises ``ValueError`` naming the allowed form when ``name`` is not an instance name."""
    match = INSTANCE_RE.match(name) if isinstance(name, str) else None
    if match is None:
        raise ValueError(f"{name!r} is not a provider instance name; expected {INSTANCE_FORMAT}")
    return match["platform"], match["alias"]


def platform_of(name: str) -> str:
    """The platform of an instance name (``dataiku`` for ``dataiku.automation``)."""
    return name.split(".", 1)[0]


def is_default(name: str) -> bool:
    """Whether ``name`` is a platform's default instance (no alias)."""
    return "." not in name


def stored(name: str | None) -> str | None:
    """What a record (state, plan change, resource spec) keeps for instance ``name``: the name of
    a named instance, None for the default one (which records never spell out)."""
    return None if name is None or is_default(name) else name


def resolve(provider: str | None, platform: str) -> str:
    """The instance a resource of ``platform`` talks to: ``provider`` (its ``provider:`` key, or
    what a record stored), else the platform's default instance."""
    return provider or platform


def remap(provider: str | None, platform: str, mapping: Mapping[str, str]) -> str | None:
    """The caller's instance for a resource written in a module: ``provider`` is the resource's
    ``provider:`` value as written inside the module (None: the default instance of
    ``platform``), ``mapping`` the module block's ``providers:`` (name inside the module -> the
    caller's instance). A name the mapping does not mention stays as it is (the module then uses
    the caller's instance of that name). Returns what ``ResourceSpec.provider`` holds (None for a
    default instance)."""
    name = resolve(provider, platform)
    return stored(mapping.get(name, name))


def env_var(var: str, name: str) -> str:
    """The env var a setting of instance ``name`` reads where its platform's default instance
    reads ``var``: unchanged for a default instance and for the global ``RECONCILER_*`` ones;
    else the alias inserted after the platform (``DATAIKU_URL`` -> ``DATAIKU_AUTOMATION_URL`` for
    ``dataiku.automation``)."""
    if is_default(name) or var.startswith("RECONCILER_"):
        return var
    platform = platform_of(name)
    prefix = name.upper().replace(".", "_") + "_"
    head = platform.upper() + "_"
    return prefix + (var[len(head):] if var.startswith(head) else var)


def remap_block(body: Mapping[str, object], platform: str, mapping: Mapping[str, str]) -> dict[str, object]:
    """A resource block's body (as written inside a module, before it is loaded) with its
    ``provider:`` key remapped by the module block's ``providers:`` (``remap``): set to the
    caller's named instance, or removed for the default one. Other keys are untouched."""
    out = {k: v for k, v in body.items() if k != "provider"}
    written = body.get("provider")
    if written is not None and not isinstance(written, str):
        return dict(body)  # (malformed: the loader reports it where it is written)
    mapped = remap(written, platform, mapping)
    if mapped is not None:
        out["provider"] = mapped
    return out


def mapping_problems(mapping: object, declared: Iterable[str]) -> list[str]:
    """What is wrong with a module block's ``providers:`` (name inside the module -> the caller's
    instance), one message each, saying what is allowed: it must be a mapping of instance names to
    instances of the same platform, each either a default instance or one ``declared`` (the
    caller's ``providers:`` keys)."""
    if not isinstance(mapping, Mapping):
        return ["providers: expected a mapping of instance names inside the module to the caller's instances, "
                "e.g. {dataiku: dataiku.automation}"]
    declared = set(declared)
    problems = []
    for inner, outer in mapping.items():
        try:
            inner_platform, _ = parse(inner)
            outer_platform, _ = parse(outer)
        except ValueError as exc:
            problems.append(f"providers: {exc}")
            continue
        if inner_platform != outer_platform:
            problems.append(f"providers: {inner} cannot be handed {outer}: an instance of {inner_platform} is "
                            f"needed ({known_list(inner_platform, declared)})")
        elif not is_default(outer) and outer not in declared:
            problems.append(f"providers: unknown provider instance '{outer}'; instances of {outer_platform}: "
                            f"{known_list(outer_platform, declared)}")
    return problems


def several(names: Iterable[str]) -> frozenset[str]:
    """The platforms with more than one instance among ``names`` (instance names): the plan
    shows each change's instance for these."""
    seen: dict[str, set[str]] = {}
    for name in names:
        seen.setdefault(platform_of(name), set()).add(name)
    return frozenset(p for p, found in seen.items() if len(found) > 1)


def known_list(platform: str, declared: Iterable[str]) -> str:
    """The instances of ``platform`` a message lists as allowed: the default one, then the named
    ones declared in the specs."""
    named = sorted(n for n in declared if platform_of(n) == platform and not is_default(n))
    return ", ".join([platform, *named])
