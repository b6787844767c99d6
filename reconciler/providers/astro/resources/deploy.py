"""``astro_deploy``: the code a Deployment runs, as desired state over Astro's append-only deploys.

A deploy cannot be changed or deleted, so the resource declares the *result* (type, DAG bundle,
image, description) and its id is the **Deployment's** id: ``read`` looks at the latest
successful (``DEPLOYED``) deploy, ``create``/``update`` add a new deploy only when that one
differs. Every deploy this tool makes carries a marker in its description,
``[reconciler bundle=sha256:… image=…]``; a latest deploy without one (``astro deploy`` run by
hand) reads as "no bundle", so the plan redeploys.

The bundle's identity is ``content_hash`` (``sha256:`` of the ``source`` directory, see
``bundle.py``; or any string you give, e.g. a git tree SHA). ``source`` is compared through its
hash (``normalize`` hashes a path), and the hash computed at apply is recorded in state, so
``drift`` compares what was deployed with what is live, not with the working tree.

Applying: wait for a deploy already in flight (finalized, still ``INITIALIZED``) rather than
stacking another, and if it is ours with the same content, adopt it; else ``POST …/deploys``,
upload the tarball (``DAG_ONLY``/``IMAGE_AND_DAG`` to ``dagsUploadUrl``, ``BUNDLE`` to
``bundleUploadUrl``), push the image (``IMAGE_*``), finalize, and wait for ``DEPLOYED`` or
``FAILED`` (progress through ``notify``). Removing the block forgets it (``deletable = False``).

Reads: the container of an ``astro_deploy`` is its Deployment, and ``list(deployment)`` is one
deploy-list call (a missing Deployment answers 404: nothing). Export lists the Deployments in
scope and keeps a Deployment's latest successful deploy only when this tool made it (it carries
the marker; ``export_view``): the block says what is running, with ``source`` written as the
content hash (the directory it came from cannot be known). Its plan is empty; to deploy new code,
set ``source`` to the bundle's directory (if its files hash the same, nothing is deployed). A
deploy made by hand is not exported: which bundle or image it holds is unknown, so the block
must be written by the user, and its first apply deploys that code once. See docs/providers/astro.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.astro import bundle
from reconciler.providers.astro.client import AstroClient, deploy_failed
from reconciler.providers.base import CreatedButFailed, Live, ResourceType, Spec
from reconciler.providers.common import or_none
from reconciler.providers.models import Model

DAG_TYPES = frozenset({"DAG_ONLY", "IMAGE_AND_DAG"})
IMAGE_TYPES = frozenset({"IMAGE_ONLY", "IMAGE_AND_DAG"})
UPLOAD_TYPES = DAG_TYPES | {"BUNDLE"}
MARKER_RE = re.compile(r"\s*\[reconciler bundle=(?P<bundle>\S*) image=(?P<image>\S*)\]\s*$")
DESCRIPTION_MAX = 500


class DeploySpec(Model):
    """The code a Deployment should run."""

    model_config = ConfigDict(extra="forbid")

    deployment: str = Field(min_length=1, description="Deployment id, usually ${astro_deployment.<name>.id}")
    type: Literal["DAG_ONLY", "IMAGE_ONLY", "IMAGE_AND_DAG", "BUNDLE"] = Field("DAG_ONLY", description="deploy type")
    source: str | None = Field(None, description="DAG/bundle directory (relative: to ASTRO_BUNDLE_ROOT or the "
                               "working directory); uploaded as a deterministic tar")
    content_hash: str | None = Field(None, description="identity of the bundle; default: sha256 of source's files")
    image: str | None = Field(None, description="IMAGE_*: the built image to push (e.g. registry/etl:1.4.2)")
    bundle_type: str | None = Field(None, description="BUNDLE: bundle type, e.g. dbt")
    bundle_mount_path: str | None = Field(None, description="BUNDLE: where Astro mounts it on Airflow pods")
    description: str | None = Field("", description="free text on each deploy this tool makes (with the marker, "
                                    "at most 500 characters)")

    @model_validator(mode="after")
    def _consistent(self) -> "DeploySpec":
        if self.type in UPLOAD_TYPES and self.source is None:
            raise ValueError(f"a {self.type} deploy needs source (the directory to upload)")
        if self.type not in UPLOAD_TYPES and self.source is not None:
            raise ValueError("source applies only to DAG_ONLY, IMAGE_AND_DAG and BUNDLE deploys")
        if self.type in IMAGE_TYPES and not self.image:
            raise ValueError(f"a {self.type} deploy needs image (the built image to push)")
        if self.type not in IMAGE_TYPES and self.image is not None:
            raise ValueError("image applies only to IMAGE_ONLY and IMAGE_AND_DAG deploys")
        if (self.type == "BUNDLE") != (self.bundle_type is not None and self.bundle_mount_path is not None):
            raise ValueError("bundle_type and bundle_mount_path are required for BUNDLE deploys, and only for them")
        if self.image is not None and any(c.isspace() or c in "[]" for c in self.image):
            raise ValueError("image must not contain spaces or brackets")
        if self.content_hash is not None and (not self.content_hash or any(c.isspace() for c in self.content_hash)):
            raise ValueError("content_hash must be a non-empty string without spaces")
        if self.source is not None and self.content_hash is None and bundle.is_content_hash(self.source):
            self.content_hash = self.source  # the bundle named by its hash (as export writes it)
        elif self.source is not None and self.content_hash is None:
            try:
                self.content_hash = bundle.hash_directory(self.source)
            except (bundle.BundleError, OSError) as err:
                raise ValueError(str(err)) from None
        if len(deploy_description(self.description, self.content_hash, self.image)) > DESCRIPTION_MAX:
            raise ValueError(f"description + the reconciler marker exceed Astro's {DESCRIPTION_MAX} characters; "
                             "shorten description (or the image reference)")
        return self


def marker(content_hash: str | None, image: str | None) -> str:
    return f"[reconciler bundle={content_hash or ''} image={image or ''}]"


def deploy_description(text: str | None, content_hash: str | None, image: str | None) -> str:
    """What this tool writes as a deploy's description: the user's text, then the marker."""
    return f"{(text or '').strip()} {marker(content_hash, image)}".strip()


def split_description(text: str | None) -> tuple[str, str | None, str | None] | None:
    """``(user text, bundle hash, image)`` of a deploy description we wrote; ``None`` if foreign."""
    match = MARKER_RE.search(text or "")
    if match is None:
        return None
    return (text or "")[: match.start()].strip(), match["bundle"] or None, match["image"] or None


def deploy_type(doc: Mapping[str, Any]) -> str | None:
    """The deploy's type; ``BUNDLE`` also when the API reports it as a DAG deploy with bundle fields."""
    if doc.get("type") == "BUNDLE" or doc.get("bundleUploadUrl") or doc.get("bundleMountPath"):
        return "BUNDLE"
    return doc.get("type")


