"""``make demo``: the main job, end to end, on the built-in sandbox.

Starts ``reconciler sandbox`` in its own process on a free local port, then runs the CLI exactly
as a user would: validate, plan, apply, plan again (no changes), an out-of-band edit made through
the platform's API (as a colleague clicking in the UI would), ``drift`` reporting it, and a final
apply putting it back; then the repository's stacks (``stacks.yaml``) are listed and one is
validated. State lives in ``.demo/``, so the repository's ``state/`` is untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from reconciler.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".demo"
TOKEN = "sandbox-token"
#: named provider instances the sandbox also serves (a Dataiku automation node next to the design
#: node), for specs that put resources on them (``provider: dataiku.automation``)
INSTANCES = ("dataiku.automation",)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _banner(text: str) -> None:
    print(f"\n\033[1m==> {text}\033[0m" if sys.stdout.isatty() and not os.environ.get("NO_COLOR") else f"\n==> {text}",
          flush=True)


def _run(env: dict[str, str], *args: str, expect: tuple[int, ...] = (0,)) -> int:
    _banner("reconciler " + " ".join(args))
    code = subprocess.call([sys.executable, "-m", "reconciler", *args], env=env, cwd=ROOT)
    if code not in expect:
        raise SystemExit(f"demo: `reconciler {' '.join(args)}` exited {code}, expected {expect}")
    return code


def _wait_for(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("demo: the sandbox exited early")
        try:
            httpx.get(url + "/_sandbox/stats", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("demo: the sandbox did not start within 20 s")


def _out_of_band_edit(base: str) -> None:
    """What a colleague does in the DSS UI: retag the SALES project and rewrite its description."""
    api = f"{base}/dataiku/dip/publicapi/projects/SALES/metadata"
    with httpx.Client(auth=(TOKEN, "")) as client:
        meta = client.get(api).raise_for_status().json()
        meta["description"] = "Edited by hand in the UI"
        meta["tags"] = [t for t in meta.get("tags", []) if t != "finance"] + ["adhoc"]
        client.put(api, content=json.dumps(meta)).raise_for_status()
    print("Changed SALES's description and tags through the Dataiku API, outside reconciler.")


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    sandbox_env = Sandbox(token=TOKEN, instances=INSTANCES).env(base)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_") and k not in sandbox_env}
    env.update({
        **sandbox_env,
        "RECONCILER_SPECS": str(ROOT / "specs"),
        "RECONCILER_STATE": str(WORK / "state.json"),
    })
    instance_args = [arg for name in INSTANCES for arg in ("--instance", name)]
    _banner(f"reconciler sandbox --port {port} {' '.join(instance_args)}   (every platform emulator on one port; "
            "a second Dataiku world for the automation node)")
    server = subprocess.Popen([sys.executable, "-m", "reconciler", "sandbox", "--port", str(port), *instance_args],
                              env=env, cwd=ROOT)
    try:
        _wait_for(base, server)
        _run(env, "validate")
        _run(env, "plan", "--out", str(WORK / "plan.json"))
        _run(env, "apply", str(WORK / "plan.json"))
        _run(env, "plan", "--detailed-exitcode")
        _banner("an out-of-band change")
        _out_of_band_edit(base)
        _run(env, "drift", expect=(2,))
        _run(env, "apply", "--auto-approve")
        _run(env, "drift")
        _run(env, "state", "list")
        _banner("the repository's stacks (stacks.yaml): one plan and state per environment")
        stack_env = {k: v for k, v in env.items() if k not in ("RECONCILER_SPECS", "RECONCILER_STATE")}
        _run(stack_env, "stacks", "list")
        _run(stack_env, "--stack", "staging", "validate")
        print("\nDemo complete: planned, applied, detected drift and repaired it. State: .demo/state.json")
        return 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
