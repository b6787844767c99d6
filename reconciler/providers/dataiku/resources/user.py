"""``dataiku_user``: a DSS user account (login, display name, email, groups, profile, enabled).

The login is the natural key and the id (``/admin/users/{login}``, create-only), as is the source
type. ``GET /admin/users/?includeSettings=True`` lists the users whole. A create is the client's
``POST /admin/users/ {login, password, displayName, sourceType, groups, userProfile, email}``,
then a PUT when ``enabled`` is false (the POST has no such field). Updates read the definition,
lay the managed fields over it and PUT it back (``DSSUserSettings.save``).

``password`` is write-only (``sensitive``): sent at create and when its keyed hash in state
changes, never read (DSS does not return it), and only for ``LOCAL`` users: the others
authenticate elsewhere, so ``validate`` refuses a password on them.

Deleting a user is opt-in, as for Lightdash members: removing the block only forgets the user
unless ``lifecycle.allow_destroy: true`` was applied with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from reconciler.errors import ReconcilerError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import as_set, or_none, text
from reconciler.providers.dataiku.resources._base import DataikuResource
from reconciler.providers.dataiku.resources.group import SourceType
from reconciler.providers.models import Model

#: spec field -> DSS key of the fields an update may write
KEYS = {"display_name": "displayName", "email": "email", "groups": "groups", "profile": "userProfile",
        "enabled": "enabled"}


class UserSpec(Model):
    """A DSS user."""

    model_config = ConfigDict(extra="forbid")

    login: str = Field(min_length=1, description="login (the id; changing it makes a new user)")
    display_name: str = Field("", description="name shown in DSS")
    email: str = Field("", description="email address")
    groups: list[str] = Field([], description="groups the user belongs to (a set), e.g. ${dataiku_group.x.name}")
    profile: str = Field("DATA_SCIENTIST", min_length=1,
                         description="user profile (license-dependent: DATA_SCIENTIST, DESIGNER, READER...)")
    enabled: bool = Field(True, description="whether the user may log in")
    source_type: SourceType = Field("LOCAL", description="where the account comes from; changing it makes a new user")
    password: str | None = Field(None, description="write-only password of a LOCAL user (never read back)")

    @model_validator(mode="after")
    def _password_only_for_local(self) -> "UserSpec":
        if self.password is not None and self.source_type != "LOCAL":
            raise ValueError(f"a password is only for LOCAL users (this one is {self.source_type}: "
                             "it authenticates outside DSS)")
        return self


def live_view(doc: Mapping[str, Any]) -> Live:
    return {"login": doc.get("login"), "display_name": text(doc.get("displayName")), "email": text(doc.get("email")),
            "groups": as_set(doc.get("groups")), "profile": doc.get("userProfile"),
            "enabled": bool(doc.get("enabled", True)), "source_type": doc.get("sourceType") or "LOCAL"}


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


class User(DataikuResource):
    type_name: ClassVar[str] = "dataiku_user"
    spec_model: ClassVar[type[BaseModel]] = UserSpec
    description: ClassVar[str] = "A DSS user: display name, email, groups, profile, enabled; a write-only password"
    natural_key: ClassVar[tuple[str, ...]] = ("login",)
    unique_key: ClassVar[str | None] = "a Dataiku login is unique in its instance"
    server_owned: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset({"login", "source_type"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"password"})
    delete_note: ClassVar[str | None] = "the account can no longer log in; objects it owns keep their owner login"
    delete_opt_in: ClassVar[str | None] = "deleting a user deletes the account and what only it owns"

    def read(self, object_id: str) -> Live | None:
        doc = or_none(lambda: self.client.get_user(object_id))
        return live_view(doc) if doc is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return [(str(u["login"]), live_view(u)) for u in self.client.list_users() if u.get("login")]

    def id_of(self, spec: Spec) -> str | None:
        login = spec.get("login")
        return login if isinstance(login, str) else None

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = UserSpec.model_validate(spec)
        self.client.create_user({
            "login": want.login, "password": _secret(want.password) or "", "displayName": want.display_name,
            "sourceType": want.source_type, "groups": as_set(want.groups), "userProfile": want.profile,
            "email": want.email or None})
        try:
            return want.login, self._save(want.login, spec, [f for f in KEYS if f in spec])
        except ReconcilerError as exc:
            raise CreatedButFailed(want.login, exc) from exc

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        fields = [f for f in (*KEYS, "password") if f in changed and f in spec]
        return self._save(object_id, spec, fields)

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_user(object_id))

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        for f in ("display_name", "email"):
            if f in out:
                out[f] = text(out[f])
        if "groups" in out:
            out["groups"] = as_set(out["groups"])
        if "source_type" in out and out["source_type"] is None:
            out["source_type"] = "LOCAL"
        return out

    def _save(self, login: str, spec: Spec, fields: list[str]) -> Live:
        """Read the definition, write ``fields`` over it (the password only when asked), PUT it
        when something changed; the live view."""
        doc = self.client.get_user(login)
        new = dict(doc)
        for f in fields:
            if f == "password":
                if spec.get("password") is not None:
                    new["password"] = _secret(spec["password"])
            elif f == "groups":
                new["groups"] = as_set(spec[f])
            else:
                new[KEYS[f]] = text(spec[f]) if f in ("display_name", "email") else spec[f]
        if new != doc:
            self.client.put_user(login, new)
        return live_view(new)
