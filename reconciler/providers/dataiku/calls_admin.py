"""Typed calls of instance administration: users, groups, connections and code envs.

A mixin of ``client.DataikuClient``. Wire details follow ``dataikuapi`` 15.2 (``dssclient.py``
and ``dss/admin.py``): collection POSTs with a trailing slash whose answer the client reads as
text (so any body, or none, is accepted); full-document PUTs of ``/admin/{users,groups,
connections}/{name}``; code env creates, package updates and deletes with ``?wait=`` answering
``{messages: {error, messages}, ...}`` or, with ``wait=False``, a future.
"""

from __future__ import annotations

from typing import Any, Callable

from reconciler.errors import ApiError
from reconciler.providers.dataiku.paths import flag, path

Doc = dict[str, Any]


def _check_messages(answer: Any, what: str) -> Any:
    """Raise when a code env operation's answer reports an error (as the client does)."""
    messages = answer.get("messages") if isinstance(answer, dict) else None
    if isinstance(messages, dict) and messages.get("error"):
        texts = "; ".join(str(m.get("message")) for m in messages.get("messages") or [] if isinstance(m, dict))
        raise ApiError(f"{what} failed: {texts or 'DSS reported an error'}")
    return answer


class AdminCalls:
    _json: Callable[..., Any]
    _send: Callable[..., None]

    # -- users ------------------------------------------------------------------------------------
    def list_users(self) -> list[Doc]:
        """``GET /admin/users/?includeSettings=True``: every user, each the document ``get_user`` returns."""
        return self._json("GET", path("admin", "users") + "/", params={"includeSettings": "True"})

    def get_user(self, login: str) -> Doc:
        return self._json("GET", path("admin", "users", login))

    def create_user(self, body: Doc) -> None:
        """``{login, password, displayName, sourceType, groups, userProfile, email}``."""
        self._send("POST", path("admin", "users") + "/", json=body)

    def put_user(self, login: str, doc: Doc) -> None:
        self._send("PUT", path("admin", "users", login), json=doc, idempotent=True)

    def delete_user(self, login: str) -> None:
        self._send("DELETE", path("admin", "users", login), params={"allowSelfDeletion": "False"})

    # -- groups -----------------------------------------------------------------------------------
    def list_groups(self) -> list[Doc]:
        """``GET /admin/groups/``: every group definition, whole."""
        return self._json("GET", path("admin", "groups") + "/")

    def get_group(self, name: str) -> Doc:
        return self._json("GET", path("admin", "groups", name))

    def create_group(self, body: Doc) -> None:
        """``{name, description, sourceType}`` (the client's body); the rest is a PUT after."""
        self._send("POST", path("admin", "groups") + "/", json=body)

    def put_group(self, name: str, doc: Doc) -> None:
        self._send("PUT", path("admin", "groups", name), json=doc, idempotent=True)

    def delete_group(self, name: str) -> None:
        self._send("DELETE", path("admin", "groups", name))

    # -- connections ------------------------------------------------------------------------------
    def list_connections(self) -> dict[str, Doc]:
        """``GET /admin/connections/``: ``{name: definition}``, each whole (secrets in encrypted form)."""
        return self._json("GET", path("admin", "connections") + "/")

    def get_connection(self, name: str) -> Doc:
        return self._json("GET", path("admin", "connections", name))

    def create_connection(self, body: Doc) -> None:
        """``{name, description, type, params, usableBy, allowedGroups}``."""
        self._send("POST", path("admin", "connections") + "/", json=body)

    def put_connection(self, name: str, doc: Doc) -> None:
        self._send("PUT", path("admin", "connections", name), json=doc, idempotent=True)

    def delete_connection(self, name: str) -> None:
        self._send("DELETE", path("admin", "connections", name))

    # -- code envs --------------------------------------------------------------------------------
    def list_code_envs(self) -> list[Doc]:
        """``[{envName, envLang, deploymentMode, owner, ...}]``."""
        return self._json("GET", path("admin", "code-envs") + "/")

    def get_code_env(self, lang: str, name: str) -> Doc:
        return self._json("GET", path("admin", "code-envs", lang, name))

    def create_code_env(self, lang: str, name: str, params: Doc) -> Doc:
        """``POST /admin/code-envs/{lang}/{name}?wait=True`` with ``{deploymentMode, ...}``; waits."""
        answer = self._json("POST", path("admin", "code-envs", lang, name), params={"wait": flag(True)}, json=params)
        return _check_messages(answer, f"creating code env {lang}/{name}")

    def put_code_env(self, lang: str, name: str, doc: Doc) -> Doc:
        return self._json("PUT", path("admin", "code-envs", lang, name), json=doc, idempotent=True)

    def update_code_env_packages(self, lang: str, name: str) -> Doc:
        """``POST …/packages?wait=True``: install what the spec lists; returns the messages once done."""
        answer = self._json("POST", path("admin", "code-envs", lang, name, "packages"),
                            params={"forceRebuildEnv": flag(False), "wait": flag(True)})
        return _check_messages(answer, f"updating the packages of code env {lang}/{name}")

    def delete_code_env(self, lang: str, name: str) -> None:
        answer = self._json("DELETE", path("admin", "code-envs", lang, name), params={"wait": flag(True)})
        _check_messages(answer, f"deleting code env {lang}/{name}")
