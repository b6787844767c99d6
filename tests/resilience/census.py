"""What the platforms hold, counted through their own APIs (raw HTTP), checked against the state.

``census(env)`` lists every object the resilience estate names (``bench`` prefixes; the seeded
objects are left out) with its natural key, by the platform's list endpoints, as a user's
audit script would. ``check(live, state, wanted)`` then finds:

- duplicates: two live objects with one natural key;
- unknown: live objects the state does not know (left behind by a crash, say);
- lost: state entries whose object is gone;
- missing: wanted addresses the state does not hold;
- unsettled: objects whose lifecycle the apply left half-way (a semantic model not deployed).

The census retries a failed read (the sandbox may be injecting faults) and is read-only.
"""

from __future__ import annotations

import base64
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

ATTEMPTS = 30


@dataclass(frozen=True, order=True)
class Live:
    """One live object: its resource type, natural key and the id the state would hold."""

    type: str
    key: tuple[str, ...]
    object_id: str
    #: a lifecycle status the apply drives to an end ("deployed"), when the type has one
    status: str = ""


@dataclass(frozen=True)
class Check:
    """The outcome of comparing the platforms with the state (empty lists: consistent)."""

    live: dict[str, int]
    duplicates: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.unknown or self.lost or self.missing)

    @property
    def total(self) -> int:
        return sum(self.live.values())

    def problems(self) -> str:
        parts = [f"{name}: {items}" for name, items in (("duplicates", self.duplicates), ("unknown", self.unknown),
                                                        ("lost", self.lost), ("missing", self.missing)) if items]
        return "; ".join(parts) or "none"


class _Api:
    """GETs with the platform's auth, retried through injected faults."""

    def __init__(self, http: httpx.Client, base: str, auth: str) -> None:
        self.http, self.base, self.auth = http, base.rstrip("/"), auth

    def get(self, path: str, **params: Any) -> Any:
        for attempt in range(ATTEMPTS):
            try:
                response = self.http.get(self.base + path, params=params or None,
                                         headers={"Authorization": self.auth})
            except httpx.TransportError:
                time.sleep(0.01)
                continue
            if response.status_code in (429, 500, 502, 503, 504):
                time.sleep(0.01 * (attempt + 1))
                continue
            response.raise_for_status()
            return response.json()
        raise RuntimeError(f"census: GET {path} kept failing after {ATTEMPTS} attempts")


def _dataiku(api: _Api) -> Iterable[Live]:
    prefix = "/dip/publicapi"
    root = api.get(f"{prefix}/project-folders/ROOT")
    for folder_id in root.get("childrenIds", []):
        folder = api.get(f"{prefix}/project-folders/{quote(folder_id, safe='')}")
        if (folder.get("name") or "").startswith("Bench folder"):
            yield Live("dataiku_project_folder", (folder.get("parentId") or "ROOT", folder["name"]), folder["id"])
    for project in api.get(f"{prefix}/projects/"):
        key = project["projectKey"]
        if not key.startswith("BENCH_"):
            continue
        yield Live("dataiku_project", (key,), key)
        for dataset in api.get(f"{prefix}/projects/{key}/datasets/"):
            yield Live("dataiku_dataset", (key, dataset["name"]), f"{key}.{dataset['name']}")


def _paged_datarobot(api: _Api, path: str) -> Iterable[dict]:
    offset = 0
    while True:
        page = api.get(path, offset=offset, limit=100)
        yield from page["data"]
        if not page.get("next"):
            return
        offset += 100


def _datarobot(api: _Api) -> Iterable[Live]:
    for d in _paged_datarobot(api, "/deployments/"):
        if d["label"].startswith("Bench deployment"):
            yield Live("datarobot_deployment", (d["label"],), d["id"])
    for e in _paged_datarobot(api, "/predictionEnvironments/"):
        if e["name"].startswith("bench-env"):
            yield Live("datarobot_prediction_environment", (e["name"],), e["id"])


def _lightdash(api: _Api) -> Iterable[Live]:
    for g in api.get("/api/v1/org/groups")["results"]["data"]:
        if g["name"].startswith("bench-group"):
            yield Live("lightdash_group", (g["name"],), g["uuid"])
    for project in api.get("/api/v1/org/projects")["results"]:
        p = project["projectUuid"]
        for s in api.get(f"/api/v1/projects/{p}/spaces")["results"]:
            if s["name"].startswith("Bench space"):
                yield Live("lightdash_space", (p, s["name"]), f"{p}/{s['uuid']}")
        for c in api.get(f"/api/v1/projects/{p}/charts")["results"]:
            if c["slug"].startswith("bench-chart"):
                yield Live("lightdash_chart", (p, c["slug"]), f"{p}/{c['uuid']}")


