"""Checklists of DSS objects (``metadata.checklists.checklists``) in spec vocabulary.

A checklist is ``{title, items: [{text, done}]}``; DSS adds ids and creation / state-change
stamps. Order is kept (checklists and items are lists a reader sees in order); checklists are
matched by title and items by text, so an update sends back whatever DSS added.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ConfigDict, Field

from reconciler.providers.models import Model


class ChecklistItem(Model):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="the item's text (identifies it within the checklist)")
    done: bool = Field(False, description="whether it is ticked")


class Checklist(Model):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="the checklist's title (identifies it)")
    items: list[ChecklistItem] = Field(default_factory=list, description="items in order")


def live_checklists(doc: Any) -> list[dict[str, Any]]:
    """``{checklists: [...]}`` as DSS stores it -> spec form."""
    lists = doc.get("checklists") if isinstance(doc, Mapping) else None
    out = []
    for checklist in lists or []:
        if isinstance(checklist, Mapping):
            items = [{"text": i.get("text", ""), "done": bool(i.get("done", False))}
                     for i in checklist.get("items") or [] if isinstance(i, Mapping)]
            out.append({"title": checklist.get("title") or "", "items": items})
    return out


def normalize_checklists(value: Any) -> Any:
    """``None`` is none; each checklist and item reduced to the compared keys."""
    if value is None:
        return []
    if not isinstance(value, list):
        return value
    return [
        {"title": c.get("title") or "",
         "items": [{"text": i.get("text", ""), "done": bool(i.get("done", False))}
                   for i in c.get("items") or [] if isinstance(i, Mapping)]}
        if isinstance(c, Mapping) else c
        for c in value
    ]


def merge_checklists(live_doc: Any, desired: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``checklists`` document to PUT: desired order and content over the live entries."""
    live_doc = dict(live_doc) if isinstance(live_doc, Mapping) else {}
    live_lists = {c.get("title"): c for c in live_doc.get("checklists") or [] if isinstance(c, Mapping)}
    out = []
    for want in desired:
        have = dict(live_lists.get(want.get("title"), {}))
        have_items = {i.get("text"): i for i in have.get("items") or [] if isinstance(i, Mapping)}
        items = []
        for item in want.get("items") or []:
            merged = dict(have_items.get(item.get("text"), {}))
            merged.update(text=item.get("text"), done=bool(item.get("done", False)))
            items.append(merged)
        have.update(title=want.get("title"), items=items)
        out.append(have)
    return {**live_doc, "checklists": out}
