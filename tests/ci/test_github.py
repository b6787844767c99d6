"""The GitHub client against the fake: endpoints, pagination, error bodies, token hygiene."""

from __future__ import annotations

import pytest

from reconciler.ci.github import GitHub, Label, next_link
from reconciler.errors import ApiError, NotFoundError
from tests.ci.conftest import API
from tests.ci.fake_github import READONLY_TOKEN, TOKEN

REPO = "acme/data-platform"


@pytest.mark.parametrize("header, expected", [
    pytest.param('<https://x/repositories/1/issues?page=2>; rel="next", <https://x/r?page=5>; rel="last"',
                 "https://x/repositories/1/issues?page=2", id="next-then-last"),
    pytest.param('<https://x/r?page=1>; rel="first", <https://x/r?page=3>; rel="next"', "https://x/r?page=3",
                 id="next-not-first"),
    pytest.param('<https://x/r?page=1>; rel="prev"', None, id="last-page"),
    pytest.param("", None, id="no-header"),
    pytest.param(None, None, id="none"),
])
def test_next_link(header, expected):
    assert next_link(header) == expected


def test_list_comments_follows_link_headers_across_pages(fake, gh):
    fake.add_pull_request(7)
    for i in range(250):
        fake.add_comment(7, f"comment {i}")
    comments = gh.list_comments(REPO, 7)
    assert [c["body"] for c in comments] == [f"comment {i}" for i in range(250)]
    gets = [path for method, path in fake.requests if method == "GET"]
    assert gets == ["/repos/acme/data-platform/issues/7/comments",
                    f"/repositories/{fake.repo().id}/issues/7/comments",
                    f"/repositories/{fake.repo().id}/issues/7/comments"]


def test_create_and_update_a_comment(fake, gh):
    fake.add_pull_request(3)
    created = gh.create_comment(REPO, 3, "first")
    assert created["user"]["login"] == "github-actions[bot]"
    gh.update_comment(REPO, created["id"], "second")
    assert [c["body"] for c in fake.comments_on(3)] == ["second"]


def test_labels_create_add_and_remove(fake, gh):
    fake.add_pull_request(5)
    label = Label("reconciler:changes", "1d76db", "plan changes")
    gh.ensure_label(REPO, label)
    gh.ensure_label(REPO, label)  # GitHub answers 422 already_exists: fine
    assert fake.repo().labels["reconciler:changes"]["color"] == "1d76db"
    assert gh.add_labels(REPO, 5, ["reconciler:changes", "other"]) == ["reconciler:changes", "other"]
    gh.remove_label(REPO, 5, "other")
    gh.remove_label(REPO, 5, "never-there")  # 404 "Label does not exist": fine
    assert fake.labels_on(5) == ["reconciler:changes"]
    assert gh.list_labels(REPO, 5) == ["reconciler:changes"]


def test_list_issues_leaves_out_pull_requests_and_filters_by_label(fake, gh):
    fake.add_pull_request(1)
    gh.create_issue(REPO, "drift", "body", ["reconciler:drift"])
    gh.create_issue(REPO, "other", "body", ["bug"])
    found = gh.list_issues(REPO, labels=["reconciler:drift"])
    assert [i["title"] for i in found] == ["drift"]
    assert {i["title"] for i in gh.list_issues(REPO)} == {"drift", "other"}
    gh.update_issue(REPO, found[0]["number"], state="closed", state_reason="completed")
    assert gh.list_issues(REPO, labels=["reconciler:drift"]) == []
    assert [i["title"] for i in gh.list_issues(REPO, labels=["reconciler:drift"], state="closed")] == ["drift"]


@pytest.mark.parametrize("token, repo, status, cls, says, hint", [
    pytest.param("ghs_wrong_token_value", REPO, 401, ApiError, "Bad credentials", "token", id="bad-token"),
    pytest.param(READONLY_TOKEN, REPO, 403, ApiError, "Resource not accessible by integration",
                 "permissions", id="read-only-token"),
    pytest.param(TOKEN, "acme/nope", 404, NotFoundError, "Not Found", "repository name", id="unknown-repo"),
])
def test_errors_say_what_github_said_and_what_to_fix(fake, token, repo, status, cls, says, hint):
    fake.add_pull_request(1)
    with GitHub(token, api_url=API, transport=fake.transport(API), sleep=lambda s: None) as client:
        with pytest.raises(cls) as info:
            client.create_comment(repo, 1, "hello")
    err = info.value
    assert type(err) is cls and err.status == status
    assert says in str(err) and hint in str(err)
    assert token not in str(err) and token not in repr(client)


def test_a_too_long_body_is_a_422_with_githubs_reason(fake, gh):
    fake.add_pull_request(1)
    with pytest.raises(ApiError) as info:
        gh.create_comment(REPO, 1, "x" * 70000)
    assert info.value.status == 422
    assert "Validation Failed: body is too long (maximum is 65536 characters)" in str(info.value)


def test_a_server_error_on_a_read_is_retried(fake, gh):
    fake.add_pull_request(1)
    fake.fail("GET", r"/comments$", 502, "Bad Gateway")
    assert gh.list_comments(REPO, 1) == []


def test_no_token_is_a_config_error():
    from reconciler.errors import ConfigError

    with pytest.raises(ConfigError, match="GITHUB_TOKEN"):
        GitHub("", api_url=API)
