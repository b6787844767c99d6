"""A second world of one platform (a named provider instance): mounted at its name, with its own
data, counters, outage and rate limit, persisted with the others; driven by the official client."""

from __future__ import annotations

import dataikuapi
import httpx

from reconciler.sandbox import Sandbox, serve_in_thread

TOKEN = "tok-worlds"


def test_two_dataiku_worlds_are_separate_through_the_official_client(tmp_path):
    data = tmp_path / "world.json"
    sb = Sandbox(token=TOKEN, instances=("dataiku.automation",), data_file=data)
    server, base = serve_in_thread(sb, host="127.0.0.1", port=0)
    try:
        design, auto = dataikuapi.DSSClient(f"{base}/dataiku", TOKEN), dataikuapi.DSSClient(
            f"{base}/dataiku.automation", TOKEN)
        auto.create_project("ONLY_AUTO", "On the automation node", "admin")
        assert "ONLY_AUTO" in auto.list_project_keys() and "ONLY_AUTO" not in design.list_project_keys()
        assert sb.counts["dataiku.automation"]["writes"] == 1 and sb.counts["dataiku"]["writes"] == 0

        sb.outage("dataiku.automation")
        assert httpx.get(f"{base}/dataiku.automation/dip/publicapi/projects/", auth=(TOKEN, "")).status_code == 503
        assert httpx.get(f"{base}/dataiku/dip/publicapi/projects/", auth=(TOKEN, "")).status_code == 200
        sb.outage(None)
    finally:
        server.shutdown()
    again = Sandbox(token=TOKEN, instances=("dataiku.automation",), data_file=data)  # another process's view
    fresh = Sandbox(token=TOKEN, instances=("dataiku.automation",))
    assert again.emulators["dataiku.automation"].snapshot() != fresh.emulators["dataiku.automation"].snapshot()
    assert again.emulators["dataiku"].snapshot() == fresh.emulators["dataiku"].snapshot()
