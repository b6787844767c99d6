"""Modules end to end (issue 20, item 2): a module directory instantiated twice (once with
for_each), inputs checked like fields, outputs referenced with their dependency edges, addresses
``module.NAME[KEY].type.name`` through plan, apply, state, --target and the plan JSON; the
module's files are not loaded as part of the root specs; every bad input is exit 1 with
``file:line`` and no request."""

from __future__ import annotations

import json

TEAM_MODULE = """
variables:
  key: {type: string, description: the team project's key}
  title: {type: string}
  folder: {type: string}
  tags: {type: list(string), default: []}
resources:
  dataiku_project.p:
    key: ${var.key}
    name: ${var.title}
    folder: ${var.folder}
    tags: ${var.tags}
  dataiku_managed_folder.inbox:
    project: ${dataiku_project.p.key}
    name: inbox_${lower(var.key)}
outputs:
  project_key:
    value: ${dataiku_project.p.key}
"""

ROOT = """
modules:
  team:
    source: ./modules/team
    for_each: {alpha: Alpha, beta: Beta}
    key: TEAM_${upper(each.key)}
    title: ${each.value} team
    folder: ${dataiku_project_folder.analytics.id}
  platform:
    source: ./modules/team
    key: PLATFORM
    title: Platform
    folder: ${dataiku_project_folder.analytics.id}
    tags: ['${module.team["alpha"].project_key}']
outputs:
  team_keys:
    value: ${module.team.project_key}
"""


def write_modules(project, root: str = ROOT, module: str = TEAM_MODULE) -> None:
    (project.specs / "modules" / "team").mkdir(parents=True, exist_ok=True)
    (project.specs / "modules" / "team" / "main.yaml").write_text(module)
    (project.specs / "teams.yaml").write_text(root)


def test_a_module_instantiated_with_for_each_and_alone_plans_applies_and_converges(project):
    write_modules(project)
    plan = project.cli("plan", "--format", "json")
    assert plan.code == 0, plan.text
    changes = {c["address"]: c for c in json.loads(plan.out)["resource_changes"]}
    alpha = 'module.team["alpha"].dataiku_project.p'
    assert changes[alpha]["action"] == "create" and changes[alpha]["after"]["key"] == "TEAM_ALPHA"
    assert changes['module.team["beta"].dataiku_managed_folder.inbox']["after"]["name"] == "inbox_team_beta"
    platform = changes["module.platform.dataiku_project.p"]
    assert alpha in platform["depends_on"]  # the output's reference carries the edge
    assert platform["after"]["tags"] == ["TEAM_ALPHA"]  # the key is known: it is written in the spec
    text = project.cli("plan")
    assert '# module.team["alpha"].dataiku_project.p will be created' in text.out

    applied = project.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    keys = set(project.dss().list_project_keys())
    assert {"TEAM_ALPHA", "TEAM_BETA", "PLATFORM"} <= keys
    assert project.dss().get_project("PLATFORM").get_metadata()["tags"] == ["TEAM_ALPHA"]
    listed = project.cli("state", "list").out.splitlines()
    assert 'module.team["beta"].dataiku_managed_folder.inbox' in listed
    out = project.cli("output", "team_keys", "--json")
    assert json.loads(out.out) == {"alpha": "TEAM_ALPHA", "beta": "TEAM_BETA"}
    assert project.cli("plan", "--detailed-exitcode").code == 0

    # --target a module instance's resource; removing one key plans only that instance's objects
    project.spec_path("teams.yaml").write_text(ROOT.replace("{alpha: Alpha, beta: Beta}", "{alpha: Alpha}"))
    plan = project.cli("plan", "--format", "json")
    actions = {c["address"]: c["actions"] for c in json.loads(plan.out)["resource_changes"]
               if c["actions"] != ["no-op"]}
    assert actions == {'module.team["beta"].dataiku_project.p': ["delete"],
                       'module.team["beta"].dataiku_managed_folder.inbox': ["delete"]}
    targeted = project.cli("plan", "--target", 'module.team["beta"].dataiku_managed_folder.inbox')
    assert targeted.code == 0, targeted.text
    assert '# module.team["beta"].dataiku_managed_folder.inbox will be destroyed' in targeted.out


def test_modules_nest_and_reach_the_root_through_outputs(project):
    (project.specs / "modules" / "outer").mkdir(parents=True)
    (project.specs / "modules" / "outer" / "main.yaml").write_text("""
variables:
  key: {type: string}
modules:
  inner:
    source: ../team
    key: ${var.key}
    title: Nested ${var.key}
    folder: ROOT
outputs:
  inner_key:
    value: ${module.inner.project_key}
""")
    write_modules(project, root="""
modules:
  outer:
    source: ./modules/outer
    key: NESTED
outputs:
  nested:
    value: ${module.outer.inner_key}
""")
    plan = project.cli("plan")
    assert plan.code == 0, plan.text
    assert "# module.outer.module.inner.dataiku_project.p will be created" in plan.out
    assert project.cli("apply", "--auto-approve").code == 0
    assert json.loads(project.cli("output", "nested", "--json").out) == "NESTED"


def bad(project, root: str, module: str = TEAM_MODULE) -> str:
    write_modules(project, root, module)
    project.sandbox.reset()
    result = project.cli("plan")
    assert result.code == 1, result.text
    assert "Traceback" not in result.err
    assert project.sandbox.counts.get("dataiku", {}).get("requests", 0) == 0
    return result.err


def test_a_missing_source_is_refused_with_its_line(project):
    err = bad(project, "modules:\n  team:\n    source: ./modules/nowhere\n")
    assert "teams.yaml:3" in err and "'./modules/nowhere' is not a directory of spec files" in err


def test_a_module_that_uses_itself_is_refused(project):
    err = bad(project, ROOT, TEAM_MODULE + "modules:\n  again:\n    source: .\n    key: X\n    title: X\n    folder: X\n")
    assert "loops back on itself" in err and "main.yaml:" in err


def test_a_missing_and_an_unknown_input_are_refused(project):
    err = bad(project, "modules:\n  team:\n    source: ./modules/team\n    key: A\n    titel: A\n    folder: ROOT\n")
    assert "teams.yaml:5" in err and "declares no input 'titel'" in err and "did you mean 'title'?" in err
    assert "input 'title' is required" in err and "teams.yaml:2" in err


def test_an_input_of_the_wrong_type_is_refused(project):
    err = bad(project, "modules:\n  team:\n    source: ./modules/team\n    key: A\n    title: A\n    folder: ROOT\n"
                       "    tags: not-a-list\n")
    assert "teams.yaml:7" in err and "expected a list of strings" in err


def test_an_unknown_output_and_instance_key_are_refused(project):
    err = bad(project, ROOT.replace('module.team["alpha"].project_key', 'module.team["gamma"].project_key'))
    assert "no instance \"gamma\"" in err and "teams.yaml:" in err
    err = bad(project, ROOT.replace('module.team["alpha"].project_key', 'module.team["alpha"].nope'))
    assert "has no output 'nope'" in err and "project_key" in err


def test_a_module_cannot_declare_providers(project):
    err = bad(project, ROOT, TEAM_MODULE + "providers:\n  dataiku: {}\n")
    assert "a module cannot declare 'providers'" in err


def test_a_module_output_known_only_at_apply_is_refused_in_a_local(project):
    err = bad(project, ROOT + "locals:\n  k: ${module.platform.project_key}\n")
    assert "known only at apply" in err and "not allowed in locals" in err
