"""``Model``: the base of every pydantic model of the providers (settings, specs, sandbox payloads).

Its models are built on first use, not at import (``defer_build``): a run pays only for the
models it validates with (a plan of three resource types builds those three, not the forty the
providers declare). pydantic makes that first build thread-safe from 2.14 (pydantic#13438), so
a model first used from a worker thread (an apply's create, a sandbox request) is safe too.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """``BaseModel`` built lazily; subclasses' own ``model_config`` is merged with this one."""

    model_config = ConfigDict(defer_build=True)
