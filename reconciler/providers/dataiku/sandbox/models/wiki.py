"""The project wiki: settings (home article, taxonomy) and articles (metadata + markdown).

State: ``projects[key]["wiki"] {homeArticleId, taxonomy, articles {id: {article, payload}},
articleCounter}``. Article ids are server-assigned (``"1"``, ``"2"``... per project; the client
reads ``article.id`` back); an article is found by id, else by name. Every article is in the
taxonomy exactly once; a new article goes under its ``parent`` (id or name) or at the top.
Deleting an article moves its children up to its parent (inferred: the seed does not say).
"""

from __future__ import annotations

from typing import Any

from reconciler.providers.dataiku.sandbox.errors import IllegalArgument, NotFound
from reconciler.providers.dataiku.sandbox.models.core import Doc, WorldCore
from reconciler.providers.dataiku.sandbox.models.core import deep_copy as _copy
from reconciler.providers.dataiku.sandbox.payloads.common import parse
from reconciler.providers.dataiku.sandbox.payloads.wiki import (
    ArticleCreate,
    ArticleWithPayload,
    WikiSettings,
    article_doc,
)

_FIXED = ("projectKey", "id", "versionTag", "creationTag")


def _flatten(taxonomy: list[Doc]) -> list[str]:
    out: list[str] = []
    for node in taxonomy:
        out.append(node["id"])
        out.extend(_flatten(node.get("children", [])))
    return out


def _find_node(taxonomy: list[Doc], article_id: str) -> tuple[list[Doc], int] | None:
    """The list holding ``article_id``'s node and its index there."""
    for index, node in enumerate(taxonomy):
        if node["id"] == article_id:
            return taxonomy, index
        found = _find_node(node.get("children", []), article_id)
        if found is not None:
            return found
    return None


class WikiModel(WorldCore):
    """Wiki settings and articles of a project."""

    def _wiki(self, project_key: str) -> Doc:
        return self._project(project_key)["wiki"]

    def _article_record(self, project_key: str, id_or_name: str) -> Doc:
        articles = self._wiki(project_key)["articles"]
        record = articles.get(id_or_name)
        if record is None:
            named = [r for r in articles.values() if r["article"]["name"] == id_or_name]
            record = named[0] if named else None
        if record is None:
            raise NotFound(f"Article {id_or_name} of project {project_key} does not exist")
        return record

    def get_wiki(self, project_key: str) -> Doc:
        wiki = self._wiki(project_key)
        return {"projectKey": project_key, "homeArticleId": wiki["homeArticleId"], "taxonomy": _copy(wiki["taxonomy"])}

    def set_wiki(self, project_key: str, body: Any) -> Doc:
        wiki = self._wiki(project_key)
        request = parse(WikiSettings, body, "wiki settings")
        taxonomy = body.get("taxonomy", [])
        listed = _flatten(taxonomy)
        if sorted(listed) != sorted(wiki["articles"]):
            missing = sorted(set(wiki["articles"]) - set(listed))
            extra = sorted(set(listed) - set(wiki["articles"]))
            dupes = sorted({a for a in listed if listed.count(a) > 1})
            raise IllegalArgument("Invalid wiki taxonomy: every article must appear exactly once "
                                  f"(missing: {missing}, unknown: {extra}, repeated: {dupes})")
        if request.homeArticleId is not None and request.homeArticleId not in wiki["articles"]:
            raise IllegalArgument(f"Home article {request.homeArticleId} does not exist")
        wiki["taxonomy"] = _copy(taxonomy)
        wiki["homeArticleId"] = request.homeArticleId
        return self.get_wiki(project_key)

    def create_article(self, project_key: str, body: Any) -> Doc:
        wiki = self._wiki(project_key)
        request = parse(ArticleCreate, body, "article")
        name = request.name if request.name is not None else request.id
        parent_id = None
        if request.parent is not None:
            parent_id = self._article_record(project_key, request.parent)["article"]["id"]
        if any(r["article"]["name"] == name for r in wiki["articles"].values()):
            raise IllegalArgument(f"An article named {name!r} already exists in the wiki of {project_key}")
        wiki["articleCounter"] += 1
        article_id = str(wiki["articleCounter"])
        article = article_doc(project_key, article_id, name)
        article["creationTag"], article["versionTag"] = self._tags()
        wiki["articles"][article_id] = {"article": article, "payload": ""}
        node = {"id": article_id, "children": []}
        if parent_id is None:
            wiki["taxonomy"].append(node)
        else:
            siblings, index = _find_node(wiki["taxonomy"], parent_id)  # type: ignore[misc]
            siblings[index].setdefault("children", []).append(node)
        if wiki["homeArticleId"] is None:
            wiki["homeArticleId"] = article_id
        return _copy(wiki["articles"][article_id])

    def get_article(self, project_key: str, id_or_name: str) -> Doc:
        return _copy(self._article_record(project_key, id_or_name))

    def set_article(self, project_key: str, id_or_name: str, body: Any) -> Doc:
        record = self._article_record(project_key, id_or_name)
        request = parse(ArticleWithPayload, body, "article")
        others = [r for r in self._wiki(project_key)["articles"].values() if r is not record]
        if any(r["article"]["name"] == request.article.name for r in others):
            raise IllegalArgument(f"An article named {request.article.name!r} already exists")
        new = {k: _copy(v) for k, v in body["article"].items() if k not in _FIXED}
        new.update({k: record["article"][k] for k in _FIXED})
        record["article"] = new
        if body.get("payload") is not None:
            record["payload"] = body["payload"]
        self._bump(new)
        return _copy(record)

    def delete_article(self, project_key: str, id_or_name: str) -> None:
        wiki = self._wiki(project_key)
        article_id = self._article_record(project_key, id_or_name)["article"]["id"]
        siblings, index = _find_node(wiki["taxonomy"], article_id)  # type: ignore[misc]
        node = siblings.pop(index)
        siblings[index:index] = node.get("children", [])
        del wiki["articles"][article_id]
        if wiki["homeArticleId"] == article_id:
            wiki["homeArticleId"] = None