def is_in_flight(doc: Mapping[str, Any]) -> bool:
    """Finalized (a tarball version is recorded) but not yet ``DEPLOYED``/``FAILED``."""
    return doc.get("status") == "INITIALIZED" and bool(doc.get("dagTarballVersion") or doc.get("bundleTarballVersion"))


def latest(deploys: list[dict], status: str = "DEPLOYED") -> dict | None:
    """The newest deploy with ``status`` (by ``createdAt``, then list order)."""
    ranked = [(d.get("createdAt") or "", i, d) for i, d in enumerate(deploys) if d.get("status") == status]
    return max(ranked, key=lambda t: (t[0], t[1]))[2] if ranked else None


def live_view(deployment_id: str, deploys: list[dict]) -> Live:
    """The deployment's code as spec attributes (plus outputs), from its deploy history."""
    done = latest(deploys)
    flying = [d["id"] for d in deploys if is_in_flight(d)]
    out: Live = {"id": deployment_id, "deployment": deployment_id, "type": None, "source": None,
                 "content_hash": None, "image": None, "bundle_type": None, "bundle_mount_path": None,
                 "description": None, "deploy_id": None, "status": None, "image_tag": None,
                 "image_repository": None, "dag_tarball_version": None, "deployed_at": None,
                 "managed": False, "in_flight": flying[-1] if flying else None}
    if done is None:
        return out
    parsed = split_description(done.get("description"))
    out.update({"type": deploy_type(done), "deploy_id": done.get("id"), "status": done.get("status"),
                "image_tag": done.get("imageTag"), "image_repository": done.get("imageRepository"),
                "dag_tarball_version": done.get("dagTarballVersion") or done.get("bundleTarballVersion"),
                "deployed_at": done.get("updatedAt") or done.get("createdAt")})
    if out["type"] == "BUNDLE":
        out["bundle_mount_path"] = done.get("bundleMountPath")
        bundles = [b for b in done.get("bundles") or [] if isinstance(b, Mapping)]
        out["bundle_type"] = done.get("bundleType") or (bundles[0].get("bundleType") if bundles else None)
    if parsed is not None:
        text, content, image = parsed
        out.update({"managed": True, "source": content, "content_hash": content, "image": image,
                    "description": text})
    return out


