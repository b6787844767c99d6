"""``dataiku_code_env``: a DSS code environment on a design node.

The id is ``<LANG>/<name>`` (``/admin/code-envs/{lang}/{name}``); the natural key is (language,
name), both create-only, as are the deployment mode and the Python interpreter (DSS builds the
environment on it). ``GET /admin/code-envs/`` lists summaries, so each environment is read with
its own GET.

Writes follow ``dataikuapi`` 15.2: a create is ``POST …/{lang}/{name}?wait=True`` with
``{deploymentMode, pythonInterpreter, installCorePackages}``; updates read the definition, lay
the managed fields over it and PUT it back (``DSSDesignCodeEnvSettings.save``). The requested
packages are the definition's ``specPackageList`` (one requirement a line): when they change
(or at create, when there are some), the apply runs ``POST …/packages?wait=True`` (the client's
``update_packages``) and waits for DSS to install them; the plan says so. Container runtime
options use the settings' keys (``allContainerConfs``, ``containerConfs``,
``predefinedContainerHooks``); permissions the definition's ``usableByAll`` and ``permissions``
(``[{group, use, update, manageUsers}]``, Dataiku's Ansible collection).

Most fields default to "left alone" so that an existing environment can be adopted by name and
language alone. Deleting one is opt-in (``lifecycle.allow_destroy``): recipes using it break.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import ReconcilerError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import as_set, fan_out, or_none, split_id
from reconciler.providers.dataiku.resources._base import DataikuResource
from reconciler.providers.dataiku.resources._permissions import live_permissions, merge_permissions, \
    normalize_permissions
from reconciler.providers.models import Model

PERMISSION_FLAGS = ("use", "update", "manageUsers")
DEPLOYMENT_MODES = ("DESIGN_MANAGED", "DESIGN_NON_MANAGED", "EXTERNAL_CONDA_NAMED")
#: spec field -> top-level key of the definition
KEYS = {"usable_by_all": "usableByAll", "all_container_confs": "allContainerConfs",
        "container_confs": "containerConfs"}
FIELDS = ("packages", "usable_by_all", "permissions", "all_container_confs", "container_confs",
          "container_runtime_additions", "owner")


class CodeEnvPermission(Model):
    model_config = ConfigDict(extra="forbid")

    group: str = Field(description="group name")
    use: bool = Field(False, description="may use the environment")
    update: bool = Field(False, description="may update its packages")
    manageUsers: bool = Field(False, description="may manage who uses it")


class CodeEnvSpec(Model):
    """A DSS code environment."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="environment name, e.g. py311_ml")
    language: Literal["PYTHON", "R"] = Field("PYTHON", description="PYTHON or R")
    deployment_mode: Literal["DESIGN_MANAGED", "DESIGN_NON_MANAGED", "EXTERNAL_CONDA_NAMED"] = Field(
        "DESIGN_MANAGED", description="how DSS manages it; changing it makes a new environment")
    python_interpreter: str | None = Field(None, pattern=r"^PYTHON\d+$|^CUSTOM$",
                                           description="PYTHON39, PYTHON311... (Python only); left alone when omitted")
    packages: list[str] | None = Field(None, description="requested packages, one requirement each (a set); a change "
                                                         "installs them and waits; left alone when omitted")
    usable_by_all: bool | None = Field(None, description="whether every user may use it")
    permissions: list[CodeEnvPermission] | None = Field(None, description="the complete set of group permissions")
    all_container_confs: bool | None = Field(None, description="build an image for every container configuration")
    container_confs: list[str] | None = Field(None, description="container configurations to build images for")
    container_runtime_additions: list[str] | None = Field(
        None, description="container runtime additions (BASIC_GPU_ENABLING, ...)")
    owner: str | None = Field(None, description="owner login; left alone when omitted")

    @model_validator(mode="after")
    def _python_only(self) -> "CodeEnvSpec":
        if self.language == "R" and self.python_interpreter is not None:
            raise ValueError("python_interpreter is for Python environments only (DSS has no R version choice)")
        return self


def package_set(value: Any) -> Any:
    """``specPackageList`` (lines) or a list -> a sorted set of requirements (blank lines and
    comments dropped)."""
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, (list, tuple)):
        return value
    return as_set([p.strip() for p in value if p and p.strip() and not p.strip().startswith("#")])


def live_view(doc: Mapping[str, Any], lang: str, name: str) -> Live:
    desc = doc.get("desc") or {}
    return {
        "name": doc.get("envName") or name, "language": doc.get("envLang") or lang,
        "deployment_mode": doc.get("deploymentMode") or desc.get("deploymentMode"),
        "python_interpreter": desc.get("pythonInterpreter"),
        "packages": package_set(doc.get("specPackageList") or ""),
        "usable_by_all": bool(doc.get("usableByAll", True)),
        "permissions": live_permissions(doc.get("permissions"), PERMISSION_FLAGS),
        "all_container_confs": bool(doc.get("allContainerConfs", False)),
        "container_confs": as_set(doc.get("containerConfs")),
        "container_runtime_additions": as_set([h.get("type") for h in doc.get("predefinedContainerHooks") or []
                                               if isinstance(h, Mapping)]),
        "owner": desc.get("owner"),
    }


