"""Click commands. Each reads its options, calls the engine, renders, and returns an exit code."""

from __future__ import annotations

import importlib
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import click

from reconciler.addresses import Address
from reconciler.cli.progress import CliHooks, refresh_progress
from reconciler.cli.stacks import choose_stack, stacks
from reconciler.cli.state_transfer import pull, push
from reconciler.errors import PlanError, ReconcilerError, StateError
from reconciler.graph.build import build_graph
from reconciler.graph.render import render_dot, render_mermaid
from reconciler.plan.model import Plan
from reconciler.plan.render import render_drift, render_ledger, render_plan, use_color
from reconciler.providers.registry import PROVIDERS
from reconciler.sandbox import Sandbox
from reconciler.spec.schema import json_schema
from reconciler.spec.stacks import json_schema as stacks_json_schema
from reconciler.workspace import DEFAULT_PARALLELISM, PARALLELISM_HELP, Workspace

FORMATS = click.Choice(["text", "json", "markdown"])


def _address(_ctx: click.Context, _param: click.Parameter, value):
    try:
        if isinstance(value, tuple):
            return tuple(Address.parse(v) for v in value)
        return Address.parse(value) if value is not None else None
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


class _LazyGroup(click.Group):
    """A group whose ``lazy`` subcommands (name -> ``module:attribute``) are imported only when
    named or listed (``--help``): the ``ci`` commands and their GitHub integration."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, lazy={"ci": "reconciler.cli.ci:ci"},
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--specs", envvar="RECONCILER_SPECS", default="specs", show_default=True,
              help="Spec directory or file (env RECONCILER_SPECS).")
@click.option("--state", "state", envvar="RECONCILER_STATE", default=None,
              help="State file path or postgresql:// URL (env RECONCILER_STATE; else the specs' backend "
                   "block; else state/default.json).")
@click.option("--lock-timeout", envvar="RECONCILER_LOCK_TIMEOUT", type=float, default=0.0, show_default=True,
              help="Seconds to wait for the state lock before failing.")
@click.option("--var", "var_args", multiple=True, metavar="NAME=VALUE",
              help="A variable's value (repeatable; wins over --var-file and RECONCILER_VAR_NAME).")
@click.option("--var-file", "var_files", multiple=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="A YAML file of NAME: value (repeatable, later files win; wins over RECONCILER_VAR_NAME).")
@click.option("--stack", envvar="RECONCILER_STACK", default=None, metavar="NAME",
              help="Run on the stack NAME of stacks.yaml: its specs, variable values, provider settings and "
                   "state (env RECONCILER_STACK).")
@click.option("--stacks-file", envvar="RECONCILER_STACKS_FILE", default=None, type=click.Path(dir_okay=False),
              help="The stacks file [default: stacks.yaml in the current directory or a parent] "
                   "(env RECONCILER_STACKS_FILE).")
@click.version_option(package_name="reconciler")
@click.pass_context
def cli(ctx: click.Context, specs: str, state: str | None, lock_timeout: float, var_args: tuple[str, ...],
        var_files: tuple[str, ...], stack: str | None, stacks_file: str | None) -> None:
    """Declarative reconciler for data and ML platforms."""
    ctx.meta["stacks_file"] = stacks_file
    chosen = choose_stack(ctx, stack, stacks_file)
    ctx.obj = Workspace(specs_path=chosen.specs[0] if chosen else specs, state_location=state,
                        lock_timeout=lock_timeout, var_args=var_args, var_files=var_files, stack=chosen,
                        warn=lambda message: click.echo(f"Warning: {message}", err=True))


def _ws(ctx: click.Context, parallelism: int | None = None) -> Workspace:
    ws: Workspace = ctx.obj
    if parallelism is not None:
        if parallelism < 1:
            raise click.BadParameter("must be at least 1", param_hint="--parallelism")
        ws = replace(ws, parallelism=parallelism)
    if sys.stderr.isatty():
        ws = replace(ws, progress=refresh_progress(sys.stderr))
    return ws


def _out(text: str) -> None:
    click.echo(text, nl=not text.endswith("\n"))


@cli.command()
@click.pass_context
def validate(ctx: click.Context) -> int:
    """Load, interpolate, type-check and graph the specs. No network."""
    ws: Workspace = ctx.obj
    specs = ws.load()
    build_graph(specs, None)
    click.echo(f"Success! {len(specs.resources)} resource(s) in {len(specs.files)} file(s) are valid.")
    return 0


@cli.command()
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Save the plan to FILE for `apply FILE`.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes.")
@click.option("--target", "targets", multiple=True, callback=_address, help="Plan only ADDR and what it needs.")
@click.option("--refresh-only", is_flag=True, help="Only report drift; plan no changes.")
@click.option("--destroy", is_flag=True, help="Plan deleting everything the state manages.")
@click.option("--allow-cascade", is_flag=True, help="Accept deletes that take unplanned objects with them.")
@click.option("--changed-since", metavar="GIT_REF", help="Plan only what spec changes since GIT_REF can affect.")
@click.option("--replace", "replace", multiple=True, callback=_address, metavar="ADDR",
              help="Replace ADDR even if it is unchanged (repeatable).")
@click.option("--parallelism", type=int, default=DEFAULT_PARALLELISM, show_default=True,
              help=PARALLELISM_HELP)
@click.pass_context
def plan(ctx, out, fmt, detailed_exitcode, targets, refresh_only, destroy, allow_cascade, changed_since,
         replace, parallelism) -> int:
    """Refresh and show what apply would do. Writes nothing to any backend.

    With --detailed-exitcode: 0 no changes, 2 changes, 3 nothing to apply but something is
    blocked outside the tool (e.g. a model pending review), 1 error.
    """
    if refresh_only and destroy:
        raise click.UsageError("--refresh-only and --destroy cannot be combined")
    mode = "destroy" if destroy else ("refresh-only" if refresh_only else "normal")
    if changed_since and (targets or destroy or refresh_only):
        raise click.UsageError("--changed-since cannot be combined with --target, --destroy or --refresh-only")
    if replace and (destroy or refresh_only):
        raise click.UsageError("--replace cannot be combined with --destroy or --refresh-only")
    result = _ws(ctx, parallelism).plan(mode=mode, targets=targets, allow_cascade=allow_cascade,
                                        changed_since=changed_since, force_replace=replace)
    if refresh_only:
        _out(render_drift(result, fmt, color=fmt == "text" and use_color(sys.stdout)))
    else:
        _out(render_plan(result, fmt, color=fmt == "text" and use_color(sys.stdout)))
    if out:
        _save_plan(result, out)
        click.echo(f"Saved the plan to {out}. Apply exactly this plan with: reconciler apply {out}", err=True)
    if not detailed_exitcode:
        return 0
    if refresh_only:
        return 2 if any(d.alarm for d in result.drift) else 0
    if result.has_changes():
        return 2
    return 3 if result.blocked else 0


@cli.command()
@click.argument("planfile", required=False, type=click.Path(dir_okay=False))
@click.option("--auto-approve", is_flag=True, help="Skip the confirmation prompt.")
@click.option("--target", "targets", multiple=True, callback=_address)
@click.option("--refresh-only", is_flag=True, help="Record live values of drifted objects in state.")
@click.option("--allow-cascade", is_flag=True, help="Accept deletes that take unplanned objects with them.")
@click.option("--replace", "replace", multiple=True, callback=_address, metavar="ADDR",
              help="Replace ADDR even if it is unchanged (repeatable).")
@click.option("--parallelism", type=int, default=DEFAULT_PARALLELISM, show_default=True,
              help=PARALLELISM_HELP)
@click.option("--validate", is_flag=True,
              help="After the apply, run each changed provider's own validation (Lightdash: broken charts and "
                   "dashboards); problems fail the run.")
@click.pass_context
def apply(ctx, planfile, auto_approve, targets, refresh_only, allow_cascade, replace, parallelism, validate) -> int:
    """Apply a fresh plan (after confirmation) or exactly a saved one."""
    ws = _ws(ctx, parallelism)
    saved = _load_plan(planfile) if planfile else None
    if saved is not None and (targets or refresh_only or allow_cascade or replace):
        raise click.UsageError("a saved plan is applied as it is: --target/--refresh-only/--allow-cascade/--replace "
                               "belong to `plan`")
    if replace and refresh_only:
        raise click.UsageError("--replace cannot be combined with --refresh-only")
    mode = "refresh-only" if refresh_only else "normal"
    return _apply(ws, saved, mode=mode, targets=targets, allow_cascade=allow_cascade,
                  auto_approve=auto_approve or saved is not None, force_replace=replace, validate=validate)


@cli.command()
@click.option("--auto-approve", is_flag=True, help="Skip the confirmation prompt.")
@click.option("--target", "targets", multiple=True, callback=_address)
@click.option("--allow-cascade", is_flag=True, help="Accept deletes that take unplanned objects with them.")
@click.option("--parallelism", type=int, default=DEFAULT_PARALLELISM, show_default=True,
              help=PARALLELISM_HELP)
@click.pass_context
def destroy(ctx, auto_approve, targets, allow_cascade, parallelism) -> int:
    """Delete everything the state manages (honouring prevent_destroy)."""
    return _apply(_ws(ctx, parallelism), None, mode="destroy", targets=targets, allow_cascade=allow_cascade,
                  auto_approve=auto_approve)


def _apply(ws: Workspace, saved: Plan | None, *, mode: str, targets, auto_approve: bool,
           allow_cascade: bool = False, force_replace=(), validate: bool = False) -> int:
    color = use_color(sys.stdout)

    def confirm(p: Plan) -> bool:
        if saved is not None:  # the reviewer already saw exactly this plan
            return True
        _out(render_plan(p, "text", color=color))
        if auto_approve:
            return True
        if not sys.stdin.isatty():
            raise PlanError("apply needs confirmation, and standard input is not a terminal",
                            hint="review the plan above and re-run with --auto-approve (in CI: apply a saved plan)")
        verb = "destroy all managed objects" if mode == "destroy" else "perform these actions"
        answer = click.prompt(f"\nDo you want to {verb}? Only 'yes' will be accepted to approve", default="",
                              show_default=False)
        return answer.strip() == "yes"

    hooks = CliHooks(sys.stderr, color=use_color(sys.stderr))
    try:
        result = ws.apply(saved, mode=mode, targets=targets, allow_cascade=allow_cascade, confirm=confirm, hooks=hooks,
                          force_replace=force_replace, validate=validate)
    except ReconcilerError as err:
        ledger = getattr(getattr(err, "ledger", None), "ledger", None)
        if ledger:
            _out(render_ledger(list(ledger), color=color))
        raise
    if result.plan.mode == "refresh-only":
        click.echo(f"State updated from live objects ({len(result.plan.drift)} drifted).")
    elif not result.plan.has_changes():
        _out(render_plan(result.plan, "text", color=color))
    else:
        _out(render_ledger(list(result.ledger), color=color))
    return 0


@cli.command()
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True,
              help="Accepted for symmetry with plan: drift always exits 2 when it finds drift.")
@click.option("--parallelism", type=int, default=DEFAULT_PARALLELISM, show_default=True,
              help=PARALLELISM_HELP)
@click.pass_context
def drift(ctx, fmt, detailed_exitcode, parallelism) -> int:
    """Report what changed outside reconciler since the last apply. Read-only; takes no lock.

    Exit 0 no drift (or only unmanaged fields changed), 2 drift, 1 error.
    """
    result = _ws(ctx, parallelism).drift()
    _out(render_drift(result, fmt, color=fmt == "text" and use_color(sys.stdout)))
    return 2 if any(d.alarm for d in result.drift) else 0


@cli.command("import")
@click.argument("address", callback=_address)
@click.argument("object_id")
@click.pass_context
def import_(ctx, address: Address, object_id: str) -> int:
    """Adopt the existing object OBJECT_ID as ADDRESS (declared in the specs)."""
    rs = ctx.obj.import_resource(address, object_id)
    click.echo(f"Imported {address} (id {rs.object_id}). Run `reconciler plan` to see what differs from the specs.")
    return 0


@cli.command()
@click.option("--provider", required=True, help="Provider whose live objects to export (dataiku, lightdash...).")
@click.option("--scope", "scopes", multiple=True, metavar="KEY=VALUE",
              help="Limit the export (provider-specific, e.g. project=SALES). Repeatable.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Directory for the new spec files [default: SPECS/<provider>-export].")
@click.pass_context
def export(ctx, provider: str, scopes, out_dir) -> int:
    """Write specs for existing objects and adopt them, so the first plan shows no changes."""
    scope = {}
    for item in scopes:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: expected KEY=VALUE", param_hint="--scope")
        scope[key] = value
    files, addresses = ctx.obj.export_estate(provider, scope=scope, out_dir=out_dir)
    if not addresses:
        click.echo(f"Nothing to export: every {provider} object in scope is already managed.")
        return 0
    for path in files:
        click.echo(f"Wrote {path}")
    click.echo(f"Adopted {len(addresses)} object(s) into the state. Run `reconciler plan`: it should show no changes.")
    return 0


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["dot", "mermaid"]), default="dot", show_default=True)
@click.option("--plan", "plan_only", is_flag=True,
              help="Only what a plan changes, each node styled by its action (refreshes; writes nothing).")
@click.pass_context
def graph(ctx, fmt: str, plan_only: bool) -> int:
    """Print the dependency graph of specs and state (an edge points at what a resource depends on)."""
    dag, actions = ctx.obj.dependency_graph(plan_only=plan_only)
    click.echo(render_dot(dag, actions) if fmt == "dot" else render_mermaid(dag, actions), nl=False)
    return 0


@cli.group()
def state() -> None:
    """Inspect and edit the state."""


state.add_command(pull)
state.add_command(push)
cli.add_command(stacks)


@cli.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (all outputs: one object by name).")
@click.option("--show-sensitive", is_flag=True,
              help="Print NAME's value even if it is sensitive (evaluated again from the specs; shown only when "
                   "it is what the last apply recorded).")
@click.pass_context
def output(ctx, name: str | None, as_json: bool, show_sensitive: bool) -> int:
    """Print the outputs recorded by the last apply (all, or NAME's value alone).

    A sensitive output prints (sensitive): state holds only a keyed hash of its value;
    ``output NAME --show-sensitive`` asks for it."""
    workspace = ctx.find_object(Workspace)
    if show_sensitive:
        if name is None:
            raise click.UsageError("--show-sensitive prints one output: give its NAME")
        value = workspace.sensitive_output(name)
        click.echo(json.dumps(value, sort_keys=True) if as_json or not isinstance(value, str) else value)
        return 0
    outputs = workspace.store().read().outputs
    if name is not None:
        entry = outputs.get(name)
        if entry is None:
            known = ", ".join(sorted(outputs)) or "(none: apply the specs first)"
            raise StateError(f"no output '{name}' in the state; recorded outputs: {known}",
                             hint="outputs are recorded by `reconciler apply`")
        if as_json:
            click.echo(json.dumps({"sensitive": True} if entry.get("sensitive") else entry.get("value"),
                                  sort_keys=True))
        else:
            click.echo(_output_text(entry, plain=True))
        return 0
    if as_json:
        click.echo(json.dumps({n: ({"sensitive": True} if e.get("sensitive") else
                                   {"sensitive": False, "value": e.get("value")})
                               | ({"description": e["description"]} if e.get("description") else {})
                               for n, e in outputs.items()}, indent=2, sort_keys=True))
        return 0
    for n in sorted(outputs):
        click.echo(f"{n} = {_output_text(outputs[n], plain=False)}")
    return 0


def _output_text(entry: dict, *, plain: bool) -> str:
    """An output as text: ``(sensitive)``; a string as is when ``plain``; else JSON."""
    if entry.get("sensitive"):
        return "(sensitive)"
    value = entry.get("value")
    return value if plain and isinstance(value, str) else json.dumps(value, sort_keys=True)


@state.command("list")
@click.pass_context
def state_list(ctx) -> int:
    """List managed addresses."""
    st = ctx.find_object(Workspace).store().read()
    for address in sorted(st.resources):
        click.echo(str(address))
    return 0


@state.command("show")
@click.argument("address", callback=_address)
@click.pass_context
def state_show(ctx, address: Address) -> int:
    """Show one managed resource as JSON."""
    st = ctx.find_object(Workspace).store().read()
    rs = st.get(address)
    if rs is None:
        raise StateError(f"{address} is not in the state", hint="`reconciler state list` shows what is")
    click.echo(json.dumps(rs.to_json(), indent=2, sort_keys=True))
    return 0


@state.command("rm")
@click.argument("addresses", nargs=-1, required=True, callback=_address)
@click.pass_context
def state_rm(ctx, addresses) -> int:
    """Stop managing ADDRESS(es): the objects are left in place."""
    ctx.find_object(Workspace).state_rm(addresses)
    for address in addresses:
        click.echo(f"Removed {address} from the state (the object itself is untouched).")
    return 0


@state.command("mv")
@click.argument("old", callback=_address)
@click.argument("new", callback=_address)
@click.pass_context
def state_mv(ctx, old: Address, new: Address) -> int:
    """Rename a managed resource's address without touching the object."""
    ctx.find_object(Workspace).state_mv(old, new)
    click.echo(f"Moved {old} to {new}.")
    return 0


@cli.command("force-unlock")
@click.argument("lock_id")
@click.pass_context
def force_unlock(ctx, lock_id: str) -> int:
    """Remove the state lock LOCK_ID (use only when its holder is surely gone)."""
    ctx.obj.store().force_unlock(lock_id)
    click.echo(f"Lock {lock_id} removed.")
    return 0


@cli.command()
@click.option("--stacks", "of_stacks", is_flag=True, help="The schema of stacks.yaml instead.")
def schema(of_stacks: bool) -> int:
    """Print the JSON Schema of the spec format (for editor completion)."""
    click.echo(json.dumps(stacks_json_schema(PROVIDERS) if of_stacks else json_schema(PROVIDERS), indent=2))
    return 0


def _sandbox_address(fn):
    """--host/--port/--token/--instance, shared by `sandbox` and `sandbox env` (either position works)."""
    fn = click.option("--instance", "instances", multiple=True, metavar="PLATFORM.ALIAS",
                      help="Serve one more world of PLATFORM at /PLATFORM.ALIAS, for a named provider instance "
                           "(e.g. dataiku.automation; repeatable).")(fn)
    fn = click.option("--token", default=None, help="Token every request must carry [default: sandbox-token].")(fn)
    fn = click.option("--port", type=int, default=None, help="[default: 8765]")(fn)
    fn = click.option("--host", default=None, help="[default: 127.0.0.1]")(fn)
    return fn


@cli.group(invoke_without_command=True)
@_sandbox_address
@click.option("--latency-ms", type=float, default=0.0, show_default=True)
@click.option("--fault-rate", type=float, default=0.0, show_default=True)
@click.option("--data", "data", type=click.Path(dir_okay=False), help="Persist the emulated world to FILE.")
@click.option("--rate-limit", "rate_limits", multiple=True, metavar="PLATFORM=RPS",
              help="Allow each token at most RPS requests per second on PLATFORM; beyond it, the "
                   "platform's 429 with Retry-After (repeatable).")
@click.pass_context
def sandbox(ctx, host, port, token, latency_ms, fault_rate, data, rate_limits, instances) -> int:
    """Serve every platform emulator on one port (Ctrl-C stops)."""
    host, port, token = host or "127.0.0.1", port or 8765, token or "sandbox-token"
    ctx.meta["sandbox"] = dict(host=host, port=port, token=token, instances=tuple(instances))
    if ctx.invoked_subcommand is not None:
        return 0
    if not 0.0 <= fault_rate <= 1.0:
        raise click.BadParameter("must be between 0 and 1", param_hint="--fault-rate")
    sb = Sandbox(token=token, latency_ms=latency_ms, fault_rate=fault_rate, data_file=data,
                 rate_limits=_rate_limits(rate_limits), instances=tuple(instances))
    base = f"http://{host}:{port}"
    click.echo(f"Sandbox listening on {base} (Ctrl-C to stop). Point the providers at it with:", err=True)
    for key, value in sb.env(base).items():
        click.echo(f"  export {key}={value}", err=True)
    sb.serve(host, port)
    return 0


def _rate_limits(values: tuple[str, ...]) -> dict[str, float]:
    """``("dataiku=10",)`` -> ``{"dataiku": 10.0}``; a malformed value is a usage error (the
    sandbox itself refuses an unknown platform or a rate that is not above 0)."""
    limits: dict[str, float] = {}
    for value in values:
        platform, sep, rps = value.partition("=")
        try:
            limits[platform.strip()] = float(rps)
        except ValueError:
            sep = ""
        if not sep or not platform.strip():
            raise click.BadParameter(f"{value!r}: give PLATFORM=RPS, e.g. dataiku=10", param_hint="--rate-limit")
    return limits


@sandbox.command("env")
@_sandbox_address
@click.pass_context
def sandbox_env(ctx, host, port, token, instances) -> int:
    """Print the env exports that point every provider at the sandbox."""
    opts = dict(ctx.meta["sandbox"])
    opts.update({k: v for k, v in dict(host=host, port=port, token=token, instances=instances or None).items()
                 if v is not None})
    sb = Sandbox(token=opts["token"], instances=opts.get("instances", ()))
    for key, value in sb.env(f"http://{opts['host']}:{opts['port']}").items():
        click.echo(f"export {key}={value}")
    return 0


def _save_plan(p: Plan, path: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(p.to_json(), fh, indent=2)
        fh.write("\n")
    os.replace(tmp, target)


def _load_plan(path: str) -> Plan:
    try:
        with open(path) as fh:
            data = json.load(fh)
        if not isinstance(data, dict) or "resource_changes" not in data:
            raise ValueError("it has no resource_changes (a state file or another JSON document?)")
        return Plan.from_json(data)
    except FileNotFoundError:
        raise PlanError(f"plan file {path} does not exist", hint="make one with `reconciler plan --out FILE`") from None
    except (ValueError, KeyError, TypeError) as err:
        raise PlanError(f"{path} is not a reconciler plan file: {err}") from None
