"""Item 7, transport security (the engine's ``reconciler/providers/transport.py``), end to end.

The sandbox is served over TLS on loopback with a self-signed certificate made for the run
(``openssl``), and the CLI is pointed at it:

- ``untrusted``: no CA bundle: the TLS handshake fails, the plan exits 1 saying so, and the
  platform never receives a request (so never a credential);
- ``wrong-ca``: a CA bundle that did not sign the certificate: the same;
- ``trusted``: ``RECONCILER_CA_BUNDLE`` names the certificate: plan and apply work over TLS;
- ``plain-http-remote``: ``http://`` to a host that is not loopback is refused before any
  connection, naming the provider and ``allow_insecure``.

    python -m tests.resilience.transport
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.sandbox.server import make_server
from tests.resilience.figures import command_line, main_for, options, report
from tests.resilience.world import TOKEN, Run, World

PROVIDER = "semantic"


def make_certificate(directory: Path, name: str = "sandbox") -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key: (cert.pem, key.pem)."""
    cert, key = directory / f"{name}-cert.pem", directory / f"{name}-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def openssl_missing() -> bool:
    return shutil.which("openssl") is None


@dataclass(frozen=True)
class Case:
    id: str
    run: Run
    requests: int

    def failures(self) -> list[str]:
        text = self.run.text
        out = []
        if "Traceback" in text:
            out.append("traceback printed")
        if self.id in ("untrusted", "wrong-ca"):
            if self.run.code != 1 or "certificate" not in text.lower():
                out.append(f"exit {self.run.code}, expected 1 naming the certificate: {text.strip()[-200:]!r}")
            if self.requests:
                out.append(f"the platform answered {self.requests} request(s) over an untrusted connection")
        elif self.id == "plain-http-remote":
            if self.run.code != 1 or "allow_insecure" not in text or PROVIDER not in text:
                out.append(f"exit {self.run.code}, expected 1 naming {PROVIDER} and allow_insecure: "
                           f"{text.strip()[-200:]!r}")
        elif self.run.code != 0:
            out.append(f"exit {self.run.code} over trusted TLS: {text.strip()[-200:]!r}")
        return [f"{self.id}: {f}" for f in out]


CASES = ("untrusted", "wrong-ca", "trusted", "plain-http-remote")


def scenario(root: Path, only: Sequence[str] = CASES) -> list[Case]:
    cases: list[Case] = []
    with World(root / "transport") as world:
        world.write_estate(3, [PROVIDER])
        cert, key = make_certificate(world.root)
        other, _ = make_certificate(world.root, "other")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        server = make_server(world.sb, "127.0.0.1", 0)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        port = server.server_address[1]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        url = f"https://127.0.0.1:{port}/{PROVIDER}"
        try:
            for case_id, extra, args in (
                ("untrusted", {}, ("plan",)),
                ("wrong-ca", {"RECONCILER_CA_BUNDLE": str(other)}, ("plan",)),
                ("trusted", {"RECONCILER_CA_BUNDLE": str(cert)}, ("apply", "--auto-approve")),
                ("plain-http-remote", {"SEMANTIC_URL": "http://semantic.example.invalid/semantic"}, ("plan",)),
            ):
                if case_id not in only:
                    continue
                world.extra_env.clear()
                world.extra_env.update({"SEMANTIC_URL": url, **extra})
                before = world.sb.counts[PROVIDER]["requests"]
                run = world.cli(*args)
                cases.append(Case(case_id, run, world.sb.counts[PROVIDER]["requests"] - before))
        finally:
            server.shutdown()
    return cases


def main(argv: Sequence[str] | None = None) -> int:
    opts = options(argv, doc=__doc__, ci_size=3, full_size=3)
    if openssl_missing():
        return report("Transport security", command_line("tests.resilience.transport", argv), [],
                      ["openssl is not installed: no certificate can be made"])
    cases = scenario(opts.workdir)
    rows = [(c.id, f"exit {c.run.code}, {c.requests} request(s) reached the platform; "
                   f"{(c.run.err.strip().splitlines() or [''])[0][:150]}") for c in cases]
    failures = [f for c in cases for f in c.failures()]
    failures += [f"the token appears in the output of {c.id}" for c in cases if TOKEN in c.run.text]
    return report("Transport security", command_line("tests.resilience.transport", argv), rows, failures)


if __name__ == "__main__":
    main_for(main)
