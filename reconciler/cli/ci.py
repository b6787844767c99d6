"""``reconciler ci ...``: the commands the ready-made GitHub Actions workflows run.

    ci plan --out FILE          plan; save it with its fingerprints (and markdown) for the artifact
    ci comment [--plan FILE]    the sticky pull-request comment, its label, the job summary
    ci reviewed-run             which run's plan the pull request's comment showed (for the download)
    ci apply-reviewed FILE      re-plan, compare with what was reviewed, apply only if the same
    ci drift-report             drift with acknowledgements (drift-ack.yaml) applied; exit 2 on alarm
    ci drift-issue              the same, kept in one GitHub issue (and/or a Slack-style webhook)
    ci drift-ack-check [FILE]   validate drift-ack.yaml (the pre-commit hook)
    ci stacks                   the stacks to fan out over (all, changed since a ref, or reviewed)

With ``--stack NAME`` (``RECONCILER_STACK``), each command runs on that stack, and ``--id``
defaults to the stack's name: one plan comment, reviewed plan and drift issue per stack.

Thin like every command: options in, engine and ``reconciler.ci`` calls, output, exit code.
GitHub is reached with the token in ``$GITHUB_TOKEN`` (never an option, so never in a process
list) at ``$GITHUB_API_URL``; the repository, pull request and run come from the ``GITHUB_*``
variables Actions sets, or from ``--repo`` / ``--pr``.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import click

from reconciler.ci import ack as ack_mod
from reconciler.ci import webhook
from reconciler.ci.actions import ActionsEnv
from reconciler.ci.comment import (
    COMMENT_MAX, DEFAULT_ID, check_id, clear_plan_labels, failed_comment, fenced_within, find_marked, gh_len, marker,
    plan_comment, plan_label, set_plan_label, upsert_comment,
)
from reconciler.ci.drift_issue import sync_issue
from reconciler.ci.drift_report import render_markdown as render_report_markdown
from reconciler.ci.drift_report import render_report
from reconciler.ci.github import GitHub
from reconciler.ci.review import Ignore, ReviewRecord, account, compare, fingerprints_path, load_reviewed, \
    summarize, write_record
from reconciler.ci.triage import DriftReport, triage
from reconciler.cli.progress import CliHooks
from reconciler.cli.stacks import stacks_file
from reconciler.errors import PlanError, ReconcilerError, StalePlanError
from reconciler.plan.model import Drift, Plan
from reconciler.plan.render import render_ledger, render_plan, use_color
from reconciler.stack_changes import changed_stacks
from reconciler.workspace import DEFAULT_PARALLELISM, PARALLELISM_HELP, Workspace

TOKEN_ENV = "GITHUB_TOKEN"


def register(cli: click.Group) -> None:
    """Add the ``ci`` group to the ``reconciler`` command line (idempotent)."""
    cli.add_command(ci)


@click.group("ci")
def ci() -> None:
    """Team workflow on GitHub: plan comments, applying what was reviewed, drift issues."""


# ---------------------------------------------------------------- shared plumbing


def _workspace(ctx: click.Context, parallelism: int) -> Workspace:
    ws = ctx.find_object(Workspace)
    if ws is None:  # the group run on its own (tests, embedding): the CLI's defaults
        ws = Workspace(specs_path=os.environ.get("RECONCILER_SPECS") or "specs",
                       state_location=os.environ.get("RECONCILER_STATE") or "state/default.json")
    if parallelism < 1:
        raise click.BadParameter("must be at least 1", param_hint="--parallelism")
    return replace(ws, parallelism=parallelism)


def _github(actions: ActionsEnv) -> GitHub:
    return GitHub(os.environ.get(TOKEN_ENV, ""), api_url=actions.api_url)


def _out(text: str) -> None:
    click.echo(text, nl=not text.endswith("\n"))


def _comment_id(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    if value is None:  # one comment (reviewed plan, drift issue) per stack
        ws = ctx.find_object(Workspace)
        value = ws.stack.name if ws is not None and ws.stack is not None else DEFAULT_ID
    try:
        return check_id(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def _github_options(fn):
    fn = click.option("--author", envvar="RECONCILER_COMMENT_AUTHOR", default=None,
                      help="Login that writes reconciler's comments (default: any bot account, as the "
                           "workflow token is); set it when the token is a person's.")(fn)
    fn = click.option("--id", "comment_id", default=None, callback=_comment_id,
                      help="Tells apart several reconciler estates commenting in one repository "
                           f"[default: the stack's name with --stack, else {DEFAULT_ID}].")(fn)
    fn = click.option("--repo", default=None, help="OWNER/NAME [default: $GITHUB_REPOSITORY]")(fn)
    return fn


def _pr_option(fn):
    return click.option("--pr", type=int, default=None,
                        help="Pull request number [default: from the event in $GITHUB_EVENT_PATH]")(fn)


_PARALLELISM = click.option("--parallelism", type=int, default=DEFAULT_PARALLELISM, show_default=True,
                            help=PARALLELISM_HELP)
_CASCADE = click.option("--allow-cascade", is_flag=True,
                        help="Accept deletes that take unplanned objects with them (as `plan --allow-cascade`).")


def _save(plan: Plan, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(plan.to_json(), fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)


def _load_plan(path: str) -> Plan:
    try:
        with open(path, encoding="utf-8") as fh:
            return Plan.from_json(json.load(fh))
    except FileNotFoundError:
        raise PlanError(f"plan file {path} does not exist",
                        hint="make one with `reconciler ci plan --out FILE`") from None
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise PlanError(f"{path} is not a reconciler plan file: {err}") from None


# ---------------------------------------------------------------- pull requests


@ci.command("plan")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Save the plan here (plan.json); plan.fingerprints.json and plan.md are written beside it.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes.")
@_CASCADE
@_PARALLELISM
@click.pass_context
def plan_cmd(ctx: click.Context, out: str, detailed_exitcode: bool, allow_cascade: bool, parallelism: int) -> int:
    """Plan and save the plan, its fingerprints and its markdown (the pull request's artifact)."""
    actions = ActionsEnv.from_env()
    plan = _workspace(ctx, parallelism).plan(allow_cascade=allow_cascade)
    path = Path(out)
    _save(plan, path)
    write_record(ReviewRecord.of(plan, commit=actions.head_sha, run_url=actions.run_url), fingerprints_path(path))
    path.with_suffix(".md").write_text(render_plan(plan, "markdown", max_chars=10_000_000), encoding="utf-8")
    _out(render_plan(plan, "text", color=use_color(sys.stdout)))
    click.echo(f"Saved the plan to {out} with {fingerprints_path(path).name} ({summarize(ReviewRecord.of(plan))}).",
               err=True)
    actions.set_output("plan", str(path))
    actions.set_output("has_changes", "true" if plan.has_changes() else "false")
    actions.set_output("label", plan_label(plan).name)
    return 2 if detailed_exitcode and plan.has_changes() else 0


@ci.command("comment")
@click.option("--plan", "planfile", type=click.Path(dir_okay=False),
              help="A plan saved by `ci plan --out` [default: plan now].")
@click.option("--label/--no-label", default=True, show_default=True,
              help="Label the pull request reconciler:no-changes / :changes / :destroys.")
@click.option("--summary/--no-summary", default=True, show_default=True,
              help="Also write the full plan to the job summary ($GITHUB_STEP_SUMMARY).")
@click.option("--skip-no-changes", is_flag=True,
              help="With no changes and no comment yet, only label (post no comment).")
@click.option("--failed", is_flag=True,
              help="The plan step failed: replace the plan comment by a notice (run it `if: failure()`).")
@_github_options
@_pr_option
@_CASCADE
@_PARALLELISM
@click.pass_context
def comment_cmd(ctx, planfile, label, summary, skip_no_changes, failed, repo, comment_id, author, pr, allow_cascade,
                parallelism) -> int:
    """Post the plan as one pull-request comment, updated in place on every push."""
    actions = ActionsEnv.from_env()
    repo, number = actions.require_repository(repo), actions.require_pr(pr)
    if failed:
        with _github(actions) as gh:
            comment, what = upsert_comment(gh, repo, number, failed_comment(actions, comment_id=comment_id),
                                           comment_id=comment_id, author=author)
            if label:
                clear_plan_labels(gh, repo, number, gh.list_labels(repo, number))
        click.echo(f"Replaced the plan comment on {repo}#{number} by a notice that the plan failed.")
        return 0
    plan = _load_plan(planfile) if planfile else _workspace(ctx, parallelism).plan(allow_cascade=allow_cascade)
    if summary:
        actions.write_summary_fitting(lambda cap: "## reconciler plan\n\n" + render_plan(plan, "markdown",
                                                                                           max_chars=cap - 40))
    body = plan_comment(plan, actions, comment_id=comment_id)
    with _github(actions) as gh:
        comment, what = upsert_comment(gh, repo, number, body.text, comment_id=comment_id, author=author,
                                       create=plan.has_changes() or not skip_no_changes)
        url = comment.get("html_url") if comment else None
        chosen = plan_label(plan)
        if label:
            set_plan_label(gh, repo, number, chosen)
    verb = {"created": "Posted", "updated": "Updated", "unchanged": "Unchanged:", "skipped": "No comment (no changes);"}
    click.echo(f"{verb[what]} the plan comment on {repo}#{number}" + (f": {url}" if url else "")
               + (" (truncated; the full plan is in the job summary)" if body.truncated else "")
               + (f"; label {chosen.name}" if label else "") + ".")
    if url:
        actions.set_output("comment_url", url)
    actions.set_output("label", chosen.name)
    return 0


@ci.command("reviewed-run")
@click.option("--sha", default=None, help="The commit that was merged [default: the event's head commit].")
@_github_options
@_pr_option
def reviewed_run_cmd(sha, repo, comment_id, author, pr) -> int:
    """Print the run id whose plan the pull request's comment shows (and set output run_id)."""
    actions = ActionsEnv.from_env()
    repo, number = actions.require_repository(repo), actions.require_pr(pr)
    sha = sha or actions.head_sha
    with _github(actions) as gh:
        found = find_marked(gh.list_comments(repo, number), "plan", comment_id, author)
    if found is None:
        raise PlanError(f"{repo}#{number} has no plan comment from reconciler, so there is no reviewed plan",
                        hint="the plan workflow must have run on the pull request (see docs/ci.md)")
    _, meta = found
    if not meta.get("run_id"):
        raise PlanError(f"the plan comment on {repo}#{number} names no run (it was not posted from Actions)")
    if sha and meta.get("sha") and meta["sha"] != sha:
        raise StalePlanError(
            f"the plan comment on {repo}#{number} is for commit {meta['sha'][:12]}, but {sha[:12]} was merged: "
            "the last push was never planned, so nothing reviewed can be applied",
            hint="re-run the plan on a new pull request with these specs and review it")
    click.echo(meta["run_id"])
    actions.set_output("run_id", meta["run_id"])
    if meta.get("sha"):
        actions.set_output("sha", meta["sha"])
    return 0


# ---------------------------------------------------------------- merge


@ci.command("apply-reviewed")
@click.argument("planfile", type=click.Path(dir_okay=False))
@click.option("--ignore-field", "ignore", multiple=True,
              help="A desired field that may differ from the review: FIELD or TYPE.NAME.FIELD (repeatable).")
@click.option("--comment/--no-comment", default=False, show_default=True,
              help="Also post the outcome as a comment on the pull request.")
@_github_options
@_pr_option
@_CASCADE
@_PARALLELISM
@click.pass_context
def apply_reviewed_cmd(ctx, planfile, ignore, comment, repo, comment_id, author, pr, allow_cascade,
                       parallelism) -> int:
    """Re-plan, and apply only if the plan is the one that was reviewed (PLANFILE, from the PR)."""
    try:
        rules = [Ignore.parse(text) for text in ignore]
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--ignore-field") from None
    actions = ActionsEnv.from_env()
    if comment:  # fail before planning, not after applying
        repo, pr = actions.require_repository(repo), actions.require_pr(pr)
        _github(actions).close()
    reviewed, reviewed_plan = load_reviewed(planfile)
    ws = _workspace(ctx, parallelism)
    fresh = ws.plan(allow_cascade=allow_cascade)
    differences = compare(reviewed, ReviewRecord.of(fresh), ignore=rules, reviewed_plan=reviewed_plan,
                          fresh_plan=fresh)
    color = use_color(sys.stdout)
    if not fresh.has_changes():
        note = "Nothing to apply: the specs and the live objects already agree."
        if reviewed.changes:
            note += f" (The reviewed plan had {summarize(reviewed)}; they are no longer needed.)"
        click.echo(note)
        _report(actions, comment, repo, pr, comment_id, f"**Nothing to apply.** {note}", [])
        return 0
    if differences:
        message = account(differences, reviewed)
        _report(actions, comment, repo, pr, comment_id,
                "**Apply refused:** the plan differs from the one reviewed; nothing was applied.",
                [str(d) for d in differences])
        raise StalePlanError(message, hint="open a pull request with these specs so that the current plan "
                                            "is reviewed (`reconciler plan` shows it)")
    click.echo(f"The plan matches the reviewed plan ({summarize(reviewed)}). Applying.")
    _out(render_plan(fresh, "text", color=color))
    try:
        result = ws.apply(fresh, hooks=CliHooks(sys.stderr, color=use_color(sys.stderr)))
    except ReconcilerError as err:
        ledger = getattr(getattr(err, "ledger", None), "ledger", None)
        text = render_ledger(list(ledger)) if ledger else str(err)
        if ledger:
            _out(render_ledger(list(ledger), color=color))
        _report(actions, comment, repo, pr, comment_id, "**Apply failed.**", text.splitlines())
        raise
    ledger_text = render_ledger(list(result.ledger))
    _out(render_ledger(list(result.ledger), color=color))
    _report(actions, comment, repo, pr, comment_id, "**Applied the reviewed plan.**", ledger_text.splitlines())
    return 0


def _report(actions: ActionsEnv, comment: bool, repo: str | None, pr: int | None, comment_id: str,
            headline: str, lines: list[str]) -> None:
    """The apply outcome (``headline`` and a block of ``lines``) to the job summary, and as a new
    pull-request comment if asked."""
    actions.write_summary_fitting(lambda cap: fenced_within("## reconciler apply\n\n" + headline, lines, cap,
                                                              len))
    if not comment:
        return
    repo, number = actions.require_repository(repo), actions.require_pr(pr)
    head = marker("apply", comment_id, run_id=actions.run_id) + "\n### reconciler apply\n\n" + headline
    foot = f"\n<sub>[run {actions.run_id}]({actions.run_url})</sub>\n" if actions.run_url else ""
    body = fenced_within(head, lines, COMMENT_MAX - gh_len(foot), gh_len) + foot
    with _github(actions) as gh:
        gh.create_comment(repo, number, body)


# ---------------------------------------------------------------- drift


def _today(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return datetime.now(timezone.utc).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _drift_options(fn):
    fn = click.option("--today", default=None, callback=_today, metavar="YYYY-MM-DD",
                      help="Judge acknowledgement expiry as of this day [default: today, UTC].")(fn)
    fn = click.option("--from", "source", type=click.Path(dir_okay=False),
                      help="Read the drift from this JSON (`reconciler drift --format json` or a JSON "
                           "plan) instead of checking now.")(fn)
    fn = click.option("--ack", "ack_path", type=click.Path(dir_okay=False),
                      help="Acknowledged drift [default: drift-ack.yaml beside the specs directory].")(fn)
    return _PARALLELISM(fn)


def _drift_report(ctx: click.Context, ack_path: str | None, source: str | None, today: date,
                  parallelism: int) -> DriftReport:
    ws = _workspace(ctx, parallelism)
    path = ack_path or str(ack_mod.default_path(ws.specs_path))
    acks = ack_mod.load_acks(path, required=ack_path is not None)
    if source:
        drift, stats = _read_drift(source)
    else:
        result = ws.drift()
        drift, stats = result.drift, result.stats
    return triage(drift, acks, today, stats or None)


def _read_drift(path: str) -> tuple[tuple[Drift, ...], dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        items = doc["drift"] if "drift" in doc else doc["resource_drift"]
        return tuple(Drift.from_json(d) for d in items), doc.get("stats") or {}
    except FileNotFoundError:
        raise PlanError(f"drift file {path} does not exist") from None
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise PlanError(f"{path} is not a drift report or plan in JSON: {err}",
                        hint="make it with `reconciler drift --format json`") from None


@ci.command("drift-report")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--detailed-exitcode/--no-detailed-exitcode", default=True, show_default=True,
              help="Exit 2 when an alarm remains after acknowledgements.")
@_drift_options
@click.pass_context
def drift_report_cmd(ctx, fmt, detailed_exitcode, ack_path, source, today, parallelism) -> int:
    """Drift with drift-ack.yaml applied: alarms, acknowledged (and why), expired, info."""
    report = _drift_report(ctx, ack_path, source, today, parallelism)
    _out(render_report(report, fmt))
    return 2 if detailed_exitcode and report.alarm else 0


@ci.command("drift-ack-check")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--today", default=None, callback=_today, metavar="YYYY-MM-DD",
              help="Judge expiry as of this day [default: today, UTC].")
@click.pass_context
def drift_ack_check_cmd(ctx, files, today) -> int:
    """Validate drift-ack.yaml file(s) [default: the one beside the specs]. No network."""
    if not files:
        ws = ctx.find_object(Workspace)
        files = (str(ack_mod.default_path(ws.specs_path if ws else os.environ.get("RECONCILER_SPECS") or "specs")),)
    for path in files:
        acks = ack_mod.load_acks(path, required=True)
        expired = [a for a in acks if a.expired(today)]
        click.echo(f"{path}: {len(acks)} entr{'y' if len(acks) == 1 else 'ies'} valid"
                   + (f"; {len(expired)} expired (their drift alarms again): "
                      + ", ".join(f"{a.target} ({a.location})" for a in expired) if expired else "") + ".")
    return 0


@ci.command("drift-issue")
@click.option("--issue/--no-issue", default=True, show_default=True,
              help="Keep one GitHub issue open while there is drift.")
@click.option("--webhook", "webhook_url", envvar="RECONCILER_DRIFT_WEBHOOK", default=None, metavar="URL",
              help="Also post a Slack-compatible message (env RECONCILER_DRIFT_WEBHOOK): when the issue opens, "
                   "its alarms change or it closes; without --issue, whenever there is an alarm.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when an alarm remains after acknowledgements.")
@_github_options
@_drift_options
@click.pass_context
def drift_issue_cmd(ctx, issue, webhook_url, detailed_exitcode, repo, comment_id, author,
                    ack_path, source, today, parallelism) -> int:
    """Check drift and keep one GitHub issue (and/or a chat webhook) in step with it."""
    actions = ActionsEnv.from_env()
    if not issue and not webhook_url:
        raise click.UsageError("--no-issue needs --webhook URL (or RECONCILER_DRIFT_WEBHOOK): nowhere to report")
    gh = _github(actions) if issue else None  # a missing token fails before the drift check
    if issue:
        repo = actions.require_repository(repo)
    report = _drift_report(ctx, ack_path, source, today, parallelism)
    _out(render_report(report, "text"))
    actions.write_summary_fitting(lambda cap: "## reconciler drift\n\n" + render_report_markdown(report, cap - 40))
    actions.set_output("alarm", "true" if report.alarm else "false")
    notify, issue_url, resolved = report.alarm, None, False
    if gh is not None:
        with gh:
            outcome = sync_issue(gh, repo, report, issue_id=comment_id, run_url=actions.run_url, author=author)
        notify, issue_url, resolved = outcome.changed, outcome.url, outcome.action == "closed"
        said = {"opened": "Opened", "updated": "Updated", "unchanged": "Unchanged:", "closed": "Closed",
                "none": "No drift issue needed"}[outcome.action]
        click.echo(f"{said} drift issue" + (f" #{outcome.number}" if outcome.number else "")
                   + (f": {outcome.url}" if outcome.url else "") + ".")
        actions.set_output("issue_action", outcome.action)
        if outcome.number:
            actions.set_output("issue_number", str(outcome.number))
    if webhook_url and notify:
        scope = comment_id if comment_id != DEFAULT_ID else ""
        webhook.post(webhook_url, webhook.slack_message(report, issue_url=issue_url, run_url=actions.run_url,
                                                        resolved=resolved, scope=scope))
        click.echo("Posted the drift message to the webhook.")
    return 2 if detailed_exitcode and report.alarm else 0


# ---------------------------------------------------------------- stacks


@ci.command("stacks")
@click.option("--changed-since", metavar="GIT_REF",
              help="Only the stacks that changes since GIT_REF touch (a pull request: its base commit).")
@click.option("--reviewed", is_flag=True,
              help="Only the stacks whose plan comment is on the pull request (what was reviewed: apply on merge).")
@click.option("--repo", default=None, help="OWNER/NAME [default: $GITHUB_REPOSITORY]")
@click.option("--author", envvar="RECONCILER_COMMENT_AUTHOR", default=None,
              help="Login that writes reconciler's comments (default: any bot account).")
@_pr_option
@click.pass_context
def stacks_cmd(ctx, changed_since, reviewed, repo, author, pr) -> int:
    """Print the stacks to fan out over as a GitHub Actions matrix, and set the step outputs
    ``matrix`` ({"include": [{"stack": NAME}, ...]}) and ``count``."""
    if changed_since and reviewed:
        raise click.UsageError("--changed-since and --reviewed cannot be combined")
    actions = ActionsEnv.from_env()
    found = stacks_file(ctx.meta.get("stacks_file"))  # (``--stacks-file``; meta is shared by the contexts)
    if changed_since:
        chosen = changed_stacks(found, changed_since)
    elif reviewed:
        repo, number = actions.require_repository(repo), actions.require_pr(pr)
        with _github(actions) as gh:
            comments = gh.list_comments(repo, number)
        chosen = [s for s in found.stacks.values() if find_marked(comments, "plan", s.name, author) is not None]
    else:
        chosen = list(found.stacks.values())
    matrix = json.dumps({"include": [{"stack": s.name} for s in chosen]}, separators=(",", ":"))
    click.echo(matrix)
    actions.set_output("matrix", matrix)
    actions.set_output("count", str(len(chosen)))
    return 0
