"""Every semantic-model operation the emulator serves, under ``/api/semantic-models``.

Only ``POST /{model_id}/deploy`` (seed000) and the batch review calls are documented publicly;
the rest are inferred (reference §B3) and marked so in COVERAGE.md and docs/providers/semantic.md.
"""

from __future__ import annotations

from reconciler.providers.semantic.sandbox import handlers as h
from reconciler.sandbox.routing import Route

PREFIXES = ("api/semantic-models",)
_M = "/{model_id}"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/", h.list_models),
    Route("POST", "/", h.create_model),
    Route("GET", _M, h.get_model),
    Route("PATCH", _M, h.update_model),
    Route("DELETE", _M, h.delete_model),
    Route("POST", _M + "/submit", h.submit),
    Route("POST", _M + "/approve", h.approve),
    Route("POST", _M + "/reject", h.reject),
    Route("POST", _M + "/deploy", h.deploy),
    Route("GET", _M + "/deployment", h.get_deployment),
    Route("POST", "/review/batch-approve", h.batch_approve),
    Route("POST", "/review/batch-reject", h.batch_reject),
)
