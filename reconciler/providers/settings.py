"""Provider settings: where each value comes from, and what is wrong when it is missing.

Owns ``resolve_settings``: for every field of a provider's settings model, take the specs'
``providers.<name>`` block, else the env var the ``ProviderSpec`` names for it, else the model
default. A named instance (``dataiku.automation``, see ``reconciler.instances``) reads its own
env vars (``DATAIKU_AUTOMATION_URL``): the platform's configure its default instance, never
silently another one. Errors are ``ConfigError``s that name the field, the env var and the specs key to set,
and never contain a value (a value may be a secret). It does no network and reads no
environment of its own: the caller passes ``env``.
"""

from __future__ import annotations

from typing import Any, Mapping

from pydantic import BaseModel, ValidationError

from reconciler import instances
from reconciler.errors import ConfigError
from reconciler.providers.base import ProviderSpec


def resolve_settings(spec: ProviderSpec, block: Mapping[str, Any] | None, env: Mapping[str, str], *,
                     instance: str | None = None) -> BaseModel:
    """Build ``spec.settings_model`` from the specs block, then env vars, then defaults.

    ``instance`` is the provider instance's name (default: the platform's default instance).
    A ``None`` in the block and an empty env var count as unset. Unknown keys in the block,
    missing required fields and invalid values raise ``ConfigError``.
    """
    instance_name = instance or spec.name
    model = spec.settings_model
    fields = model.model_fields
    block = dict(block or {})
    unknown = sorted(k for k in block if k not in fields)
    if unknown:
        raise ConfigError(
            f"provider {instance_name}: unknown setting(s) {', '.join(unknown)} in providers.{instance_name}",
            hint=f"allowed: {', '.join(fields)}",
        )
    values: dict[str, Any] = {}
    for name, info in fields.items():
        value = block.get(name)
        if value is None:
            value = next((env[var] for var in _env_vars(spec, name, instance_name) if env.get(var)), None)
        if value is not None:
            values[name] = value
        elif info.is_required():
            raise ConfigError(f"provider {instance_name}: no {name}: {_where_to_set(spec, name, instance_name)}")
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(_describe(spec, err, instance_name) for err in exc.errors())
        raise ConfigError(f"provider {instance_name}: invalid settings: {problems}") from None


def _env_vars(spec: ProviderSpec, name: str, instance: str) -> tuple[str, ...]:
    """The env vars setting ``name`` of ``instance`` falls back to: a named instance reads its own
    (``DATAIKU_AUTOMATION_URL``, ``instances.env_var``), never the default instance's."""
    return tuple(dict.fromkeys(instances.env_var(v, instance) for v in spec.env_vars(name)))


def _where_to_set(spec: ProviderSpec, name: str, instance: str) -> str:
    var = next(iter(_env_vars(spec, name, instance)), None)
    key = f"providers.{instance}.{name}"
    return f"set {var} or {key} in the specs" if var else f"set {key} in the specs"


def _describe(spec: ProviderSpec, err: Mapping[str, Any], instance: str) -> str:
    """One pydantic error as ``field: message (set ...)``; the input value is never shown."""
    loc = ".".join(str(p) for p in err.get("loc", ())) or "(settings)"
    top = str(err["loc"][0]) if err.get("loc") else ""
    var = next(iter(_env_vars(spec, top, instance)), None)
    source = f" (from {var} or providers.{instance}.{top})" if var else f" (from providers.{instance}.{top})"
    return f"{loc}: {err.get('msg', 'invalid')}{source}"
