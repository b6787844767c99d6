"""``dataiku_recipe``: payload files, read-modify-write, cascades, adoption, normalization."""

from __future__ import annotations

import httpx
import pytest

from reconciler.diff import compare
from reconciler.errors import ApiError, SpecError
from reconciler.plan.model import Unknown
from reconciler.plan.render_text import is_text_change
from reconciler.providers.base import Collateral
from reconciler.providers.dataiku.resources import Recipe
from reconciler.providers.dataiku.resources._files import LiveText
from reconciler.reads import find_one
from reconciler.testing import SANDBOX_BASE_URL, sandbox_session

API = "/dip/publicapi"
P = "SALES"
CODE = "import dataiku\n\nprint('v1')\n"


@pytest.fixture
def world(tmp_path, monkeypatch):
    specs = tmp_path / "specs"
    (specs / "recipes").mkdir(parents=True)
    (specs / "recipes" / "clean.py").write_text(CODE)
    monkeypatch.setenv("RECONCILER_SPECS", str(specs))
    sandbox, session = sandbox_session()
    session.resource("dataiku_project").create({"key": P, "name": "Sales"})
    session.resource("dataiku_dataset").create({"project": P, "name": "orders", "type": "PostgreSQL",
                                                "params": {"connection": "dwh", "table": "orders"}})
    session.resource("dataiku_managed_dataset").create({"project": P, "name": "clean", "connection": "dwh"})
    raw = httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku", auth=(sandbox.token, ""))
    yield specs, session, raw
    raw.close()
    session.close()


SPEC = {"project": P, "name": "compute_clean", "type": "python", "inputs": ["orders"], "outputs": ["clean"],
        "payload_file": "recipes/clean.py"}


def test_payload_file_is_read_relative_to_the_specs_root(world):
    specs, session, raw = world
    rt = session.resource("dataiku_recipe")
    object_id, live = rt.create(SPEC)
    assert object_id == f"{P}.compute_clean"
    assert raw.get(f"{API}/projects/{P}/recipes/compute_clean").json()["payload"] == CODE
    assert compare(rt, SPEC, live) == ()

    (specs / "recipes" / "clean.py").write_text(CODE.replace("v1", "v2"))
    diff = compare(rt, SPEC, rt.read(object_id))
    assert [d.path for d in diff] == [("payload_file",)]
    assert is_text_change(diff[0])  # rendered as a unified diff by the text plan
    assert "v1" in diff[0].old and "v2" in diff[0].new

    rt.update(object_id, live, SPEC, frozenset({"payload_file"}))
    assert "v2" in raw.get(f"{API}/projects/{P}/recipes/compute_clean").json()["payload"]


def test_a_missing_file_fails_before_anything_is_created(world):
    _, session, raw = world
    rt = session.resource("dataiku_recipe")
    with pytest.raises(SpecError, match=r"file 'recipes/nope.py' not found \(looked under: .*specs"):
        rt.create({**SPEC, "payload_file": "recipes/nope.py"})
    assert raw.get(f"{API}/projects/{P}/recipes/").json() == []
    # comparing still works (a plan renders; a removed block can still be deleted)
    shown = rt.normalize({"payload_file": "recipes/nope.py"})["payload_file"]
    assert shown.startswith("(cannot read recipes/nope.py")


def test_update_is_read_modify_write(world):
    _, session, raw = world
    rt = session.resource("dataiku_recipe")
    inline = {k: v for k, v in SPEC.items() if k != "payload_file"}
    object_id, _ = rt.create({**inline, "payload": "print(1)\n"})
    url = f"{API}/projects/{P}/recipes/compute_clean"
    doc = raw.get(url).json()
    doc["recipe"]["inputs"]["main"]["items"][0]["deps"] = [{"func": "equals", "out0": "day"}]
    doc["recipe"]["params"]["engineParams"] = {"spark": {"conf": ["a=b"]}}
    doc["recipe"]["futureField"] = {"kept": True}
    raw.put(url, json=doc).raise_for_status()

    spec = {**inline, "payload": "print(2)\n", "tags": ["t"], "code_env": "py311_ml"}
    live = rt.update(object_id, rt.read(object_id), spec, frozenset({"payload", "tags", "code_env"}))
    assert compare(rt, spec, live) == ()
    after = raw.get(url).json()
    assert after["payload"] == "print(2)\n"
    assert after["recipe"]["futureField"] == {"kept": True}
    assert after["recipe"]["inputs"]["main"]["items"][0]["deps"] == [{"func": "equals", "out0": "day"}]
    assert after["recipe"]["params"]["engineParams"] == {"spark": {"conf": ["a=b"]}}
    assert after["recipe"]["params"]["envSelection"] == {"envMode": "EXPLICIT_ENV", "envName": "py311_ml"}


def test_update_touches_nothing_when_nothing_differs(world):
    _, session, raw = world
    rt = session.resource("dataiku_recipe")
    object_id, live = rt.create(SPEC)
    before = raw.get(f"{API}/projects/{P}/recipes/compute_clean").json()["recipe"]["versionTag"]
    rt.update(object_id, live, SPEC, frozenset({"payload_file", "inputs"}))
    after = raw.get(f"{API}/projects/{P}/recipes/compute_clean").json()["recipe"]["versionTag"]
    assert before == after


