"""A small in-memory GitHub: the REST endpoints reconciler's CI commands use, answered the way
GitHub answers them, plus a Slack-style incoming webhook.

One core (``FakeGitHub.handle``), two adapters: ``transport()`` (an ``httpx.MockTransport``, no
socket) and ``serve()`` (a standard-library server on 127.0.0.1, for the CLI and subprocesses).

Faithful where our client depends on it:
- auth: ``Authorization: Bearer|token <t>``; none -> 401 "Requires authentication"; unknown ->
  401 "Bad credentials"; a read-only token writing -> 403 "Resource not accessible by integration";
- an unknown repository -> 404 "Not Found" (GitHub does not say whether it exists);
- pagination: ``per_page`` (default 30, at most 100) and ``page``; a ``Link`` header with
  ``next`` / ``last`` / ``first`` / ``prev`` pointing at ``/repositories/{id}/...`` URLs, as GitHub does;
- ``GET /repos/{r}/issues`` returns pull requests too (they carry a ``pull_request`` key);
- adding a label that does not exist creates it; creating an existing label -> 422 ``already_exists``;
  removing a label the issue lacks -> 404 "Label does not exist";
- a body over 65,536 characters -> 422 "Validation Failed" with the reason in ``errors``.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import parse_qs, quote, unquote, urlsplit

import httpx
import pytest

DOCS = "https://docs.github.com/rest"
MAX_BODY = 65536
TOKEN = "ghs_fAkEt0kEn0123456789abcdefNEVERPRINT"
READONLY_TOKEN = "ghs_re4d0nly0123456789abcdefNEVERPRINT"
BOT = "github-actions[bot]"


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, (bytes, str)):
            return self.body.encode() if isinstance(self.body, str) else self.body
        return json.dumps(self.body).encode()


@dataclass
class Repo:
    id: int
    full_name: str
    issues: dict[int, dict] = field(default_factory=dict)
    comments: dict[int, dict] = field(default_factory=dict)
    labels: dict[str, dict] = field(default_factory=dict)


def _error(status: int, message: str, **extra: Any) -> Answer:
    return Answer(status, {"message": message, "documentation_url": DOCS, "status": str(status), **extra})


def _too_long(resource: str, text: Any) -> Answer | None:
    if isinstance(text, str) and len(text) > MAX_BODY:
        return _error(422, "Validation Failed", errors=[{
            "resource": resource, "code": "custom", "field": "body",
            "message": f"body is too long (maximum is {MAX_BODY} characters)"}])
    return None


def _public(comment: dict) -> dict:
    return {k: v for k, v in comment.items() if k != "issue_number"}


class FakeGitHub:
    """Repositories, tokens and a request log. ``base_url`` is set by ``serve()`` (or any URL for
    ``transport()``)."""

    def __init__(self, repo: str = "acme/data-platform") -> None:
        self.repos: dict[str, Repo] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.webhooks: dict[str, list[Any]] = {}
        self.failures: list[tuple[str, re.Pattern, Answer]] = []
        self._ids = 1000
        self._clock = 0
        self.lock = threading.RLock()
        self.add_repo(repo)
        self.add_token(TOKEN, BOT, kind="Bot")
        self.add_token(READONLY_TOKEN, BOT, kind="Bot", write=False)

    # -- setup ---------------------------------------------------------------------------------
    def add_repo(self, full_name: str) -> Repo:
        repo = Repo(id=len(self.repos) + 4242, full_name=full_name)
        self.repos[full_name] = repo
        return repo

    def add_token(self, token: str, login: str, *, kind: str = "User", write: bool = True) -> None:
        self.tokens[token] = {"login": login, "type": kind, "write": write}

    def add_pull_request(self, number: int, *, repo: str | None = None, head_sha: str = "a" * 40,
                         title: str = "Change the specs") -> dict:
        r = self.repo(repo)
        issue = self._new_issue(r, number, title, "", [], {"login": "alice", "type": "User"})
        issue["pull_request"] = {"url": f"/repos/{r.full_name}/pulls/{number}", "head": {"sha": head_sha}}
        return issue

    def add_comment(self, number: int, body: str, *, login: str = "alice", repo: str | None = None) -> dict:
        return self._new_comment(self.repo(repo), number, body, {"login": login, "type": "User"})

    def add_label(self, number: int, name: str, *, repo: str | None = None) -> None:
        r = self.repo(repo)
        r.labels.setdefault(name, {"name": name, "color": "ededed", "description": ""})
        r.issues[number]["labels"].append(name)

    def webhook_url(self, base_url: str, name: str = "T000/B000/XXXXsecretXXXX") -> str:
        self.webhooks.setdefault(f"/hooks/{name}", [])
        return f"{base_url}/hooks/{name}"

    def fail(self, method: str, path_regex: str, status: int, message: str = "Server Error") -> None:
        """Answer the next request matching ``method`` and ``path_regex`` with ``status``."""
        self.failures.append((method, re.compile(path_regex), _error(status, message)))

    def repo(self, name: str | None = None) -> Repo:
        return self.repos[name] if name else next(iter(self.repos.values()))

    # -- views for assertions -----------------------------------------------------------------------
    def comments_on(self, number: int, repo: str | None = None) -> list[dict]:
        return [c for c in self.repo(repo).comments.values() if c["issue_number"] == number]

    def labels_on(self, number: int, repo: str | None = None) -> list[str]:
        return list(self.repo(repo).issues[number]["labels"])

    def issues(self, repo: str | None = None) -> list[dict]:
        return [i for i in self.repo(repo).issues.values() if "pull_request" not in i]

    # -- adapters ---------------------------------------------------------------------------------------
    def transport(self, base_url: str = "https://api.github.test") -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            answer = self.handle(request.method, request.url.raw_path.decode(), dict(request.headers),
                                 request.content, base_url)
            return httpx.Response(answer.status, headers=answer.headers, content=answer.encoded())

        return httpx.MockTransport(handler)

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                base = f"http://{self.headers.get('Host')}"
                answer = fake.handle(self.command, self.path, dict(self.headers.items()), body, base)
                data = answer.encoded()
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json; charset=utf-8", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()

    # -- the core -----------------------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes, base: str) -> Answer:
        with self.lock:
            parts = urlsplit(target)
            path, query = parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}
            self.requests.append((method, path))
            for i, (m, pattern, answer) in enumerate(self.failures):
                if m == method and pattern.search(path):
                    del self.failures[i]
                    return answer
            if path.startswith("/hooks/"):
                return self._webhook(path, body)
            auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
            scheme, _, token = auth.partition(" ")
            if not auth:
                return _error(401, "Requires authentication")
            if scheme.lower() not in ("bearer", "token") or token not in self.tokens:
                return _error(401, "Bad credentials")
            user = self.tokens[token]
            try:
                doc = json.loads(body) if body else None
            except ValueError:
                return _error(400, "Problems parsing JSON")
            repo, rest = self._resolve(path)
            if repo is None:
                return _error(404, "Not Found")
            if method != "GET" and not user["write"]:
                return _error(403, "Resource not accessible by integration")
            return self._route(method, repo, rest, query, doc, user, base)

    def _resolve(self, path: str) -> tuple[Repo | None, str]:
        m = re.match(r"^/repos/([^/]+)/([^/]+)(/.*)?$", path)
        if m:
            return self.repos.get(f"{unquote(m[1])}/{unquote(m[2])}"), m[3] or ""
        m = re.match(r"^/repositories/(\d+)(/.*)?$", path)
        if m:
            return next((r for r in self.repos.values() if r.id == int(m[1])), None), m[2] or ""
        return None, ""

    def _route(self, method: str, repo: Repo, rest: str, query: dict, doc: Any, user: dict, base: str) -> Answer:
        who = {"login": user["login"], "type": user["type"]}
        m = re.fullmatch(r"/issues/(\d+)/comments", rest)
        if m:
            number = int(m[1])
            if number not in repo.issues:
                return _error(404, "Not Found")
            if method == "GET":
                items = sorted((c for c in repo.comments.values() if c["issue_number"] == number),
                               key=lambda c: c["id"])
                return self._page(items, query, base, f"/repositories/{repo.id}/issues/{number}/comments")
            if method == "POST":
                if not isinstance(doc, dict) or not isinstance(doc.get("body"), str):
                    return _error(422, "Invalid request.\n\n\"body\" wasn't supplied.")
                return _too_long("IssueComment", doc["body"]) or Answer(
                    201, _public(self._new_comment(repo, number, doc["body"], who)))
        m = re.fullmatch(r"/issues/comments/(\d+)", rest)
        if m and method == "PATCH":
            comment = repo.comments.get(int(m[1]))
            if comment is None:
                return _error(404, "Not Found")
            if not isinstance(doc, dict) or not isinstance(doc.get("body"), str):
                return _error(422, "Invalid request.\n\n\"body\" wasn't supplied.")
            if (bad := _too_long("IssueComment", doc["body"])) is not None:
                return bad
            comment.update(body=doc["body"], updated_at=self._now())
            return Answer(200, _public(comment))
        if rest == "/labels" and method == "POST":
            name = (doc or {}).get("name")
            if not name:
                return _error(422, "Validation Failed", errors=[{"resource": "Label", "code": "missing_field",
                                                                  "field": "name"}])
            if name.lower() in (n.lower() for n in repo.labels):
                return _error(422, "Validation Failed", errors=[{"resource": "Label", "code": "already_exists",
                                                                  "field": "name"}])
            repo.labels[name] = {"name": name, "color": doc.get("color", "ededed"),
                                 "description": doc.get("description", "")}
            return Answer(201, repo.labels[name])
        m = re.fullmatch(r"/issues/(\d+)/labels(?:/(.+))?", rest)
        if m:
            issue = repo.issues.get(int(m[1]))
            if issue is None:
                return _error(404, "Not Found")
            if method == "GET" and m[2] is None:
                return self._page([repo.labels[n] for n in issue["labels"]], query, base,
                                  f"/repositories/{repo.id}/issues/{issue['number']}/labels")
            if method == "POST" and m[2] is None:
                names = doc.get("labels") if isinstance(doc, dict) else doc
                if not isinstance(names, list):
                    return _error(422, "Invalid request.\n\n\"labels\" wasn't supplied.")
                for name in names:
                    repo.labels.setdefault(name, {"name": name, "color": "ededed", "description": ""})
                    if name not in issue["labels"]:
                        issue["labels"].append(name)
                return Answer(200, [repo.labels[n] for n in issue["labels"]])
            if method == "DELETE" and m[2] is not None:
                name = unquote(m[2])
                if name not in issue["labels"]:
                    return _error(404, "Label does not exist")
                issue["labels"].remove(name)
                return Answer(200, [repo.labels[n] for n in issue["labels"]])
        if rest == "/issues":
            if method == "GET":
                state = query.get("state", "open")
                wanted = [w for w in query.get("labels", "").split(",") if w]
                items = [self._issue_view(repo, i) for i in sorted(repo.issues.values(), key=lambda i: -i["number"])
                         if (state == "all" or i["state"] == state) and all(w in i["labels"] for w in wanted)]
                return self._page(items, query, base, f"/repositories/{repo.id}/issues")
            if method == "POST":
                if not isinstance(doc, dict) or not doc.get("title"):
                    return _error(422, "Validation Failed", errors=[{"resource": "Issue", "code": "missing_field",
                                                                      "field": "title"}])
                if (bad := _too_long("Issue", doc.get("body"))) is not None:
                    return bad
                number = max(repo.issues, default=0) + 1
                for name in doc.get("labels") or []:
                    repo.labels.setdefault(name, {"name": name, "color": "ededed", "description": ""})
                issue = self._new_issue(repo, number, doc["title"], doc.get("body") or "",
                                        list(doc.get("labels") or []), who)
                return Answer(201, self._issue_view(repo, issue))
        m = re.fullmatch(r"/issues/(\d+)", rest)
        if m:
            issue = repo.issues.get(int(m[1]))
            if issue is None:
                return _error(404, "Not Found")
            if method == "GET":
                return Answer(200, self._issue_view(repo, issue))
            if method == "PATCH":
                doc = doc or {}
                if (bad := _too_long("Issue", doc.get("body"))) is not None:
                    return bad
                if doc.get("state") not in (None, "open", "closed"):
                    return _error(422, "Validation Failed", errors=[{"resource": "Issue", "code": "invalid",
                                                                      "field": "state"}])
                for key in ("title", "body", "state", "state_reason"):
                    if key in doc:
                        issue[key] = doc[key]
                issue["updated_at"] = self._now()
                issue["closed_at"] = self._now() if issue["state"] == "closed" else None
                return Answer(200, self._issue_view(repo, issue))
        return _error(404, "Not Found")

    # -- helpers ------------------------------------------------------------------------------------------
    def _now(self) -> str:
        self._clock += 1
        return f"2026-11-22T10:{self._clock // 60 % 60:02d}:{self._clock % 60:02d}Z"

    def _new_issue(self, repo: Repo, number: int, title: str, body: str, labels: list[str], user: dict) -> dict:
        issue = {"number": number, "title": title, "body": body, "state": "open", "state_reason": None,
                 "labels": labels, "user": user, "created_at": self._now(), "updated_at": self._now(),
                 "closed_at": None, "html_url": f"https://github.test/{repo.full_name}/issues/{number}"}
        repo.issues[number] = issue
        return issue

    def _issue_view(self, repo: Repo, issue: dict) -> dict:
        return {**issue, "labels": [repo.labels.get(n, {"name": n}) for n in issue["labels"]]}

    def _new_comment(self, repo: Repo, number: int, body: str, user: dict) -> dict:
        self._ids += 1
        comment = {"id": self._ids, "node_id": f"IC_{self._ids}", "issue_number": number, "body": body,
                   "user": user, "created_at": self._now(), "updated_at": self._now(),
                   "author_association": "NONE",
                   "html_url": f"https://github.test/{repo.full_name}/pull/{number}#issuecomment-{self._ids}"}
        repo.comments[self._ids] = comment
        return comment

    def _page(self, items: list[dict], query: dict, base: str, link_path: str) -> Answer:
        try:
            per_page = min(100, max(1, int(query.get("per_page", 30))))
            page = max(1, int(query.get("page", 1)))
        except ValueError:
            return _error(422, "Validation Failed")
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        keep = {k: v for k, v in query.items() if k not in ("page", "per_page")}

        def url(p: int) -> str:
            extra = "".join(f"&{k}={quote(str(v), safe=',')}" for k, v in keep.items())
            return f"<{base}{link_path}?per_page={per_page}&page={p}{extra}>"

        links = []
        if page < last:
            links += [f'{url(page + 1)}; rel="next"', f'{url(last)}; rel="last"']
        if page > 1:
            links += [f'{url(1)}; rel="first"', f'{url(page - 1)}; rel="prev"']
        return Answer(200, [_public(i) for i in chunk],
                      {"Link": ", ".join(links)} if links else {})

    def _webhook(self, path: str, body: bytes) -> Answer:
        if path not in self.webhooks:
            return Answer(404, "no_service", {"Content-Type": "text/plain"})
        try:
            doc = json.loads(body)
        except ValueError:
            return Answer(400, "invalid_payload", {"Content-Type": "text/plain"})
        if not isinstance(doc, dict) or not (doc.get("text") or doc.get("blocks")):
            return Answer(400, "no_text", {"Content-Type": "text/plain"})
        self.webhooks[path].append(doc)
        return Answer(200, "ok", {"Content-Type": "text/plain"})


@pytest.fixture
def github():
    """A fake GitHub served on 127.0.0.1: ``(fake, base_url)``."""
    fake = FakeGitHub()
    with fake.serve() as base_url:
        yield fake, base_url
