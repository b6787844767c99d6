"""A secret that flows through a reference (a data source's key interpolated into another
resource) reaches its platform but never a plan, an output or the state."""

from __future__ import annotations

import json

SECRET = "dr-key-us-0001"  # the seeded prediction server's datarobot-key (a sensitive output)


def test_secret_through_a_reference_is_masked_everywhere(make_project):
    proj = make_project("datarobot")
    proj.edit_spec("deployments.yaml", "    description: Scores every active customer nightly for churn risk.\n",
                   "    description: key ${datarobot_prediction_server.us.datarobot_key}\n")
    planfile = proj.root / "plan.json"
    outputs = [proj.cli("plan", "--out", str(planfile)), proj.cli("plan", "--format", "json")]
    assert all(o.code == 0 for o in outputs), outputs[0].text
    applied = proj.cli("apply", str(planfile))
    assert applied.code == 0, applied.text
    outputs += [applied, proj.cli("plan", "--detailed-exitcode"), proj.cli("drift", "--format", "json")]
    assert outputs[-2].code == 0, outputs[-2].text  # converged: the hash matches the live value
    assert outputs[-1].code == 0, outputs[-1].text
    for blob in [o.text for o in outputs] + [planfile.read_text(), proj.state_file.read_text()]:
        assert SECRET not in blob
    import datarobot as dr  # the platform did receive the real value

    dr.Client(endpoint=proj.base_url + "/datarobot/api/v2", token=proj.env()["DATAROBOT_API_TOKEN"])
    churn = [d for d in dr.Deployment.list() if d.label.startswith("Churn")][0]
    assert churn.description == f"key {SECRET}"
    state = json.loads(proj.state_file.read_text())
    recorded = next(r for r in state["resources"] if r["address"] == "datarobot_deployment.churn")
    assert recorded["attrs"]["description"].startswith("hmac-sha256:")  # kept only as a keyed hash
