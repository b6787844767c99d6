"""``semantic_model``: a reviewed SQL model, deployed as a view with its deploy options.

Id: the service's UUID. Natural key: (``domain``, ``name``). Every content field, ``domain``,
``target_catalog`` and ``target_schema`` included, is PATCHed in place (``PATCH`` takes a partial
Model): the model keeps its id and history, goes back to review, and its next deploy puts the
view at its new home.

The review lifecycle drives the plan:

=================  ==========================================================================
live status        what apply does (``deploy`` = the declared ``deploy`` block)
=================  ==========================================================================
(none)             create (-> draft), submit (-> pending_review)
content differs    PATCH the changed fields (-> draft), submit (-> pending_review)
draft              submit
pending_review     nothing: ``blocked`` ("pending review") until an admin approves
approved           deploy with ``deploy``: the first apply after the approval does it
deployed           re-deploy only if ``deploy`` differs from the options it was deployed with
rejected / failed  nothing: ``blocked`` until the spec changes (the fix goes through review)
=================  ==========================================================================

How the plan knows: the requested deploy options are written into the model's description
when it is submitted, as a last line ``[reconciler deploy {...}]`` (reviewers see what will be
deployed; ``description`` compares without it). The live ``deploy`` is the options the model
was deployed with when ``deployed``; nothing (not deployed yet) when ``approved`` or ``draft``,
the states where apply has something to do; otherwise the requested options. So a model pending
review plans as no change + blocked (exit 3 with ``--detailed-exitcode``), and the first plan
after the approval shows the deploy. Changing only ``deploy`` of a deployed (or approved) model
re-deploys it without a new review; while it waits for review, the new options are resubmitted.
With the provider's ``auto_approve`` (sandbox/dev only, admin token), apply approves what it
submits.

Read-only outputs: ``status``, ``view_name``, ``external_id`` (DataHub URN), ``job_id``,
``airflow_url``, ``dashboard_id``, ``dashboard_url``, ``chart_ids``, ``deployed_at``,
``review_notes``. The dashboard's ``embed_token`` is never kept.

Export: every model not archived (``--scope domain=<urn or short name>``,
``status=<status>[,<status>...]``), named ``<domain>_<name>``. ``deploy`` is written as the live
view reads it (only options that differ from their defaults): the options a deployed model was
deployed with, the requested ones while it waits for (or failed) review, none for a draft or an
approved model (add it to deploy an approved one). Models pending review, rejected or failed
export as they are and plan as blocked (a reviewer acts next, not the tool).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Mapping
from typing import Any, ClassVar, Iterable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import ApiError, NotFoundError, ProviderError, TransportError
from reconciler.providers.base import CreatedButFailed, Live, ResourceType, Spec
from reconciler.providers.models import Model
from reconciler.providers.semantic import cron
from reconciler.providers.semantic.client import SemanticClient

#: spec field -> Model document key, for the fields review is about
CONTENT = {"name": "name", "description": "description", "domain": "domain_urn", "sql": "sql",
           "columns": "columns", "source_tables": "source_tables", "target_catalog": "target_catalog",
           "target_schema": "target_schema"}
MARKER_RE = re.compile(r"\s*\[reconciler deploy (?P<options>\{[^\n]*\})\]\s*$")
#: statuses in which apply can move the model on, so the live ``deploy`` reads as "not deployed"
ACTIONABLE = frozenset({"approved", "draft"})
#: review statuses a model can be exported in (archived models are gone)
EXPORTABLE = ("draft", "pending_review", "approved", "rejected", "deployed", "failed")
DOMAIN_PREFIX = "urn:li:domain:"
#: how many times a lifecycle step (submit, approve, deploy) is sent when its effect is unknown
LIFECYCLE_ATTEMPTS = 5
#: the statuses from which a lifecycle step is sent again when its effect is unknown
STEP_FROM = {"submit": ("draft", "rejected"), "auto-approval": ("pending_review",), "deploy": ("approved", "deployed")}
APPROVAL_NOTES = "approved automatically by reconciler (auto_approve, sandbox/dev)"
#: keys of the deploy answer that are also the model's (the rest of the model is unchanged by a deploy)
DEPLOY_ANSWER = ("status", "view_name", "deployed_at", "external_id", "job_id", "airflow_url", "dashboard")
OUTPUTS = ("status", "view_name", "external_id", "job_id", "airflow_url", "dashboard_id", "dashboard_url",
           "chart_ids", "deployed_at", "review_notes")


class Column(Model):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="column name in the view")
    type: str | None = Field(None, description="SQL type, e.g. bigint")
    description: str | None = Field(None, description="what the column means")


class DeployOptions(Model):
    """The documented options of ``POST /api/semantic-models/{id}/deploy``."""

    model_config = ConfigDict(extra="forbid")

    create_schedule: bool = Field(False, description="create an Airflow DAG that refreshes the view")
    schedule_cron: str | None = Field(None, description="cron schedule; required with create_schedule")
    register_in_datahub: bool = Field(True, description="register the view in DataHub")
    add_lineage: bool = Field(True, description="add lineage from the source tables")
    create_dashboard: bool = Field(True, description="create a Superset dashboard for the view")

    @model_validator(mode="after")
    def _schedule(self) -> "DeployOptions":
        if self.create_schedule and not self.schedule_cron:
            raise ValueError("schedule_cron is required when create_schedule is true")
        if self.schedule_cron is not None:
            problem = cron.check(self.schedule_cron)
            if problem:
                raise ValueError(f"schedule_cron {self.schedule_cron!r} is not a valid cron schedule: {problem}")
        return self


class SemanticModelSpec(Model):
    """A semantic model: SQL reviewed by an admin, deployed as a view."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="model and view name (lower snake case)")
    description: str | None = Field("", description="what the model is for")
    domain: str = Field(pattern=r"^urn:li:domain:.+", description="DataHub domain URN (changing it replaces)")
    sql: str = Field(min_length=1, description="the SELECT the view runs")
    columns: list[Column] = Field(default_factory=list, description="the view's columns, in order")
    source_tables: list[str] = Field(default_factory=list, description="catalog.schema.table it reads (a set)")
    target_catalog: str = Field("iceberg", description="catalog of the view (changing it replaces)")
    target_schema: str = Field(description="schema of the view (changing it replaces)")
    deploy: DeployOptions | None = Field(None, description="deploy once approved, with these options")