class _AfterCreate(Exception):
    """A failure after a deploy was created (carries the ``ProviderError``)."""

    def __init__(self, cause: ProviderError) -> None:
        self.cause = cause
        super().__init__(str(cause))


class Deploy(ResourceType):
    type_name: ClassVar[str] = "astro_deploy"
    spec_model: ClassVar[type[BaseModel]] = DeploySpec
    description: ClassVar[str] = "The code an Astro Deployment runs (DAG bundle / image), deployed when it differs"
    natural_key: ClassVar[tuple[str, ...]] = ("deployment",)
    server_owned: ClassVar[frozenset[str]] = frozenset(
        {"id", "deploy_id", "status", "image_tag", "image_repository", "dag_tarball_version", "deployed_at",
         "managed", "in_flight"})
    create_only: ClassVar[frozenset[str]] = frozenset({"deployment"})
    deletable: ClassVar[bool] = False
    container: ClassVar[str | None] = "deployment"
    ref_fields: ClassVar[Mapping[str, str]] = {"deployment": "astro_deployment"}
    wait_note: ClassVar[str | None] = "uploads the bundle and waits for Astro to report the deploy DEPLOYED or FAILED"

    client: AstroClient

    # -- reading ------------------------------------------------------------------------------
    def read(self, object_id: str) -> Live | None:
        return next((live for _, live in self.list(object_id)), None)

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """The one object of the Deployment ``container``: its code, from its deploy history (a
        Deployment that does not exist answers 404, so nothing)."""
        deploys = or_none(lambda: self.client.list_deploys(str(container)))
        return [] if deploys is None else [(str(container), live_view(str(container), deploys))]

    def container_of(self, object_id: str) -> str | None:
        return object_id  # the id is the Deployment's

    @staticmethod
    def export_view(live: Live) -> Live | None:
        """Only a latest deploy this tool made (see the module docstring), as a spec declares it:
        the bundle as ``source`` (its hash) alone, so that setting ``source`` to a directory later
        makes the directory's hash the identity again."""
        if not live.get("managed"):
            return None
        return {k: v for k, v in live.items() if k != "content_hash"}

    # -- writing ------------------------------------------------------------------------------
    def create(self, spec: Spec) -> tuple[str, Live]:
        want = DeploySpec.model_validate(spec)
        try:
            return want.deployment, self._converge(want)
        except _AfterCreate as err:  # a deploy exists now: the engine must record the deployment
            raise CreatedButFailed(want.deployment, err.cause) from err.cause

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        try:
            return self._converge(DeploySpec.model_validate(spec))
        except _AfterCreate as err:
            raise err.cause from None

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        """Deploys cannot be undone: forgetting the resource leaves the deployment running its code."""

    def _converge(self, want: DeploySpec) -> Live:
        dep_id = want.deployment
        deployment = self.client.get_deployment(dep_id)
        if want.type in UPLOAD_TYPES and not deployment.get("isDagDeployEnabled"):
            raise ProviderError(f"deployment {dep_id} has DAG deploys disabled; a {want.type} deploy needs them",
                                hint="set is_dag_deploy_enabled: true on the astro_deployment, or deploy IMAGE_ONLY")
        deploys = self.client.list_deploys(dep_id)
        flying = [d for d in deploys if is_in_flight(d)]
        for deploy in flying:  # never stack a deploy on one in flight; adopt it if it is ours
            done = self.client.wait_deploy(dep_id, deploy["id"], notify=self.notify)
            if done["status"] == "DEPLOYED" and self._matches(live_view(dep_id, [done]), want):
                self.notify(f"deploy {done['id']} (already in flight) carries this content")
                return self.read_required(dep_id)
        current = live_view(dep_id, self.client.list_deploys(dep_id) if flying else deploys)
        if self._matches(current, want):
            return current
        payload = self._payload(want)
        self._deploy(dep_id, want, payload)
        return self.read_required(dep_id)

    def _payload(self, want: DeploySpec) -> bytes | None:
        """The tarball to upload, built before anything is created (a bad source creates nothing)."""
        if want.type not in UPLOAD_TYPES:
            return None
        assert want.source is not None
        if bundle.is_content_hash(want.source):
            raise ProviderError(
                f"source is the content hash {want.source}, not a directory: there is nothing to upload",
                hint="set source to the bundle's directory (export writes the hash of the deployed bundle "
                     "because the directory it came from is unknown)")
        try:
            files = bundle.collect(bundle.resolve_source(want.source))
        except (bundle.BundleError, OSError) as err:
            raise ProviderError(f"cannot read the bundle: {err}") from None
        return bundle.tarball(files)

    def _deploy(self, dep_id: str, want: DeploySpec, payload: bytes | None) -> None:
        body: dict[str, Any] = {"type": want.type,
                                "description": deploy_description(want.description, want.content_hash, want.image)}
        if want.type == "BUNDLE":
            body.update({"bundleType": want.bundle_type, "bundleMountPath": want.bundle_mount_path})
        created = self.client.create_deploy(dep_id, body)
        try:
            self._finish(dep_id, want, created, payload)
        except ProviderError as err:
            raise _AfterCreate(err) from err

    def _finish(self, dep_id: str, want: DeploySpec, created: Mapping[str, Any], payload: bytes | None) -> None:
        deploy_id = created["id"]
        self.notify(f"created deploy {deploy_id} ({want.type})")
        finalize: dict[str, Any] = {}
        if payload is not None:
            url_key = "bundleUploadUrl" if want.type == "BUNDLE" else "dagsUploadUrl"
            url = created.get(url_key)
            if not url:
                raise ProviderError(f"deploy {deploy_id} has no {url_key}; are DAG deploys enabled on {dep_id}?")
            self.notify(f"uploading the bundle of deploy {deploy_id} ({len(payload)} bytes)")
            version = self.client.upload(url, payload)
            finalize["bundleTarballVersion" if want.type == "BUNDLE" else "dagTarballVersion"] = version
        if want.type in IMAGE_TYPES:
            assert want.image is not None
            self.notify(f"pushing {want.image} to {created['imageRepository']}:{created['imageTag']}")
            self.client.push_image(want.image, created["imageRepository"], created["imageTag"])
        self.client.finalize_deploy(dep_id, deploy_id, finalize)
        done = self.client.wait_deploy(dep_id, deploy_id, notify=self.notify)
        if done.get("status") != "DEPLOYED":
            raise deploy_failed(done)

    def read_required(self, dep_id: str) -> Live:
        live = self.read(dep_id)
        if live is None:
            raise NotFoundError(f"deployment {dep_id} vanished during the deploy")
        return live

    @staticmethod
    def _matches(live: Live, want: DeploySpec) -> bool:
        return (live.get("managed") is True and live.get("type") == want.type
                and live.get("content_hash") == want.content_hash and live.get("image") == want.image
                and (live.get("description") or "") == (want.description or "").strip()
                and (want.type != "BUNDLE" or (live.get("bundle_type"), live.get("bundle_mount_path"))
                     == (want.bundle_type, want.bundle_mount_path)))

    # -- comparing ----------------------------------------------------------------------------
    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """``source`` compares as its content hash: a path is hashed, a recorded hash is kept; when
        ``content_hash`` is there too it is the identity and ``source`` is dropped."""
        out = {k: v for k, v in attrs.items() if k not in ("managed", "in_flight", "status", "deployed_at")}
        if "source" in out:
            if "content_hash" in out:
                out.pop("source")
            elif isinstance(out["source"], str) and not bundle.is_content_hash(out["source"]):
                try:
                    out["source"] = bundle.hash_directory(out["source"])
                except (bundle.BundleError, OSError) as err:
                    out["source"] = f"(unreadable: {err})"
        if "description" in out:
            out["description"] = (out["description"] or "").strip()
        return out