def overlay(doc: Mapping[str, Any], spec: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    new = dict(doc)
    for f in fields:
        value = spec.get(f)
        if value is None:
            continue
        if f == "packages":
            new["specPackageList"] = "\n".join(package_set(value))
        elif f == "permissions":
            wanted = [p.model_dump() if isinstance(p, BaseModel) else p for p in value]
            new["permissions"] = merge_permissions(doc.get("permissions"), wanted, PERMISSION_FLAGS)
        elif f == "container_runtime_additions":
            new["predefinedContainerHooks"] = [{"type": t} for t in as_set(value)]
        elif f == "owner":
            new["desc"] = {**(doc.get("desc") or {}), "owner": value}
        else:
            new[KEYS[f]] = as_set(value) if f == "container_confs" else value
    return new


class CodeEnv(DataikuResource):
    type_name: ClassVar[str] = "dataiku_code_env"
    spec_model: ClassVar[type[BaseModel]] = CodeEnvSpec
    description: ClassVar[str] = ("A code environment: language, deployment mode, interpreter, requested packages, "
                                  "container runtime options, permissions")
    natural_key: ClassVar[tuple[str, ...]] = ("language", "name")
    unique_key: ClassVar[str | None] = "a Dataiku code env name is unique per language"
    server_owned: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset({"name", "language", "deployment_mode", "python_interpreter"})
    delete_note: ClassVar[str | None] = ("removes the environment; recipes, notebooks and webapps using it fail "
                                         "until repointed")
    delete_opt_in: ClassVar[str | None] = "deleting a code environment breaks the recipes and notebooks using it"
    wait_note: ClassVar[str | None] = ("a package change installs the packages and waits for DSS to finish "
                                       "(up to 10 min)")

    def read(self, object_id: str) -> Live | None:
        lang, name = split_id(object_id, "code env", sep="/")
        doc = or_none(lambda: self.client.get_code_env(lang, name))
        return live_view(doc, lang, name) if doc is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        ids = [f"{e['envLang']}/{e['envName']}" for e in self.client.list_code_envs()
               if e.get("envLang") and e.get("envName")]
        return [(i, live) for i, live in zip(ids, fan_out(self.read, ids)) if live is not None]

    def id_of(self, spec: Spec) -> str | None:
        name, lang = spec.get("name"), spec.get("language", "PYTHON")
        return f"{lang}/{name}" if isinstance(name, str) and isinstance(lang, str) else None

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = CodeEnvSpec.model_validate(spec)
        params: dict[str, Any] = {"deploymentMode": want.deployment_mode, "installCorePackages": True}
        if want.python_interpreter:
            params["pythonInterpreter"] = want.python_interpreter
        self.client.create_code_env(want.language, want.name, params)
        object_id = f"{want.language}/{want.name}"
        try:
            return object_id, self._save(want.language, want.name, spec, [f for f in FIELDS if f in spec])
        except ReconcilerError as exc:
            raise CreatedButFailed(object_id, exc) from exc

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        lang, name = split_id(object_id, "code env", sep="/")
        return self._save(lang, name, spec, [f for f in FIELDS if f in changed and f in spec])

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        lang, name = split_id(object_id, "code env", sep="/")
        or_none(lambda: self.client.delete_code_env(lang, name))

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        if "packages" in out:
            out["packages"] = package_set(out["packages"])
        for f in ("container_confs", "container_runtime_additions"):
            if f in out and isinstance(out[f], (list, tuple)):
                out[f] = as_set(out[f])
        if "permissions" in out and out["permissions"] is not None:
            out["permissions"] = normalize_permissions(out["permissions"], PERMISSION_FLAGS)
        if out.get("language") is None and "language" in out:
            out["language"] = "PYTHON"
        return out

    def _save(self, lang: str, name: str, spec: Spec, fields: list[str]) -> Live:
        """Read the definition, write ``fields`` over it, PUT it when it changed, then install the
        packages when they changed (waiting for DSS); the live view."""
        doc = self.client.get_code_env(lang, name)
        new = overlay(doc, spec, fields)
        if new != doc:
            self.client.put_code_env(lang, name, new)
        if new.get("specPackageList", "") != doc.get("actualPackageList", doc.get("specPackageList", "")) \
                and new.get("deploymentMode", "DESIGN_MANAGED") == "DESIGN_MANAGED" and "packages" in fields:
            self.notify(f"installing the packages of code env {lang}/{name} (waiting for DSS)")
            self.client.update_code_env_packages(lang, name)
        return live_view(new, lang, name)
