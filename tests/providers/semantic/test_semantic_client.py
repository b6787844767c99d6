"""The semantic client: FastAPI-style errors, not-found, pagination, and the embed token dropped."""

from __future__ import annotations

import json

import httpx
import pytest

from reconciler.errors import ApiError, NotFoundError
from reconciler.providers.semantic import client as semantic_client
from tests.providers.semantic.conftest import model_spec


def _response(status: int, body) -> httpx.Response:
    return httpx.Response(status, content=body if isinstance(body, bytes) else json.dumps(body).encode())


@pytest.mark.parametrize("status, body, expected", [
    pytest.param(409, {"detail": "Model must be approved before deployment"}, "Model must be approved before deployment",
                 id="detail-text"),
    pytest.param(422, {"detail": [{"loc": ["body", "deploy", "schedule_cron"], "msg": "required", "type": "x"},
                                  {"loc": ["body"], "msg": "bad", "type": "y"}]},
                 "deploy.schedule_cron: required; (body): bad", id="validation-list"),
    pytest.param(502, b"gateway", "gateway", id="not-json"),
])
def test_error_message(status, body, expected):
    assert semantic_client.error_message(_response(status, body)) == expected


@pytest.mark.parametrize("status, body, expected", [
    pytest.param(404, {"detail": "Semantic model x not found"}, True, id="model-missing"),
    pytest.param(404, {"detail": "Not Found"}, False, id="no-such-route-is-a-wrong-url"),
    pytest.param(404, b"<html>", False, id="not-json"),
    pytest.param(409, {"detail": "x"}, False, id="conflict"),
])
def test_is_not_found(status, body, expected):
    assert semantic_client.is_not_found(_response(status, body)) is expected


def test_strip_credentials_drops_only_the_embed_token():
    response = {"model_id": "m", "dashboard": {"dashboard_id": 1, "embed_token": "gst.secret", "embed_url": "u"}}
    assert semantic_client.strip_credentials(response) == {"model_id": "m",
                                                           "dashboard": {"dashboard_id": 1, "embed_url": "u"}}
    assert response["dashboard"]["embed_token"] == "gst.secret"  # the caller's copy is untouched
    assert semantic_client.strip_credentials({"dashboard": None}) == {"dashboard": None}


def test_list_pages_until_total(semantic, monkeypatch):
    monkeypatch.setattr(semantic_client, "PAGE_SIZE", 3)
    assert len(list(semantic.client.list_models())) == 7
    assert [m["status"] for m in semantic.client.list_models(status="deployed")] == ["deployed"]


def test_deploy_never_returns_the_embed_token(semantic):
    model_id = "00000000-0000-4000-8000-000000000003"  # the seeded approved model
    response = semantic.client.deploy(model_id, {"create_dashboard": True})
    assert response["status"] == "deployed" and "embed_token" not in response["dashboard"]
    assert "gst." not in json.dumps(response)


def test_errors_are_typed(semantic):
    with pytest.raises(NotFoundError):
        semantic.client.get_model("nope")
    with pytest.raises(ApiError, match="Model must be approved") as err:
        semantic.client.deploy("00000000-0000-4000-8000-000000000002", {})
    assert err.value.status == 409
    with pytest.raises(ApiError, match="source_tables") as err:
        semantic.client.create_model({**model_spec(), "domain_urn": "urn:li:domain:x", "source_tables": ["bad"]})
    assert err.value.status == 422
