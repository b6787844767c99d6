"""The project wiki: the request bodies (settings, article creation, article with its markdown)
and the document of a new article."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from reconciler.providers.dataiku.sandbox.payloads.common import _Payload


class TaxonomyNode(_Payload):
    id: str = Field(min_length=1)
    children: list["TaxonomyNode"] = []


class WikiSettings(_Payload):
    homeArticleId: str | None = None
    taxonomy: list[TaxonomyNode] = []


class ArticleCreate(_Payload):
    """Client form ``{projectKey, name, parent}``; seed form ``{projectKey, id, parent}``."""

    projectKey: str | None = None
    name: str | None = None
    id: str | None = None
    parent: str | None = None

    @model_validator(mode="after")
    def _named(self) -> "ArticleCreate":
        name = self.name if self.name is not None else self.id
        if name is None or not name.strip():
            raise ValueError("an article needs a name")
        return self


class ArticleMetadata(_Payload):
    name: str = Field(min_length=1)
    tags: list[str] = []


class ArticleWithPayload(_Payload):
    article: ArticleMetadata
    payload: str | None = None


def article_doc(project_key: str, article_id: str, name: str) -> dict[str, Any]:
    return {"projectKey": project_key, "id": article_id, "name": name, "layout": "WIKI_ARTICLE",
            "attachments": [], "tags": []}
