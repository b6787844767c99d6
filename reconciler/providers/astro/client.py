"""Typed calls to the Astro platform API, one method per endpoint the resource types use.

Owns the wire details of ``astro-platform-api`` 1.1.1: every path under
``/platform/v1beta1/organizations/{organizationId}`` (or ``/v1``), and of the IAM API under
``/iam/v1beta1/organizations/{organizationId}`` (teams; as terraform-provider-astro's IAM client), ``Authorization: Bearer``,
create *and update* as ``POST``, the error body ``{message, requestId, statusCode}``, offset/limit
pagination with ``totalCount`` and a collection key per list (``workspaces``, ``deployments``,
``deploys``), the DAG/bundle upload to the ``*UploadUrl`` a deploy hands out (``PUT`` with
``x-ms-blob-type: BlockBlob``, answered with ``x-ms-version-id``) and waiting for a deploy to
leave ``INITIALIZED``. No business logic: deciding what to send belongs to ``resources/``.

The upload URL is a pre-signed blob URL on another host: it is called by a separate client
that carries no Astro token (and whose signature is redacted from every message).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable, Iterator
from urllib.parse import parse_qsl, quote, urlsplit

import httpx

from reconciler.errors import ApiError, ProviderContractError, ProviderError
from reconciler.providers.astro.images import ImagePusher
from reconciler.providers.http import HttpClient, default_error_message

Doc = dict[str, Any]
#: items per list page: terraform-provider-astro asks for 1000 (``ListDeploymentsParams{Limit: 1000}``)
PAGE_SIZE = 1000
DEPLOY_DONE = frozenset({"DEPLOYED", "FAILED"})
IAM_PREFIX = "/iam/v1beta1"


def error_message(response: httpx.Response) -> str:
    """``"<message> (request <requestId>)"`` from Astro's error body, else the default."""
    doc = _error_doc(response)
    if doc is None:
        return default_error_message(response)
    request_id = doc.get("requestId")
    return f"{doc['message']} (request {request_id})" if request_id else str(doc["message"])


def is_not_found(response: httpx.Response) -> bool:
    """A 404 carrying Astro's error body. A bare 404 (wrong base URL, a proxy) is not "gone"."""
    return response.status_code == 404 and _error_doc(response) is not None


def _error_doc(response: httpx.Response) -> Doc | None:
    try:
        doc = json.loads(response.content) if response.content.strip() else None
    except ValueError:
        return None
    return doc if isinstance(doc, dict) and "message" in doc and "statusCode" in doc else None


def _seg(value: str) -> str:
    return quote(str(value), safe="")


