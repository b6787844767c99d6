"""Wording pydantic errors for users: describe(), check()."""

from __future__ import annotations

import enum
from typing import Any, Literal, Optional

import pytest
from pydantic import BaseModel, ConfigDict, Field

from reconciler.spec.validate import Issue, check, describe, path_str, spec_keys


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: str


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    tags: list[str] = []
    either: str | list[str] = ""
    inner: list[Inner] = []
    by_key: dict[str, int] = {}
    short_description: str = Field("", alias="shortDesc")


@pytest.mark.parametrize(
    "annotation, text",
    [
        pytest.param(str, "a string", id="str"),
        pytest.param(Optional[int], "an integer", id="optional-int"),
        pytest.param(list[str], "a list of strings", id="list-of-str"),
        pytest.param(list[Inner], "a list of mappings", id="list-of-models"),
        pytest.param(dict[str, Any], "a mapping", id="dict"),
        pytest.param(Literal["a", "b"], "one of 'a', 'b'", id="literal"),
        pytest.param(list[Literal["a"]], "a list of values, each one of 'a'", id="list-of-literal"),
        pytest.param(Color, "one of 'red', 'blue'", id="enum"),
        pytest.param(str | list[str], "a string or a list of strings", id="union"),
        pytest.param(Any, None, id="any-unknown"),
    ],
)
def test_describe(annotation, text):
    assert describe(annotation) == text


@pytest.mark.parametrize(
    "data, expected",
    [
        pytest.param({"name": "n"}, [], id="valid"),
        pytest.param({"name": "n", "tagz": []},
                     [Issue(("tagz",), "field 'tagz' is not allowed; allowed fields: name, tags, either, inner, by_key, "
                            "shortDesc", "did you mean 'tags'?")], id="extra"),
        pytest.param({}, [Issue(("name",), "field 'name' is required (a string)")], id="missing"),
        pytest.param({"name": "n", "either": 3},
                     [Issue(("either",), "field 'either': expected a string or a list of strings, got 3")],
                     id="union-reported-once"),
        pytest.param({"name": "n", "by_key": {"a": "x"}},
                     [Issue(("by_key", "a"), "field 'by_key.a': expected an integer, got 'x'")], id="dict-value"),
        pytest.param({"name": "n", "inner": [{"group": 1}]},
                     [Issue(("inner", 0, "group"), "field 'inner[0].group': expected a string, got 1")], id="nested"),
        pytest.param({"name": "n", "shortDesc": 1},
                     [Issue(("shortDesc",), "field 'shortDesc': expected a string, got 1")], id="alias"),
        pytest.param("x", [Issue((), "the body: expected a mapping, got 'x'")], id="not-a-mapping"),
    ],
)
def test_check(data, expected):
    assert check(Model, data) == expected


def test_check_skips_and_hides():
    data = {"name": "${ref}", "tags": "${ref.tags}", "by_key": {"a": "secret"}}
    issues = check(Model, data, skip=[("tags",)], hide=[("by_key",)])
    assert issues == [Issue(("by_key", "a"), "field 'by_key.a': expected an integer, got (hidden value)")]


def test_spec_keys_and_path_str():
    assert spec_keys(Model)[-1] == "shortDesc"
    assert path_str(("a", 0, "b", 1)) == "a[0].b[1]"
