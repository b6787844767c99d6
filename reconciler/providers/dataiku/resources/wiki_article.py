"""``dataiku_wiki_article``: a page of a project's wiki, its markdown body and its place.

The article id is the server's (kept in state as ``"<project>.<id>"``, readable as
``${dataiku_wiki_article.<name>.id}``); the natural key is (project, name): DSS finds an
article by id or by name. The body is ``body`` inline or ``body_file`` (a markdown file relative
to the specs directory; the plan shows a unified diff). ``parent`` is another article's id
(null: top level): a change moves the article in the wiki's taxonomy (a read-modify-write
of the wiki settings, children travel with it). ``home: true`` makes it the wiki's home page.
Deleting an article moves its children up to its parent.

DSS has no call returning articles whole: ``list(project)`` reads the wiki (its taxonomy names
every article and says where it sits) and then each article.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar, Iterable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import as_set, fan_out, join_id, or_none, split_id
from reconciler.providers.dataiku.resources import _files
from reconciler.providers.dataiku.resources._base import MODIFIED, DataikuResource, modified
from reconciler.providers.models import Model

class WikiArticleSpec(Model):
    """A wiki article."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(description="key of the project holding it, usually ${dataiku_project.<name>.key}")
    name: str = Field(min_length=1, description="article name (unique in the wiki); a change renames it")
    parent: str | None = Field("", description="parent article id, usually ${dataiku_wiki_article.<n>.id}; "
                                               "empty, null or left out: top level; a change moves the article")
    body: str | None = Field(None, description="markdown body; or give body_file")
    body_file: str | None = Field(None, description="markdown file, relative to the specs directory")
    tags: list[str] = Field(default_factory=list, description="tags (a set: order does not matter)")
    home: bool | None = Field(None, description="true: make it the wiki's home article; left alone when omitted")

    @model_validator(mode="after")
    def _one_body(self) -> "WikiArticleSpec":
        if self.body is not None and self.body_file is not None:
            raise ValueError("give body or body_file, not both")
        return self


def _parent_of(taxonomy: Any, article_id: str, parent: str | None = None) -> tuple[bool, str | None]:
    """(found, parent id) of ``article_id`` in the wiki taxonomy."""
    for node in taxonomy or []:
        if not isinstance(node, Mapping):
            continue
        if node.get("id") == article_id:
            return True, parent
        found, where = _parent_of(node.get("children"), article_id, node.get("id"))
        if found:
            return True, where
    return False, None


def _ids(taxonomy: Any) -> list[str]:
    """Every article id of a taxonomy, parents before their children."""
    out: list[str] = []
    for node in taxonomy or []:
        if isinstance(node, Mapping) and node.get("id") is not None:
            out.append(str(node["id"]))
            out.extend(_ids(node.get("children")))
    return out


