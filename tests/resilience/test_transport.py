"""Item 7, transport security (CI size): TLS verification, CA bundles and plain HTTP through the
CLI against the sandbox served over TLS on loopback. See ``transport.py``."""

from __future__ import annotations

import pytest

from tests.resilience import transport
from tests.resilience.world import TOKEN


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    if transport.openssl_missing():
        pytest.skip("openssl is not installed: no certificate can be made")
    return {c.id: c for c in transport.scenario(tmp_path_factory.mktemp("transport"), CI_CASES)}


#: "wrong-ca" (a CA bundle that did not sign the certificate) runs at full size only: it fails the
#: same way as "untrusted", after the same retries
CI_CASES = ("untrusted", "trusted", "plain-http-remote")


@pytest.mark.parametrize("case_id", CI_CASES)
def test_transport_security(cases, case_id):
    case = cases[case_id]
    assert case.failures() == []
    assert TOKEN not in case.run.text
