"""Item 6, secrets (CI size): no token or sensitive value anywhere a run leaves something, failure
paths included; sensitive attributes are kept as keyed hashes that detect rotation. The scan
also reads every world the other resilience tests of this session made (this file runs after
them). See ``secret_leaks.py`` for the full-size run."""

from __future__ import annotations

import base64
import os
from urllib.parse import quote

import pytest

from tests.resilience import secret_leaks
from tests.resilience.concurrency import postgres_schema, postgres_server
from tests.resilience.world import ROOTS, TOKEN


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> secret_leaks.Outcome:
    root = tmp_path_factory.mktemp("secrets")
    server, why = postgres_server()
    if server is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no PostgreSQL server ({why}); CI=true requires one")
        made = secret_leaks.exercise(root, secret_leaks.CI_SIZE)
    else:
        with postgres_schema(server) as prefix:
            made = secret_leaks.exercise(root, secret_leaks.CI_SIZE, postgres=f"{prefix}&name=rsl-secrets")
    return secret_leaks.scan(made, [root])


def test_no_secret_in_any_state_journal_plan_output_or_log(outcome):
    assert outcome.files > 50
    assert [f"{leak.secret} in {leak.where}: {leak.line}" for leak in outcome.leaks] == []


def test_sensitive_values_are_keyed_hashes_that_detect_rotation_and_errors_do_not_echo_them(outcome):
    assert outcome.notes == []


def test_an_error_body_that_echoes_the_credentials_is_shown_redacted():
    logs = [p for root in ROOTS for p in root.rglob("*.err") if b"request headers" in p.read_bytes()]
    assert logs, "no run met the echo fault"
    text = logs[0].read_text()
    assert "Authorization" in text and "***" in text


@pytest.mark.parametrize("written", [
    pytest.param(TOKEN, id="raw"),
    pytest.param(quote(TOKEN, safe=""), id="percent-encoded"),
    pytest.param(base64.b64encode(f"{TOKEN}:".encode()).decode(), id="basic-auth"),
    pytest.param(base64.b64encode(TOKEN.encode()).decode(), id="base64"),
])
def test_the_scan_finds_every_form_of_a_secret(written):
    found = secret_leaks.scan_bytes("x.log", f"line one\nAuthorization: {written} here\n".encode(), {"token": TOKEN})
    assert [(leak.where, leak.secret) for leak in found] == [("x.log", "token")]
    assert TOKEN not in found[0].line


def test_an_error_about_the_whole_block_does_not_echo_its_secrets(tmp_path):
    error, leaks = secret_leaks.body_level_error(tmp_path)
    assert "cloud_provider" in error
    assert leaks == []
