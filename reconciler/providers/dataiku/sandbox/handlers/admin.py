"""HTTP adapter for instance administration (see ``handlers`` for the conventions): users,
groups, connections and code envs.

The client reads the answers of user, group and connection creates as text (any body: 204 here,
inferred) and of their PUTs as JSON (``{}``); deletes answer 204. Code env creates, package
updates and deletes with ``wait=True`` answer the messages ``{envName, envLang, messages}``,
with ``wait=False`` a future; a code env PUT answers the updated definition (``set_definition``
returns it).
"""

from __future__ import annotations

from reconciler.providers.dataiku.sandbox.handlers.common import Params, body, flag, no_content, ok
from reconciler.providers.dataiku.sandbox.models import DataikuWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

W, R, S = DataikuWorld, SandboxRequest, SandboxResponse


# -- users ------------------------------------------------------------------------------------
def list_users(world: W, request: R, p: Params) -> S:
    return ok(world.list_users(flag(request, "includeSettings")))


def create_user(world: W, request: R, p: Params) -> S:
    world.create_user(body(request))
    return no_content()


def get_user(world: W, request: R, p: Params) -> S:
    return ok(world.get_user(p["login"]))


def set_user(world: W, request: R, p: Params) -> S:
    world.set_user(p["login"], body(request))
    return ok({})


def delete_user(world: W, request: R, p: Params) -> S:
    world.delete_user(p["login"], flag(request, "allowSelfDeletion"))
    return no_content()


# -- groups -----------------------------------------------------------------------------------
def list_groups(world: W, request: R, p: Params) -> S:
    return ok(world.list_groups())


def create_group(world: W, request: R, p: Params) -> S:
    world.create_group(body(request))
    return no_content()


def get_group(world: W, request: R, p: Params) -> S:
    return ok(world.get_group(p["name"]))


def set_group(world: W, request: R, p: Params) -> S:
    world.set_group(p["name"], body(request))
    return ok({})


def delete_group(world: W, request: R, p: Params) -> S:
    world.delete_group(p["name"])
    return no_content()


# -- connections ------------------------------------------------------------------------------
def list_connections(world: W, request: R, p: Params) -> S:
    return ok(world.list_connections())


def create_connection(world: W, request: R, p: Params) -> S:
    world.create_connection(body(request))
    return no_content()


def get_connection(world: W, request: R, p: Params) -> S:
    return ok(world.get_connection(p["name"]))


def set_connection(world: W, request: R, p: Params) -> S:
    world.set_connection(p["name"], body(request))
    return ok({})


def delete_connection(world: W, request: R, p: Params) -> S:
    world.delete_connection(p["name"])
    return no_content()


# -- code envs --------------------------------------------------------------------------------
def list_code_envs(world: W, request: R, p: Params) -> S:
    return ok(world.list_code_envs())


def get_code_env(world: W, request: R, p: Params) -> S:
    return ok(world.get_code_env(p["envLang"], p["envName"]))


def create_code_env(world: W, request: R, p: Params) -> S:
    return ok(world.create_code_env(p["envLang"], p["envName"], body(request), flag(request, "wait", True)))


def set_code_env(world: W, request: R, p: Params) -> S:
    return ok(world.set_code_env(p["envLang"], p["envName"], body(request)))


def update_code_env_packages(world: W, request: R, p: Params) -> S:
    return ok(world.update_code_env_packages(p["envLang"], p["envName"], flag(request, "wait", True)))


def delete_code_env(world: W, request: R, p: Params) -> S:
    return ok(world.delete_code_env(p["envLang"], p["envName"], flag(request, "wait", True)))
