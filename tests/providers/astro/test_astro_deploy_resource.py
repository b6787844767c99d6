"""astro_deploy: the code a deployment runs, converged over Astro's append-only deploy log."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reconciler.diff import compare
from reconciler.errors import ApiError, ProviderError
from reconciler.providers.astro import bundle
from reconciler.providers.astro.resources.deploy import (
    Deploy,
    DeploySpec,
    deploy_description,
    live_view,
    split_description,
)
from reconciler.providers.base import CreatedButFailed
from reconciler.reads import find_one
from reconciler.testing import run_lifecycle
from tests.providers.astro.conftest import make_dags, make_deployment

LEGACY = "cld0000000000000000000001"


class RecordingPusher:
    def __init__(self) -> None:
        self.pushes: list[tuple[str, str, str]] = []

    def push(self, image: str, repository: str, tag: str) -> None:
        self.pushes.append((image, repository, tag))


@pytest.fixture
def dags(tmp_path):
    return make_dags(tmp_path / "dags", {"etl.py": "print('etl')", "lib/util.py": "X = 1"})


@pytest.fixture
def dep(astro):
    return make_deployment(astro)


def deploys(astro, dep: str) -> list[dict]:
    return astro.client.list_deploys(dep)


def spec(dep: str, dags, **extra) -> dict:
    return {"deployment": dep, "source": str(dags), **extra}


def test_create_then_converge_again_makes_exactly_one_deploy(astro, dep, dags):
    rt = astro.rt("astro_deploy")
    object_id, live = rt.create(spec(dep, dags, description="v1"))
    assert object_id == dep and live["managed"] and live["status"] == "DEPLOYED"
    assert live["source"] == live["content_hash"] == bundle.hash_directory(str(dags))
    assert compare(rt, spec(dep, dags, description="v1"), live) == ()
    assert astro.world.blob(live["dag_tarball_version"])["members"] == ["etl.py", "lib/util.py"]
    assert astro.client.get_deployment(dep)["dagTarballVersion"] == live["dag_tarball_version"]
    again = rt.update(dep, live, spec(dep, dags, description="v1"), frozenset())
    assert again["deploy_id"] == live["deploy_id"] and len(deploys(astro, dep)) == 1


def test_lifecycle(astro, dep, dags):
    """A deploy cannot be deleted: the harness stops at the update (removal only forgets it)."""
    report = run_lifecycle(astro.session, "astro_deploy", spec(dep, dags), spec(dep, dags, description="v2"))
    assert report.object_id == dep and report.changed == {"description"}
    assert "delete" not in report.steps and len(deploys(astro, dep)) == 2


def test_changed_files_deploy_again_and_forgetting_changes_nothing(astro, dep, dags):
    rt = astro.rt("astro_deploy")
    create = spec(dep, dags)
    object_id, created = rt.create(create)
    (dags / "etl.py").write_text("print('etl v2')")
    changed = {item.top for item in compare(rt, create, rt.read(object_id))}
    assert changed == {"source"}
    updated = rt.update(object_id, rt.read(object_id), create, frozenset(changed))
    assert compare(rt, create, updated) == () and compare(rt, create, rt.read(object_id)) == ()
    assert len(deploys(astro, dep)) == 2
    rt.delete(object_id)  # forgetting changes nothing live
    assert rt.read(object_id)["deploy_id"] == updated["deploy_id"]
    assert Deploy.deletable is False


def test_read_and_lookup_of_a_missing_deployment_are_none(astro):
    rt = astro.rt("astro_deploy")
    assert rt.read("cld-gone") is None and list(rt.list("cld-gone")) == []
    assert find_one(rt, {"deployment": "cld-gone"}) is None
    assert find_one(rt, {"deployment": LEGACY})[0] == LEGACY


def test_a_hand_made_deploy_reads_as_unmanaged_and_is_redeployed(astro, dags):
    rt = astro.rt("astro_deploy")
    live = rt.read(LEGACY)
    assert live["managed"] is False and live["source"] is None and live["deploy_id"] == "clv0000000000000000000001"
    assert {d.top for d in compare(rt, spec(LEGACY, dags), live)} == {"source"}
    new = rt.update(LEGACY, live, spec(LEGACY, dags), frozenset({"source"}))
    assert new["managed"] and len(deploys(astro, LEGACY)) == 2


def test_a_deploy_in_flight_with_our_content_is_waited_for_not_duplicated(astro, dep, dags):
    """An apply killed after finalize: the next apply waits for that deploy and adopts it."""
    want = DeploySpec.model_validate(spec(dep, dags))
    astro.world.set_knobs(deploy_polls=5)  # every read of the deploy history counts down
    created = astro.client.create_deploy(dep, {"type": "DAG_ONLY",
                                               "description": deploy_description(None, want.content_hash, None)})
    version = astro.client.upload(created["dagsUploadUrl"], bundle.tarball(bundle.collect(dags)))
    astro.client.finalize_deploy(dep, created["id"], {"dagTarballVersion": version})
    rt = astro.rt("astro_deploy")
    assert rt.read(dep)["in_flight"] == created["id"]
    notes: list[str] = []
    rt.notify = notes.append
    live = rt.update(dep, rt.read(dep), spec(dep, dags), frozenset({"source"}))
    assert live["deploy_id"] == created["id"] and len(deploys(astro, dep)) == 1
    assert any("waiting for deploy" in n for n in notes) and any("already in flight" in n for n in notes)


def test_a_foreign_deploy_in_flight_is_awaited_before_ours(astro, dep, dags):
    astro.world.set_knobs(deploy_polls=2)
    other = astro.client.create_deploy(dep, {"type": "DAG_ONLY", "description": "astro deploy"})
    version = astro.client.upload(other["dagsUploadUrl"], b"other")
    astro.client.finalize_deploy(dep, other["id"], {"dagTarballVersion": version})
    astro.world.set_knobs(deploy_polls=0)
    live = astro.rt("astro_deploy").update(dep, None, spec(dep, dags), frozenset({"source"}))
    history = deploys(astro, dep)
    assert [d["status"] for d in history] == ["DEPLOYED", "DEPLOYED"] and live["deploy_id"] == history[1]["id"]


def test_a_failed_deploy_is_an_error_and_the_next_apply_tries_again(astro, dep, dags):
    rt = astro.rt("astro_deploy")
    astro.world.set_knobs(deploy_outcome="FAILED")
    with pytest.raises(CreatedButFailed) as err:
        rt.create(spec(dep, dags))
    assert err.value.object_id == dep and "FAILED" in str(err.value.cause)
    live = rt.read(dep)
    assert live["deploy_id"] is None and {d.top for d in compare(rt, spec(dep, dags), live)} == {"source"}
    with pytest.raises(ApiError, match="FAILED"):
        rt.update(dep, live, spec(dep, dags), frozenset({"source"}))
    astro.world.set_knobs(deploy_outcome="DEPLOYED")
    assert rt.update(dep, live, spec(dep, dags), frozenset({"source"}))["status"] == "DEPLOYED"
    assert [d["status"] for d in deploys(astro, dep)] == ["FAILED", "FAILED", "DEPLOYED"]


def test_a_deploy_still_in_flight_at_the_timeout_is_recorded_and_awaited_next_time(astro, dep, dags):
    rt = astro.rt("astro_deploy")
    astro.world.set_knobs(deploy_polls=-1)
    astro.client.deploy_timeout, astro.client.poll_interval = 10, 5
    with pytest.raises(CreatedButFailed, match="still INITIALIZED"):
        rt.create(spec(dep, dags))
    astro.world.settle_deploys()
    live = rt.update(dep, rt.read(dep), spec(dep, dags), frozenset({"source"}))
    assert live["managed"] and len(deploys(astro, dep)) == 1


def test_dag_deploys_disabled_fails_before_creating_anything(astro, dags):
    dep = make_deployment(astro, is_dag_deploy_enabled=False)
    with pytest.raises(ProviderError, match="DAG deploys disabled") as err:
        astro.rt("astro_deploy").create(spec(dep, dags))
    assert not isinstance(err.value, CreatedButFailed) and deploys(astro, dep) == []


def test_unknown_deployment_is_not_found(astro, dags):
    with pytest.raises(ProviderError):
        astro.rt("astro_deploy").create(spec("cld-missing", dags))
    assert astro.rt("astro_deploy").read("cld-missing") is None


def test_image_deploys_push_to_the_tag_the_deploy_names(astro, dep, dags):
    pusher = RecordingPusher()
    astro.client.image_pusher = pusher
    rt = astro.rt("astro_deploy")
    want = {"deployment": dep, "type": "IMAGE_ONLY", "image": "registry.acme.io/etl:1.4.2"}
    _, live = rt.create(want)
    assert pusher.pushes == [("registry.acme.io/etl:1.4.2", live["image_repository"], live["image_tag"])]
    assert live["image"] == "registry.acme.io/etl:1.4.2" and compare(rt, want, live) == ()
    assert astro.client.get_deployment(dep)["imageTag"] == live["image_tag"]
    both = {"deployment": dep, "type": "IMAGE_AND_DAG", "image": "registry.acme.io/etl:1.5.0", "source": str(dags)}
    live = rt.update(dep, live, both, frozenset({"type", "image", "source"}))
    assert len(pusher.pushes) == 2 and live["dag_tarball_version"] and compare(rt, both, live) == ()


@pytest.mark.parametrize("report_bundle_type", [pytest.param(False, id="client-1.1.1-compatible"),
                                                pytest.param(True, id="newer-clients")])
def test_bundle_deploys_upload_to_the_bundle_url(astro, dep, dags, report_bundle_type):
    astro.world.set_knobs(report_bundle_type=report_bundle_type)
    rt = astro.rt("astro_deploy")
    want = spec(dep, dags, type="BUNDLE", bundle_type="dbt", bundle_mount_path="/usr/local/airflow/dbt")
    _, live = rt.create(want)
    assert live["type"] == "BUNDLE" and live["bundle_type"] == "dbt" and compare(rt, want, live) == ()
    assert astro.world.blob(live["dag_tarball_version"])["kind"] == "bundle"


@pytest.mark.parametrize("fields, message", [
    pytest.param({"type": "DAG_ONLY"}, "needs source", id="dag-without-source"),
    pytest.param({"type": "IMAGE_ONLY", "image": "a:1", "source": "x"}, "source applies only", id="image-with-source"),
    pytest.param({"type": "IMAGE_ONLY"}, "needs image", id="image-without-image"),
    pytest.param({"type": "DAG_ONLY", "source": "DIR", "image": "a:1"}, "image applies only", id="dag-with-image"),
    pytest.param({"type": "BUNDLE", "source": "DIR"}, "bundle_type and bundle_mount_path", id="bundle-incomplete"),
    pytest.param({"type": "IMAGE_ONLY", "image": "a b"}, "spaces or brackets", id="bad-image"),
    pytest.param({"source": "DIR/missing"}, "does not exist", id="missing-dir"),
    pytest.param({"source": "DIR", "description": "x" * 450}, "500 characters", id="description-too-long"),
])
def test_spec_validation(dags, fields, message):
    body = {"deployment": "d", **{k: (v.replace("DIR", str(dags)) if isinstance(v, str) else v)
                                  for k, v in fields.items()}}
    with pytest.raises(ValidationError, match=message):
        DeploySpec.model_validate(body)


def test_the_content_hash_is_computed_at_validation_and_recorded(dags):
    dumped = DeploySpec.model_validate({"deployment": "d", "source": str(dags)}).model_dump(exclude_unset=True)
    assert dumped["content_hash"] == bundle.hash_directory(str(dags))
    given = DeploySpec.model_validate({"deployment": "d", "source": str(dags), "content_hash": "git:abc123"})
    assert given.content_hash == "git:abc123"


@pytest.mark.parametrize("text, expected", [
    pytest.param("[reconciler bundle=sha256:ab image=]", ("", "sha256:ab", None), id="marker-only"),
    pytest.param("nightly [reconciler bundle= image=r/e:1]", ("nightly", None, "r/e:1"), id="text-and-image"),
    pytest.param("astro deploy --dags", None, id="foreign"),
    pytest.param(None, None, id="none"),
])
def test_split_description(text, expected):
    assert split_description(text) == expected


def test_deploy_description_round_trips():
    text = deploy_description("  nightly  ", "sha256:" + "a" * 64, "r/e:1")
    assert split_description(text) == ("nightly", "sha256:" + "a" * 64, "r/e:1")


def _deploy(i: int, status: str, description: str = "", created: str = "2026-01-05T10:00:00Z", **extra) -> dict:
    return {"id": f"v{i}", "status": status, "description": description, "createdAt": created, "type": "DAG_ONLY",
            **extra}


@pytest.mark.parametrize("history, expected", [
    pytest.param([], {"deploy_id": None, "managed": False}, id="never-deployed"),
    pytest.param([_deploy(1, "DEPLOYED", "[reconciler bundle=h1 image=]"),
                  _deploy(2, "FAILED", "[reconciler bundle=h2 image=]", "2026-01-06T00:00:00Z")],
                 {"deploy_id": "v1", "content_hash": "h1", "managed": True}, id="newer-failure-ignored"),
    pytest.param([_deploy(1, "DEPLOYED", "[reconciler bundle=h1 image=]"),
                  _deploy(2, "DEPLOYED", "by hand", "2026-01-06T00:00:00Z")],
                 {"deploy_id": "v2", "content_hash": None, "managed": False}, id="newer-foreign-wins"),
    pytest.param([_deploy(1, "DEPLOYED", "[reconciler bundle=h1 image=]"),
                  _deploy(2, "DEPLOYED", "[reconciler bundle=h2 image=]")],
                 {"deploy_id": "v2", "content_hash": "h2"}, id="same-second-list-order"),
    pytest.param([_deploy(1, "INITIALIZED", dagTarballVersion="x")], {"in_flight": "v1", "deploy_id": None},
                 id="in-flight"),
    pytest.param([_deploy(1, "INITIALIZED")], {"in_flight": None}, id="abandoned-not-in-flight"),
    pytest.param([_deploy(1, "DEPLOYED", bundleUploadUrl="u", bundleMountPath="/m", bundles=[{"bundleType": "dbt"}])],
                 {"type": "BUNDLE", "bundle_type": "dbt", "bundle_mount_path": "/m"}, id="bundle-reported-as-dag"),
])
def test_live_view(history, expected):
    live = live_view("d1", history)
    assert {k: live[k] for k in expected} == expected


@pytest.mark.parametrize("attrs, expected", [
    pytest.param({"source": "sha256:" + "b" * 64}, {"source": "sha256:" + "b" * 64}, id="recorded-hash-kept"),
    pytest.param({"source": "x", "content_hash": "git:1"}, {"content_hash": "git:1"}, id="explicit-hash-wins"),
    pytest.param({"source": None}, {"source": None}, id="no-managed-deploy"),
    pytest.param({"description": None}, {"description": ""}, id="null-description"),
    pytest.param({"managed": True, "in_flight": None, "status": "DEPLOYED", "deployed_at": "t", "type": "DAG_ONLY"},
                 {"type": "DAG_ONLY"}, id="volatile-outputs-dropped"),
])
def test_normalize(attrs, expected):
    assert Deploy(None).normalize(attrs) == expected


def test_normalize_hashes_a_path_and_reports_an_unreadable_one(dags):
    assert Deploy(None).normalize({"source": str(dags)})["source"] == bundle.hash_directory(str(dags))
    assert Deploy(None).normalize({"source": str(dags / "nope")})["source"].startswith("(unreadable:")


def test_deploy_passes_the_lifecycle_harness(astro, dep, dags):
    from reconciler.testing import run_lifecycle

    report = run_lifecycle(astro.session, "astro_deploy", spec(dep, dags, description="v1"),
                           spec(dep, dags, description="v2"))
    assert report.object_id == dep
    assert len(deploys(astro, dep)) == 2  # one deploy per desired change, none for the re-reads
