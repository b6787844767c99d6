"""for_each end to end: instances through plan, apply, state, --target, plan JSON and the CLI."""

from __future__ import annotations

import json

TEAMS = """
variables:
  teams:
    type: list(string)
    default: [alpha, beta]
resources:
  dataiku_project.team:
    for_each: ${var.teams}
    key: TEAM_${upper(each.key)}
    name: Team ${each.key}
    folder: ${dataiku_project_folder.analytics.id}
"""


def test_instances_plan_apply_and_change_one_key_at_a_time(project):
    (project.specs / "teams.yaml").write_text(TEAMS)
    plan = project.cli("plan", "--format", "json")
    assert plan.code == 0, plan.text
    changes = {c["address"]: c for c in json.loads(plan.out)["resource_changes"]}
    assert changes['dataiku_project.team["alpha"]']["index"] == "alpha"
    assert changes['dataiku_project.team["alpha"]']["after"]["key"] == "TEAM_ALPHA"
    text = project.cli("plan")
    assert '# dataiku_project.team["beta"] will be created' in text.out

    assert project.cli("apply", "--auto-approve").code == 0
    assert {"TEAM_ALPHA", "TEAM_BETA"} <= set(project.dss().list_project_keys())
    listed = project.cli("state", "list")
    assert 'dataiku_project.team["alpha"]' in listed.out.splitlines()
    shown = project.cli("state", "show", 'dataiku_project.team["beta"]')
    assert shown.code == 0 and "TEAM_BETA" in shown.out
    assert project.cli("plan", "--detailed-exitcode").code == 0

    # adding one key plans only that instance; removing one deletes only that one
    (project.specs / "teams.yaml").write_text(TEAMS.replace("[alpha, beta]", "[alpha, gamma]"))
    plan = project.cli("plan", "--format", "json")
    actions = {c["address"]: c["actions"] for c in json.loads(plan.out)["resource_changes"]
               if c["actions"] != ["no-op"]}
    assert actions == {'dataiku_project.team["beta"]': ["delete"], 'dataiku_project.team["gamma"]': ["create"]}

    # --target one instance (and a saved plan round-trips the keyed addresses)
    out = project.root / "plan.json"
    targeted = project.cli("plan", "--target", 'dataiku_project.team["gamma"]', "--out", str(out))
    assert targeted.code == 0, targeted.text
    assert "1 to add, 0 to change, 0 to destroy" in targeted.out
    applied = project.cli("apply", str(out))
    assert applied.code == 0, applied.text
    assert "TEAM_GAMMA" in project.dss().list_project_keys()
    assert "TEAM_BETA" in project.dss().list_project_keys()  # not targeted: still there

    # the block's own address targets all of its instances
    whole = project.cli("plan", "--target", "dataiku_project.team")
    assert whole.code == 0 and '# dataiku_project.team["beta"] will be destroyed' in whole.out


def test_bad_for_each_and_unknown_instance_keys_stop_before_any_request(project):
    before = sum(c["requests"] for c in project.sandbox.counts.values())
    (project.specs / "teams.yaml").write_text(TEAMS.replace("${var.teams}", "[alpha, alpha]"))
    plan = project.cli("plan")
    assert plan.code == 1
    assert "teams.yaml:8: dataiku_project.team: for_each: 'alpha' is listed twice" in plan.err
    (project.specs / "teams.yaml").write_text(TEAMS + "  dataiku_project.x:\n    key: X\n    name: "
                                              "'${dataiku_project.team[\"zeta\"].name}'\n")
    plan = project.cli("plan")
    assert plan.code == 1
    assert 'dataiku_project.team has no instance "zeta"; its keys: "alpha", "beta"' in plan.err
    bad_target = project.cli("plan", "--target", 'dataiku_project.team["zeta"]')
    assert bad_target.code == 1
    assert sum(c["requests"] for c in project.sandbox.counts.values()) == before
    assert "Traceback" not in plan.err + bad_target.err
