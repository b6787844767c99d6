"""A plan starts reading the objects the state knows while it loads the specs (``Workspace._prefetch``,
``refresh.Prefetch``), and the result is exactly the plan it would make without: the reads are
used only when the specs configure the providers as the quick look at them did."""

from __future__ import annotations

import random
import re
import threading

from reconciler.refresh import Prefetch
from reconciler.spec import load_provider_settings, load_specs
from reconciler.providers.registry import PROVIDERS
from reconciler.workflow import Workspace

PROVIDERS_BLOCK = """providers:
  dataiku:
    timeout: 31
"""


def _workspace(project) -> Workspace:
    return Workspace(specs_path=str(project.specs), state_location=str(project.state_file), env=project.env())


def test_the_plan_is_the_same_with_and_without_reads_started_early(project):
    (project.specs / "providers.yaml").write_text(PROVIDERS_BLOCK)
    assert project.cli("apply", "--auto-approve").code == 0
    project.edit_spec("projects.yaml", "Sales analytics", "Sales analytics (renamed)")
    ws = _workspace(project)
    started = ws._prefetch()
    assert started is not None and started.prefetch is not None and started.parsed
    started.prefetch.close()
    started.prefetch.sessions.close()
    early = ws.plan()  # reads started before the specs load
    late = ws.plan(specs=ws.load())  # the specs first (no prefetch)
    strip = lambda plan: {**plan.to_json(), "created_at": None}  # noqa: E731
    assert strip(early) == strip(late)
    assert early.actionable and early.stats["dataiku"]["requests"] == late.stats["dataiku"]["requests"]


def test_a_broken_spec_stops_the_plan_after_reads_without_writing_or_leaking_threads(project):
    assert project.cli("apply", "--auto-approve").code == 0
    writes = project.sandbox.write_count
    (project.specs / "broken.yaml").write_text("resources:\n  dataiku_project.x:\n    key: [unclosed\n")
    result = project.cli("plan")
    assert result.code == 1 and "broken.yaml:" in result.err and "Traceback" not in result.text
    assert project.sandbox.write_count == writes
    assert not [t.name for t in threading.enumerate() if t.name.startswith(("refresh-", "fan-out"))]


def test_provider_settings_come_only_from_the_files_that_declare_them(tmp_path):
    (tmp_path / "a.yaml").write_text(PROVIDERS_BLOCK)
    (tmp_path / "b.yaml").write_text("resources:\n  dataiku_project.x:\n    key: [unclosed\n")  # not read
    found = load_provider_settings(tmp_path, registry=PROVIDERS, env={})
    assert found is not None
    blocks, parsed = found
    assert set(parsed) == {str(tmp_path / "a.yaml")} and set(blocks) == {"dataiku"}
    (tmp_path / "a.yaml").write_text(PROVIDERS_BLOCK.replace("31", "[not a number"))
    assert load_provider_settings(tmp_path, registry=PROVIDERS, env={}) is None  # unsure: no hint


def test_reads_are_used_only_with_the_settings_they_were_started_with(project):
    (project.specs / "providers.yaml").write_text(PROVIDERS_BLOCK)
    ws = _workspace(project)
    specs = load_specs(project.specs, registry=PROVIDERS, env=project.env())
    sessions = ws.sessions(specs.resources, specs)
    try:
        prefetch = Prefetch(None, sessions, 2, settings=specs.providers)
        assert prefetch.matches(specs.providers)
        other = {**specs.providers, "dataiku": None}
        assert not prefetch.matches(other)
        prefetch.close()
    finally:
        sessions.close()


def test_refresh_threads_per_provider_stay_within_its_budget(project):
    """Reads beyond a provider's budget would only wait for it: the refresh pool has no more threads."""
    import time

    from reconciler.pools import ProviderPools

    pools = ProviderPools(24, "t", limits={"small": 2, "open": None}.get)
    peak: dict[str, set] = {"small": set(), "open": set(), "other": set()}

    def work(provider):
        peak[provider].add(threading.get_ident())
        time.sleep(0.02)

    with pools:
        for provider in ("small", "open", "other"):
            for _ in range(6):
                pools.submit(provider, work, provider)
    assert len(peak["small"]) == 2 and len(peak["open"]) == len(peak["other"]) == 6
    ws = _workspace(project)
    assert project.cli("apply", "--auto-approve").code == 0
    with ws.sessions(ws.store().read().resources, None) as sessions:
        assert sessions.concurrency("dataiku") == 8 and sessions.concurrency("nope") is None


def test_a_providers_block_beside_resources_is_read_alone_and_matches_the_full_load(project):
    path = project.spec_path("projects.yaml")
    path.write_text("# the estate's settings live with its projects\n" + PROVIDERS_BLOCK + path.read_text())
    assert project.cli("apply", "--auto-approve").code == 0
    ws = _workspace(project)
    started = ws._prefetch()
    try:
        assert started is not None and started.prefetch is not None
        assert str(path) not in started.parsed  # only its providers block was parsed
        full = ws.load()
        assert started.prefetch.matches(full.providers)  # so the reads started early are used
        assert full.providers["dataiku"] == started.prefetch.settings["dataiku"]
    finally:
        started.prefetch.close()
        started.prefetch.sessions.close()


def test_settings_blocks_keep_every_line_number():
    from reconciler.spec.loader import _settings_blocks

    text = "a: 1\nproviders:\n  x:\n    url: u\n# note\nresources:\n  t.n: {}\nvariables:\n  v: 1\n"
    blocks = _settings_blocks(text)
    assert blocks.split("\n") == ["", "providers:", "  x:", "    url: u", "# note", "", "", "variables:", "  v: 1", ""]
    assert _settings_blocks("resources:\n  t.n: {}\n# providers:\n") is None


def _settings_lines(text: str) -> str | None:
    """What ``_settings_blocks`` computes, one line at a time (the definition it must match)."""
    lines, inside, kept = text.split("\n"), False, False
    for i, line in enumerate(lines):
        if line[:1] not in ("", " ", "#"):  # a top-level line starts a block
            inside = re.match(r"(?:providers|variables)[ \t]*:", line) is not None
            kept = kept or inside
        if not inside:
            lines[i] = ""
    return "\n".join(lines) if kept else None


def test_settings_blocks_are_the_top_level_blocks_line_by_line():
    from reconciler.spec.loader import _settings_blocks

    rng = random.Random(5)
    parts = ["providers:", "variables :", "variables\t:", "providersx: 1", "resources:", "  x: 1", "    url: u",
             "# c", "", " ", "\t", "- a", "providers", "variables: {a: 1}", "---", "a: providers:"]
    for _ in range(2000):
        text = "\n".join(rng.choice(parts) for _ in range(rng.randint(0, 12))) + rng.choice(("", "\n", "\n\n"))
        assert _settings_blocks(text) == _settings_lines(text), repr(text)


def test_reads_start_with_what_others_depend_on_however_long_the_chain():
    from reconciler.addresses import Address
    from reconciler.refresh import _depth
    from reconciler.state.model import ResourceState, State

    chain, prev = {}, None
    for i in range(3000):  # deeper than the interpreter's recursion limit
        a = Address("dataiku_project_folder", f"f{i}")
        chain[a] = ResourceState(a, str(i), attrs={}, outputs={}, dependencies=(prev,) if prev else ())
        prev = a
    state = State("lineage", 1, chain)
    known: dict = {}
    assert _depth(prev, state, known) == 2999 and known[Address("dataiku_project_folder", "f0")] == 0