def _move(taxonomy: list[dict[str, Any]], article_id: str, parent_id: str | None) -> list[dict[str, Any]]:
    """The taxonomy with ``article_id``'s node (and children) under ``parent_id`` (None: top)."""
    def take(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
        for index, node in enumerate(nodes):
            if node.get("id") == article_id:
                return nodes.pop(index)
            found = take(node.setdefault("children", []))
            if found is not None:
                return found
        return None

    def put(nodes: list[dict[str, Any]], node: dict[str, Any]) -> bool:
        for candidate in nodes:
            if candidate.get("id") == parent_id:
                candidate.setdefault("children", []).append(node)
                return True
            if put(candidate.setdefault("children", []), node):
                return True
        return False

    tree = copy.deepcopy(taxonomy)
    node = take(tree)
    if node is None:
        raise ProviderError(f"article {article_id} is not in the wiki taxonomy")
    if parent_id is None:
        tree.append(node)
    elif not put(tree, node):
        raise ProviderError(f"parent article {parent_id} is not in the wiki (or is inside article {article_id})")
    return tree


class WikiArticle(DataikuResource):
    type_name: ClassVar[str] = "dataiku_wiki_article"
    spec_model: ClassVar[type[BaseModel]] = WikiArticleSpec
    description: ClassVar[str] = "A wiki article (markdown body, parent, tags, home page)"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "name")
    unique_key: ClassVar[str | None] = "a Dataiku wiki article name is unique in its project"
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project"})
    delete_note: ClassVar[str | None] = "its child articles move up to its parent"
    ref_fields: ClassVar[Mapping[str, str]] = {"project": "dataiku_project.key", "parent": "dataiku_wiki_article.id"}

    container: ClassVar[str | None] = "project"

    def read(self, object_id: str) -> Live | None:
        project, article_id = split_id(object_id, "wiki article")
        doc = or_none(lambda: self.client.get_article(project, article_id))
        wiki = or_none(lambda: self.client.get_wiki(project)) if doc is not None else None
        return self._live(project, doc, wiki) if wiki is not None else None

    def container_of(self, object_id: str) -> str | None:
        return split_id(object_id, "wiki article")[0]

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """The wiki, then each article its taxonomy names."""
        project = str(container)
        wiki = or_none(lambda: self.client.get_wiki(project))
        if wiki is None:
            return []
        docs = fan_out(lambda article_id: or_none(lambda: self.client.get_article(project, article_id)),
                       _ids(wiki.get("taxonomy")))
        return [(join_id(project, live["id"]), live) for live in (self._live(project, d, wiki) for d in docs if d)]

    def export_view(self, live: Live) -> Live:
        """The body inline (``body``, not ``body_file``)."""
        return {k: v for k, v in live.items() if k != "body_file"}

    def _live(self, project: str, doc: Mapping[str, Any], wiki: Mapping[str, Any]) -> Live:
        article = doc.get("article") or {}
        article_id = str(article.get("id"))
        _, parent = _parent_of(wiki.get("taxonomy"), article_id)
        body = doc.get("payload") if isinstance(doc.get("payload"), str) else ""
        return {
            "id": article_id,
            "project": article.get("projectKey") or project,
            "name": article.get("name", article_id),
            "parent": parent,
            "body": body,
            "body_file": _files.LiveText(body),
            "tags": as_set(article.get("tags")),
            "home": wiki.get("homeArticleId") == article_id,
            MODIFIED: modified(article.get("versionTag")),
        }

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = WikiArticleSpec.model_validate(spec)
        body = _files.text_of(dict(spec), "body", "body_file")
        parent = self._parent_id(want.project, want.parent)
        doc = self.client.create_article(want.project, want.name, parent)
        article_id = str(doc["article"]["id"])
        new_id = join_id(want.project, article_id)
        whole = doc if "name" in doc["article"] else None  # the answer is the article
        try:
            doc = self._save(want.project, article_id, spec, {f for f in ("body", "body_file", "tags") if f in spec},
                             body, whole)
            wiki = self._set_home(want.project, article_id) if want.home else self.client.get_wiki(want.project)
        except ProviderError as exc:
            raise CreatedButFailed(new_id, exc) from exc
        return new_id, self._live(want.project, doc, wiki)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, article_id = split_id(object_id, "wiki article")
        fields = set(changed) & set(spec)
        body = _files.text_of(dict(spec), "body", "body_file") if fields & {"body", "body_file"} else None
        doc = self._save(project, article_id, spec, fields, body)
        wiki = None
        if "parent" in fields:
            wiki = self.client.get_wiki(project)
            taxonomy = _move(wiki.get("taxonomy") or [], article_id, self._parent_id(project, spec["parent"]))
            wiki = _wiki_answer(self.client.put_wiki(project, {**wiki, "taxonomy": taxonomy}))
        if "home" in fields and spec["home"] is not None:
            wiki = self._set_home(project, article_id if spec["home"] else None, unset=article_id)
        return self._live(project, doc, wiki if wiki is not None else self.client.get_wiki(project))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        project, article_id = split_id(object_id, "wiki article")
        or_none(lambda: self.client.delete_article(project, article_id))

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        if isinstance(out.get("body"), str):
            out["body"] = out["body"].replace("\r\n", "\n")
        if "body_file" in out:
            out["body_file"] = _files.comparable(out["body_file"])
        if "tags" in out:
            out["tags"] = as_set(out["tags"])
        if out.get("parent") == "":
            out["parent"] = None
        if "home" in out and out["home"] is None:
            out.pop("home")
        return out

    # -- writes -------------------------------------------------------------------------------
    def _parent_id(self, project: str, parent: str | None) -> str | None:
        """An article id for ``parent`` given as id or name."""
        if not parent:
            return None
        try:
            return str(self.client.get_article(project, parent)["article"]["id"])
        except NotFoundError:
            raise ProviderError(f"parent article {parent!r} does not exist in the wiki of {project}") from None

    def _save(self, project: str, article_id: str, spec: Spec, fields: set[str], body: str | None,
              doc: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``{article, payload}`` document (``doc`` when the caller has it) with name, tags and
        ``body`` written, PUT only if changed; the document as it is now."""
        if doc is not None and not fields & {"name", "tags"} and body is None:
            return doc
        doc = self.client.get_article(project, article_id)
        article = dict(doc.get("article") or {})
        if "name" in fields:
            article["name"] = spec["name"]
        if "tags" in fields:
            article["tags"] = as_set(spec["tags"])
        new = {**doc, "article": article}
        if body is not None:
            new["payload"] = body
        if new != doc:
            self.client.put_article(project, article_id, new)
        return new

    def _set_home(self, project: str, article_id: str | None, *, unset: str | None = None) -> dict[str, Any]:
        """Make ``article_id`` the home page; ``None`` clears it if it is ``unset`` now. The wiki
        settings as they are now."""
        wiki = self.client.get_wiki(project)
        current = wiki.get("homeArticleId")
        if article_id is None and current != unset:
            return wiki
        if current != article_id:
            new = {**wiki, "homeArticleId": article_id}
            wiki = _wiki_answer(self.client.put_wiki(project, new)) or new
        return wiki


def _wiki_answer(answer: Any) -> dict[str, Any] | None:
    """The wiki settings a PUT answered with (DSS answers the saved wiki), or None."""
    return answer if isinstance(answer, dict) and "taxonomy" in answer else None