def deploy_options(value: Any) -> Any:
    """Options with defaults filled; ``schedule_cron`` dropped when there is no schedule."""
    if not isinstance(value, Mapping):
        return value
    full = {k: (value.get(k) if value.get(k) is not None else f.get_default())
            for k, f in DeployOptions.model_fields.items()}
    if not full["create_schedule"]:
        full["schedule_cron"] = None
    return full


def split_description(text: str | None) -> tuple[str, dict | None]:
    """``(user text, requested deploy options or None)`` of a model description."""
    text = text or ""
    match = MARKER_RE.search(text)
    if match is None:
        return text, None
    try:
        options = json.loads(match["options"])
    except ValueError:
        return text, None
    return text[: match.start()], options if isinstance(options, dict) else None


def compose_description(text: str | None, options: Mapping[str, Any] | None) -> str:
    """What this tool writes as the description: the user's text, then the requested options."""
    text = (text or "").rstrip()
    if options is None:
        return text
    marker = f"[reconciler deploy {json.dumps(deploy_options(options), sort_keys=True, separators=(',', ':'))}]"
    return f"{text}\n\n{marker}" if text else marker


def live_deploy(doc: Mapping[str, Any]) -> Any:
    """The live ``deploy`` (see the module docstring)."""
    status = doc.get("status")
    if status == "deployed":
        return doc.get("deploy_options")
    if status in ACTIONABLE:
        return None
    _, requested = split_description(doc.get("description"))
    return requested if requested is not None else doc.get("deploy_options")


def live_view(doc: Mapping[str, Any]) -> Live:
    dashboard = doc.get("dashboard") if isinstance(doc.get("dashboard"), Mapping) else {}
    out: Live = {field: doc.get(key) for field, key in CONTENT.items()}
    out.update({
        "id": doc["id"],
        "description": split_description(doc.get("description"))[0],
        "deploy": live_deploy(doc),
        "status": doc.get("status"), "view_name": doc.get("view_name"), "external_id": doc.get("external_id"),
        "job_id": doc.get("job_id"), "airflow_url": doc.get("airflow_url"),
        "dashboard_id": dashboard.get("dashboard_id"), "dashboard_url": dashboard.get("dashboard_url"),
        "chart_ids": list(dashboard.get("chart_ids") or []), "deployed_at": doc.get("deployed_at"),
        "review_notes": doc.get("review_notes"), "updated_at": doc.get("updated_at"),
        "updated_by": doc.get("updated_by") or doc.get("created_by"), "error": doc.get("error"),
    })
    return out


