"""``lightdash_group``: a group of the organization and who is in it.

The name is the natural key (unique per organization, case-sensitive); the id is the group's
uuid, so a rename in the UI reads as drift on ``name``. ``members`` is a set of emails and,
when declared, authoritative: ``PATCH /groups/{uuid}`` with ``members`` replaces the whole set
(the API diffs it). Left out, membership is not managed (SCIM may own it).

    create  POST  /api/v1/org/groups        {name, members: [{userUuid}]}   201
    read    GET   /api/v1/groups/{uuid}?includeMembers=N&offset=M           (paged members)
    update  PATCH /api/v1/groups/{uuid}     {name?, members?}
    delete  DELETE /api/v1/groups/{uuid}    (its project and space grants go with it)
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError
from reconciler.providers.base import Live, ResourceType, Spec
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
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "uuid", "updated_at", "updated_by"})
    delete_note: ClassVar[str | None] = "removes the group's project and space access"

    client: LightdashClient

    def read(self, object_id: str) -> Live | None:
        try:
            group = self.client.group(object_id)
        except NotFoundError:
            return None
        return self._live(group)

    def batch_key(self, object_id: str) -> Any:
        return "organization"

    def read_many(self, object_ids: Sequence[str]) -> Mapping[str, Live | None]:
        """One listing with embedded members; a group whose member page is full is read alone."""
        wanted = set(object_ids)
        out: dict[str, Live | None] = {}
        for group in self.client.groups_with_members():
            if group["uuid"] in wanted:
                full = len(group.get("members") or []) >= MEMBER_PAGE
                out[group["uuid"]] = self.read(group["uuid"]) if full else self._live(group)
        return out

    def discover(self, scope: Mapping[str, str]) -> Iterable[tuple[str, Live]]:
        lives = self.read_many([g["uuid"] for g in self.client.groups()])
        return [(uuid, live) for uuid, live in lives.items() if live is not None]

    @staticmethod
    def _live(group: Mapping[str, Any]) -> Live:
        emails = [m.get("email") for m in group.get("members") or []]
        return {"id": group["uuid"], "uuid": group["uuid"], "name": group["name"], "members": normalize_emails(emails),
                "updated_at": group.get("updatedAt"), "updated_by": group.get("updatedByUserUuid")}

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        found = next((g for g in self.client.groups() if g.get("name") == spec.get("name")), None)
        live = self.read(found["uuid"]) if found else None
        return (live["id"], live) if live else None

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = GroupSpec.model_validate(spec)
        uuids = [self.client.user_uuid(e) for e in normalize_emails(want.members or [])]
        created = self.client.create_group(want.name, uuids)
        group_uuid = created["uuid"]
        live = self.read(group_uuid)
        if live is None:
            raise NotFoundError(f"group {want.name!r} vanished right after it was created")
        return group_uuid, live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        body: dict[str, Any] = {}
        if "name" in changed:
            body["name"] = spec["name"]
        if "members" in changed and spec.get("members") is not None:
            body["members"] = [{"userUuid": self.client.user_uuid(e)} for e in normalize_emails(spec["members"])]
        if body:
            self.client.update_group(object_id, body)
        new = self.read(object_id)
        if new is None:
            raise NotFoundError(f"group {object_id} vanished during update")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        try:
            self.client.delete_group(object_id)
        except NotFoundError:
            pass

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if "members" in out and out["members"] is not None:
            out["members"] = normalize_emails(out["members"])
        return out

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        who = live.get("updated_by")
        email = self.client.email_of(who) if who and self.client is not None else None
        return (email or who, live.get("updated_at"))
