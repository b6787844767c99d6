"""Every Dataiku operation the emulator serves: method + path pattern -> handler.

Patterns are relative to the API prefix; both ``/public/api`` (the documented base, seed L5)
and ``/dip/publicapi`` (what ``dataikuapi`` calls) are served. A trailing slash is optional on
every route (the router works on segments). Literal segments win over placeholders, so
``/project-folders/ROOT`` and ``/datasets/managed`` need no special casing.
"""

from __future__ import annotations

from reconciler.providers.dataiku.sandbox.handlers import admin as adm
from reconciler.providers.dataiku.sandbox.handlers import datasets as ds
from reconciler.providers.dataiku.sandbox.handlers import deployer as dep
from reconciler.providers.dataiku.sandbox.handlers import flow, wiki, zones
from reconciler.providers.dataiku.sandbox.handlers import instance as inst
from reconciler.providers.dataiku.sandbox.handlers import projects as proj
from reconciler.providers.dataiku.sandbox.handlers import scenarios as sc
from reconciler.sandbox.routing import Route

PREFIXES = ("public/api", "dip/publicapi")

_P = "/projects/{projectKey}"
_D = _P + "/datasets/{datasetName}"
_F = "/project-folders/{folderId}"
_R = _P + "/recipes/{recipeName}"
_M = _P + "/managedfolders/{folderId}"
_S = _P + "/scenarios/{scenarioId}"
_PD = "/project-deployer"
_Z = _P + "/flow/zones/{zoneId}"
_SM = _P + "/savedmodels/{savedModelId}"
_CE = "/admin/code-envs/{envLang}/{envName}"

