"""Pushing a built image to the repository an Astro image deploy names.

An image deploy (``IMAGE_ONLY`` / ``IMAGE_AND_DAG``) answers with ``imageRepository`` and
``imageTag``; the image must be pushed there before the deploy is finalized (Astronomer, "Deploy
to Astro with the API"). ``DockerPusher`` does what that page says with the Docker CLI:
``docker login <registry> -u cli --password-stdin`` (the API token goes through stdin, never the
command line), ``docker tag <image> <repository>:<tag>``, ``docker push <repository>:<tag>``.
Errors never contain the token. Anything with a ``push(image, repository, tag)`` method can
replace it (``AstroClient.image_pusher``).
"""

from __future__ import annotations

import subprocess
from typing import Callable, Protocol, Sequence

from reconciler.errors import ProviderError

Runner = Callable[..., "subprocess.CompletedProcess"]


class ImagePusher(Protocol):
    def push(self, image: str, repository: str, tag: str) -> None:
        """Make ``repository:tag`` hold ``image``; raise ``ProviderError`` on failure."""


class DockerPusher:
    """Re-tags a local (or pullable) image and pushes it with the Docker CLI."""

    def __init__(self, token: str, command: str = "docker", run: Runner | None = None,
                 timeout: float = 1800.0) -> None:
        """``run``: how the CLI is run (default ``subprocess.run``; tests pass their own)."""
        self._token = token
        self.command = command
        self._run = run
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"DockerPusher(command={self.command!r})"

    def push(self, image: str, repository: str, tag: str) -> None:
        target = f"{repository}:{tag}"
        registry = repository.split("/", 1)[0]
        self._call(["login", registry, "-u", "cli", "--password-stdin"], stdin=self._token, what=f"log in to {registry}")
        self._call(["tag", image, target], what=f"tag {image} as {target}")
        self._call(["push", target], what=f"push {target}")

    def _call(self, args: Sequence[str], *, what: str, stdin: str | None = None) -> None:
        run = self._run or subprocess.run
        try:
            done = run([self.command, *args], input=stdin, capture_output=True, text=True,
                       timeout=self.timeout, check=False)
        except FileNotFoundError:
            raise ProviderError(f"cannot {what}: {self.command!r} was not found",
                                hint="install Docker, or set providers.astro.docker_command") from None
        except subprocess.TimeoutExpired:
            raise ProviderError(f"cannot {what}: docker did not finish in {self.timeout:g}s") from None
        if done.returncode != 0:
            said = " ".join(f"{done.stderr or ''} {done.stdout or ''}".split())
            if self._token:
                said = said.replace(self._token, "***")
            raise ProviderError(f"cannot {what}: docker exited with {done.returncode}: {said[:300]}")
