"""The Astro client: error bodies, not-found, pagination, the token-free upload, deploy polling."""

from __future__ import annotations

import json

import httpx
import pytest

from reconciler.errors import ApiError, NotFoundError, ProviderError
from reconciler.providers.astro import client as astro_client
from tests.providers.astro.conftest import ORG, make_deployment


def _response(status: int, body) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content)


@pytest.mark.parametrize("status, body, expected", [
    pytest.param(400, {"message": "bad name", "requestId": "r-1", "statusCode": 400}, "bad name (request r-1)",
                 id="astro-error"),
    pytest.param(500, {"message": "boom", "requestId": "", "statusCode": 500}, "boom", id="no-request-id"),
    pytest.param(502, b"<html>bad gateway</html>", "<html>bad gateway</html>", id="not-json"),
])
def test_error_message(status, body, expected):
    assert astro_client.error_message(_response(status, body)) == expected


@pytest.mark.parametrize("status, body, expected", [
    pytest.param(404, {"message": "Deployment x not found", "requestId": "r", "statusCode": 404}, True, id="astro-404"),
    pytest.param(404, b"<html>nginx</html>", False, id="bare-404-is-a-wrong-url"),
    pytest.param(400, {"message": "x", "requestId": "r", "statusCode": 400}, False, id="400"),
])
def test_is_not_found(status, body, expected):
    assert astro_client.is_not_found(_response(status, body)) is expected


def test_lists_page_until_total_count(astro, monkeypatch):
    monkeypatch.setattr(astro_client, "PAGE_SIZE", 2)
    for i in range(5):
        astro.client.create_workspace({"name": f"ws{i}"})
    names = [w["name"] for w in astro.client.list_workspaces()]
    assert len(names) == 7 and names[-5:] == [f"ws{i}" for i in range(5)]
    assert astro.client.list_workspaces(names=["ws3"])[0]["name"] == "ws3"


def test_errors_name_method_url_and_status_and_404_is_not_found(astro):
    with pytest.raises(NotFoundError) as err:
        astro.client.get_deployment("nope")
    assert err.value.status == 404 and "nope" in str(err.value.url)
    with pytest.raises(ApiError, match="cloudProvider and region"):
        astro.client.create_deployment({"type": "STANDARD", "name": "x", "workspaceId": "clw0000000000000000000001",
                                        "astroRuntimeVersion": "12.1.0", "executor": "ASTRO", "schedulerSize": "SMALL",
                                        "isCicdEnforced": False, "isDagDeployEnabled": True,
                                        "isHighAvailability": False})


class Recording(httpx.BaseTransport):
    """Wraps the sandbox transport and keeps every request (to see what is sent where)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.requests = inner, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.inner.handle_request(request)


def test_upload_sends_no_astro_token_and_redacts_the_signature(astro):
    recording = Recording(astro.sandbox.transport())
    astro.client.http.transport = recording
    dep = make_deployment(astro)
    deploy = astro.client.create_deploy(dep, {"type": "DAG_ONLY"})
    version = astro.client.upload(deploy["dagsUploadUrl"], b"not really a tar")
    assert version and astro.world.blob(version)["size"] == len(b"not really a tar")
    sent = recording.requests[-1]
    assert "authorization" not in sent.headers and sent.headers["x-ms-blob-type"] == "BlockBlob"
    sig = deploy["dagsUploadUrl"].rsplit("sig=", 1)[1]
    with pytest.raises(ApiError) as err:
        astro.client.upload(deploy["dagsUploadUrl"].replace(sig, sig[::-1]), b"x")
    assert err.value.status == 403 and sig[::-1] not in str(err.value)


def test_wait_deploy_polls_with_progress_then_gives_up(astro):
    dep = make_deployment(astro)
    astro.world.set_knobs(deploy_polls=-1)
    deploy = astro.client.create_deploy(dep, {"type": "IMAGE_ONLY"})
    astro.client.finalize_deploy(dep, deploy["id"], {})
    astro.client.deploy_timeout, astro.client.poll_interval = 20, 5
    notes: list[str] = []
    with pytest.raises(ProviderError, match="still INITIALIZED after 20s") as err:
        astro.client.wait_deploy(dep, deploy["id"], notify=notes.append)
    assert "waits for it" in err.value.hint
    assert astro.clock.sleeps == [5, 5, 5, 5] and len(notes) == 4 and "INITIALIZED" in notes[0]


def test_wait_deploy_returns_once_settled(astro):
    dep = make_deployment(astro)
    astro.world.set_knobs(deploy_polls=3)
    deploy = astro.client.create_deploy(dep, {"type": "IMAGE_ONLY"})
    astro.client.finalize_deploy(dep, deploy["id"], {})
    done = astro.client.wait_deploy(dep, deploy["id"], notify=lambda _: None)
    assert done["status"] == "DEPLOYED" and len(astro.clock.sleeps) == 2


def test_paths_quote_ids(astro):
    assert astro.client._path("deployments", "a/b") == f"/platform/v1beta1/organizations/{ORG}/deployments/a%2Fb"