def test_deleting_a_dataset_or_folder_lists_the_recipes_it_takes(world):
    _, session, _ = world
    session.resource("dataiku_recipe").create(SPEC)
    folder_id, _ = session.resource("dataiku_managed_folder").create({"project": P, "name": "models"})
    folder = folder_id.split(".")[1]
    session.resource("dataiku_managed_dataset").create({"project": P, "name": "scores", "connection": "dwh"})
    session.resource("dataiku_recipe").create({"project": P, "name": "score", "type": "python",
                                               "inputs": [folder, "orders"], "outputs": ["scores"], "payload": ""})
    recipe = Collateral("dataiku_recipe", f"{P}.compute_clean", f"recipe {P}.compute_clean")
    score = Collateral("dataiku_recipe", f"{P}.score", f"recipe {P}.score")
    assert session.resource("dataiku_managed_dataset").cascades(f"{P}.clean", {}) == [recipe]
    assert session.resource("dataiku_dataset").cascades(f"{P}.orders", {}) == [recipe, score]
    assert session.resource("dataiku_managed_folder").cascades(folder_id, {}) == [score]
    session.resource("dataiku_managed_folder").delete(folder_id)
    assert session.resource("dataiku_recipe").read(f"{P}.score") is None  # the platform cascaded


def test_adoption_and_a_retried_create(world):
    _, session, raw = world
    raw.post(f"{API}/projects/{P}/recipes/", json={
        "recipePrototype": {"name": "by_hand", "type": "sync", "inputs": {"main": {"items": [{"ref": "orders"}]}},
                            "outputs": {"main": {"items": [{"ref": "clean"}]}}},
        "creationSettings": {}}).raise_for_status()
    rt = session.resource("dataiku_recipe")
    found = find_one(rt, {"project": P, "name": "by_hand"})
    assert found is not None and found[0] == f"{P}.by_hand"
    assert found[1]["outputs"] == {"main": [{"ref": "clean", "appendMode": False}]}
    with pytest.raises(ApiError, match="already exists"):  # the engine then adopts what find returns
        rt.create({"project": P, "name": "by_hand", "type": "sync", "inputs": ["orders"], "outputs": ["clean"]})


@pytest.mark.parametrize("spec, message", [
    pytest.param({**SPEC, "payload": "x"}, "payload or payload_file", id="both-payloads"),
    pytest.param({**SPEC, "outputs": []}, "at least one output", id="no-output"),
    pytest.param({**SPEC, "type": "pandas"}, "unknown recipe type", id="unknown-type"),
    pytest.param({**SPEC, "type": "sync", "code_env": "py"}, "code_env applies to", id="code-env-on-visual"),
    pytest.param({**SPEC, "code_env": "py", "params": {"envSelection": {}}}, "not both", id="env-twice"),
    pytest.param({**{k: v for k, v in SPEC.items() if k != "payload_file"}, "payload": {"a": 1}}, "is code",
                 id="object-payload-on-code"),
])
def test_spec_validation(spec, message):
    with pytest.raises(ValueError, match=message):
        Recipe.spec_model.model_validate(spec)


@pytest.mark.parametrize("attrs, expected", [
    pytest.param({"inputs": ["a", "b"]}, {"inputs": {"main": [{"ref": "a"}, {"ref": "b"}]}}, id="list-is-main-role"),
    pytest.param({"outputs": {"main": ["o"], "rejects": []}}, {"outputs": {"main": [{"ref": "o", "appendMode": False}]}},
                 id="append-mode-filled-empty-roles-dropped"),
    pytest.param({"inputs": {"main": [{"ref": "a", "deps": [{"func": "equals"}]}]}},
                 {"inputs": {"main": [{"ref": "a"}]}}, id="partition-deps-not-compared"),
    pytest.param({"inputs": None}, {"inputs": {}}, id="none-is-no-roles"),
    pytest.param({"type": "join", "payload": '{"joins": []}'}, {"type": "join", "payload": {"joins": []}},
                 id="visual-payload-as-object"),
    pytest.param({"type": "python", "payload": "a\r\nb"}, {"type": "python", "payload": "a\nb"}, id="code-newlines"),
    pytest.param({"payload_file": LiveText("live code")}, {"payload_file": "live code"}, id="live-text-kept"),
    pytest.param({"params": {"x": 1}, "code_env": "py"},
                 {"params": {"x": 1, "envSelection": {"envMode": "EXPLICIT_ENV", "envName": "py"}}, "code_env": "py"},
                 id="code-env-is-part-of-params"),
    pytest.param({"params": None, "code_env": None}, {"params": {"envSelection": {"envMode": "INHERIT"}},
                                                      "code_env": None}, id="no-code-env-inherits"),
    pytest.param({"inputs": [Unknown("${x.y.id}")]}, {"inputs": {"main": [Unknown("${x.y.id}")]}}, id="unknown-ref"),
    pytest.param({"tags": ["b", "a"], "last_modified": {"by": "x"}}, {"tags": ["a", "b"]}, id="stamp-dropped"),
])
def test_normalize(attrs, expected):
    assert Recipe(None).normalize(attrs) == expected