class SemanticModel(ResourceType):
    type_name: ClassVar[str] = "semantic_model"
    spec_model: ClassVar[type[BaseModel]] = SemanticModelSpec
    description: ClassVar[str] = "A semantic model: reviewed SQL deployed as a view (schedule, DataHub, dashboard)"
    natural_key: ClassVar[tuple[str, ...]] = ("domain", "name")
    unique_key: ClassVar[str | None] = "a semantic model name is unique in its domain"
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", *OUTPUTS})
    delete_note: ClassVar[str | None] = "archives the model (the service keeps it readable as archived)"
    wait_note: ClassVar[str | None] = "deploys only once an admin approved the model (pending review shows as blocked)"

    client: SemanticClient

    @classmethod
    def identity_of(cls, spec: Mapping[str, Any]) -> str | None:
        """``<domain>/<name>`` with the domain's constant ``urn:li:domain:`` prefix left out."""
        domain, name = spec.get("domain"), spec.get("name")
        if not isinstance(domain, str) or not isinstance(name, str):
            return None
        return f"{domain.removeprefix(DOMAIN_PREFIX)}/{name}"

    # -- reading ------------------------------------------------------------------------------
    def read(self, object_id: str) -> Live | None:
        try:
            doc = self.client.get_model(object_id)
        except NotFoundError:
            return None
        return None if doc.get("status") == "archived" else self._view(doc)

    def _view(self, doc: Mapping[str, Any]) -> Live:
        """The live view; with auto_approve, a model still pending review is not deployed yet (its
        approval may have failed), so its deploy shows as not done and the next apply finishes it."""
        live = live_view(doc)
        if self.client.auto_approve and doc.get("status") == "pending_review":
            live["deploy"] = None
        return live

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """Every model not archived: the paged list returns them whole."""
        return [(doc["id"], self._view(doc)) for doc in self.client.list_models() if doc.get("status") != "archived"]

    @staticmethod
    def export_view(live: Live) -> Live:
        """``live`` as a spec declares it: ``deploy`` with only the options that differ from their
        defaults (``{}``: deploy with every default)."""
        out = dict(live)
        if isinstance(out.get("deploy"), Mapping):
            defaults = deploy_options({})
            out["deploy"] = {k: v for k, v in deploy_options(out["deploy"]).items() if v != defaults[k]}
        return out

    # -- writing ------------------------------------------------------------------------------
    def create(self, spec: Spec) -> tuple[str, Live]:
        want = _declared(spec)
        body = {CONTENT[f]: want[f] for f in CONTENT if f in want}
        body["description"] = compose_description(want.get("description"), want.get("deploy"))
        doc = self.client.create_model(body)
        try:
            latest = self._advance(doc, want)
            live = self._view(latest) if latest is not None else self.read(doc["id"])
        except ProviderError as err:
            raise CreatedButFailed(doc["id"], err) from err
        if live is None:
            raise CreatedButFailed(doc["id"], NotFoundError(f"semantic model {doc['id']} vanished after create"))
        return doc["id"], live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        want = _declared(spec)
        doc = self.client.get_model(object_id)
        patch = self._patch(doc, want)
        if patch:
            doc = self.client.update_model(object_id, patch)
        self._advance(doc, want)
        new = self.read(object_id)
        if new is None:
            raise NotFoundError(f"semantic model {object_id} vanished during update")
        return new

    def _patch(self, doc: Mapping[str, Any], want: Mapping[str, Any]) -> dict[str, Any]:
        """The fields to PATCH: content that differs, and the description when its text differs,
        or only its requested options while the model still waits for (or failed) review."""
        current = live_view(doc)
        patch = {CONTENT[f]: want[f] for f in CONTENT
                 if f in want and f != "description"
                 and self.normalize({f: want[f]}) != self.normalize({f: current[f]})}
        text = want["description"] if "description" in want else current["description"]
        composed = compose_description(text, want.get("deploy"))
        text_differs = self.normalize({"description": text}) != self.normalize({"description": current["description"]})
        marker_only = composed != (doc.get("description") or "") and doc.get("status") not in ("deployed", "approved")
        if patch or text_differs or marker_only:
            patch["description"] = composed
        return patch

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        try:
            self.client.archive(object_id)
        except NotFoundError:
            pass

    def _advance(self, doc: Mapping[str, Any], want: Mapping[str, Any]) -> dict[str, Any] | None:
        """Move the model along its lifecycle as far as the tool may: submit, (auto-)approve, deploy.
        Returns the model as the answers show it afterwards, or None when they do not tell (then read it).

        Each step is a non-idempotent POST. When one fails in a way that leaves its effect unknown
        (a 5xx or a dropped connection), the model is read again: a step that took effect counts as
        done, one that did not is sent again (up to ``LIFECYCLE_ATTEMPTS`` times), and any other
        status (a deploy that really failed, a reviewer acting meanwhile) raises."""
        model_id, status = doc["id"], doc.get("status")
        latest: dict[str, Any] | None = dict(doc)
        if status in ("draft", "rejected"):
            latest = self._step(model_id, "submit", ("pending_review", "approved"),
                                lambda: self.client.submit(model_id))
            status = latest.get("status")
            self.notify(f"semantic model {model_id} submitted for review")
        if status == "pending_review" and self.client.auto_approve:
            approved = self._step(model_id, "auto-approval", ("approved",), lambda: self._approve(model_id))
            status = "approved"
            latest = {**latest, **approved} if latest is not None and "name" not in approved else approved
        if status == "pending_review":
            self.notify(f"semantic model {model_id} is pending review: it deploys on the first apply after approval")
        options = deploy_options(want["deploy"]) if want.get("deploy") is not None else None
        if options is None:
            return latest
        if status == "approved" or (status == "deployed" and deploy_options(doc.get("deploy_options")) != options):
            self.notify(f"deploying semantic model {model_id}")
            latest = self._step(model_id, "deploy", ("deployed",), lambda: self._deploy(model_id, options, latest),
                                took_effect=lambda m: deploy_options(m.get("deploy_options")) == options)
        return latest if latest is not None and "name" in latest else None

    def _approve(self, model_id: str) -> dict[str, Any]:
        """Approve; what changed on the model (status and review notes)."""
        result = self.client.approve(model_id, APPROVAL_NOTES)
        if model_id not in (result.get("successful") or []):
            failed = [f.get("error") for f in result.get("failed") or [] if isinstance(f, Mapping)]
            raise ProviderError(f"auto-approval of semantic model {model_id} failed: {'; '.join(map(str, failed))}")
        return {"id": model_id, "status": "approved", "review_notes": APPROVAL_NOTES}

    def _deploy(self, model_id: str, options: Mapping[str, Any], before: Mapping[str, Any] | None) -> dict[str, Any]:
        """Deploy; the model as it is now when ``before`` (the whole model just before) is known,
        else only ``{id, status}`` (the caller then reads it)."""
        answer = self.client.deploy(model_id, options)
        if before is None:
            return {"id": model_id, "status": answer.get("status", "deployed")}
        return {**before, **{k: answer[k] for k in DEPLOY_ANSWER if k in answer},
                "deploy_options": dict(options), "error": None}

    def _step(self, model_id: str, what: str, done: tuple[str, ...], send: Any,
              took_effect: Any = None) -> dict[str, Any]:
        """Send one lifecycle step; returns the model after it (see ``_advance``)."""
        for attempt in range(1, LIFECYCLE_ATTEMPTS + 1):
            try:
                return send()
            except (TransportError, ApiError) as err:
                if isinstance(err, ApiError) and (err.status or 0) < 500 or attempt == LIFECYCLE_ATTEMPTS:
                    raise
                failure = err
            time.sleep(random.uniform(0, min(2.0, 0.1 * 2**attempt)))  # backoff with full jitter
            model = self.client.get_model(model_id)  # idempotent: retried by the HTTP layer
            status = model.get("status")
            if status in done and (took_effect is None or took_effect(model)):
                return model
            if status not in STEP_FROM[what]:
                raise ProviderError(f"{what} of semantic model {model_id} failed ({failure}); the model is now "
                                    f"{status}{': ' + str(model['error']) if model.get('error') else ''}") from failure
        raise AssertionError("unreachable")

    # -- comparing ----------------------------------------------------------------------------
    def blocked(self, live: Live | None, desired: Mapping[str, Any]) -> str | None:
        if not live:
            return None
        status = live.get("status")
        if status not in ("pending_review", "rejected", "failed") or (
                status == "pending_review" and self.client.auto_approve):
            return None  # nothing waits on a reviewer (checked first: the comparison below is the cost)
        fields = [f for f in (*CONTENT, "deploy") if f in desired]
        want = self.normalize({f: desired[f] for f in fields})
        have = self.normalize({f: live.get(f) for f in fields})
        if any(want[f] != have[f] for f in fields):
            return None  # apply has something to do: edit, submit, deploy
        if status == "pending_review":
            return "pending review: an admin (nx1_semantic_admin) must approve it; the next apply then deploys it"
        if status == "rejected":
            return f"rejected in review ({live.get('review_notes') or 'no notes'}): change the spec to submit it again"
        if status == "failed":
            return f"the last deploy failed ({live.get('error') or 'no details'}): fix the spec to submit it again"
        return None

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        return (live.get("updated_by"), live.get("updated_at"))

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in attrs.items() if k not in ("updated_at", "updated_by", "error")}
        if "description" in out:
            out["description"] = (out["description"] or "").rstrip()
        if isinstance(out.get("source_tables"), list):
            out["source_tables"] = sorted(set(out["source_tables"]))
        if isinstance(out.get("columns"), list):
            out["columns"] = [{k: v for k, v in c.items() if v is not None} if isinstance(c, Mapping) else c
                              for c in out["columns"]]
        if isinstance(out.get("sql"), str):
            out["sql"] = out["sql"].strip()
        if "deploy" in out:
            out["deploy"] = deploy_options(out["deploy"])
        return out


def _declared(spec: Spec) -> dict[str, Any]:
    """The declared fields, validated, with nested defaults filled."""
    full = SemanticModelSpec.model_validate(spec).model_dump()
    return {k: full[k] for k in spec if k in full}
