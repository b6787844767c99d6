"""Fixtures for the semantic-model provider tests: an in-process sandbox and sessions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from reconciler.providers.registry import PROVIDERS
from reconciler.providers.settings import resolve_settings
from reconciler.sandbox import Sandbox
from reconciler.testing import SANDBOX_BASE_URL

DOMAIN = "urn:li:domain:sales"


@dataclass
class Semantic:
    sandbox: Sandbox
    session: object

    @property
    def world(self):
        return self.sandbox.emulators["semantic"].world

    @property
    def client(self):
        return self.session.client

    @property
    def rt(self):
        return self.session.resource("semantic_model")

    def connect(self, **settings):
        """A session without the sandbox env's auto-approval unless ``auto_approve=True`` is given."""
        spec = PROVIDERS["semantic"]
        env = {k: v for k, v in self.sandbox.env(SANDBOX_BASE_URL).items() if k != "SEMANTIC_AUTO_APPROVE"}
        return spec.connect(resolve_settings(spec, settings, env), self.sandbox.transport())

    def approve(self, model_id: str) -> None:
        """What an admin does in the portal."""
        self.world.approve(model_id, {"review_notes": "LGTM"})


@pytest.fixture
def semantic() -> Semantic:
    sandbox = Sandbox()
    holder = Semantic(sandbox, None)
    holder.session = holder.connect()
    yield holder
    holder.session.close()


def model_spec(**overrides) -> dict:
    spec = {"name": "customer_ltv", "domain": DOMAIN, "description": "Lifetime value",
            "sql": "SELECT customer_id, sum(amount) AS ltv FROM iceberg.raw.orders GROUP BY 1",
            "columns": [{"name": "customer_id", "type": "bigint"}, {"name": "ltv", "type": "double"}],
            "source_tables": ["iceberg.raw.orders"], "target_schema": "sales"}
    spec.update(overrides)
    return spec
