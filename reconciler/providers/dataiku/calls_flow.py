"""Typed calls of the flow: recipes, managed folders, scenarios (and their runs), the wiki.

A mixin of ``client.DataikuClient`` (which provides ``_json``/``_send``, the poll clock and
``future_timeout``). Wire details follow ``dataikuapi`` 15.2: trailing slashes on collection
POSTs, ``{recipe, payload}`` wrappers, ``dropData`` on managed folder deletes.
"""

from __future__ import annotations

from typing import Any, Callable

from reconciler.errors import ProviderError
from reconciler.providers.dataiku.paths import flag, path

Doc = dict[str, Any]
Progress = Callable[[str], None]


class FlowCalls:
    _json: Callable[..., Any]
    _send: Callable[..., None]
    _sleep: Callable[[float], None]
    _clock: Callable[[], float]

    # -- datasets: listing and managed creation ---------------------------------------------------
    def list_datasets(self, project_key: str) -> list[Doc]:
        """The project's own datasets, each the whole document ``get_dataset`` returns (seed L1150), which
        holds the metadata fields too (``description``, ``shortDesc``, ``tags``: dataikuapi's settings
        read them from that document)."""
        return self._json("GET", path("projects", project_key, "datasets") + "/")

    def create_managed_dataset(self, project_key: str, body: Doc) -> Doc:
        """``POST /projects/{k}/datasets/managed`` ``{name, creationSettings}``."""
        return self._json("POST", path("projects", project_key, "datasets", "managed"), json=body)

    # -- recipes ------------------------------------------------------------------------------------
    def list_recipes(self, project_key: str) -> list[Doc]:
        return self._json("GET", path("projects", project_key, "recipes") + "/")

    def create_recipe(self, project_key: str, prototype: Doc, creation_settings: Doc) -> str:
        """Returns the recipe's final name (DSS may change the one asked for)."""
        body = {"recipePrototype": {**prototype, "projectKey": project_key}, "creationSettings": creation_settings}
        answer = self._json("POST", path("projects", project_key, "recipes") + "/", json=body)
        return str(answer["name"]) if isinstance(answer, dict) and answer.get("name") else str(prototype["name"])

    def get_recipe(self, project_key: str, name: str) -> Doc:
        """``{recipe: {...}, payload: "<code or JSON>"}``."""
        return self._json("GET", path("projects", project_key, "recipes", name))

    def put_recipe(self, project_key: str, name: str, doc: Doc) -> None:
        self._send("PUT", path("projects", project_key, "recipes", name), json=doc)

    def delete_recipe(self, project_key: str, name: str) -> None:
        self._send("DELETE", path("projects", project_key, "recipes", name))

    # -- managed folders ----------------------------------------------------------------------------
    def list_managed_folders(self, project_key: str) -> list[Doc]:
        return self._json("GET", path("projects", project_key, "managedfolders") + "/")

    def create_managed_folder(self, project_key: str, body: Doc) -> Doc:
        """Returns the new folder (its server id is ``id``). When DSS answers as the seed documents
        (204, no body), the folder is found in the project's list by its name; several folders of
        that name are an error naming them (the new one cannot be told apart)."""
        answer = self._json("POST", path("projects", project_key, "managedfolders") + "/", json=body)
        if isinstance(answer, dict) and answer.get("id"):
            return answer
        named = [f for f in self.list_managed_folders(project_key) if f.get("name") == body.get("name")]
        if len(named) != 1:
            ids = ", ".join(sorted(str(f.get("id")) for f in named)) or "none"
            raise ProviderError(f"managed folder {body.get('name')!r} was created in {project_key} but DSS did not "
                                f"say its id, and {len(named)} folders have that name ({ids})",
                                hint="rename the duplicates, then import the folder by its id")
        return named[0]

    def get_managed_folder(self, project_key: str, folder_id: str) -> Doc:
        return self._json("GET", path("projects", project_key, "managedfolders", folder_id))

    def put_managed_folder(self, project_key: str, folder_id: str, doc: Doc) -> None:
        self._send("PUT", path("projects", project_key, "managedfolders", folder_id), json=doc)

    def rename_managed_folder(self, project_key: str, folder_id: str, new_name: str) -> None:
        self._send("POST", path("projects", project_key, "actions", "renameManagedFolder"),
                   json={"id": folder_id, "newName": new_name})

    def delete_managed_folder(self, project_key: str, folder_id: str, *, drop_data: bool = False) -> None:
        self._send("DELETE", path("projects", project_key, "managedfolders", folder_id),
                   params={"dropData": flag(drop_data)})

    # -- scenarios ----------------------------------------------------------------------------------
    def list_scenarios(self, project_key: str) -> list[Doc]:
        return self._json("GET", path("projects", project_key, "scenarios") + "/")

    def create_scenario(self, project_key: str, body: Doc) -> str:
        """Returns the scenario id the server kept (``body['id']`` when given)."""
        answer = self._json("POST", path("projects", project_key, "scenarios") + "/", json=body)
        return str(answer["id"]) if isinstance(answer, dict) and answer.get("id") else str(body["id"])

    def get_scenario(self, project_key: str, scenario_id: str) -> Doc:
        return self._json("GET", path("projects", project_key, "scenarios", scenario_id))

    def put_scenario(self, project_key: str, scenario_id: str, doc: Doc) -> None:
        self._send("PUT", path("projects", project_key, "scenarios", scenario_id), json=doc)

    def get_scenario_script(self, project_key: str, scenario_id: str) -> str:
        return self._json("GET", path("projects", project_key, "scenarios", scenario_id, "payload")).get("script", "")

    def put_scenario_script(self, project_key: str, scenario_id: str, script: str) -> None:
        self._send("PUT", path("projects", project_key, "scenarios", scenario_id, "payload"), json={"script": script})

    def delete_scenario(self, project_key: str, scenario_id: str) -> None:
        self._send("DELETE", path("projects", project_key, "scenarios", scenario_id))

    def run_scenario(self, project_key: str, scenario_id: str, params: Doc | None = None) -> Doc:
        """Fire the manual trigger; returns the trigger fire ``{trigger: {id}, runId, ...}``."""
        return self._json("POST", path("projects", project_key, "scenarios", scenario_id, "run"), json=params or {})

    def get_run_for_trigger(self, project_key: str, scenario_id: str, trigger_id: str, trigger_run_id: str) -> Doc:
        return self._json("GET", path("projects", project_key, "scenarios", scenario_id, "get-run-for-trigger"),
                          params={"triggerId": trigger_id, "triggerRunId": trigger_run_id})

    def wait_scenario_run(self, project_key: str, scenario_id: str, fire: Doc, *, timeout: float,
                          progress: Progress | None = None) -> Doc:
        """Poll until the fire's run has a result (at once, then 200 ms x1.1 up to 15 s).

        Returns ``{scenarioRun, stepRuns}``; raises ``ProviderError`` after ``timeout`` seconds.
        """
        trigger_id, run_id = fire["trigger"]["id"], fire["runId"]
        deadline = self._clock() + timeout
        delay = 0.2
        while True:
            details = self.get_run_for_trigger(project_key, scenario_id, trigger_id, run_id)
            run = details.get("scenarioRun") if isinstance(details, dict) else None
            if run is not None and run.get("result"):
                return details
            if progress is not None:
                progress(f"waiting for scenario {project_key}.{scenario_id} run {run_id}: "
                         + ("RUNNING" if run is not None else "STARTING"))
            if self._clock() + delay > deadline:
                raise ProviderError(f"scenario {project_key}.{scenario_id} run {run_id} still running after "
                                    f"{timeout:g}s", hint="see the scenario's last runs in DSS")
            self._sleep(delay)
            delay = min(delay * 1.1, 15.0)

    # -- wiki ---------------------------------------------------------------------------------------
    def get_wiki(self, project_key: str) -> Doc:
        """``{projectKey, homeArticleId, taxonomy: [{id, children}]}``."""
        return self._json("GET", path("projects", project_key, "wiki") + "/")

    def put_wiki(self, project_key: str, wiki: Doc) -> Doc:
        return self._json("PUT", path("projects", project_key, "wiki") + "/", json=wiki)

    def create_article(self, project_key: str, name: str, parent: str | None) -> Doc:
        """Returns ``{article: {id, ...}, payload}``."""
        body = {"projectKey": project_key, "name": name, "parent": parent}
        return self._json("POST", path("projects", project_key, "wiki") + "/", json=body)

    def get_article(self, project_key: str, article_id_or_name: str) -> Doc:
        return self._json("GET", path("projects", project_key, "wiki", article_id_or_name))

    def put_article(self, project_key: str, article_id: str, doc: Doc) -> Doc:
        return self._json("PUT", path("projects", project_key, "wiki", article_id), json=doc)

    def delete_article(self, project_key: str, article_id: str) -> None:
        self._send("DELETE", path("projects", project_key, "wiki", article_id))

    # -- flow zones ---------------------------------------------------------------------------------
    def list_zones(self, project_key: str) -> list[Doc]:
        """``[{id, name, color, items: [{objectType, objectId[, projectKey]}], shared}]``, ``default`` included."""
        return self._json("GET", path("projects", project_key, "flow", "zones"))

    def get_zone(self, project_key: str, zone_id: str) -> Doc:
        return self._json("GET", path("projects", project_key, "flow", "zones", zone_id))

    def create_zone(self, project_key: str, name: str, color: str) -> Doc:
        """Returns the new zone (its server id is ``id``)."""
        return self._json("POST", path("projects", project_key, "flow", "zones"), json={"name": name, "color": color})

    def put_zone(self, project_key: str, zone_id: str, doc: Doc) -> None:
        self._send("PUT", path("projects", project_key, "flow", "zones", zone_id), json=doc)

    def add_zone_items(self, project_key: str, zone_id: str, refs: list[Doc]) -> Doc:
        """Move ``refs`` (``{objectType, objectId}``) into the zone (``default``: out of every zone)."""
        return self._json("POST", path("projects", project_key, "flow", "zones", zone_id, "add-items"), json=refs,
                          idempotent=True)

    def delete_zone(self, project_key: str, zone_id: str) -> None:
        """Its items move to the default zone."""
        self._send("DELETE", path("projects", project_key, "flow", "zones", zone_id))

    # -- saved models -------------------------------------------------------------------------------
    def list_saved_models(self, project_key: str) -> list[Doc]:
        """``[{id, type, ...}]`` (seed L5642); the active version needs ``get_saved_model``."""
        return self._json("GET", path("projects", project_key, "savedmodels") + "/")

    def get_saved_model(self, project_key: str, model_id: str) -> Doc:
        """``{id, activeVersion, taskType, ...}`` (seed L5673)."""
        return self._json("GET", path("projects", project_key, "savedmodels", model_id))

    def list_saved_model_versions(self, project_key: str, model_id: str) -> list[Doc]:
        """``[{id, active, trainDate}]`` (seed L5710)."""
        return self._json("GET", path("projects", project_key, "savedmodels", model_id, "versions"))

    def set_active_version(self, project_key: str, model_id: str, version_id: str) -> None:
        """``POST …/versions/{v}/actions/setActive`` (seed L5828)."""
        self._send("POST", path("projects", project_key, "savedmodels", model_id, "versions", version_id, "actions",
                                "setActive"), idempotent=True)