def _paged_astro(api: _Api, path: str, key: str, **params: Any) -> Iterable[dict]:
    offset = 0
    while True:
        page = api.get(path, **params, offset=offset, limit=1000)
        yield from page[key]
        offset += len(page[key])
        if not page[key] or offset >= page["totalCount"]:
            return


def _astro(api: _Api, org: str) -> Iterable[Live]:
    base = f"/platform/v1beta1/organizations/{quote(org, safe='')}"
    for w in _paged_astro(api, f"{base}/workspaces", "workspaces"):
        if w["name"].startswith("bench-workspace"):
            yield Live("astro_workspace", (w["name"],), w["id"])
    for d in _paged_astro(api, f"{base}/deployments", "deployments"):
        if d["name"].startswith("bench-deployment"):
            yield Live("astro_deployment", (d["workspaceId"], d["name"]), d["id"])
            # the estate's environment objects belong to a deployment (estate.py)
            for e in _paged_astro(api, f"{base}/environment-objects", "environmentObjects", deploymentId=d["id"]):
                yield Live("astro_environment_object", (d["id"], e["objectType"], e["objectKey"]), e["id"])


def _semantic(api: _Api) -> Iterable[Live]:
    offset = 0
    while True:
        page = api.get("/api/semantic-models", limit=100, offset=offset)
        for m in page["items"]:
            if m["name"].startswith("bench_model"):
                yield Live("semantic_model", (m["domain_urn"], m["name"]), m["id"], m["status"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return


def census(env: Mapping[str, str], providers: Iterable[str] | None = None) -> list[Live]:
    """Every estate object on every platform (or on ``providers``), sorted."""
    wanted = set(providers) if providers is not None else None
    found: list[Live] = []
    with httpx.Client(timeout=30, trust_env=False) as http:
        def api(url_var: str, auth: str) -> _Api:
            return _Api(http, env[url_var], auth)

        dataiku_auth = "Basic " + base64.b64encode(f"{env.get('DATAIKU_API_KEY', '')}:".encode()).decode()
        sources = {
            "dataiku": lambda: _dataiku(api("DATAIKU_URL", dataiku_auth)),
            "datarobot": lambda: _datarobot(api("DATAROBOT_ENDPOINT", f"Token {env.get('DATAROBOT_API_TOKEN')}")),
            "lightdash": lambda: _lightdash(api("LIGHTDASH_URL", f"ApiKey {env.get('LIGHTDASH_API_KEY')}")),
            "astro": lambda: _astro(api("ASTRO_API_URL", f"Bearer {env.get('ASTRO_API_TOKEN')}"),
                                    env.get("ASTRO_ORGANIZATION_ID", "")),
            "semantic": lambda: _semantic(api("SEMANTIC_URL", f"Bearer {env.get('SEMANTIC_TOKEN')}")),
        }
        for name, source in sources.items():
            if wanted is None or name in wanted:
                found.extend(source())
    return sorted(found)


def check(live: list[Live], state: Any, wanted: Iterable[str] = ()) -> Check:
    """Compare ``live`` with ``state`` (a ``State``) and the ``wanted`` addresses."""
    keys = Counter((o.type, o.key) for o in live)
    duplicates = [f"{t} {'/'.join(k)} x{n}" for (t, k), n in sorted(keys.items()) if n > 1]
    known = {(a.type, rs.object_id): str(a) for a, rs in state.resources.items()}
    live_ids = {(o.type, o.object_id) for o in live}
    types = {o.type for o in live} | {a.split(".", 1)[0] for a in wanted}
    unknown = [f"{o.type} {'/'.join(o.key)} (id {o.object_id})" for o in live if (o.type, o.object_id) not in known]
    lost = [f"{address} (id {oid})" for (t, oid), address in sorted(known.items())
            if t in types and (t, oid) not in live_ids]
    held = {str(a) for a in state.resources}
    missing = sorted(a for a in wanted if a not in held)
    unsettled = [f"{o.type} {'/'.join(o.key)} is {o.status}" for o in live if o.status and o.status != "deployed"]
    return Check(dict(sorted(Counter(o.type for o in live).items())), duplicates, unknown, lost, missing, unsettled)
