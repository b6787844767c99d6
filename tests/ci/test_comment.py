"""The sticky plan comment: marker, size limit, labels, and finding our own comment again."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.ci.actions import ActionsEnv
from reconciler.ci.comment import (
    COMMENT_MAX, LABELS, find_marked, gh_len, marker, parse_marker, plan_comment, plan_label, set_plan_label,
    upsert_comment,
)
from reconciler.plan.model import Action, Change, Plan

REPO = "acme/data-platform"
ACTIONS = ActionsEnv(repository=REPO, run_id="42", server_url="https://github.test",
                     event={"pull_request": {"number": 7, "head": {"sha": "abc123def4567890" * 2 + "abcdefgh"}}})


def _change(name: str, action: Action, text: str = "x") -> Change:
    return Change(Address.parse(f"dataiku_project.{name}"), action, "because",
                  before={"description": "old"} if action is not Action.CREATE else None,
                  after={"description": text} if action is not Action.DELETE else None,
                  object_id=None if action is Action.CREATE else name.upper(), fingerprint="f")


@pytest.mark.parametrize("changes, label", [
    pytest.param([], "no-changes", id="empty"),
    pytest.param([_change("a", Action.NOOP)], "no-changes", id="only-noops"),
    pytest.param([_change("a", Action.CREATE), _change("b", Action.UPDATE)], "changes", id="create-update"),
    pytest.param([_change("a", Action.CREATE), _change("b", Action.DELETE)], "destroys", id="delete"),
    pytest.param([_change("a", Action.REPLACE)], "destroys", id="replace"),
])
def test_plan_label(changes, label):
    assert plan_label(Plan(tuple(changes))) == LABELS[label]


def test_marker_round_trip_and_what_it_refuses():
    text = marker("plan", "default", run_id="42", sha="abc", other=None)
    assert text == "<!-- reconciler:plan id=default run_id=42 sha=abc -->"
    assert parse_marker(f"hello\n{text}\nbody", "plan", "default") == {"id": "default", "run_id": "42", "sha": "abc"}
    assert parse_marker(text, "plan", "staging") is None
    assert parse_marker(text, "drift", "default") is None
    unsafe = marker("plan", "default", sha="a b --> <script>", run_id="7")
    assert unsafe == "<!-- reconciler:plan id=default run_id=7 -->"
    with pytest.raises(ValueError):
        marker("plan", "no spaces allowed")


def test_comment_carries_marker_title_plan_and_run_link():
    body = plan_comment(Plan((_change("sales", Action.UPDATE, "new"),)), ACTIONS)
    assert not body.truncated
    first = body.text.splitlines()[0]
    assert parse_marker(first, "plan", "default")["run_id"] == "42"
    assert "### reconciler plan" in body.text
    assert "**Plan:** 0 to add, 1 to change, 0 to destroy" in body.text
    assert "[run 42](https://github.test/acme/data-platform/actions/runs/42)" in body.text
    assert "commit `abc123def456`" in body.text


def test_a_plan_too_long_for_one_comment_points_at_the_rest():
    plan = Plan(tuple(_change(f"p{i}", Action.UPDATE, "é" * 300 + "🚀" * 200) for i in range(400)))
    body = plan_comment(plan, ACTIONS)
    assert body.truncated
    assert gh_len(body.text) <= COMMENT_MAX
    assert "The plan is too long for one comment" in body.text
    assert "[job summary](https://github.test/acme/data-platform/actions/runs/42)" in body.text
    assert body.text.rstrip().endswith("</sub>")


@pytest.mark.parametrize("limit", [65535, 20000, 3000])
def test_the_comment_respects_any_limit(limit):
    plan = Plan(tuple(_change(f"p{i}", Action.UPDATE, "🚀" * 100) for i in range(300)))
    assert gh_len(plan_comment(plan, ACTIONS, limit=limit).text) <= limit


def test_gh_len_counts_utf16_code_units():
    assert gh_len("abc") == 3 and gh_len("é") == 1 and gh_len("🚀") == 2


def _item(body: str, login: str = "github-actions[bot]", kind: str = "Bot") -> dict:
    return {"id": 1, "body": body, "user": {"login": login, "type": kind}}


@pytest.mark.parametrize("items, author, found", [
    pytest.param([_item("<!-- reconciler:plan id=default run_id=1 -->")], None, "1", id="bot-comment"),
    pytest.param([_item("<!-- reconciler:plan id=default run_id=1 -->", "mallory", "User")], None, None,
                 id="a-person-pasting-the-marker-is-ignored"),
    pytest.param([_item("<!-- reconciler:plan id=default run_id=1 -->", "ci-user", "User")], "ci-user", "1",
                 id="named-author"),
    pytest.param([_item("<!-- reconciler:plan id=default run_id=1 -->"), _item("no marker"),
                  _item("<!-- reconciler:plan id=default run_id=2 -->")], None, "2", id="newest-wins"),
    pytest.param([_item("<!-- reconciler:plan id=other run_id=1 -->")], None, None, id="other-estate"),
])
def test_find_marked(items, author, found):
    result = find_marked(items, "plan", "default", author)
    assert (result[1]["run_id"] if result else None) == found


def test_upsert_creates_then_updates_in_place(fake, gh):
    fake.add_pull_request(7)
    fake.add_comment(7, "LGTM")
    _, what = upsert_comment(gh, REPO, 7, marker("plan", "default") + "\nv1")
    assert what == "created"
    _, what = upsert_comment(gh, REPO, 7, marker("plan", "default") + "\nv2")
    assert what == "updated"
    _, what = upsert_comment(gh, REPO, 7, marker("plan", "default") + "\nv2")
    assert what == "unchanged"
    assert [c["body"].splitlines()[-1] for c in fake.comments_on(7)] == ["LGTM", "v2"]


def test_set_plan_label_keeps_exactly_one_plan_label(fake, gh):
    fake.add_pull_request(7)
    fake.add_label(7, "needs-review")
    set_plan_label(gh, REPO, 7, LABELS["destroys"])
    set_plan_label(gh, REPO, 7, LABELS["changes"])
    assert fake.labels_on(7) == ["needs-review", "reconciler:changes"]
    assert fake.repo().labels["reconciler:destroys"]["color"] == "d93f0b"


@pytest.mark.parametrize("limit", [5_000, 500, 120])
def test_fenced_within_drops_lines_from_the_end_to_fit(limit):
    from reconciler.ci.comment import fenced_within

    lines = [f"line {i} " + "🚀" * 5 for i in range(500)]
    text = fenced_within("**Applied.**", lines, limit)
    assert gh_len(text) <= limit
    assert text.startswith("**Applied.**")
    assert "more lines (see the job log)" in text and text.rstrip().endswith("```")
    assert fenced_within("head", ["a", "b"], 1000) == "head\n\n```\na\nb\n```\n"
