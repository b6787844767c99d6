"""HTTP adapter for recipes and managed folders (see ``handlers`` for the conventions).

JSON bodies where the client parses one (reference/dataiku.md §A.7): create recipe ``{name}``,
recipe save ``{}``, recipe metadata save ``{}``, create managed folder (the folder, with its
``id``), managed folder save ``{msg}``, managed folder delete ``{}``.
"""

from __future__ import annotations

from reconciler.providers.dataiku.sandbox.handlers.common import Params, body, flag, no_content, ok, written
from reconciler.providers.dataiku.sandbox.models import DataikuWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

W, R, S = DataikuWorld, SandboxRequest, SandboxResponse


# -- recipes ----------------------------------------------------------------------------------
def list_recipes(world: W, request: R, p: Params) -> S:
    return ok(world.list_recipes(p["projectKey"]))


def create_recipe(world: W, request: R, p: Params) -> S:
    return ok(world.create_recipe(p["projectKey"], body(request)))


def get_recipe(world: W, request: R, p: Params) -> S:
    return ok(world.get_recipe(p["projectKey"], p["recipeName"]))


def set_recipe(world: W, request: R, p: Params) -> S:
    world.set_recipe(p["projectKey"], p["recipeName"], body(request))
    return written(world, {})


def delete_recipe(world: W, request: R, p: Params) -> S:
    world.delete_recipe(p["projectKey"], p["recipeName"])
    return no_content()


def rename_recipe(world: W, request: R, p: Params) -> S:
    world.rename_recipe(p["projectKey"], body(request))
    return no_content()


def get_recipe_metadata(world: W, request: R, p: Params) -> S:
    return ok(world.get_recipe_metadata(p["projectKey"], p["recipeName"]))


def set_recipe_metadata(world: W, request: R, p: Params) -> S:
    world.set_recipe_metadata(p["projectKey"], p["recipeName"], body(request))
    return ok({})


# -- managed folders --------------------------------------------------------------------------
def list_managed_folders(world: W, request: R, p: Params) -> S:
    return ok(world.list_managed_folders(p["projectKey"]))


def create_managed_folder(world: W, request: R, p: Params) -> S:
    return written(world, world.create_managed_folder(p["projectKey"], body(request)))


def get_managed_folder(world: W, request: R, p: Params) -> S:
    return ok(world.get_managed_folder(p["projectKey"], p["folderId"]))


def set_managed_folder(world: W, request: R, p: Params) -> S:
    return ok(world.set_managed_folder(p["projectKey"], p["folderId"], body(request)))


def delete_managed_folder(world: W, request: R, p: Params) -> S:
    world.delete_managed_folder(p["projectKey"], p["folderId"], flag(request, "dropData"))
    return written(world, {})


def rename_managed_folder(world: W, request: R, p: Params) -> S:
    world.rename_managed_folder(p["projectKey"], body(request))
    return no_content()
