"""``lightdash_organization_member``: a person in the organization and their organization role.

The email is the natural key; the id is the user's uuid. Creating one invites the email
(``POST /invite-links``, 201: the user exists at once, pending until they accept); the role is
``PATCH /org/users/{uuid}``. Deleting a member deletes the *user account*
(``DELETE /org/user/{uuid}``), so deletion is opt-in per resource: removing the block only
forgets the member unless ``lifecycle.allow_destroy: true`` was applied first.

Members are listed whole (``GET /org/users``, the client's directory). The invite's answer does
not say the member's role (an older server ignores the invite's role), so a create reads the
member back; a role update's answer is the member.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import or_none
from reconciler.providers.lightdash.client import LightdashClient
from reconciler.providers.lightdash.resources._common import EMAIL_PATTERN, OrgRole, email_key
from reconciler.providers.models import Model

INVITE_DAYS = 7


class MemberSpec(Model):
    """A member of the organization."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(pattern=EMAIL_PATTERN, description="the person's email (identifies them; case-insensitive)")
    role: OrgRole = Field(description="member, viewer, interactive_viewer, editor, developer or admin")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class OrganizationMember(ResourceType):
    type_name: ClassVar[str] = "lightdash_organization_member"
    spec_model: ClassVar[type[BaseModel]] = MemberSpec
    description: ClassVar[str] = "A member of the organization (invited by email) and their role"
    natural_key: ClassVar[tuple[str, ...]] = ("email",)
    unique_key: ClassVar[str | None] = "a Lightdash member's email is unique in its organization"
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "uuid", "pending"})
    create_only: ClassVar[frozenset[str]] = frozenset({"email"})
    delete_opt_in: ClassVar[str | None] = "deleting a member deletes the user account"
    delete_note: ClassVar[str | None] = "deletes the user account (and their grants, shares and group memberships)"

    client: LightdashClient
    clock: Callable[[], datetime] = staticmethod(_now)

    def read(self, object_id: str) -> Live | None:
        member = or_none(lambda: self.client.member(object_id))
        return self._live(member) if member is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return [(m["userUuid"], self._live(m)) for m in self.client.members()]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = MemberSpec.model_validate(spec)
        expires = (self.clock() + timedelta(days=INVITE_DAYS)).isoformat(timespec="milliseconds")
        invite = self.client.invite(email_key(want.email), want.role, expires.replace("+00:00", "Z"))
        live = self.read(invite["userUuid"])
        if live is None:
            raise NotFoundError(f"the invited member {want.email} does not exist after the invite")
        if live["role"] != want.role:  # an older server ignores the invite's role
            live = self.update(invite["userUuid"], live, spec, frozenset({"role"}))
        return invite["userUuid"], live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        new = (self._live(self.client.update_member_role(object_id, spec["role"])) if "role" in changed
               else self.read(object_id))
        if new is None:
            raise NotFoundError(f"member {object_id} vanished during update")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_member(object_id))

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if "email" in out:
            out["email"] = email_key(out["email"])
        return out

    @staticmethod
    def _live(member: dict[str, Any]) -> Live:
        return {"id": member["userUuid"], "uuid": member["userUuid"], "email": email_key(member.get("email")),
                "role": member.get("role"), "pending": bool(member.get("isPending"))}
