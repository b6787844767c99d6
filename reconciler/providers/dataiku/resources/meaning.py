"""``dataiku_meaning``: an instance-level user-defined meaning (data catalog vocabulary).

The id is the user's (natural key, create-only), as is the type. ``GET /meanings/`` lists them
whole. Updates are a GET-overlay-PUT of ``/meanings/{id}``; a create or an update answers with
the document it sent. DSS has no delete endpoint for meanings: the type is not deletable, so
removing its block only forgets it (the plan says "removed from state, left in place").

Spec vocabulary: ``values`` (VALUES_LIST) are strings or ``{value, color}``; ``mappings``
(VALUES_MAPPING) are ``{from, to}`` with ``to`` a string. On the wire the client's form is used
(``entries`` and ``{from, to: {value}}``, dssclient.py:1488-1511).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import ProviderError
from reconciler.providers.base import Live, Spec
from reconciler.providers.common import or_none, text
from reconciler.providers.dataiku.resources._base import DataikuResource
from reconciler.providers.models import Model

ID_PATTERN = r"^[A-Za-z0-9_.-]+$"
FIELDS = ("label", "description", "values", "mappings", "pattern", "normalization_mode", "detectable")


class MeaningValue(Model):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(description="a valid value")
    color: str | None = Field(None, description="display colour (#rrggbb)")


class MeaningMapping(Model):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from", description="value found in the data")
    to: str = Field(description="value it means")


class MeaningSpec(Model):
    """A user-defined meaning."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, description="meaning id; changing it makes a new meaning")
    label: str = Field(description="display label")
    type: Literal["DECLARATIVE", "VALUES_LIST", "VALUES_MAPPING", "PATTERN"] = Field(
        description="changing it makes a new meaning")
    description: str | None = Field("", description="description")
    values: list[str | MeaningValue] | None = Field(None, description="valid values (VALUES_LIST)")
    mappings: list[MeaningMapping] | None = Field(None, description="from -> to pairs (VALUES_MAPPING)")
    pattern: str | None = Field(None, description="regular expression (PATTERN)")
    normalization_mode: Literal["EXACT", "LOWERCASE", "NORMALIZED"] = Field(
        "EXACT", description="how values match (NORMALIZED: not for PATTERN)")
    detectable: bool = Field(False, description="whether DSS may auto-detect it on columns")

    @model_validator(mode="after")
    def _consistent(self) -> "MeaningSpec":
        needs = {"VALUES_LIST": "values", "VALUES_MAPPING": "mappings", "PATTERN": "pattern"}.get(self.type)
        if needs and getattr(self, needs) is None:
            raise ValueError(f"a {self.type} meaning needs {needs}")
        if self.type == "PATTERN" and self.normalization_mode == "NORMALIZED":
            raise ValueError("normalization_mode NORMALIZED is not available for PATTERN meanings")
        return self


def _values(value: Any) -> Any:
    """Values as ``{value[, color]}``, in order."""
    if value is None:
        return None
    if not isinstance(value, list):
        return value
    out = []
    for v in value:
        if isinstance(v, BaseModel):
            v = v.model_dump(exclude_none=True)
        out.append({"value": v} if isinstance(v, str) else {k: x for k, x in v.items() if x is not None}
                   if isinstance(v, Mapping) else v)
    return out


def _mappings(value: Any) -> Any:
    """Mappings as ``{from, to}`` with ``to`` a string (the wire's ``{value}`` unwrapped)."""
    if value is None or not isinstance(value, list):
        return value
    out = []
    for m in value:
        if isinstance(m, BaseModel):
            m = m.model_dump(by_alias=True)
        if isinstance(m, Mapping):
            to = m.get("to")
            out.append({"from": m.get("from", m.get("from_")),
                        "to": to.get("value") if isinstance(to, Mapping) else to})
        else:
            out.append(m)
    return out


class Meaning(DataikuResource):
    type_name: ClassVar[str] = "dataiku_meaning"
    spec_model: ClassVar[type[BaseModel]] = MeaningSpec
    description: ClassVar[str] = "An instance-level user-defined meaning (not deletable through the API)"
    natural_key: ClassVar[tuple[str, ...]] = ("id",)
    unique_key: ClassVar[str | None] = "a Dataiku meaning id is unique in its instance"
    server_owned: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset({"id", "type"})
    deletable: ClassVar[bool] = False

    def read(self, object_id: str) -> Live | None:
        doc = or_none(lambda: self.client.get_meaning(object_id))
        return _live(doc) if doc is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return [(str(m["id"]), _live(m)) for m in self.client.list_meanings() if m.get("id")]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = MeaningSpec.model_validate(spec)
        doc = self._wire(want.model_dump(by_alias=True), {"id": want.id, "type": want.type})
        self.client.create_meaning(doc)
        return want.id, _live(doc)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        doc = self.client.get_meaning(object_id)
        fields = [f for f in FIELDS if f in changed and f in spec]
        if fields:
            doc = self._wire({f: spec[f] for f in fields}, doc)
            self.client.put_meaning(object_id, doc)
        return _live(doc)

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        raise ProviderError(f"meaning {object_id} cannot be deleted: DSS has no API to delete meanings",
                            hint="delete it in DSS (Administration > Meanings); reconciler only forgets it")

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        if "description" in out:
            out["description"] = text(out["description"])
        if "values" in out:
            out["values"] = _values(out["values"])
        if "mappings" in out:
            out["mappings"] = _mappings(out["mappings"])
        if "normalization_mode" in out and out["normalization_mode"] is None:
            out["normalization_mode"] = "EXACT"
        return out

    @staticmethod
    def _wire(values: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
        """``base`` (the live document) with spec ``values`` laid over it in the client's keys."""
        doc = dict(base)
        for f, value in values.items():
            if f == "values":
                doc.pop("values", None)
                doc["entries"] = _values(value)
            elif f == "mappings":
                doc["mappings"] = [{"from": m["from"], "to": {"value": m["to"]}} for m in _mappings(value) or []]
            elif f == "normalization_mode":
                doc["normalizationMode"] = value
            elif f in ("id", "type", "label", "description", "pattern", "detectable"):
                doc[f] = value
        return {k: v for k, v in doc.items() if v is not None}


def _live(doc: Mapping[str, Any]) -> Live:
    return {
        "id": doc.get("id"),
        "label": doc.get("label"),
        "type": doc.get("type"),
        "description": text(doc.get("description")),
        "values": _values(doc.get("entries", doc.get("values"))),
        "mappings": _mappings(doc.get("mappings")),
        "pattern": doc.get("pattern"),
        "normalization_mode": doc.get("normalizationMode") or "EXACT",
        "detectable": bool(doc.get("detectable", False)),
    }
