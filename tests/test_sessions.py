"""``open_sessions`` with several instances of one platform: one session (HTTP client, budget,
settings) per instance, each address routed to its own, against the in-process sandbox."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.errors import ConfigError, Location
from reconciler.providers.registry import PROVIDERS
from reconciler.sandbox import Sandbox
from reconciler.sessions import open_sessions
from reconciler.spec import ResourceSpec, SpecSet
from reconciler.spec.model import ProviderConfig

TOKEN = "tok-sessions"
DESIGN, AUTO = Address("dataiku_project", "design"), Address("dataiku_project", "auto")
BASE = "http://sandbox.test"


def _specs(auto_settings: dict | None) -> SpecSet:
    providers = {} if auto_settings is None else {
        "dataiku.automation": ProviderConfig("dataiku.automation", auto_settings, Location("specs/p.yaml", 2))}
    return SpecSet(resources={DESIGN: ResourceSpec(DESIGN, {}), AUTO: ResourceSpec(AUTO, {}, provider="dataiku.automation")},
                   providers=providers, variables={}, files=())


@pytest.fixture
def sandbox():
    return Sandbox(token=TOKEN, instances=("dataiku.automation",))


def test_each_instance_has_its_own_session_budget_and_world(sandbox):
    env = sandbox.env(BASE)
    specs = _specs({"concurrency": 3})
    with open_sessions([DESIGN, AUTO], specs, PROVIDERS, env, {"dataiku": sandbox.transport()}) as sessions:
        assert sessions.names == ("dataiku", "dataiku.automation")
        assert sessions.instance(AUTO) == "dataiku.automation" and sessions.instance(DESIGN) == "dataiku"
        design, auto = sessions.session("dataiku"), sessions.session("dataiku.automation")
        assert design.http is not auto.http
        assert auto.http.budget.ceiling == 3 and design.http.budget.ceiling == 8
        assert sessions.resource(AUTO) is not sessions.resource(DESIGN)
        created_id, _ = sessions.resource(AUTO).create({"key": "ONLY_AUTO", "name": "On the automation node"})
        assert sessions.resource(AUTO).read(created_id) is not None
        assert sessions.resource(DESIGN).read(created_id) is None  # another world
        assert set(sessions.stats()) == {"dataiku", "dataiku.automation"}
    assert sandbox.counts["dataiku.automation"]["writes"] == 1 and sandbox.counts["dataiku"]["writes"] == 0


def test_a_named_instance_reads_its_own_env_vars_never_the_default_ones(sandbox):
    env = {k: v for k, v in sandbox.env(BASE).items() if not k.startswith("DATAIKU_AUTOMATION_")}
    with pytest.raises(ConfigError) as caught:
        open_sessions([DESIGN, AUTO], _specs({}), PROVIDERS, env, {"dataiku": sandbox.transport()})
    assert str(caught.value).startswith("provider dataiku.automation: no url: set DATAIKU_AUTOMATION_URL or "
                                        "providers.dataiku.automation.url in the specs")
    assert TOKEN not in str(caught.value)
    # its block alone configures it, too (the state-only case: no declaration needed when its env is set)
    with open_sessions([AUTO], _specs(None), PROVIDERS, sandbox.env(BASE), {"dataiku": sandbox.transport()}) as s:
        assert s.names == ("dataiku.automation",)


def test_a_setting_error_names_the_instance(sandbox):
    with pytest.raises(ConfigError, match=r"provider dataiku.automation: unknown setting\(s\) nope in "
                                          r"providers.dataiku.automation"):
        open_sessions([AUTO], _specs({"nope": 1}), PROVIDERS, sandbox.env(BASE), {"dataiku": sandbox.transport()})


def test_the_sandbox_refuses_a_bad_instance_name():
    for bad in ("dataiku", "nope.x", "dataiku.Auto"):
        with pytest.raises(ConfigError, match="is not a (named instance of a sandbox platform|provider instance name)"):
            Sandbox(instances=(bad,))
