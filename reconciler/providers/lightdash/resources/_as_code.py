"""What charts and dashboards share: content as code, keyed by slug, upserted whole.

A subclass names its ``kind`` ("chart" / "dashboard") and supplies the three platform calls
(``_as_code`` read, ``_upsert``, ``_remove``) plus ``_document`` (spec -> the as-code document)
and ``_live`` (document -> live view); create, read, update and delete are the same for both.
Ids are ``<projectUuid>/<uuid>``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.lightdash.client import LightdashClient
from reconciler.providers.lightdash.resources._common import split_id


class AsCode(ResourceType):
    """Base of ``lightdash_chart`` and ``lightdash_dashboard``."""

    kind: ClassVar[str]
    client: LightdashClient

    # -- what a subclass supplies ------------------------------------------------------------------
    def _as_code(self, project: str, ids: list[str]) -> list[dict]:
        raise NotImplementedError

    def _upsert(self, project: str, slug: str, body: dict) -> Any:
        raise NotImplementedError

    def _remove(self, uuid: str) -> None:
        raise NotImplementedError

    @staticmethod
    def _document(spec: Spec, current: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def _live(project: str, uuid: str, doc: Mapping[str, Any]) -> Live:
        raise NotImplementedError

    # -- shared -----------------------------------------------------------------------------------
    @classmethod
    def identity_of(cls, spec: Mapping[str, Any]) -> str | None:
        """The slug (the project is the same for every object of a spec folder, and long)."""
        slug = spec.get("slug")
        return slug if isinstance(slug, str) else None

    def read(self, object_id: str) -> Live | None:
        project, uuid = split_id(object_id, self.kind)
        try:
            found = self._as_code(project, [uuid])
        except NotFoundError:
            return None
        return self._live(project, uuid, found[0]) if found else None

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = self.spec_model.model_validate(spec)
        changes = self._upsert(want.project, want.slug, self._document(spec, {}))
        uuid = ((changes or {}).get(f"{self.kind}s") or [{}])[0].get("data", {}).get("uuid")
        if not uuid:
            raise ProviderError(f"the upsert of {self.kind} {want.slug!r} answered no {self.kind} uuid")
        object_id = f"{want.project}/{uuid}"
        live = self.read(object_id)
        if live is None:
            raise NotFoundError(f"{self.kind} {want.slug!r} vanished right after its creation")
        return object_id, live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        current = self.read(object_id)
        if current is None:
            raise NotFoundError(f"{self.kind} {object_id} vanished before its update")
        project, _ = split_id(object_id, self.kind)
        self._upsert(project, current["slug"], self._document(spec, current))
        new = self.read(object_id)
        if new is None:
            raise NotFoundError(f"{self.kind} {object_id} vanished during update")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        _, uuid = split_id(object_id, self.kind)
        try:
            self._remove(uuid)
        except NotFoundError:
            pass

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        return (None, live.get("updated_at"))
