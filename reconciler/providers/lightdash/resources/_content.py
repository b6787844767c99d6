"""Canonical forms of content as code, so a diff shows what a person changed and nothing else.

Lightdash fills defaults into what it stores (empty ``metricQuery`` lists and maps, ``limit``
500, ``tableConfig.columnOrder: []``, ``tabUuid: null``, a chart tile's ``chartName``...) and
reorders nothing. Both the desired and the live document go through the same functions: server
defaults and derived keys are dropped, tiles become a map keyed by tile slug (a chart tile's
``chartSlug``, ``-N`` when a chart repeats, as Lightdash's ``tileSlug``; ``markdown-1``,
``loom-1``... for the others) and dashboard filters a map keyed by field id, so a change reads
as ``tiles.orders-by-status.w: 12 -> 18``. Pure; values of an unexpected shape (a
``(known after apply)`` marker) pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

METRIC_QUERY_DEFAULTS: dict[str, Any] = {
    "dimensions": [], "metrics": [], "filters": {}, "sorts": [], "limit": 500, "tableCalculations": [],
    "additionalMetrics": [], "customDimensions": [], "metricOverrides": {},
}
#: tile keys Lightdash derives or fills in
TILE_NOISE = {"uuid": None, "tabUuid": None}
CHART_TILE_DERIVED = ("chartName", "belongsToDashboard", "lastVersionChartKind", "savedChartUuid")
TILE_PROPERTY_DEFAULTS = {"title": "", "hideTitle": False}
FILTER_GROUPS = ("dimensions", "metrics", "tableCalculations")
CHART_TILE_TYPES = ("saved_chart", "sql_chart")


def _drop_none(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if v is not None}


def metric_query(value: Any, table_name: Any = None) -> Any:
    """A metric query without the server's empty defaults (and ``exploreName`` when it is the
    table); ``limit`` is always shown (500 when left out), so a change reads ``500 -> 50``."""
    if not isinstance(value, Mapping):
        return value
    out = {k: v for k, v in _drop_none(value).items()
           if k == "limit" or METRIC_QUERY_DEFAULTS.get(k, object()) != v}
    out.setdefault("limit", METRIC_QUERY_DEFAULTS["limit"])
    if table_name is not None and out.get("exploreName") == table_name:
        out.pop("exploreName")
    return out


def table_config(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        return value
    return {k: v for k, v in _drop_none(value).items() if not (k == "columnOrder" and v == [])}


def pivot_config(value: Any) -> Any:
    if isinstance(value, Mapping) and not value.get("columns"):
        return None
    return value


def tile_key(tile: Mapping[str, Any], seen: dict[str, int], repeats: Mapping[str, int]) -> str:
    """The key a tile is compared under; ``seen`` counts keys handed out so far.

    A chart tile's key is the ``tileSlug`` Lightdash computes (its ``chartSlug``, ``-N`` by order
    when the chart repeats), whatever ``tileSlug`` the document carries: the server recomputes it.
    """
    props = tile.get("properties") if isinstance(tile.get("properties"), Mapping) else {}
    chart = props.get("chartSlug")
    if tile.get("type") in CHART_TILE_TYPES and isinstance(chart, str) and chart:
        seen[chart] = seen.get(chart, 0) + 1
        return f"{chart}-{seen[chart]}" if repeats.get(chart, 0) > 1 else chart
    kind = str(tile.get("type") or "tile")
    seen[kind] = seen.get(kind, 0) + 1
    return f"{kind}-{seen[kind]}"


def tile_value(tile: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in tile.items() if k != "tileSlug" and not (k in TILE_NOISE and v == TILE_NOISE[k])}
    props = tile.get("properties")
    if isinstance(props, Mapping):
        chart_tile = tile.get("type") in CHART_TILE_TYPES
        kept = {}
        for k, v in props.items():
            if v is None or (k in TILE_PROPERTY_DEFAULTS and v == TILE_PROPERTY_DEFAULTS[k]):
                continue
            if chart_tile and k in CHART_TILE_DERIVED:
                continue
            kept[k] = v
        out["properties"] = kept
    return out


def tiles(value: Any) -> Any:
    """A tile list as ``{tile key: tile without derived keys}``."""
    if not isinstance(value, list) or not all(isinstance(t, Mapping) for t in value):
        return value
    repeats: dict[str, int] = {}
    for tile in value:
        props = tile.get("properties") if isinstance(tile.get("properties"), Mapping) else {}
        chart = props.get("chartSlug")
        if tile.get("type") in CHART_TILE_TYPES and isinstance(chart, str):
            repeats[chart] = repeats.get(chart, 0) + 1
    seen: dict[str, int] = {}
    out: dict[str, Any] = {}
    for tile in value:
        key = tile_key(tile, seen, repeats)
        while key in out:  # two tiles claiming one slug: keep both visible
            key += "+"
        out[key] = tile_value(tile)
    return out


def filters(value: Any) -> Any:
    """Dashboard filters as ``{group: {fieldId: rule}}`` without rule ids and empty groups."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for group, rules in value.items():
        if group in FILTER_GROUPS and isinstance(rules, list):
            if not rules:
                continue
            keyed: dict[str, Any] = {}
            for rule in rules:
                if not isinstance(rule, Mapping):
                    keyed[f"#{len(keyed)}"] = rule
                    continue
                target = rule.get("target") if isinstance(rule.get("target"), Mapping) else {}
                key = str(target.get("fieldId") or f"#{len(keyed)}")
                while key in keyed:
                    key += "+"
                keyed[key] = {k: v for k, v in rule.items()
                              if k != "id" and v is not None and not (k == "tileTargets" and v == {})}
            out[group] = keyed
        elif rules is not None:
            out[group] = rules
    return out


def tabs(value: Any) -> Any:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(t, Mapping) for t in value):
        return value
    return sorted((dict(t) for t in value), key=lambda t: (t.get("order", 0), str(t.get("uuid"))))


def spec_tiles(value: Any) -> Any:
    """Tiles as a spec writes them: a list, without the server's derived and default keys."""
    if not isinstance(value, list):
        return value
    return [tile_value(t) if isinstance(t, Mapping) else t for t in value]


def spec_filters(value: Any) -> Any:
    """Filters as a spec writes them: rule ids, empty tile targets and empty groups left out."""
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for group, rules in value.items():
        if isinstance(rules, list) and not rules:
            continue
        if isinstance(rules, list):
            rules = [{k: v for k, v in r.items() if k != "id" and v is not None and not (k == "tileTargets" and v == {})}
                     if isinstance(r, Mapping) else r for r in rules]
        out[group] = rules
    return out or None
