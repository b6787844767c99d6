"""A small GitHub REST client: the few endpoints the CI commands use, over ``HttpClient``.

Owns the endpoints (issue comments, labels, issues), pagination through ``Link`` headers, and
GitHub's error bodies turned into messages a user can act on. Retries, timeouts and the
translation of failures into ``reconciler.errors`` are ``HttpClient``'s; the token is given to
it as a secret, so it never appears in an error, a log line or a repr.

Endpoints (REST API version 2022-11-28):

    GET    /repos/{repo}/issues/{n}/comments          list_comments (paginated)
    POST   /repos/{repo}/issues/{n}/comments          create_comment
    PATCH  /repos/{repo}/issues/comments/{id}         update_comment
    POST   /repos/{repo}/labels                       ensure_label (422 "already_exists" is fine)
    GET    /repos/{repo}/issues/{n}/labels            list_labels (paginated)
    POST   /repos/{repo}/issues/{n}/labels            add_labels
    DELETE /repos/{repo}/issues/{n}/labels/{name}     remove_label (404 is fine)
    GET    /repos/{repo}/issues?labels=&state=        list_issues (paginated, pull requests left out)
    POST   /repos/{repo}/issues                       create_issue
    PATCH  /repos/{repo}/issues/{n}                   update_issue
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import quote

import httpx

from reconciler.errors import ApiError, ConfigError, ProviderContractError
from reconciler.providers.http import HttpClient, default_error_message, scheme_auth

API_VERSION = "2022-11-28"
PER_PAGE = 100
#: a safety stop: 100 pages of 100 is 10,000 comments or issues
MAX_PAGES = 100
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="([^"]+)"')


@dataclass(frozen=True)
class Label:
    name: str
    color: str
    description: str = ""


def error_message(response: httpx.Response) -> str:
    """GitHub's ``message`` plus the ``errors`` details of a 422 (``Validation Failed: ...``)."""
    try:
        doc = json.loads(response.content)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("message"), str):
        return default_error_message(response)
    details = []
    for err in doc.get("errors") or []:
        if isinstance(err, dict):
            text = err.get("message") or " ".join(str(err[k]) for k in ("resource", "field", "code") if err.get(k))
            details.append(str(text))
        elif isinstance(err, str):
            details.append(err)
    return doc["message"] + (f": {'; '.join(details)}" if details else "")


