"""Unset means default end to end through the CLI: removing optional fields from a block plans the
change back to the platform's defaults, one apply converges, and the next plan is empty (the
per-type checks are ``tests/providers/*/test_*_unset_defaults.py``)."""

from __future__ import annotations


def test_removed_description_tags_and_folder_go_back_to_the_defaults(project):
    assert project.cli("apply", "--auto-approve").code == 0
    for line in ("    description: Campaign performance and attribution models.\n",
                 '    tags: [marketing, "${var.stage}"]\n'):
        project.edit_spec("projects.yaml", line, "")
    text = project.spec_path("projects.yaml").read_text()
    marketing = text.index("dataiku_project.marketing:")
    at = text.index("    folder: ${dataiku_project_folder.analytics.id}\n", marketing)
    project.spec_path("projects.yaml").write_text(
        text[:at] + text[at + len("    folder: ${dataiku_project_folder.analytics.id}\n"):])

    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "dataiku_project.marketing will be updated in-place" in plan.out, plan.out
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.out, plan.out
    for field in ("description", "tags", "folder"):
        assert field in plan.out
    assert project.cli("apply", "--auto-approve").code == 0
    assert project.cli("plan", "--detailed-exitcode").code == 0

    dss = project.dss()
    meta = dss.get_project("MARKETING").get_metadata()
    assert not meta.get("description") and meta.get("tags") == []
    assert "MARKETING" in dss.get_root_project_folder().list_project_keys()
