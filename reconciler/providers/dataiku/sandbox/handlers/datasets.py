"""HTTP adapter for datasets (see ``handlers`` for the conventions): create and settings saves
answer ``{}`` (the client parses a body although the seed says 204), delete and rename 204."""

from __future__ import annotations

from reconciler.providers.dataiku.sandbox.handlers.common import Params
from reconciler.providers.dataiku.sandbox.handlers.common import body as _body
from reconciler.providers.dataiku.sandbox.handlers.common import flag as _flag
from reconciler.providers.dataiku.sandbox.handlers.common import no_content as _no_content
from reconciler.providers.dataiku.sandbox.handlers.common import ok as _ok
from reconciler.providers.dataiku.sandbox.handlers.common import written
from reconciler.providers.dataiku.sandbox.models import DataikuWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse


def list_datasets(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    tags = request.args("tags", comma_separated=True)
    return _ok(world.list_datasets(p["projectKey"], tags, _flag(request, "foreign")))


def create_dataset(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.create_dataset(p["projectKey"], _body(request))
    return written(world, {})


def create_managed_dataset(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return written(world, world.create_managed_dataset(p["projectKey"], _body(request)))


def get_dataset(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_dataset(p["projectKey"], p["datasetName"]))


def set_dataset(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.set_dataset(p["projectKey"], p["datasetName"], _body(request))
    return written(world, {})


def delete_dataset(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.delete_dataset(p["projectKey"], p["datasetName"], _flag(request, "dropData"))
    return _no_content()


def rename_dataset(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.rename_dataset(p["projectKey"], _body(request))
    return _no_content()


def get_dataset_schema(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_dataset_schema(p["projectKey"], p["datasetName"]))


def set_dataset_schema(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.set_dataset_schema(p["projectKey"], p["datasetName"], _body(request))
    return written(world, {})


def get_dataset_metadata(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_dataset_metadata(p["projectKey"], p["datasetName"]))


def set_dataset_metadata(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.set_dataset_metadata(p["projectKey"], p["datasetName"], _body(request))
    return _ok({})
