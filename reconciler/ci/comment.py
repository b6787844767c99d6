"""The pull-request plan comment: one comment per pull request, kept current in place.

Owns the comment's hidden marker (``<!-- reconciler:plan id=... run_id=... sha=... -->``, how
the comment is found again on the next push and how the merge job learns which run's plan was
reviewed), its size (GitHub refuses a body over 65,535 characters, counted in UTF-16 code units
here to be safe; when the plan does not fit, the comment says where the rest is: the job
summary and the plan artifact), the notice that replaces it when planning failed, the one label
that classifies the plan (no changes / changes / destroys), and fitting a fenced block of lines
into a size limit.

A comment is ours only if it carries the marker *and* was written by a bot account (the
workflow's ``GITHUB_TOKEN``), or by ``author`` when one is given (a personal token's user), so
a person pasting the marker into a comment cannot steer which plan is applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from reconciler.ci.actions import ActionsEnv
from reconciler.ci.github import GitHub, Label
from reconciler.plan.model import Plan
from reconciler.plan.render_markdown import fenced
from reconciler.plan.render import render_plan

#: GitHub's limit for an issue or comment body
COMMENT_MAX = 65535
DEFAULT_ID = "default"
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_MARKER = re.compile(r"<!-- reconciler:(?P<kind>[a-z-]+)(?P<meta>(?: [a-z_]+=[A-Za-z0-9_.:/-]*)*) -->")

LABELS = {
    "no-changes": Label("reconciler:no-changes", "0e8a16", "reconciler plan: nothing to change"),
    "changes": Label("reconciler:changes", "1d76db", "reconciler plan: creates or updates, destroys nothing"),
    "destroys": Label("reconciler:destroys", "d93f0b", "reconciler plan: deletes or replaces objects"),
}


def gh_len(text: str) -> int:
    """Length as GitHub counts it at worst (UTF-16 code units: an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def check_id(comment_id: str) -> str:
    if not _ID.match(comment_id):
        raise ValueError(f"comment id {comment_id!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    return comment_id


def marker(kind: str, comment_id: str, **meta: str | None) -> str:
    """The hidden first line of a comment or issue body. A value that is not a plain token
    (letters, digits, ``_.:/-``) is left out, so nothing can close the HTML comment early."""
    parts = [f"id={check_id(comment_id)}"]
    for key, value in meta.items():
        if value is not None and re.fullmatch(r"[A-Za-z0-9_.:/-]+", str(value)):
            parts.append(f"{key}={value}")
    return f"<!-- reconciler:{kind} {' '.join(parts)} -->"


def parse_marker(body: str, kind: str, comment_id: str) -> dict[str, str] | None:
    """The marker's fields if ``body`` carries the ``kind`` marker of ``comment_id``."""
    for m in _MARKER.finditer(body or ""):
        if m["kind"] != kind:
            continue
        meta = dict(item.split("=", 1) for item in m["meta"].split())
        if meta.get("id") == comment_id:
            return meta
    return None


def is_ours(item: Mapping[str, Any], author: str | None) -> bool:
    user = item.get("user") or {}
    return user.get("login") == author if author else user.get("type") == "Bot"


def find_marked(items: Iterable[Mapping[str, Any]], kind: str, comment_id: str,
                author: str | None) -> tuple[Mapping[str, Any], dict[str, str]] | None:
    """The newest comment / issue carrying our marker (and written by us), with its marker fields."""
    found = None
    for item in items:
        meta = parse_marker(str(item.get("body") or ""), kind, comment_id)
        if meta is not None and is_ours(item, author):
            found = (item, meta)
    return found


def plan_label(plan: Plan) -> Label:
    if any(c.action.destructive for c in plan.changes):
        return LABELS["destroys"]
    return LABELS["changes"] if plan.has_changes() else LABELS["no-changes"]


@dataclass(frozen=True)
class CommentBody:
    text: str
    #: the plan did not fit: the comment points at the job summary and the artifact
    truncated: bool


def _markdown_within(plan: Plan, chars: int) -> str:
    """The markdown plan in at most ``chars`` UTF-16 code units (the renderer counts code points)."""
    cap = chars
    for _ in range(8):
        text = render_plan(plan, "markdown", max_chars=max(cap, 0))
        if gh_len(text) <= chars:
            return text
        cap = int(cap * chars / gh_len(text)) - 16
    return render_plan(plan, "markdown", max_chars=max(0, chars // 2))


def plan_comment(plan: Plan, actions: ActionsEnv, *, comment_id: str = DEFAULT_ID,
                 limit: int = COMMENT_MAX) -> CommentBody:
    """The comment for ``plan``: marker, title, the markdown plan (within ``limit``), footer."""
    sha = actions.head_sha
    head = marker("plan", comment_id, run_id=actions.run_id, sha=sha) + "\n"
    head += "### reconciler plan" + (f" (`{comment_id}`)" if comment_id != DEFAULT_ID else "") + "\n\n"
    facts = []
    if sha:
        facts.append(f"commit `{sha[:12]}`")
    if actions.run_url:
        facts.append(f"[run {actions.run_id}]({actions.run_url})")
    foot = "\n---\n<sub>" + " · ".join(["updated by `reconciler ci comment`", *facts]) + "</sub>\n"
    where = (f"the [job summary]({actions.run_url})" if actions.run_url else "the job summary")
    pointer = (f"\n> [!NOTE]\n> The plan is too long for one comment. The full plan is in {where} "
               "and in the run's plan artifact (`plan.json`).\n")
    full = render_plan(plan, "markdown", max_chars=limit)
    if gh_len(head + full + foot) <= limit and "_Truncated:" not in full:
        return CommentBody(head + full + foot, False)
    room = limit - gh_len(head + foot + pointer) - 8
    return CommentBody(head + _markdown_within(plan, room) + pointer + foot, True)


def failed_comment(actions: ActionsEnv, *, comment_id: str = DEFAULT_ID) -> str:
    """The comment that replaces the plan when planning failed: it names no run, so nothing can
    be applied from it, and it says where the error is."""
    sha = actions.head_sha
    where = f"the [run log]({actions.run_url})" if actions.run_url else "the job log"
    return (marker("plan", comment_id, sha=sha) + "\n### reconciler plan"
            + (f" (`{comment_id}`)" if comment_id != DEFAULT_ID else "") + "\n\n"
            + f"**The plan failed**{f' for commit `{sha[:12]}`' if sha else ''}: see {where}. "
            "Nothing can be applied from this pull request until a plan succeeds.\n")


def upsert_comment(gh: GitHub, repo: str, number: int, body: str, *, kind: str = "plan",
                   comment_id: str = DEFAULT_ID, author: str | None = None,
                   create: bool = True) -> tuple[Mapping[str, Any] | None, str]:
    """Update our marked comment on ``number`` in place, or create it (if ``create``). Returns
    (comment, what was done: ``created`` | ``updated`` | ``unchanged`` | ``skipped``)."""
    found = find_marked(gh.list_comments(repo, number), kind, comment_id, author)
    if found is None:
        return (gh.create_comment(repo, number, body), "created") if create else (None, "skipped")
    comment, _ = found
    if comment.get("body") == body:
        return comment, "unchanged"
    return gh.update_comment(repo, int(comment["id"]), body), "updated"


def clear_plan_labels(gh: GitHub, repo: str, number: int, labels: Iterable[str]) -> None:
    """Remove every plan label from ``number`` (``labels``: the ones it has now)."""
    for label in LABELS.values():
        if label.name in labels:
            gh.remove_label(repo, number, label.name)


def set_plan_label(gh: GitHub, repo: str, number: int, label: Label) -> None:
    """Give ``number`` the label ``label`` and none of the other plan labels."""
    gh.ensure_label(repo, label)
    current = gh.add_labels(repo, number, [label.name])
    for other in LABELS.values():
        if other.name != label.name and other.name in current:
            gh.remove_label(repo, number, other.name)


def fenced_within(head: str, lines: list[str], limit: int, measure: Callable[[str], int] = gh_len) -> str:
    """``head`` and ``lines`` in a fenced block, dropping lines from the end until it fits."""
    keep = len(lines)
    while True:
        shown = lines[:keep] + ([f"… {len(lines) - keep} more lines (see the job log)"] if keep < len(lines) else [])
        text = head + ("\n\n" + fenced(shown) if shown else "\n")
        if measure(text) <= limit or keep == 0:
            return text if measure(text) <= limit else text[:max(0, limit)]
        keep = max(0, min(keep - 1, keep * limit // max(1, measure(text))))
