"""What charts and dashboards share: content as code, keyed by slug, upserted whole.

A subclass names its ``kind`` ("chart" / "dashboard"), the ``optional`` spec fields an update
keeps at their current value when the spec leaves them out, and supplies the platform calls
(``_as_code`` read, ``_upsert``, ``_remove``, ``_uuids``: slug -> uuid, which the as-code
documents do not hold) plus ``_document`` (spec -> the as-code document) and ``_live``
(document -> live view); list, read, create, update and delete are the same for both.
Ids are ``<projectUuid>/<uuid>``; the container is the project.

A create's answer (``PromotionChanges``) holds the object as stored when it made one; when
``created_whole`` says that answer has the as-code keys (a chart), it is the live view, else
(a dashboard, whose answer has tile uuids instead of tile slugs) the object is read back. An
update's answer is the document sent merged over the old object, not the object as stored, so
an update reads it back.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import or_none, split_id
from reconciler.providers.lightdash.client import LightdashClient


class AsCode(ResourceType):
    """Base of ``lightdash_chart`` and ``lightdash_dashboard``."""

    kind: ClassVar[str]
    optional: ClassVar[tuple[str, ...]]
    created_whole: ClassVar[bool] = False
    container: ClassVar[str | None] = "project"
    client: LightdashClient

    # -- what a subclass supplies ------------------------------------------------------------------
    def _as_code(self, project: str, ids: list[str] | None) -> list[dict]:
        raise NotImplementedError

    def _upsert(self, project: str, slug: str, body: dict) -> Any:
        raise NotImplementedError

    def _remove(self, uuid: str) -> None:
        raise NotImplementedError

    def _uuids(self, project: str, slugs: list[str]) -> dict[str, str]:
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

    def container_of(self, object_id: str) -> str | None:
        return split_id(object_id, self.kind, sep="/")[0]

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """Every object of the project as code (paged), with the uuids ``_uuids`` gives."""
        docs = (or_none(lambda: self._as_code(container, None)) if container else None) or []
        uuids = self._uuids(container, [d["slug"] for d in docs]) if docs else {}
        return [(f"{container}/{uuids[d['slug']]}", self._live(container, uuids[d["slug"]], d))
                for d in docs if d.get("slug") in uuids]

    def read(self, object_id: str) -> Live | None:
        project, uuid = split_id(object_id, self.kind, sep="/")
        found = or_none(lambda: self._as_code(project, [uuid]))
        return self._live(project, uuid, found[0]) if found else None

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = self.spec_model.model_validate(spec)
        changes = self._upsert(want.project, want.slug, self._document(spec, {})) or {}
        change = (changes.get(f"{self.kind}s") or [{}])[0]
        uuid = (change.get("data") or {}).get("uuid")
        if not uuid:
            raise ProviderError(f"the upsert of {self.kind} {want.slug!r} answered no {self.kind} uuid")
        object_id = f"{want.project}/{uuid}"
        if self.created_whole and change.get("action") == "create":
            return object_id, self._live(want.project, uuid, change["data"])
        live = self.read(object_id)
        if live is None:
            raise NotFoundError(f"{self.kind} {want.slug!r} vanished right after its creation")
        return object_id, live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, _ = split_id(object_id, self.kind, sep="/")
        current = {} if all(f in spec for f in self.optional) else self.read(object_id)
        if current is None:
            raise NotFoundError(f"{self.kind} {object_id} vanished before its update")
        self._upsert(project, spec["slug"], self._document(spec, current))
        new = self.read(object_id)
        if new is None:
            raise NotFoundError(f"{self.kind} {object_id} vanished during update")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        _, uuid = split_id(object_id, self.kind, sep="/")
        or_none(lambda: self._remove(uuid))

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        return (None, live.get("updated_at"))