def next_link(link_header: str | None) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, if any."""
    for url, rel in _LINK.findall(link_header or ""):
        if "next" in rel.split():
            return url
    return None


def _hint(status: int | None, detail: str) -> str | None:
    if status == 401:
        return "the GitHub token is missing, expired or wrong (in a workflow: env GITHUB_TOKEN: ${{ github.token }})"
    if status == 403 and "rate limit" in detail.lower():
        return "GitHub is rate-limiting this token; wait, or run fewer jobs at once"
    if status == 403:
        return ("the token lacks a permission: give the workflow `permissions: {pull-requests: write, issues: "
                "write}` (a pull request from a fork gets a read-only token)")
    if status == 404:
        return "check the repository name and that the token can see it"
    return None


class GitHub:
    """One token's view of the GitHub REST API. Safe to share between threads."""

    def __init__(
        self,
        token: str,
        *,
        api_url: str = "https://api.github.com",
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 3,
    ) -> None:
        if not token:
            raise ConfigError("no GitHub token: set GITHUB_TOKEN",
                              hint="in a workflow step: env: GITHUB_TOKEN: ${{ github.token }}")
        self._http = HttpClient(
            provider="github",
            base_url=api_url,
            auth=scheme_auth("Bearer", token),
            headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION},
            secrets=[token],
            transport=transport,
            error_message=error_message,
            max_retries=max_retries,
            sleep=sleep,
            concurrency=4,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "GitHub":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"GitHub({self._http!r})"

    # -- plumbing -------------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, ok: Sequence[int] = (), **kw: Any) -> tuple[int, Any, str | None]:
        """(status, parsed body, next-page URL); errors carry a hint saying what to fix."""
        try:
            result = self._http.request(method, path, ok_statuses=ok, **kw)
        except ApiError as err:
            hint = _hint(err.status, err.detail)
            if hint is None:
                raise
            raise type(err)(err.detail, method=err.method, url=err.url, status=err.status, hint=hint) from None
        body = result.json() if result.body.strip() else None
        return result.status, body, next_link(result.headers.get("link"))

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        url: str | None = path
        query: dict[str, Any] | None = {**params, "per_page": PER_PAGE}
        for _ in range(MAX_PAGES):
            if url is None:
                return
            _, body, url = self._call("GET", url, params=query)
            query = None  # the next link carries the whole query
            if not isinstance(body, list):
                raise ProviderContractError(f"GitHub answered {type(body).__name__} where a list was expected",
                                            method="GET", url=path)
            yield from (item for item in body if isinstance(item, dict))

    @staticmethod
    def _repo(repo: str) -> str:
        owner, _, name = repo.partition("/")
        return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"

    # -- issue comments ---------------------------------------------------------------------------
    def list_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Every comment of issue or pull request ``number``, oldest first."""
        return list(self._pages(f"{self._repo(repo)}/issues/{number}/comments", {}))

    def create_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        return self._call("POST", f"{self._repo(repo)}/issues/{number}/comments", json={"body": body})[1]

    def update_comment(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        return self._call("PATCH", f"{self._repo(repo)}/issues/comments/{comment_id}", json={"body": body},
                          idempotent=True)[1]

    # -- labels ---------------------------------------------------------------------------------------
    def ensure_label(self, repo: str, label: Label) -> None:
        """Create ``label`` in the repository unless it exists (its colour is then left alone)."""
        self._call("POST", f"{self._repo(repo)}/labels", ok=(422,),
                   json={"name": label.name, "color": label.color, "description": label.description})

    def list_labels(self, repo: str, number: int) -> list[str]:
        """The names of the labels issue / pull request ``number`` has."""
        return [lab["name"] for lab in self._pages(f"{self._repo(repo)}/issues/{number}/labels", {}) if "name" in lab]

    def add_labels(self, repo: str, number: int, names: Sequence[str]) -> list[str]:
        """Add ``names`` to issue / pull request ``number``; returns all its labels now."""
        _, body, _ = self._call("POST", f"{self._repo(repo)}/issues/{number}/labels", json={"labels": list(names)})
        return [lab["name"] for lab in body or [] if isinstance(lab, dict) and "name" in lab]

    def remove_label(self, repo: str, number: int, name: str) -> None:
        """Remove ``name`` from ``number``; a label it does not have is not an error."""
        self._call("DELETE", f"{self._repo(repo)}/issues/{number}/labels/{quote(name, safe='')}", ok=(404,))

    # -- issues -------------------------------------------------------------------------------------------
    def list_issues(self, repo: str, *, labels: Sequence[str] = (), state: str = "open") -> list[dict[str, Any]]:
        """Issues (never pull requests) with all of ``labels``, in ``state``."""
        params: dict[str, Any] = {"state": state}
        if labels:
            params["labels"] = ",".join(labels)
        return [i for i in self._pages(f"{self._repo(repo)}/issues", params) if "pull_request" not in i]

    def create_issue(self, repo: str, title: str, body: str, labels: Sequence[str] = ()) -> dict[str, Any]:
        return self._call("POST", f"{self._repo(repo)}/issues",
                          json={"title": title, "body": body, "labels": list(labels)})[1]

    def update_issue(self, repo: str, number: int, **fields: Any) -> dict[str, Any]:
        """PATCH ``title`` / ``body`` / ``state`` (``open``|``closed``) / ``state_reason``."""
        return self._call("PATCH", f"{self._repo(repo)}/issues/{number}", json=fields, idempotent=True)[1]
