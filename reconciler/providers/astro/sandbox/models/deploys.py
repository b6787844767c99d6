"""Deploys of the Astro world (a mixin of ``models.AstroWorld``) and the blob-storage stand-in.

The code-push protocol (Astronomer, "Deploy to Astro with the API"; seed002):

1. ``POST …/deploys {type, description, bundleType, bundleMountPath}`` -> ``INITIALIZED`` with
   ``imageRepository``/``imageTag`` and, when DAG deploys are enabled, ``dagsUploadUrl``
   (``DAG_ONLY``/``IMAGE_AND_DAG``) or ``bundleUploadUrl`` (``BUNDLE``): pre-signed URLs served
   here at ``/astro/_blob/{org}/{deployment}/{deploy}/{dags|bundle}?sv=…&sig=…``.
2. ``PUT <url>`` with ``x-ms-blob-type: BlockBlob`` -> 201 + ``x-ms-version-id`` (Azure semantics:
   a bad signature is 403 ``AuthenticationFailed``, a missing header 400; both in XML).
3. ``POST …/deploys/{id}/finalize {dagTarballVersion | bundleTarballVersion}`` (the version must
   be one uploaded for this deploy) -> the deployment's ``desiredDagTarballVersion`` moves; the
   deploy settles now, or after ``deploy_polls`` reads of it (``-1``: only on
   ``settle_deploys()``), as ``deploy_outcome`` says: ``DEPLOYED`` (the deployment's
   ``dagTarballVersion``/``imageTag`` follow) or ``FAILED`` (``desiredDagTarballVersion`` reverts).

BUNDLE deploys are reported as ``DAG_ONLY`` unless the ``report_bundle_type`` knob is on: the
response enum of ``astro-platform-api`` 1.1.1 has no ``BUNDLE`` and the client raises on it.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from typing import Any

from reconciler.providers.astro.sandbox.errors import BadRequest, BlobError, NotFound
from reconciler.providers.astro.sandbox.payloads import (
    CreateDeploy,
    FinalizeDeploy,
    RollbackDeploy,
    UpdateDeploy,
    parse,
)
from reconciler.providers.astro.sandbox.seed import ORG_ID, SUBJECT

Doc = dict[str, Any]
DAG_TYPES = ("DAG_ONLY", "IMAGE_AND_DAG")
IMAGE_TYPES = ("IMAGE_ONLY", "IMAGE_AND_DAG")


class DeploysMixin:
    _s: Doc
    seed: int

    # -- views -----------------------------------------------------------------------------------
    def _upload_url(self, base: str, deploy: Doc, kind: str) -> str:
        return (f"{base}/_blob/{ORG_ID}/{deploy['deploymentId']}/{deploy['id']}/{kind}"
                f"?sv=2023-11-03&sr=b&sp=cw&sig={deploy['_sig']}")

    def deploy_view(self, deploy: Doc, base: str) -> Doc:
        out = {k: v for k, v in deploy.items() if not k.startswith("_") and v is not None}
        if deploy["type"] in DAG_TYPES and deploy["isDagDeployEnabled"]:
            out["dagsUploadUrl"] = self._upload_url(base, deploy, "dags")
        if deploy["type"] == "BUNDLE":
            out["bundleUploadUrl"] = self._upload_url(base, deploy, "bundle")
            version = deploy.get("bundleTarballVersion") or ""
            out["bundles"] = [{"bundleType": deploy["bundleType"], "deployId": deploy["id"],
                               "mountPath": deploy["bundleMountPath"], "desiredVersion": version,
                               "currentVersion": version if deploy["status"] == "DEPLOYED" else ""}]
            if not self._s["knobs"]["report_bundle_type"]:
                out["type"] = "DAG_ONLY"
        return out

    def _deploy(self, org: str, deployment_id: str, deploy_id: str) -> Doc:
        self._deployment(org, deployment_id)  # type: ignore[attr-defined]
        found = self._s["deploys"].get(deploy_id)
        if found is None or found["deploymentId"] != deployment_id:
            raise NotFound(f"Deploy {deploy_id} not found")
        return found

    def _observe(self, deploy: Doc) -> None:
        """A read of a finalized, still-INITIALIZED deploy counts down towards settling it."""
        if deploy["_finalized"] and deploy["status"] == "INITIALIZED" and deploy["_pollsLeft"] > 0:
            deploy["_pollsLeft"] -= 1
            if deploy["_pollsLeft"] == 0:
                self._settle(deploy)

    def _settle(self, deploy: Doc) -> None:
        deployment = self._s["deployments"][deploy["deploymentId"]]
        deploy["updatedAt"] = self.now()  # type: ignore[attr-defined]
        deploy["_pollsLeft"] = 0
        if self._s["knobs"]["deploy_outcome"] == "FAILED":
            deploy["status"] = "FAILED"
            deployment["desiredDagTarballVersion"] = deployment["dagTarballVersion"]
            return
        deploy["status"] = "DEPLOYED"
        if deploy.get("dagTarballVersion"):
            deployment["dagTarballVersion"] = deployment["desiredDagTarballVersion"] = deploy["dagTarballVersion"]
        if deploy["type"] in IMAGE_TYPES:
            deployment["imageTag"] = deploy["imageTag"]
            deployment["imageVersion"] = deploy["imageTag"]

    def settle_deploys(self) -> None:
        """Finish every deploy still in flight (with the current ``deploy_outcome``)."""
        for deploy in self._s["deploys"].values():
            if deploy["_finalized"] and deploy["status"] == "INITIALIZED":
                self._settle(deploy)

    # -- operations ------------------------------------------------------------------------------
    def list_deploys(self, org: str, deployment_id: str, offset: int, limit: int, base: str) -> Doc:
        self._deployment(org, deployment_id)  # type: ignore[attr-defined]
        items = [d for d in self._s["deploys"].values() if d["deploymentId"] == deployment_id]
        for d in items:
            self._observe(d)
        items.sort(key=lambda d: (d["createdAt"], d["id"]))
        return self.page([self.deploy_view(d, base) for d in items], "deploys", offset, limit)  # type: ignore[attr-defined]

    def get_deploy(self, org: str, deployment_id: str, deploy_id: str, base: str) -> Doc:
        deploy = self._deploy(org, deployment_id, deploy_id)
        self._observe(deploy)
        return self.deploy_view(deploy, base)

    def create_deploy(self, org: str, deployment_id: str, body: Any, base: str) -> Doc:
        deployment = self._deployment(org, deployment_id)  # type: ignore[attr-defined]
        req = parse(CreateDeploy, body, "deploy")
        if req.type == "BUNDLE" and not (req.bundleType and req.bundleMountPath):
            raise BadRequest("bundleType and bundleMountPath are required for BUNDLE deploys")
        if req.type in ("DAG_ONLY", "BUNDLE") and not deployment["isDagDeployEnabled"]:
            raise BadRequest(f"DAG deploys are not enabled for Deployment {deployment_id}")
        deploy_id = self.new_id("v")  # type: ignore[attr-defined]
        now = self.now()  # type: ignore[attr-defined]
        doc: Doc = {
            "id": deploy_id, "deploymentId": deployment_id, "type": req.type, "status": "INITIALIZED",
            "isDagDeployEnabled": deployment["isDagDeployEnabled"],
            "imageRepository": deployment["imageRepository"],
            "imageTag": f"deploy-{now.replace(':', '-').rstrip('Z')}-{deploy_id[-4:]}",
            "description": req.description or "", "astroRuntimeVersion": deployment["astroRuntimeVersion"],
            "airflowVersion": deployment["airflowVersion"], "createdAt": now, "updatedAt": now,
            "createdBySubject": dict(SUBJECT), "updatedBySubject": dict(SUBJECT),
            "_sig": hashlib.sha256(f"{self.seed}:{deploy_id}".encode()).hexdigest()[:32],
            "_finalized": False, "_pollsLeft": 0,
        }
        if req.type == "BUNDLE":
            doc.update({"bundleType": req.bundleType, "bundleMountPath": req.bundleMountPath})
        self._s["deploys"][deploy_id] = doc
        return self.deploy_view(doc, base)

    def finalize_deploy(self, org: str, deployment_id: str, deploy_id: str, body: Any, base: str) -> Doc:
        deploy = self._deploy(org, deployment_id, deploy_id)
        req = parse(FinalizeDeploy, body if body is not None else {}, "finalize request")
        if deploy["_finalized"] or deploy["status"] != "INITIALIZED":
            raise BadRequest(f"Deploy {deploy_id} is already finalized")
        deployment = self._s["deployments"][deployment_id]
        field, kind = ("bundleTarballVersion", "bundle") if deploy["type"] == "BUNDLE" else ("dagTarballVersion", "dags")
        version = getattr(req, field)
        needs = deploy["isDagDeployEnabled"] and deploy["type"] in (*DAG_TYPES, "BUNDLE")
        if needs and not version:
            raise BadRequest(f"{field} is required")
        if version:
            blob = self._s["blobs"].get(version)
            if blob is None or blob["deploy"] != deploy_id or blob["kind"] != kind:
                raise BadRequest(f"{field} {version} was not uploaded for deploy {deploy_id}")
            deploy[field] = version
            if kind == "dags":
                deployment["desiredDagTarballVersion"] = version
        deploy["_finalized"] = True
        polls = int(self._s["knobs"]["deploy_polls"])
        if polls == 0:
            self._settle(deploy)
        else:
            deploy["_pollsLeft"] = polls
        return self.deploy_view(deploy, base)

    def update_deploy(self, org: str, deployment_id: str, deploy_id: str, body: Any, base: str) -> Doc:
        deploy = self._deploy(org, deployment_id, deploy_id)
        req = parse(UpdateDeploy, body, "deploy update")
        deploy.update({"description": req.description or "", "updatedAt": self.now()})  # type: ignore[attr-defined]
        return self.deploy_view(deploy, base)

    def rollback_deploy(self, org: str, deployment_id: str, deploy_id: str, body: Any, base: str) -> Doc:
        target = self._deploy(org, deployment_id, deploy_id)
        req = parse(RollbackDeploy, body if body is not None else {}, "rollback request")
        if target["status"] != "DEPLOYED":
            raise BadRequest(f"Deploy {deploy_id} was not deployed; only DEPLOYED deploys can be rolled back to")
        new_id = self.new_id("v")  # type: ignore[attr-defined]
        now = self.now()  # type: ignore[attr-defined]
        doc = {**target, "id": new_id, "description": req.description or "", "createdAt": now, "updatedAt": now,
               "rollbackFromId": deploy_id, "_finalized": True, "_pollsLeft": 0}
        self._s["deploys"][new_id] = doc
        deployment = self._s["deployments"][deployment_id]
        if doc.get("dagTarballVersion"):
            deployment["dagTarballVersion"] = deployment["desiredDagTarballVersion"] = doc["dagTarballVersion"]
        if doc["type"] in IMAGE_TYPES:
            deployment["imageTag"] = doc["imageTag"]
        return self.deploy_view(doc, base)

    # -- blob storage stand-in -------------------------------------------------------------------
    def put_blob(self, org: str, deployment_id: str, deploy_id: str, kind: str, sig: str | None,
                 blob_type: str | None, data: bytes) -> str:
        deploy = self._s["deploys"].get(deploy_id)
        if (org != ORG_ID or deploy is None or deploy["deploymentId"] != deployment_id
                or kind not in ("dags", "bundle") or sig != deploy["_sig"]):
            raise BlobError(403, "AuthenticationFailed", "Server failed to authenticate the request.")
        if blob_type is None:
            raise BlobError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is "
                            "not specified: x-ms-blob-type")
        if blob_type != "BlockBlob":
            raise BlobError(400, "InvalidHeaderValue", f"The value for x-ms-blob-type is not valid: {blob_type}")
        self._s["counters"]["b"] = self._s["counters"].get("b", 0) + 1
        version = f"{self.now().rstrip('Z')}.{self._s['counters']['b']:07d}Z"  # type: ignore[attr-defined]
        self._s["blobs"][version] = {"deployment": deployment_id, "deploy": deploy_id, "kind": kind,
                                     "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                                     "members": _tar_members(data)}
        return version

    def blob(self, version: str) -> Doc:
        """Test helper: what was uploaded as ``version`` (hash, size, tar member names)."""
        return dict(self._s["blobs"][version])


def _tar_members(data: bytes) -> list[str] | None:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            return sorted(m.name for m in tar.getmembers() if m.isfile())
    except (tarfile.TarError, EOFError):
        return None