ROUTES: tuple[Route, ...] = (
    # instance
    Route("GET", "/auth/info", inst.get_auth_info),
    Route("GET", "/instance-info", inst.get_instance_info),
    # instance administration
    Route("GET", "/admin/users", adm.list_users),
    Route("POST", "/admin/users", adm.create_user),
    Route("GET", "/admin/users/{login}", adm.get_user),
    Route("PUT", "/admin/users/{login}", adm.set_user),
    Route("DELETE", "/admin/users/{login}", adm.delete_user),
    Route("GET", "/admin/groups", adm.list_groups),
    Route("POST", "/admin/groups", adm.create_group),
    Route("GET", "/admin/groups/{name}", adm.get_group),
    Route("PUT", "/admin/groups/{name}", adm.set_group),
    Route("DELETE", "/admin/groups/{name}", adm.delete_group),
    Route("GET", "/admin/connections", adm.list_connections),
    Route("POST", "/admin/connections", adm.create_connection),
    Route("GET", "/admin/connections/{name}", adm.get_connection),
    Route("PUT", "/admin/connections/{name}", adm.set_connection),
    Route("DELETE", "/admin/connections/{name}", adm.delete_connection),
    Route("GET", "/admin/code-envs", adm.list_code_envs),
    Route("GET", _CE, adm.get_code_env),
    Route("POST", _CE, adm.create_code_env),
    Route("PUT", _CE, adm.set_code_env),
    Route("DELETE", _CE, adm.delete_code_env),
    Route("POST", _CE + "/packages", adm.update_code_env_packages),
    # project folders
    Route("GET", "/project-folders", proj.get_root_folder),
    Route("GET", _F, proj.get_folder),
    Route("DELETE", _F, proj.delete_folder),
    Route("POST", _F + "/children", proj.create_child_folder),
    Route("GET", _F + "/settings", proj.get_folder_settings),
    Route("PUT", _F + "/settings", proj.set_folder_settings),
    Route("POST", _F + "/move", proj.move_folder),
    Route("GET", _F + "/default-for-project-creation", proj.get_default_folder),
    Route("GET", "/project-folders/locate-project/{projectKey}", proj.locate_project),
    Route("POST", _F + "/projects/{projectKey}/move", proj.move_project),
    # projects
    Route("GET", "/projects", proj.list_projects),
    Route("POST", "/projects", proj.create_project),
    Route("GET", _P, proj.get_project),
    Route("DELETE", _P, proj.delete_project),
    Route("GET", _P + "/metadata", proj.get_project_metadata),
    Route("PUT", _P + "/metadata", proj.set_project_metadata),
    Route("GET", _P + "/permissions", proj.get_project_permissions),
    Route("PUT", _P + "/permissions", proj.set_project_permissions),
    Route("GET", _P + "/variables", proj.get_project_variables),
    Route("PUT", _P + "/variables", proj.set_project_variables),
    Route("GET", _P + "/settings", proj.get_project_settings),
    Route("PUT", _P + "/settings", proj.set_project_settings),
    Route("GET", _P + "/tags", proj.get_project_tags),
    Route("PUT", _P + "/tags", proj.set_project_tags),
    Route("POST", _P + "/actions/renameDataset", ds.rename_dataset),
    # datasets
    Route("GET", _P + "/datasets", ds.list_datasets),
    Route("POST", _P + "/datasets", ds.create_dataset),
    Route("POST", _P + "/datasets/managed", ds.create_managed_dataset),
    Route("GET", _D, ds.get_dataset),
    Route("PUT", _D, ds.set_dataset),
    Route("DELETE", _D, ds.delete_dataset),
    Route("GET", _D + "/schema", ds.get_dataset_schema),
    Route("PUT", _D + "/schema", ds.set_dataset_schema),
    Route("GET", _D + "/metadata", ds.get_dataset_metadata),
    Route("PUT", _D + "/metadata", ds.set_dataset_metadata),
    # recipes
    Route("GET", _P + "/recipes", flow.list_recipes),
    Route("POST", _P + "/recipes", flow.create_recipe),
    Route("GET", _R, flow.get_recipe),
    Route("PUT", _R, flow.set_recipe),
    Route("DELETE", _R, flow.delete_recipe),
    Route("GET", _R + "/metadata", flow.get_recipe_metadata),
    Route("PUT", _R + "/metadata", flow.set_recipe_metadata),
    Route("POST", _P + "/actions/renameRecipe", flow.rename_recipe),
    # managed folders
    Route("GET", _P + "/managedfolders", flow.list_managed_folders),
    Route("POST", _P + "/managedfolders", flow.create_managed_folder),
    Route("GET", _M, flow.get_managed_folder),
    Route("PUT", _M, flow.set_managed_folder),
    Route("DELETE", _M, flow.delete_managed_folder),
    Route("POST", _P + "/actions/renameManagedFolder", flow.rename_managed_folder),
    # scenarios
    Route("GET", _P + "/scenarios", sc.list_scenarios),
    Route("POST", _P + "/scenarios", sc.create_scenario),
    Route("GET", _S, sc.get_scenario),
    Route("PUT", _S, sc.set_scenario),
    Route("DELETE", _S, sc.delete_scenario),
    Route("GET", _S + "/light", sc.get_scenario_light),
    Route("PUT", _S + "/light", sc.set_scenario_light),
    Route("GET", _S + "/payload", sc.get_scenario_payload),
    Route("PUT", _S + "/payload", sc.set_scenario_payload),
    Route("POST", _S + "/run", sc.run_scenario),
    Route("POST", _S + "/abort", sc.abort_scenario),
    Route("GET", _S + "/get-last-runs", sc.get_last_runs),
    Route("GET", _S + "/get-run-for-trigger", sc.get_run_for_trigger),
    Route("GET", _S + "/{runId}", sc.get_scenario_run),
    Route("GET", _P + "/scenarios/trigger/{scenarioId}/{triggerId}", sc.get_trigger_fire),
    # flow zones
    Route("GET", _P + "/flow/zones", zones.list_zones),
    Route("POST", _P + "/flow/zones", zones.create_zone),
    Route("GET", _Z, zones.get_zone),
    Route("PUT", _Z, zones.set_zone),
    Route("DELETE", _Z, zones.delete_zone),
    Route("POST", _Z + "/items", zones.add_zone_items),
    Route("POST", _Z + "/add-items", zones.add_zone_items),
    # saved models
    Route("GET", _P + "/savedmodels", zones.list_saved_models),
    Route("POST", _P + "/savedmodels", zones.create_saved_model),
    Route("GET", _SM, zones.get_saved_model),
    Route("DELETE", _SM, zones.delete_saved_model),
    Route("GET", _SM + "/versions", zones.list_saved_model_versions),
    Route("POST", _SM + "/versions/{versionId}", zones.import_saved_model_version),
    Route("POST", _SM + "/versions/{versionId}/actions/setActive", zones.set_active_version),
    # wiki
    Route("GET", _P + "/wiki", wiki.get_wiki),
    Route("PUT", _P + "/wiki", wiki.set_wiki),
    Route("POST", _P + "/wiki", wiki.create_article),
    Route("GET", _P + "/wiki/{articleId}", wiki.get_article),
    Route("PUT", _P + "/wiki/{articleId}", wiki.set_article),
    Route("DELETE", _P + "/wiki/{articleId}", wiki.delete_article),
    # design-side bundles
    Route("GET", _P + "/bundles/exported", dep.list_exported_bundles),
    Route("PUT", _P + "/bundles/exported", dep.export_bundle),
    Route("GET", _P + "/bundles/exported/{bundleId}", dep.get_exported_bundle),
    Route("PUT", _P + "/bundles/exported/{bundleId}", dep.export_bundle),
    Route("DELETE", _P + "/bundles/exported/{bundleId}", dep.delete_exported_bundle),
    Route("POST", _P + "/bundles/{bundleId}/publish", dep.publish_bundle),
    # meanings
    Route("GET", "/meanings", inst.list_meanings),
    Route("POST", "/meanings", inst.create_meaning),
    Route("GET", "/meanings/{meaningId}", inst.get_meaning),
    Route("PUT", "/meanings/{meaningId}", inst.set_meaning),
    # plugins
    Route("GET", "/plugins", inst.list_plugins),
    Route("POST", "/plugins/actions/installFromStore", inst.install_from_store),
    Route("POST", "/plugins/actions/installFromGit", inst.install_from_git),
    Route("POST", "/plugins/actions/updateFromGit", inst.update_from_git),
    Route("POST", "/plugins/{pluginId}/actions/updateFromStore", inst.update_from_store),
    Route("POST", "/plugins/{pluginId}/actions/updateFromGit", inst.update_from_git),
    Route("GET", "/plugins/{pluginId}/settings", inst.get_plugin_settings),
    Route("POST", "/plugins/{pluginId}/settings", inst.set_plugin_settings),
    Route("GET", "/plugins/{pluginId}/actions/listUsages", inst.list_plugin_usages),
    Route("POST", "/plugins/{pluginId}/actions/delete", inst.delete_plugin),
    # project deployer
    Route("GET", _PD + "/stages", dep.list_stages),
    Route("GET", _PD + "/infras/stages", dep.list_stages),
    Route("GET", _PD + "/infras", dep.list_infras),
    Route("POST", _PD + "/infras", dep.create_infra),
    Route("POST", _PD + "/projects/infras", dep.create_infra),
    Route("GET", _PD + "/infras/{infraId}", dep.get_infra),
    Route("POST", _PD + "/infras/{infraId}", dep.get_infra),
    Route("PUT", _PD + "/infras/{infraId}", dep.set_infra_settings),
    Route("DELETE", _PD + "/infras/{infraId}", dep.delete_infra),
    Route("GET", _PD + "/infras/{infraId}/settings", dep.get_infra_settings),
    Route("PUT", _PD + "/infras/{infraId}/settings", dep.set_infra_settings),
    Route("GET", _PD + "/projects", dep.list_published_projects),
    Route("POST", _PD + "/projects", dep.create_published_project),
    Route("GET", _PD + "/projects/{projectKey}", dep.get_published_project),
    Route("DELETE", _PD + "/projects/{projectKey}", dep.delete_published_project),
    Route("GET", _PD + "/projects/{projectKey}/settings", dep.get_published_project_settings),
    Route("PUT", _PD + "/projects/{projectKey}/settings", dep.set_published_project_settings),
    Route("DELETE", _PD + "/projects/{projectKey}/bundles/{bundleId}", dep.delete_published_bundle),
    Route("GET", _PD + "/deployments", dep.list_deployments),
    Route("POST", _PD + "/deployments", dep.create_deployment),
    Route("GET", _PD + "/deployments/{deploymentId}", dep.get_deployment),
    Route("DELETE", _PD + "/deployments/{deploymentId}", dep.delete_deployment),
    Route("GET", _PD + "/deployments/{deploymentId}/settings", dep.get_deployment_settings),
    Route("PUT", _PD + "/deployments/{deploymentId}/settings", dep.set_deployment_settings),
    Route("GET", _PD + "/deployments/{deploymentId}/status", dep.get_deployment_status),
    Route("POST", _PD + "/deployments/{deploymentId}/actions/update", dep.update_deployment),
    Route("GET", _PD + "/deployments/{deploymentId}/update", dep.list_deployment_updates),
    Route("GET", _PD + "/deployments/{deploymentId}/last-update", dep.get_last_deployment_update),
    # futures
    Route("GET", "/futures", inst.list_futures),
    Route("GET", "/futures/{jobId}", inst.get_future),
    Route("DELETE", "/futures/{jobId}", inst.abort_future),
)
