"""Instance administration: users, groups, connections and code envs.

State: ``users {login: doc}``, ``groups {name: doc}``, ``connections {name: definition}``,
``codeEnvs {"LANG/name": definition}`` (all seeded, see ``seed``). Documents are stored as the
client last wrote them (unknown fields round-trip), after validation. Rules (inferred where the
client and the seed are silent): names are unique per kind; a user's password is never stored
nor returned; a connection's secret params are kept only in encrypted form (``e:AES:…``) and a
PUT that sends that form back keeps them; a connection type must be one the instance knows; a
deleted group leaves its members; the API key's own user cannot delete itself. Code env
creates, package updates and deletes finish at once (``wait=True``) or answer a future.
"""

from __future__ import annotations

from typing import Any

from reconciler.providers.dataiku.sandbox import seed
from reconciler.providers.dataiku.sandbox.errors import IllegalArgument, NotFound
from reconciler.providers.dataiku.sandbox.models.core import Doc, WorldCore
from reconciler.providers.dataiku.sandbox.models.core import deep_copy as _copy
from reconciler.providers.dataiku.sandbox.payloads.admin import (
    CODE_ENV_MODES,
    CONNECTION_TYPES,
    CodeEnvDocument,
    ConnectionDocument,
    CreateCodeEnv,
    CreateConnection,
    CreateGroup,
    CreateUser,
    GroupDocument,
    UserDocument,
    code_env_document,
    code_env_list_item,
    connection_document,
    env_messages,
    group_document,
    sealed_params,
    user_document,
    user_list_item,
)
from reconciler.providers.dataiku.sandbox.payloads.common import parse

#: fields of a stored document a PUT cannot change
_FIXED = {"users": ("login", "sourceType", "creationDate"), "groups": ("name", "sourceType"),
          "connections": ("name", "type")}


