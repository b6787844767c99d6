"""HTTP adapter for flow zones and saved models (see ``handlers`` for the conventions).

Zone create and item moves answer the zone (the client keeps it as its raw document); a zone's
settings PUT and delete answer 204 (``_perform_empty``). Saved model create answers ``{id}``
(the client reads ``["id"]``); ``setActive``, a version import and a delete answer 204
(``_perform_empty``; seed L5828 for setActive).
"""

from __future__ import annotations

from reconciler.providers.dataiku.sandbox.handlers.common import Params, body, flag, no_content, ok
from reconciler.providers.dataiku.sandbox.models import DataikuWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

W, R, S = DataikuWorld, SandboxRequest, SandboxResponse


# -- flow zones -------------------------------------------------------------------------------
def list_zones(world: W, request: R, p: Params) -> S:
    return ok(world.list_zones(p["projectKey"]))


def create_zone(world: W, request: R, p: Params) -> S:
    return ok(world.create_zone(p["projectKey"], body(request)))


def get_zone(world: W, request: R, p: Params) -> S:
    return ok(world.get_zone(p["projectKey"], p["zoneId"]))


def set_zone(world: W, request: R, p: Params) -> S:
    world.set_zone(p["projectKey"], p["zoneId"], body(request))
    return no_content()


def delete_zone(world: W, request: R, p: Params) -> S:
    world.delete_zone(p["projectKey"], p["zoneId"])
    return no_content()


def add_zone_items(world: W, request: R, p: Params) -> S:
    return ok(world.add_zone_items(p["projectKey"], p["zoneId"], body(request)))


# -- saved models -----------------------------------------------------------------------------
def list_saved_models(world: W, request: R, p: Params) -> S:
    return ok(world.list_saved_models(p["projectKey"]))


def create_saved_model(world: W, request: R, p: Params) -> S:
    return ok(world.create_saved_model(p["projectKey"], body(request)))


def get_saved_model(world: W, request: R, p: Params) -> S:
    return ok(world.get_saved_model(p["projectKey"], p["savedModelId"]))


def delete_saved_model(world: W, request: R, p: Params) -> S:
    world.delete_saved_model(p["projectKey"], p["savedModelId"])
    return no_content()


def list_saved_model_versions(world: W, request: R, p: Params) -> S:
    return ok(world.list_saved_model_versions(p["projectKey"], p["savedModelId"]))


def import_saved_model_version(world: W, request: R, p: Params) -> S:
    """The external-model version import (multipart body, ignored: its file part is empty)."""
    world.import_saved_model_version(p["projectKey"], p["savedModelId"], p["versionId"],
                                     flag(request, "setActive", True))
    return no_content()


def set_active_version(world: W, request: R, p: Params) -> S:
    world.set_active_version(p["projectKey"], p["savedModelId"], p["versionId"])
    return no_content()
