"""Waiting for DataRobot's asynchronous work, bounded and observable.

DataRobot answers a create, a status change or a model replacement with ``202 Accepted`` and a
``Location`` to a status resource (``/api/v2/status/{id}/``). Polling it answers ``200`` with
``{"status": "RUNNING" | "INITIALIZED" | ...}`` while the job runs, ``303 See Other`` with the
finished object's URL when it is done (``200 {"status": "COMPLETED"}`` for jobs with no object),
and ``200 {"status": "ERROR" | "ABORTED" | "EXPIRED", "message": ...}`` when it failed.

``Poller`` polls at once, then sleeps a growing interval (``initial`` x ``factor`` per poll,
capped at ``max_delay``) and gives up when the next sleep would pass ``timeout`` seconds: the
work may still finish, so the error says so. ``sleep``/``clock`` are injected (tests never wait).
Each wait reports progress through ``progress`` ("waiting for ...").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from reconciler.errors import ApiError, ProviderContractError, ProviderError
from reconciler.providers.http import HttpClient

FAILED = frozenset({"ERROR", "ABORTED", "EXPIRED"})
Progress = Callable[[str], None]


class JobFailed(ApiError):
    """DataRobot reported the async job as failed (ERROR, ABORTED, EXPIRED)."""


class WaitTimeout(ProviderError):
    """The wait gave up; the platform may still finish the work."""


def _quiet(_: str) -> None:
    pass


def _job_id(location: str) -> str:
    parts = [p for p in location.split("?")[0].split("/") if p]
    return parts[-1] if parts else location


@dataclass
class Poller:
    """How long and how often to poll. One instance is shared by a client's waits."""

    timeout: float = 600.0
    initial: float = 0.5
    factor: float = 1.5
    max_delay: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def delays(self) -> "_Delays":
        return _Delays(self)

    def job(self, http: HttpClient, location: str, what: str, progress: Progress = _quiet) -> str | None:
        """Poll the status ``location`` until the job is done; returns the finished object's URL
        (the 303's ``Location``) or ``None`` for a job with no object. Raises ``JobFailed`` or
        ``WaitTimeout``."""
        job = _job_id(location)
        progress(f"waiting for DataRobot's async job to finish {what} (job {job})")
        delays = self.delays()
        url = location
        while True:
            result = http.request("GET", url)
            if result.status == 303:
                return result.headers.get("location")
            if result.status == 307 and result.headers.get("location"):
                url = result.headers["location"]
                continue
            body = result.json()
            if not isinstance(body, dict) or "status" not in body:
                raise ProviderContractError(f"{what}: the status resource answered {result.status} without a "
                                            f"status", method="GET", url=result.url, status=result.status)
            status = str(body["status"]).upper()
            if status == "COMPLETED":
                return None
            if status in FAILED:
                message = body.get("message") or "no message"
                raise JobFailed(f"{what}: DataRobot job {job} ended {status}: {message}",
                                method="GET", url=result.url, status=result.status)
            delay = delays.next(f"{what}: DataRobot job {job} is still {status}", result.url)
            progress(f"waiting for DataRobot job {job} ({what}): {status}, polling again in {delay:g}s")
            self.sleep(delay)

    def until(self, fetch: Callable[[], Any], done: Callable[[Any], bool], what: str,
              describe: Callable[[Any], str], progress: Progress = _quiet) -> Any:
        """Call ``fetch`` until ``done(value)``; returns the value. Raises ``WaitTimeout``."""
        delays = self.delays()
        while True:
            value = fetch()
            if done(value):
                return value
            delay = delays.next(f"{what}: still {describe(value)}", None)
            progress(f"waiting for {what}: {describe(value)}, checking again in {delay:g}s")
            self.sleep(delay)


class _Delays:
    """The growing intervals of one wait, and its deadline."""

    def __init__(self, poller: Poller) -> None:
        self._poller = poller
        self._deadline = poller.clock() + poller.timeout
        self._delay = poller.initial

    def next(self, still: str, url: str | None) -> float:
        """The next sleep, or ``WaitTimeout`` when it would pass the deadline."""
        delay = self._delay
        if self._poller.clock() + delay > self._deadline:
            raise WaitTimeout(f"{still} after waiting {self._poller.timeout:g}s; it may still finish",
                              url=url, hint="run the command again later: the next plan reads what it became")
        self._delay = min(self._delay * self._poller.factor, self._poller.max_delay)
        return delay
