"""Typed calls to the semantic-model service (NexusOne), one method per endpoint.

Owns the wire details: paths under ``{url}/api/semantic-models`` (``url`` is the tenant host),
``Authorization: Bearer``, FastAPI-style errors (``{"detail": "..."}``, and 422
``{"detail": [{"loc", "msg", "type"}]}``), ``limit``/``offset`` pages of ``{items, total}``.
Only ``POST /{id}/deploy`` and the batch review calls are documented publicly; list, get,
create, update, submit, archive and ``GET /{id}/deployment`` follow the reference's inference.

The deploy response's ``dashboard.embed_token`` is a credential: ``deploy`` drops it before
returning, so nothing downstream (live views, state, plans, logs) can hold it.
"""

from __future__ import annotations

import json
from typing import Any, Iterator
from urllib.parse import quote

import httpx

from reconciler.errors import ProviderContractError
from reconciler.coalesce import Coalescer
from reconciler.providers.http import HttpClient, default_error_message


Doc = dict[str, Any]
PREFIX = "/api/semantic-models"
PAGE_SIZE = 100
#: most model ids in one ``batch-approve``
APPROVE_BATCH = 100


def error_message(response: httpx.Response) -> str:
    """``detail`` as text; a 422 list as ``field: message; ...``."""
    try:
        doc = json.loads(response.content) if response.content.strip() else None
    except ValueError:
        doc = None
    detail = doc.get("detail") if isinstance(doc, dict) else None
    if isinstance(detail, str) and detail:
        return detail
    if isinstance(detail, list) and detail:
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                parts.append(f"{loc or '(body)'}: {item.get('msg', 'invalid')}")
        if parts:
            return "; ".join(parts)
    return default_error_message(response)


def is_not_found(response: httpx.Response) -> bool:
    """404 naming a missing object. FastAPI's bare ``Not Found`` means no such route (wrong URL)."""
    if response.status_code != 404:
        return False
    try:
        doc = json.loads(response.content)
    except ValueError:
        return False
    detail = doc.get("detail") if isinstance(doc, dict) else None
    return isinstance(detail, str) and detail != "Not Found"


def strip_credentials(deploy_response: Doc) -> Doc:
    """The deploy response without ``dashboard.embed_token``."""
    out = dict(deploy_response)
    if isinstance(out.get("dashboard"), dict):
        out["dashboard"] = {k: v for k, v in out["dashboard"].items() if k != "embed_token"}
    return out


class SemanticClient:
    """One tenant's semantic-model service. ``auto_approve`` is the explicit dev/sandbox opt-in."""

    def __init__(self, http: HttpClient, *, auto_approve: bool = False) -> None:
        self.http = http
        self.auto_approve = auto_approve
        self._approvals = Coalescer(self._approve_batch, APPROVE_BATCH)

    def close(self) -> None:
        self.http.close()

    @property
    def stats(self) -> dict[str, int]:
        return self.http.stats

    @staticmethod
    def _path(*segments: str) -> str:
        return PREFIX + "".join("/" + quote(str(s), safe="") for s in segments)

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        return self.http.json(method, path, **kw)

    def list_models(self, **filters: str) -> Iterator[Doc]:
        """Every model matching ``filters`` (``name``, ``domain_urn``, ``status``), page by page."""
        offset = 0
        while True:
            page = self._json("GET", PREFIX, params={**filters, "limit": PAGE_SIZE, "offset": offset})
            items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise ProviderContractError("expected {items, total} from the semantic-model list")
            yield from items
            offset += len(items)
            if not items or offset >= int(page.get("total") or 0):
                return

    def get_model(self, model_id: str) -> Doc:
        return self._json("GET", self._path(model_id))

    def create_model(self, body: Doc) -> Doc:
        return self._json("POST", PREFIX, json=body)

    def update_model(self, model_id: str, body: Doc) -> Doc:
        """``PATCH`` the given fields; the service puts the model back in draft."""
        return self._json("PATCH", self._path(model_id), json=body, idempotent=True)

    def submit(self, model_id: str) -> Doc:
        return self._json("POST", self._path(model_id, "submit"))

    def approve(self, model_id: str, notes: str) -> Doc:
        """Approve one model through ``POST /review/batch-approve`` (the documented call); returns
        ``{successful, failed}``. Approvals asked for by several threads at once with the same
        notes share one call (see ``Coalescer``)."""
        return self._approvals.call((model_id, notes))

    def _approve_batch(self, items: list[tuple[str, str]]) -> list[Doc]:
        """One ``batch-approve`` per distinct notes; each item's ``{successful, failed}`` share."""
        out: dict[tuple[str, str], Doc] = {}
        by_notes: dict[str, list[str]] = {}
        for model_id, notes in items:
            by_notes.setdefault(notes, []).append(model_id)
        for notes, ids in by_notes.items():
            answer = self._json("POST", self._path("review", "batch-approve"),
                                json={"model_ids": ids, "review_notes": notes})
            answer = answer if isinstance(answer, dict) else {}
            successful = set(answer.get("successful") or [])
            failed = {f.get("model_id") or f.get("id"): f for f in answer.get("failed") or [] if isinstance(f, dict)}
            for model_id in ids:
                out[(model_id, notes)] = {
                    "successful": [model_id] if model_id in successful else [],
                    "failed": [failed[model_id]] if model_id in failed else [],
                    "total_processed": 1,
                }
        return [out[item] for item in items]

    def deploy(self, model_id: str, options: Doc) -> Doc:
        """``POST /{id}/deploy`` (synchronous); the response without its embed token."""
        return strip_credentials(self._json("POST", self._path(model_id, "deploy"), json=options))

    def archive(self, model_id: str) -> None:
        self.http.request("DELETE", self._path(model_id))

