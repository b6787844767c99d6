"""``lightdash_user_attribute``: a user attribute (row-level security, ``${lightdash.attributes.x}``)
with its default and its values per user (by email) and per group (by name).

The name is the natural key (unique per organization); the id is the attribute's uuid. There
is no ``GET`` by uuid: reads list ``/org/attributes`` (whole). Create and update answer the
attribute. ``PUT`` replaces the whole attribute, so
an update sends every field, keeping the current value of those the spec leaves out (``users``
and ``groups`` are authoritative when declared).

    create POST /org/attributes   {name, description, attributeDefault, users: [{userUuid, value}], groups: [{groupUuid, value}]}
    update PUT  /org/attributes/{uuid}  (same body, full replace)
    delete DELETE /org/attributes/{uuid}
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import or_none
from reconciler.providers.lightdash.client import LightdashClient
from reconciler.providers.lightdash.resources._common import EMAIL_PATTERN, normalize_grants, nullable_text
from reconciler.providers.models import Model


class UserValue(Model):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(pattern=EMAIL_PATTERN, description="the member's email")
    value: str = Field(description="the attribute's value for them")


class GroupValue(Model):
    model_config = ConfigDict(extra="forbid")

    group: str = Field(min_length=1, description="the group's name")
    value: str = Field(description="the attribute's value for its members")


class UserAttributeSpec(Model):
    """A user attribute."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$",
                      description="attribute name (lowercase letters, digits, _; identifies it)")
    description: str | None = Field("", description="what the attribute is for")
    default_value: str | None = Field(None, description="value for users with none of their own (none when null)")
    users: list[UserValue] = Field(default_factory=list, description="values per user: [{email, value}]")
    groups: list[GroupValue] = Field(default_factory=list, description="values per group: [{group, value}]")


class UserAttribute(ResourceType):
    type_name: ClassVar[str] = "lightdash_user_attribute"
    spec_model: ClassVar[type[BaseModel]] = UserAttributeSpec
    description: ClassVar[str] = "A user attribute with its default and its values per user and group"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    unique_key: ClassVar[str | None] = "a Lightdash user attribute name is unique in its organization"
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "uuid"})

    client: LightdashClient

    def read(self, object_id: str) -> Live | None:
        found = next((a for a in self.client.attributes() if a["uuid"] == object_id), None)
        return self._live(found) if found else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return [(a["uuid"], self._live(a)) for a in self.client.attributes()]

    def create(self, spec: Spec) -> tuple[str, Live]:
        created = self.client.create_attribute(self._body(spec))
        return created["uuid"], self._live(created)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        current = next((a for a in self.client.attributes() if a["uuid"] == object_id), None)
        if current is None:
            raise NotFoundError(f"user attribute {object_id} vanished before its update")
        updated = self.client.update_attribute(object_id, self._body(spec, current))
        return self._live(updated)

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_attribute(object_id))

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if "description" in out:
            out["description"] = nullable_text(out["description"])
        if "users" in out:
            out["users"] = normalize_grants(out["users"], "email")
        if "groups" in out:
            out["groups"] = normalize_grants(out["groups"], "group")
        return out

    def _body(self, spec: Spec, current: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The full document to send; with ``current``, fields the spec leaves out keep their value."""
        want = UserAttributeSpec.model_validate(spec)
        current = current or {}
        body: dict[str, Any] = {
            "name": want.name,
            "description": want.description if "description" in spec else current.get("description"),
            "attributeDefault": want.default_value if "default_value" in spec else current.get("attributeDefault"),
            "users": [{"userUuid": self.client.user_uuid(u["email"]), "value": u["value"]}
                      for u in normalize_grants([u.model_dump() for u in want.users], "email")],
            "groups": [{"groupUuid": self.client.group_uuid(g.group), "value": g.value} for g in want.groups],
        }
        if "users" not in spec and current:
            body["users"] = [{"userUuid": u["userUuid"], "value": u["value"]} for u in current.get("users") or []]
        if "groups" not in spec and current:
            body["groups"] = [{"groupUuid": g["groupUuid"], "value": g["value"]} for g in current.get("groups") or []]
        return body

    def _live(self, attribute: Mapping[str, Any]) -> Live:
        users = [{"email": u["email"], "value": u["value"]} for u in attribute.get("users") or []]
        groups = [{"group": self.client.group_name(g["groupUuid"]) or g["groupUuid"], "value": g["value"]}
                  for g in attribute.get("groups") or []]
        return {"id": attribute["uuid"], "uuid": attribute["uuid"], "name": attribute["name"],
                "description": nullable_text(attribute.get("description")), "default_value": attribute.get("attributeDefault"),
                "users": normalize_grants(users, "email"), "groups": normalize_grants(groups, "group")}
