"""HTTP adapter for instance-level objects (see ``handlers`` for the conventions): the API key's
identity, meanings, plugins and futures.

Meaning create answers 204 (the client reads it as text); meaning save ``{}`` (the client parses
it although the seed says 204). Plugin installs, updates and deletes answer a future
(``{jobId, hasResult, ...}``); settings save (a POST) answers 204.
"""

from __future__ import annotations

from reconciler.providers.dataiku.sandbox.handlers.common import Params, body, flag, no_content, ok, written
from reconciler.providers.dataiku.sandbox.models import DataikuWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

W, R, S = DataikuWorld, SandboxRequest, SandboxResponse


# -- identity ----------------------------------------------------------------------------------
def get_auth_info(world: W, request: R, p: Params) -> S:
    return ok(world.auth_info(flag(request, "withSecrets")))


def get_instance_info(world: W, request: R, p: Params) -> S:
    return ok(world.instance_info())


# -- meanings ---------------------------------------------------------------------------------
def list_meanings(world: W, request: R, p: Params) -> S:
    return ok(world.list_meanings())


def create_meaning(world: W, request: R, p: Params) -> S:
    world.create_meaning(body(request))
    return no_content()


def get_meaning(world: W, request: R, p: Params) -> S:
    return ok(world.get_meaning(p["meaningId"]))


def set_meaning(world: W, request: R, p: Params) -> S:
    world.set_meaning(p["meaningId"], body(request))
    return ok({})


# -- plugins ----------------------------------------------------------------------------------
def list_plugins(world: W, request: R, p: Params) -> S:
    return ok(world.list_plugins())


def install_from_store(world: W, request: R, p: Params) -> S:
    return written(world, world.install_plugin_from_store(body(request)))


def install_from_git(world: W, request: R, p: Params) -> S:
    return written(world, world.install_plugin_from_git(body(request)))


def update_from_store(world: W, request: R, p: Params) -> S:
    return ok(world.update_plugin_from_store(p["pluginId"]))


def update_from_git(world: W, request: R, p: Params) -> S:
    return ok(world.update_plugin_from_git(p.get("pluginId"), body(request)))


def get_plugin_settings(world: W, request: R, p: Params) -> S:
    return ok(world.get_plugin_settings(p["pluginId"]))


def set_plugin_settings(world: W, request: R, p: Params) -> S:
    world.set_plugin_settings(p["pluginId"], body(request))
    return no_content()


def list_plugin_usages(world: W, request: R, p: Params) -> S:
    return ok(world.plugin_usages(p["pluginId"], request.arg("projectKey")))


def delete_plugin(world: W, request: R, p: Params) -> S:
    return ok(world.delete_plugin(p["pluginId"], body(request)))


# -- futures ----------------------------------------------------------------------------------
def list_futures(world: W, request: R, p: Params) -> S:
    return ok(world.list_futures())


def get_future(world: W, request: R, p: Params) -> S:
    return ok(world.get_future(p["jobId"], flag(request, "peek")))


def abort_future(world: W, request: R, p: Params) -> S:
    world.abort_future(p["jobId"])
    return ok({})