class AdminModel(WorldCore):
    """Users, groups, connections and code envs."""

    def _admin_object(self, kind: str, name: str, label: str) -> Doc:
        doc = self._s[kind].get(name)
        if doc is None:
            raise NotFound(f"{label} {name} does not exist")
        return doc

    def _replace(self, kind: str, name: str, body: Doc, label: str) -> Doc:
        """The stored document replaced by ``body``; fixed fields keep their stored values."""
        old = self._admin_object(kind, name, label)
        for key in _FIXED[kind]:
            if key in body and body[key] not in (None, old.get(key)):
                raise IllegalArgument(f"The {key} of {label.lower()} {name} cannot change")
        new = {**_copy(body), **{k: old[k] for k in _FIXED[kind] if k in old}}
        self._s[kind][name] = new
        return new

    # -- users ----------------------------------------------------------------------------------
    def list_users(self, with_settings: bool) -> list[Doc]:
        return [user_list_item(_copy(u), with_settings) for u in self._s["users"].values()]

    def get_user(self, login: str) -> Doc:
        return _copy(self._admin_object("users", login, "User"))

    def create_user(self, body: Any) -> None:
        request = parse(CreateUser, body, "user")
        if request.login in self._s["users"]:
            raise IllegalArgument(f"User {request.login} already exists")
        if request.sourceType == "LOCAL" and not request.password:
            raise IllegalArgument("A LOCAL user needs a password")
        self._s["users"][request.login] = user_document(request, self._now_ms())

    def set_user(self, login: str, body: Any) -> None:
        parse(UserDocument, body, "user")
        stored = self._admin_object("users", login, "User")
        if body.get("password") and stored.get("sourceType") != "LOCAL":
            raise IllegalArgument(f"User {login} is not a LOCAL user: it has no password in DSS")
        self._replace("users", login, {k: v for k, v in body.items() if k != "password"}, "User")

    def delete_user(self, login: str, allow_self: bool) -> None:
        self._admin_object("users", login, "User")
        if login == seed.ADMIN["login"] and not allow_self:
            raise IllegalArgument("You cannot delete your own user (allowSelfDeletion is false)")
        del self._s["users"][login]

    # -- groups ---------------------------------------------------------------------------------
    def list_groups(self) -> list[Doc]:
        return [_copy(g) for g in self._s["groups"].values()]

    def get_group(self, name: str) -> Doc:
        return _copy(self._admin_object("groups", name, "Group"))

    def create_group(self, body: Any) -> None:
        request = parse(CreateGroup, body, "group")
        if request.name in self._s["groups"]:
            raise IllegalArgument(f"Group {request.name} already exists")
        self._s["groups"][request.name] = group_document(request)

    def set_group(self, name: str, body: Any) -> None:
        parse(GroupDocument, body, "group")
        bad = sorted(k for k, v in body.items() if k.startswith("may") and not isinstance(v, bool))
        if bad or not isinstance(body.get("admin", False), bool):
            raise IllegalArgument(f"Invalid group: {', '.join(bad or ['admin'])} must be true or false")
        self._replace("groups", name, body, "Group")

    def delete_group(self, name: str) -> None:
        self._admin_object("groups", name, "Group")
        del self._s["groups"][name]
        for user in self._s["users"].values():
            user["groups"] = [g for g in user.get("groups", []) if g != name]

    # -- connections ----------------------------------------------------------------------------
    def list_connections(self) -> dict[str, Doc]:
        return _copy(self._s["connections"])

    def get_connection(self, name: str) -> Doc:
        return _copy(self._admin_object("connections", name, "Connection"))

    def create_connection(self, body: Any) -> None:
        request = parse(CreateConnection, body, "connection")
        if request.type not in CONNECTION_TYPES:
            raise IllegalArgument(f"Unknown connection type {request.type}; known types: {', '.join(CONNECTION_TYPES)}")
        if request.name in self._s["connections"]:
            raise IllegalArgument(f"Connection {request.name} already exists")
        self._s["connections"][request.name] = connection_document(request)

    def set_connection(self, name: str, body: Any) -> None:
        parse(ConnectionDocument, body, "connection")
        self._replace("connections", name, {**body, "params": sealed_params(body.get("params") or {})}, "Connection")

    def delete_connection(self, name: str) -> None:
        self._admin_object("connections", name, "Connection")
        del self._s["connections"][name]

    # -- code envs ------------------------------------------------------------------------------
    def _code_env(self, lang: str, name: str) -> Doc:
        return self._admin_object("codeEnvs", f"{lang.upper()}/{name}", "Code env")

    def list_code_envs(self) -> list[Doc]:
        return [code_env_list_item(d) for d in self._s["codeEnvs"].values()]

    def get_code_env(self, lang: str, name: str) -> Doc:
        return _copy(self._code_env(lang, name))

    def create_code_env(self, lang: str, name: str, body: Any, wait: bool) -> Doc:
        lang = lang.upper()
        if lang not in ("PYTHON", "R"):
            raise IllegalArgument(f"Unknown code env language {lang}; known: PYTHON, R")
        request = parse(CreateCodeEnv, body if body is not None else {}, "code env creation request")
        if request.deploymentMode not in CODE_ENV_MODES:
            raise IllegalArgument(f"Unknown deployment mode {request.deploymentMode}")
        if lang == "R" and request.pythonInterpreter:
            raise IllegalArgument("An R code env has no Python interpreter")
        if f"{lang}/{name}" in self._s["codeEnvs"]:
            raise IllegalArgument(f"Code env {lang}/{name} already exists")
        self._s["codeEnvs"][f"{lang}/{name}"] = code_env_document(lang, name, request, seed.ADMIN["login"])
        return self._env_answer(lang, name, wait)

    def set_code_env(self, lang: str, name: str, body: Any) -> Doc:
        stored = self._code_env(lang, name)
        parse(CodeEnvDocument, body, "code env")
        for key in ("envName", "envLang", "deploymentMode"):
            if key in body and body[key] != stored[key]:
                raise IllegalArgument(f"The {key} of code env {lang}/{name} cannot change")
        new = {**_copy(body), "actualPackageList": stored.get("actualPackageList", "")}
        self._s["codeEnvs"][f"{lang.upper()}/{name}"] = new
        return _copy(new)

    def update_code_env_packages(self, lang: str, name: str, wait: bool) -> Doc:
        env = self._code_env(lang, name)
        env["actualPackageList"] = env.get("specPackageList", "")
        return self._env_answer(lang.upper(), name, wait)

    def delete_code_env(self, lang: str, name: str, wait: bool) -> Doc:
        self._code_env(lang, name)
        del self._s["codeEnvs"][f"{lang.upper()}/{name}"]
        return self._env_answer(lang.upper(), name, wait)

    def _env_answer(self, lang: str, name: str, wait: bool) -> Doc:
        """Finished: the messages; ``wait=False``: a future whose result they are."""
        answer = env_messages(name, lang)
        return answer if wait else self._future(answer, pending=True)
