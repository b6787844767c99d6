"""HTTP adapter for the project wiki (see ``handlers`` for the conventions).

Wiki save answers the updated wiki (the client replaces its copy with it, wiki.py:246); article
create and save answer the article with its payload; article delete answers 204.
"""

from __future__ import annotations

from reconciler.providers.dataiku.sandbox.handlers.common import Params, body, no_content, ok
from reconciler.providers.dataiku.sandbox.models import DataikuWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

W, R, S = DataikuWorld, SandboxRequest, SandboxResponse


def get_wiki(world: W, request: R, p: Params) -> S:
    return ok(world.get_wiki(p["projectKey"]))


def set_wiki(world: W, request: R, p: Params) -> S:
    return ok(world.set_wiki(p["projectKey"], body(request)))


def create_article(world: W, request: R, p: Params) -> S:
    return ok(world.create_article(p["projectKey"], body(request)))


def get_article(world: W, request: R, p: Params) -> S:
    return ok(world.get_article(p["projectKey"], p["articleId"]))


def set_article(world: W, request: R, p: Params) -> S:
    return ok(world.set_article(p["projectKey"], p["articleId"], body(request)))


def delete_article(world: W, request: R, p: Params) -> S:
    world.delete_article(p["projectKey"], p["articleId"])
    return no_content()
