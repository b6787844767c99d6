"""Instance-level objects: meanings and plugins: the request bodies and the
documents DSS answers with (code env list items, plugin records, install results).

Same rules as every request model here: check only, extra fields allowed and kept by the world.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from reconciler.providers.dataiku.sandbox.payloads.common import _Payload, checked_id

Doc = dict[str, Any]
MEANING_TYPES = ("DECLARATIVE", "VALUES_LIST", "VALUES_MAPPING", "PATTERN")
NORMALIZATION_MODES = ("EXACT", "LOWERCASE", "NORMALIZED")


# -- meanings ---------------------------------------------------------------------------------
class MeaningEntry(_Payload):
    value: str
    color: str | None = None


class MeaningMapping(_Payload):
    from_: str = Field(alias="from")
    to: MeaningEntry | str


class MeaningDocument(_Payload):
    """Client form (``entries``) or seed form (``values``); ``mappings[].to`` a string or ``{value}``."""

    id: str | None = None
    label: str = Field(min_length=1)
    type: Literal["DECLARATIVE", "VALUES_LIST", "VALUES_MAPPING", "PATTERN"]
    description: str | None = None
    entries: list[MeaningEntry] | None = None
    values: list[str | MeaningEntry] | None = None
    mappings: list[MeaningMapping] | None = None
    pattern: str | None = None
    normalizationMode: Literal["EXACT", "LOWERCASE", "NORMALIZED"] | None = None
    detectable: bool = False

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        return None if value is None else checked_id(value, "meaning id")

    @model_validator(mode="after")
    def _consistent(self) -> "MeaningDocument":
        if self.type == "PATTERN":
            if not self.pattern:
                raise ValueError("a PATTERN meaning needs a pattern")
            if self.normalizationMode == "NORMALIZED":
                raise ValueError("normalizationMode NORMALIZED is not available for PATTERN meanings")
        if self.type == "VALUES_MAPPING" and self.mappings is None:
            raise ValueError("a VALUES_MAPPING meaning needs mappings")
        if self.type == "VALUES_LIST" and self.entries is None and self.values is None:
            raise ValueError("a VALUES_LIST meaning needs entries (or values)")
        return self


# -- plugins ----------------------------------------------------------------------------------
class StoreInstall(_Payload):
    pluginId: str

    @field_validator("pluginId")
    @classmethod
    def _id(cls, value: str) -> str:
        return checked_id(value, "plugin id")


class GitInstall(_Payload):
    gitRepositoryUrl: str = Field(min_length=1)
    gitCheckout: str = Field("master", min_length=1)
    gitSubpath: str | None = None


class PluginSettings(_Payload):
    config: dict[str, Any] = {}
    codeEnvName: str | None = None


class PluginDelete(_Payload):
    force: bool = False


def plugin_record(plugin_id: str, version: str, label: str, description: str, source: Doc) -> Doc:
    return {
        "id": plugin_id, "version": version, "isDev": False, "meta": {"label": label, "description": description},
        "installedFrom": source,
        "settings": {"config": {}, "codeEnvName": None, "presets": [], "parameterSets": [],
                     "accessibleParameterSetDescs": [], "permissions": []},
    }


def plugin_list_item(record: Doc) -> Doc:
    return {k: record[k] for k in ("id", "version", "isDev", "meta")}


def install_result(plugin_id: str, action: str) -> Doc:
    return {"messages": [], "anyMessage": False, "success": True, "warning": False, "error": False,
            "pluginId": plugin_id, "action": action}
