"""A Slack-compatible drift message (``{"text": ..., "blocks": [...]}``) and posting it.

The same payload works for Slack incoming webhooks and for the services that accept Slack's
format (Mattermost, Rocket.Chat, Discord's ``/slack`` endpoint). A webhook URL is a secret (its
path is the credential): it is handed to ``HttpClient`` as one, so errors show ``***``.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import httpx

from reconciler.ci.drift_report import changed_fields, headline, what_happened, who_when
from reconciler.ci.triage import DriftReport
from reconciler.errors import ApiError, ConfigError
from reconciler.providers.http import HttpClient

#: Slack's limits: a header's text, a section's text, blocks per message
HEADER_MAX, SECTION_MAX = 150, 3000
LINES_SHOWN = 15


def escape(text: str) -> str:
    """Slack mrkdwn's three control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def slack_message(report: DriftReport, *, issue_url: str | None = None, run_url: str | None = None,
                  resolved: bool = False, scope: str = "") -> dict[str, Any]:
    """The message for ``report``; ``resolved`` when an open drift issue was just closed."""
    where = f" ({scope})" if scope else ""
    title = ("Drift resolved" + where + ": the managed objects match the last applied state again"
             if resolved and not report.alarm else headline(report) + where)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": _cut(title, HEADER_MAX)}}]
    lines = []
    for d in report.alarms[:LINES_SHOWN]:
        sign = "-" if d.kind == "deleted" else "~"
        fields = ", ".join(changed_fields(d)[:5])
        who = who_when(d)
        line = f"• `{sign}` *{escape(str(d.address))}* {what_happened(d)}"
        lines.append(line + (f": {escape(fields)}" if fields else "") + (f" _({escape(who)})_" if who else ""))
    if len(report.alarms) > LINES_SHOWN:
        lines.append(f"… and {len(report.alarms) - LINES_SHOWN} more")
    if lines:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut("\n".join(lines), SECTION_MAX)}})
    c = report.counts()
    labels = (("acknowledged", "acknowledged"), ("expired", "acknowledgement(s) expired"),
              ("info", "unmanaged-only (info)"))
    facts = [f"{c[k]} {label}" for k, label in labels if c[k]]
    links = [f"<{url}|{label}>" for url, label in ((issue_url, "issue"), (run_url, "run")) if url]
    context = " · ".join(facts + links)
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(context, SECTION_MAX)}]})
    text = title + (f" {issue_url}" if issue_url else (f" {run_url}" if run_url else ""))
    return {"text": text, "blocks": blocks}


def post(url: str, payload: dict[str, Any], *, transport: httpx.BaseTransport | None = None,
         sleep: Callable[[float], None] = time.sleep) -> None:
    """POST ``payload`` as JSON to ``url``. Raises ``ConfigError`` for a bad URL, ``ApiError`` /
    ``TransportError`` (URL redacted) when it was not accepted."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError("the webhook URL is not an http(s) URL", hint="check --webhook / RECONCILER_DRIFT_WEBHOOK")
    origin = f"{parsed.scheme}://{parsed.netloc.decode()}"
    secrets = [url, parsed.raw_path.decode(), parsed.path] + ([parsed.query.decode()] if parsed.query else [])
    with HttpClient(provider="webhook", base_url=origin, secrets=[s for s in secrets if len(s) > 1],
                    transport=transport, sleep=sleep, max_retries=3) as http:
        try:
            http.post(url, json=payload, headers={"Accept": "*/*"})
        except ApiError as err:
            raise type(err)(err.detail, method=err.method, url=err.url, status=err.status,
                            hint="check the webhook URL (--webhook / RECONCILER_DRIFT_WEBHOOK)") from None
