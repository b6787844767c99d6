"""``lightdash_group``: a group of the organization and who is in it.

The name is the natural key (unique per organization, case-sensitive); the id is the group's
uuid, so a rename in the UI reads as drift on ``name``. ``members`` is a set of emails and,
when declared, authoritative: ``PATCH /groups/{uuid}`` with ``members`` replaces the whole set
(the API diffs it). Left out, membership is not managed (SCIM may own it).

    list    GET   /api/v1/org/groups?includeMembers=N   (members embedded; a full page: read alone)
    read    GET   /api/v1/groups/{uuid}?includeMembers=N&offset=M           (paged members)
    create  POST  /api/v1/org/groups        {name, members: [{userUuid}]}   201 GroupWithMembers
    update  PATCH /api/v1/groups/{uuid}     {name?, members?}                   GroupWithMembers
    delete  DELETE /api/v1/groups/{uuid}    (its project and space grants go with it)

Create and update answer the group with all its members: the live view is read from them.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import or_none
from reconciler.providers.lightdash.client import MEMBER_PAGE, LightdashClient
from reconciler.providers.lightdash.resources._common import EMAIL_PATTERN, normalize_emails
from reconciler.providers.models import Model


class GroupSpec(Model):
    """A Lightdash group."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="group name (unique in the organization; identifies it)")
    members: list[Annotated[str, Field(pattern=EMAIL_PATTERN)]] | None = Field(
        None, description="member emails (a set); authoritative when given, not managed when left out")


class Group(ResourceType):
    type_name: ClassVar[str] = "lightdash_group"
    spec_model: ClassVar[type[BaseModel]] = GroupSpec
    description: ClassVar[str] = "A group and its members (by email)"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    unique_key: ClassVar[str | None] = "a Lightdash group name is unique in its organization"
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "uuid", "updated_at", "updated_by"})
    delete_note: ClassVar[str | None] = "removes the group's project and space access"

    client: LightdashClient

    def read(self, object_id: str) -> Live | None:
        group = or_none(lambda: self.client.group(object_id))
        return self._live(group) if group is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """One listing with embedded members; a group whose member page is full is read alone."""
        out = []
        for group in self.client.groups_with_members():
            live = self.read(group["uuid"]) if len(group.get("members") or []) >= MEMBER_PAGE else self._live(group)
            if live is not None:
                out.append((group["uuid"], live))
        return out

    @staticmethod
    def _live(group: Mapping[str, Any]) -> Live:
        emails = [m.get("email") for m in group.get("members") or []]
        return {"id": group["uuid"], "uuid": group["uuid"], "name": group["name"], "members": normalize_emails(emails),
                "updated_at": group.get("updatedAt"), "updated_by": group.get("updatedByUserUuid")}

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = GroupSpec.model_validate(spec)
        uuids = [self.client.user_uuid(e) for e in normalize_emails(want.members or [])]
        created = self.client.create_group(want.name, uuids)
        return created["uuid"], self._live(created)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        body: dict[str, Any] = {}
        if "name" in changed:
            body["name"] = spec["name"]
        if "members" in changed and spec.get("members") is not None:
            body["members"] = [{"userUuid": self.client.user_uuid(e)} for e in normalize_emails(spec["members"])]
        new = self._live(self.client.update_group(object_id, body)) if body else self.read(object_id)
        if new is None:
            raise NotFoundError(f"group {object_id} vanished during update")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_group(object_id))

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if "members" in out and out["members"] is not None:
            out["members"] = normalize_emails(out["members"])
        return out

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        who = live.get("updated_by")
        email = self.client.email_of(who) if who and self.client is not None else None
        return (email or who, live.get("updated_at"))
