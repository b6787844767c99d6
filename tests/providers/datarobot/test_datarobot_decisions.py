"""Pure decisions of the DataRobot provider, as tables: spec validation, normalization, the live
view, settings (endpoint, env vars, auth scheme, secrecy), and the client's error handling and
pagination against hand-made answers."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from reconciler.errors import ApiError, ConfigError, NotFoundError, ProviderContractError
from reconciler.providers.datarobot.client import DataRobotClient, error_message, is_not_found
from reconciler.providers.datarobot.provider import DATAROBOT
from reconciler.providers.datarobot.resources.deployment import Deployment, DeploymentSpec, live_view
from reconciler.providers.datarobot.resources.prediction_environment import (
    PredictionEnvironment,
    PredictionEnvironmentSpec,
)
from reconciler.providers.http import HttpClient
from reconciler.providers.settings import resolve_settings

TOKEN = "tok-0123456789-secret"


# -- specs --------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec, message", [
    pytest.param({"label": "x"}, "exactly one of model_id", id="no-model"),
    pytest.param({"label": "x", "model_id": "m", "model_package_id": "p"}, "exactly one of model_id", id="two-models"),
    pytest.param({"label": "x", "model_id": "m", "prediction_environment_id": "e"}, "needs model_package_id",
                 id="environment-with-learning-model"),
    pytest.param({"label": "x", "model_package_id": "p", "prediction_environment_id": "e",
                  "default_prediction_server_id": "s"}, "not both", id="server-and-environment"),
    pytest.param({"label": "", "model_id": "m"}, "at least 1", id="empty-label"),
    pytest.param({"label": "x", "model_id": "m", "status": "paused"}, "active", id="bad-status"),
    pytest.param({"label": "x", "model_id": "m", "importance": "URGENT"}, "CRITICAL", id="bad-importance"),
    pytest.param({"label": "x", "model_id": "m", "colour": "red"}, "Extra inputs", id="unknown-field"),
])
def test_invalid_deployment_specs(spec, message):
    with pytest.raises(ValidationError, match=message):
        DeploymentSpec.model_validate(spec)


@pytest.mark.parametrize("spec", [
    pytest.param({"label": "x", "model_id": "m"}, id="learning-model"),
    pytest.param({"label": "x", "model_package_id": "p", "prediction_environment_id": "e"}, id="package-in-env"),
    pytest.param({"label": "x", "model_package_id": "p", "default_prediction_server_id": "s"}, id="package-on-server"),
    pytest.param({"label": "x", "model_id": "${datarobot_learning_model.a.id}"}, id="reference"),
])
def test_valid_deployment_specs(spec):
    DeploymentSpec.model_validate(spec)


@pytest.mark.parametrize("spec, ok", [
    pytest.param({"name": "pe", "platform": "aws"}, True, id="minimal"),
    pytest.param({"name": "pe", "platform": "mars"}, False, id="bad-platform"),
    pytest.param({"name": "pe", "platform": "aws", "supported_model_formats": []}, False, id="no-formats"),
    pytest.param({"name": "pe", "platform": "aws", "supported_model_formats": ["onnx"]}, False, id="bad-format"),
    pytest.param({"name": "", "platform": "aws"}, False, id="empty-name"),
])
def test_environment_specs(spec, ok):
    if ok:
        PredictionEnvironmentSpec.model_validate(spec)
    else:
        with pytest.raises(ValidationError):
            PredictionEnvironmentSpec.model_validate(spec)


# -- normalization ----------------------------------------------------------------------------
@pytest.mark.parametrize("attrs, expected", [
    pytest.param({"description": None}, {"description": ""}, id="null-description-is-empty"),
    pytest.param({"description": "x"}, {"description": "x"}, id="text-kept"),
    pytest.param({"label": "a", "replacement_reason": "ACCURACY", "ignore_management_agent_on_destroy": True},
                 {"label": "a"}, id="options-never-compared"),
    pytest.param({"status": "inactive", "model_id": "m"}, {"status": "inactive", "model_id": "m"}, id="untouched"),
])
def test_deployment_normalize(attrs, expected):
    assert Deployment(None).normalize(attrs) == expected


@pytest.mark.parametrize("attrs, expected", [
    pytest.param({"platform": "aws", "supported_model_formats": None},
                 {"platform": "aws", "supported_model_formats": ["customModel", "datarobot", "externalModel"]},
                 id="default-external-platform"),
    pytest.param({"platform": "datarobotServerless", "supported_model_formats": None},
                 {"platform": "datarobotServerless", "supported_model_formats": ["customModel", "datarobot"]},
                 id="default-datarobot-platform"),
    pytest.param({"supported_model_formats": ["datarobot", "customModel", "datarobot"]},
                 {"supported_model_formats": ["customModel", "datarobot"]}, id="set-sorted-deduplicated"),
    pytest.param({"description": None, "name": "n"}, {"description": "", "name": "n"}, id="null-description"),
])
def test_environment_normalize(attrs, expected):
    assert PredictionEnvironment(None).normalize(attrs) == expected


def test_live_view_of_a_sparse_document():
    view = live_view({"id": "d1", "label": "x", "status": "active"})
    assert view["model_id"] is None and view["prediction_environment_id"] is None and view["has_error"] is False


# -- settings ---------------------------------------------------------------------------------
@pytest.mark.parametrize("endpoint, ok", [
    pytest.param("https://app.datarobot.com/api/v2", True, id="cloud"),
    pytest.param("https://app.datarobot.com/api/v2/", True, id="trailing-slash"),
    pytest.param("http://127.0.0.1:8080/datarobot/api/v2", True, id="sandbox"),
    pytest.param("https://app.datarobot.com", False, id="no-api-root"),
    pytest.param("app.datarobot.com/api/v2", False, id="no-scheme"),
])
def test_endpoint_setting(endpoint, ok):
    env = {"DATAROBOT_ENDPOINT": endpoint, "DATAROBOT_API_TOKEN": TOKEN}
    if ok:
        settings = resolve_settings(DATAROBOT, None, env)
        assert settings.endpoint.endswith("/api/v2")
    else:
        with pytest.raises(ConfigError) as info:
            resolve_settings(DATAROBOT, None, env)
        assert "endpoint" in str(info.value) and TOKEN not in str(info.value)


def test_settings_from_env_and_secrecy():
    settings = resolve_settings(DATAROBOT, None, {"DATAROBOT_ENDPOINT": "https://x.example/api/v2",
                                                  "DATAROBOT_API_TOKEN": TOKEN, "DATAROBOT_ASYNC_TIMEOUT": "42"})
    assert settings.async_timeout == 42.0 and settings.auth_scheme == "Token"
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())
    with pytest.raises(ConfigError, match="DATAROBOT_API_TOKEN"):
        resolve_settings(DATAROBOT, None, {"DATAROBOT_ENDPOINT": "https://x.example/api/v2"})


@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
def test_auth_scheme_is_sent_and_never_leaks(scheme):
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(401, json={"message": f"bad token {TOKEN}"})

    settings = resolve_settings(DATAROBOT, {"auth_scheme": scheme},
                                {"DATAROBOT_ENDPOINT": "https://x.example/api/v2", "DATAROBOT_API_TOKEN": TOKEN})
    session = DATAROBOT.connect(settings, httpx.MockTransport(handler))
    with pytest.raises(ApiError) as info:
        session.client.version()
    assert seen == [f"{scheme} {TOKEN}"]
    assert TOKEN not in str(info.value) and "check the API key/token" in str(info.value)


# -- the client against hand-made answers -----------------------------------------------------
def _client(handler) -> DataRobotClient:
    http = HttpClient(provider="datarobot", base_url="https://dr.example/api/v2", transport=httpx.MockTransport(handler),
                      max_retries=0, error_message=error_message, is_not_found=is_not_found)
    return DataRobotClient(http)


def test_error_message_names_each_field():
    client = _client(lambda r: httpx.Response(422, json={"message": "Invalid field data",
                                                         "errors": {"label": "too long", "importance": "bad"}}))
    with pytest.raises(ApiError) as info:
        client.update_deployment("d1", {"label": "x"})
    assert "Invalid field data (label: too long; importance: bad)" in str(info.value) and info.value.status == 422


@pytest.mark.parametrize("response, gone", [
    pytest.param(httpx.Response(404, json={"message": "Not found"}), True, id="json-404-is-gone"),
    pytest.param(httpx.Response(404, text="<html>nginx</html>"), False, id="bare-404-is-an-error"),
])
def test_not_found_needs_datarobots_error_body(response, gone):
    client = _client(lambda r: response)
    if gone:
        assert client.get_deployment("d1") is None
    else:
        with pytest.raises(ApiError) as info:
            client.get_deployment("d1")
        assert not isinstance(info.value, NotFoundError)


def _pages(pages: dict[str, dict]):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("offset", "0")])
    return handler


def _page(data, nxt, total=None, count=None):
    body = {"data": data, "next": nxt, "previous": None, "count": len(data) if count is None else count}
    if total is not None:
        body["totalCount"] = total
    return body


NEXT = "https://dr.example/api/v2/x/?offset=2&limit=2"


@pytest.mark.parametrize("pages, expected", [
    pytest.param({"0": _page([1, 2], NEXT, 3), "2": _page([3], None, 3)}, [1, 2, 3], id="follows-next"),
    pytest.param({"0": _page([1, 2], None)}, [1, 2], id="no-total-count"),
    pytest.param({"0": _page([1, 2], NEXT, 3), "2": _page([3], NEXT, 3)}, "loops", id="loop"),
    pytest.param({"0": _page([1, 2], None, count=5)}, "count=5", id="count-mismatch"),
    pytest.param({"0": _page([1, 2], None, total=4)}, "totalCount says 4", id="short-read"),
    pytest.param({"0": {"items": []}}, "expected a page", id="not-a-page"),
])
def test_pagination(pages, expected):
    client = _client(_pages(pages))
    if isinstance(expected, list):
        assert client.paginate("x/") == expected
    else:
        with pytest.raises(ProviderContractError, match=expected):
            client.paginate("x/")


def test_a_next_link_on_another_origin_is_refused():
    client = _client(lambda r: httpx.Response(200, json=_page([1], "https://evil.example/api/v2/x/?offset=1")))
    with pytest.raises(ProviderContractError, match="another origin"):
        client.paginate("x/")


def test_a_create_answer_without_an_id_breaks_the_contract():
    client = _client(lambda r: httpx.Response(202, json={}))
    with pytest.raises(ProviderContractError, match="no deployment id"):
        client.create_deployment("fromLearningModel", {"label": "x"})