class AstroClient:
    """One Astro organization. ``sleep``/``clock`` drive deploy polling (replace them in tests)."""

    def __init__(
        self,
        http: HttpClient,
        organization_id: str,
        *,
        prefix: str = "/platform/v1beta1",
        image_pusher: ImagePusher | None = None,
        deploy_timeout: float = 900.0,
        poll_interval: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.organization_id = organization_id
        self.prefix = "/" + prefix.strip("/")
        self.image_pusher = image_pusher
        self.deploy_timeout = deploy_timeout
        self.poll_interval = poll_interval
        self.sleep = sleep
        self.clock = clock
        self._options: dict[tuple, Doc] = {}  # deployment-options answers of this run
        self._options_lock = threading.Lock()

    def close(self) -> None:
        self.http.close()

    @property
    def stats(self) -> dict[str, int]:
        return self.http.stats

    def _path(self, *segments: str, prefix: str | None = None) -> str:
        base = f"{prefix or self.prefix}/organizations/{_seg(self.organization_id)}"
        return base + "".join("/" + _seg(s) for s in segments)

    def _iam(self, *segments: str) -> str:
        """A path of the IAM API (``/iam/v1beta1``: teams, users, roles)."""
        return self._path(*segments, prefix=IAM_PREFIX)

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        return self.http.json(method, path, **kw)

    def _list(self, path: str, key: str, params: dict[str, Any] | None = None) -> Iterator[Doc]:
        """Every item of a paginated collection (``offset`` until ``totalCount``)."""
        offset = 0
        while True:
            page = self._json("GET", path, params={**(params or {}), "offset": offset, "limit": PAGE_SIZE})
            items = page.get(key) if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise ProviderContractError(f"expected a {key!r} list in the page of {path}")
            yield from items
            offset += len(items)
            total = page.get("totalCount")
            if not items or not isinstance(total, int) or offset >= total:
                return

    # -- organization ----------------------------------------------------------------------
    def get_organization(self) -> Doc:
        return self._json("GET", self._path())

    def deployment_options(self, **params: str) -> Doc:
        """``GET …/deployment-options?deploymentType&executor&cloudProvider``: runtime releases, sizes.
        A catalog, asked once per combination and session: concurrent callers wait for the one
        request in flight (a failed request is not kept; the next caller asks again)."""
        key = tuple(sorted((k, v) for k, v in params.items() if v))
        with self._options_lock:
            if key not in self._options:
                self._options[key] = self._json("GET", self._path("deployment-options"), params=dict(key))
            return self._options[key]

    # -- workspaces ------------------------------------------------------------------------
    def list_workspaces(self, names: list[str] | None = None) -> list[Doc]:
        return list(self._list(self._path("workspaces"), "workspaces", {"names": names} if names else None))

    def get_workspace(self, workspace_id: str) -> Doc:
        return self._json("GET", self._path("workspaces", workspace_id))

    def create_workspace(self, body: Doc) -> Doc:
        return self._json("POST", self._path("workspaces"), json=body)

    def update_workspace(self, workspace_id: str, body: Doc) -> Doc:
        """``POST …/workspaces/{id}`` with all of name, description, cicdEnforcedDefault."""
        return self._json("POST", self._path("workspaces", workspace_id), json=body, idempotent=True)

    def delete_workspace(self, workspace_id: str) -> None:
        self.http.request("DELETE", self._path("workspaces", workspace_id))

    # -- deployments -----------------------------------------------------------------------
    def list_deployments(self, *, workspace_ids: list[str] | None = None, names: list[str] | None = None) -> list[Doc]:
        params: dict[str, Any] = {}
        if workspace_ids:
            params["workspaceIds"] = workspace_ids
        if names:
            params["names"] = names
        return list(self._list(self._path("deployments"), "deployments", params))

    def get_deployment(self, deployment_id: str) -> Doc:
        return self._json("GET", self._path("deployments", deployment_id))

    def create_deployment(self, body: Doc) -> Doc:
        return self._json("POST", self._path("deployments"), json=body)

    def update_deployment(self, deployment_id: str, body: Doc) -> Doc:
        """Full-body ``POST …/deployments/{id}`` (a replay sends the same body: idempotent)."""
        return self._json("POST", self._path("deployments", deployment_id), json=body, idempotent=True)

    def delete_deployment(self, deployment_id: str) -> None:
        self.http.request("DELETE", self._path("deployments", deployment_id))

    def override_hibernation(self, deployment_id: str, body: Doc) -> Doc:
        return self._json("POST", self._path("deployments", deployment_id, "hibernation-override"), json=body)

    # -- environment objects ---------------------------------------------------------------
    def list_environment_objects(self, *, workspace_id: str | None = None,
                                 deployment_id: str | None = None) -> list[Doc]:
        """The objects of one Workspace or one Deployment (its own, not those linked to it)."""
        params = {"workspaceId": workspace_id} if workspace_id else {"deploymentId": deployment_id}
        return list(self._list(self._path("environment-objects"), "environmentObjects", params))

    def get_environment_object(self, object_id: str) -> Doc:
        return self._json("GET", self._path("environment-objects", object_id))

    def create_environment_object(self, body: Doc) -> Doc:
        """Answers only ``{id}`` (``CreateEnvironmentObject``)."""
        return self._json("POST", self._path("environment-objects"), json=body)

    def update_environment_object(self, object_id: str, body: Doc) -> Doc:
        return self._json("POST", self._path("environment-objects", object_id), json=body, idempotent=True)

    def delete_environment_object(self, object_id: str) -> None:
        self.http.request("DELETE", self._path("environment-objects", object_id))

    # -- notification channels and alerts ------------------------------------------------------
    def list_notification_channels(self) -> list[Doc]:
        return list(self._list(self._path("notification-channels"), "notificationChannels"))

    def get_notification_channel(self, channel_id: str) -> Doc:
        return self._json("GET", self._path("notification-channels", channel_id))

    def create_notification_channel(self, body: Doc) -> Doc:
        return self._json("POST", self._path("notification-channels"), json=body)

    def update_notification_channel(self, channel_id: str, body: Doc) -> Doc:
        return self._json("POST", self._path("notification-channels", channel_id), json=body, idempotent=True)

    def delete_notification_channel(self, channel_id: str) -> None:
        self.http.request("DELETE", self._path("notification-channels", channel_id))

    def list_alerts(self) -> list[Doc]:
        return list(self._list(self._path("alerts"), "alerts"))

    def get_alert(self, alert_id: str) -> Doc:
        return self._json("GET", self._path("alerts", alert_id))

    def create_alert(self, body: Doc) -> Doc:
        return self._json("POST", self._path("alerts"), json=body)

    def update_alert(self, alert_id: str, body: Doc) -> Doc:
        return self._json("POST", self._path("alerts", alert_id), json=body, idempotent=True)

    def delete_alert(self, alert_id: str) -> None:
        self.http.request("DELETE", self._path("alerts", alert_id))

    # -- teams (IAM API) -----------------------------------------------------------------------
    def list_teams(self) -> list[Doc]:
        return list(self._list(self._iam("teams"), "teams"))

    def get_team(self, team_id: str) -> Doc:
        return self._json("GET", self._iam("teams", team_id))

    def create_team(self, body: Doc) -> Doc:
        return self._json("POST", self._iam("teams"), json=body)

    def update_team(self, team_id: str, body: Doc) -> Doc:
        return self._json("POST", self._iam("teams", team_id), json=body, idempotent=True)

    def update_team_roles(self, team_id: str, body: Doc) -> Doc:
        """``POST …/teams/{id}/roles``: the Team's roles, whole; answers ``SubjectRoles``."""
        return self._json("POST", self._iam("teams", team_id, "roles"), json=body, idempotent=True)

    def delete_team(self, team_id: str) -> None:
        self.http.request("DELETE", self._iam("teams", team_id))

    def list_team_members(self, team_id: str) -> list[Doc]:
        return list(self._list(self._iam("teams", team_id, "members"), "teamMembers"))

    def add_team_members(self, team_id: str, member_ids: list[str]) -> None:
        self.http.request("POST", self._iam("teams", team_id, "members"), json={"memberIds": member_ids})

    def remove_team_member(self, team_id: str, member_id: str) -> None:
        self.http.request("DELETE", self._iam("teams", team_id, "members", member_id))

    # -- deploys ---------------------------------------------------------------------------
    def list_deploys(self, deployment_id: str) -> list[Doc]:
        return list(self._list(self._path("deployments", deployment_id, "deploys"), "deploys"))

    def get_deploy(self, deployment_id: str, deploy_id: str) -> Doc:
        return self._json("GET", self._path("deployments", deployment_id, "deploys", deploy_id))

    def create_deploy(self, deployment_id: str, body: Doc) -> Doc:
        return self._json("POST", self._path("deployments", deployment_id, "deploys"), json=body)

    def finalize_deploy(self, deployment_id: str, deploy_id: str, body: Doc) -> Doc:
        return self._json("POST", self._path("deployments", deployment_id, "deploys", deploy_id, "finalize"),
                          json=body)

    def upload(self, url: str, data: bytes) -> str:
        """``PUT`` a tarball to a deploy's pre-signed upload URL; returns ``x-ms-version-id``.

        No Astro credentials go there; the URL's query (its signature) never reaches a message.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ProviderContractError(f"the deploy's upload URL is not an http(s) URL ({parts.scheme}://…)")
        secrets = [parts.query] + [v for _, v in parse_qsl(parts.query) if len(v) >= 8]
        with HttpClient(provider="astro-upload", base_url=f"{parts.scheme}://{parts.netloc}", secrets=secrets,
                        timeout=max(self.http.timeout, 120.0), verify=self.http.verify,
                        transport=self.http.transport) as blob:
            result = blob.request("PUT", url, content=data,
                                  headers={"x-ms-blob-type": "BlockBlob", "Content-Type": "application/x-tar"})
        version = result.headers.get("x-ms-version-id")
        if not version:
            raise ProviderContractError("the DAG upload was accepted but returned no x-ms-version-id",
                                        method="PUT", url=result.url, status=result.status)
        return version

    def push_image(self, image: str, repository: str, tag: str) -> None:
        if self.image_pusher is None:
            raise ProviderError("image deploys need an image pusher (Docker); none is configured")
        self.image_pusher.push(image, repository, tag)

    def wait_deploy(self, deployment_id: str, deploy_id: str, *, notify: Callable[[str], None]) -> Doc:
        """Poll the deploy until it is ``DEPLOYED`` or ``FAILED`` (returned as is).

        Raises ``ProviderError`` after ``deploy_timeout`` seconds (the deploy may still finish).
        """
        deadline = self.clock() + self.deploy_timeout
        deploy = self.get_deploy(deployment_id, deploy_id)
        polls = 0
        while deploy.get("status") not in DEPLOY_DONE:
            if self.clock() + self.poll_interval > deadline:
                raise ProviderError(
                    f"deploy {deploy_id} of deployment {deployment_id} is still {deploy.get('status')} after "
                    f"{self.deploy_timeout:g}s",
                    hint="the next apply waits for it instead of starting another; raise deploy_timeout if it is slow",
                )
            polls += 1
            notify(f"waiting for deploy {deploy_id} to finish: {deploy.get('status')} (poll {polls})")
            self.sleep(self.poll_interval)
            deploy = self.get_deploy(deployment_id, deploy_id)
        return deploy


def deploy_failed(deploy: Doc) -> ApiError:
    return ApiError(f"deploy {deploy.get('id')} of deployment {deploy.get('deploymentId')} FAILED on Astro",
                    hint="see the deploy in the Astro UI (Deploy history); the next apply tries again")
